/*
 * ip_convert: shows what an IP address is inside the machine: its bytes, for IPv4 the
 * 32-bit number in network and in host byte order, the text again, and its kind.
 *
 * Usage: ip_convert ADDRESS...
 *
 * Mirrors the notes: "What an IP address is" (IPv4 dotted decimal, IPv6 colon hex),
 * "127.0.0.1 and localhost", "0.0.0.0", "Network, gateway and broadcast of a /24", and
 * the Python calls socket.inet_aton() / socket.inet_ntoa().
 *
 * Try:
 *   terminal 1:  ./local_ips                       (note one of your own addresses)
 *   terminal 2:  ./ip_convert 192.168.1.2 127.0.0.1 ::1 fe80::1
 *
 * See also: local_ips.c (this machine's addresses), resolve.c (names <-> addresses),
 *           ports.c, port_check.c.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROGRAM "ip_convert"
#define USAGE_LINE "Usage: ip_convert ADDRESS..."

/* One parsed operand: its family and its bytes in network order. */
struct parsed_address {
    int family;                     /* AF_INET or AF_INET6 */
    unsigned char bytes[16];        /* 4 or 16 of them used */
};

/* The table of contents. The lesson: main's steps, then what they call. */
/* Step 1: text to bytes (inet_pton), IPv4 or IPv6; 0 if it is neither. */
static int text_to_bytes(const char *text, struct parsed_address *address);
/* Steps 2-5 for one IPv4 / one IPv6 address. */
static void explain_ipv4(const struct parsed_address *address);
static void explain_ipv6(const struct parsed_address *address);
/* What kind of address: loopback, private, multicast... */
static const char *ipv4_kind(uint32_t host_order);
static const char *ipv6_kind(const unsigned char *bytes);
/* Does the /24 reading (.0 network, .1 gateway, .255 broadcast) apply, and what is it? */
static int ipv4_is_ordinary_unicast(uint32_t host_order);
static void print_slash24_role(uint32_t host_order);
/* Plumbing, below the banner: */
/* -h/--help, then at least one operand; returns the first operand's index. */
static int parse_arguments(int argc, char *argv[]);
/* getopt, with --help and "-1" read as an operand. */
static int next_option(int argc, char *argv[], const char *options);
/* One line on stderr, exit 2. */
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
static void check_stdout(void); /* at exit: all output written, or one line, exit 1 */
_Noreturn static void usage_error(const char *format, ...);
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */
/* -h: the Usage line and what the program shows. */
static void print_usage(void);
/* Is this CPU big-endian? (Decides which byte-order sentence to print.) */
static int host_is_big_endian(void);
/* "  bytes:         c0 a8 01 02". */
static void print_bytes(const unsigned char *bytes, size_t count);

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* first: no socket may land on 0, 1 or 2 */
    atexit(check_stdout); /* at exit: output that could not be written is an error */
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: pipes and tests see each line */
    int first = parse_arguments(argc, argv);  /* argv[first] is the first address */

    /* 1. Text to bytes, for every operand before printing anything, so a bad one is a
     *    clean usage error. Python: socket.inet_aton(text), or socket.inet_pton(family,
     *    text). inet_pton takes only the full forms (four decimal parts for IPv4), unlike
     *    the older inet_aton, which reads "1.2.3" as 1.2.0.3. */
    struct parsed_address address;
    for (int i = first; i < argc; i++) {
        if (!text_to_bytes(argv[i], &address))
            usage_error("bad address '%s': expected an IPv4 or IPv6 address", argv[i]);
    }

    /* 2-5. Then each address in turn: its bytes, its number, its text, its kind. */
    for (int i = first; i < argc; i++) {
        text_to_bytes(argv[i], &address);
        if (i > first)
            printf("\n");            /* a blank line between two addresses */
        printf("%s\n", argv[i]);
        if (address.family == AF_INET)
            explain_ipv4(&address);
        else
            explain_ipv6(&address);
    }
    return 0;
}

/* TEXT as an IPv4 or an IPv6 address into *ADDRESS; 0 if it is neither. */
static int text_to_bytes(const char *text, struct parsed_address *address)
{
    if (inet_pton(AF_INET, text, address->bytes) == 1)
        address->family = AF_INET;
    else if (inet_pton(AF_INET6, text, address->bytes) == 1)
        address->family = AF_INET6;
    else
        return 0;
    return 1;
}

/* Everything about one IPv4 address. */
static void explain_ipv4(const struct parsed_address *address)
{
    struct in_addr in;               /* Python: socket.inet_aton(text) gives these 4 bytes */
    char text[INET_ADDRSTRLEN];
    memcpy(&in.s_addr, address->bytes, 4);
    uint32_t host_order = ntohl(in.s_addr);

    printf("  family:        IPv4 (AF_INET), 4 bytes\n");
    /* 2. The bytes as they travel on the wire: most significant first (big-endian). */
    print_bytes(address->bytes, 4);
    printf(" (network byte order: big-endian)\n");
    /* 3. The same 4 bytes read as one integer by this CPU, then put in host order. */
    printf("  network order: 0x%08lx (s_addr as stored, read as a host integer)\n",
           (unsigned long)in.s_addr);
    printf("  host order:    0x%08lx = %lu (ntohl(s_addr): the address as a number)\n",
           (unsigned long)host_order, (unsigned long)host_order);
    if (host_is_big_endian())
        printf("  byte order:    this machine is big-endian: htonl/ntohl change nothing\n");
    else
        printf("  byte order:    this machine is little-endian: htonl/ntohl swap the bytes\n");
    /* 4. Back to text. Python: socket.inet_ntoa(packed) */
    if (inet_ntop(AF_INET, &in, text, sizeof text) == NULL)
        snprintf(text, sizeof text, "?");
    printf("  inet_ntop:     %s\n", text);
    /* 5. What kind of address it is, and what a /24 netmask would make of it. */
    printf("  kind:          %s\n", ipv4_kind(host_order));
    if (ipv4_is_ordinary_unicast(host_order))
        print_slash24_role(host_order);
}

/* Everything about one IPv6 address: steps 2, 4 and 5 (no step 3: no byte order). */
static void explain_ipv6(const struct parsed_address *address)
{
    const unsigned char *b = address->bytes;
    struct in6_addr in6;
    char text[INET6_ADDRSTRLEN];
    memcpy(in6.s6_addr, b, 16);

    printf("  family:        IPv6 (AF_INET6), 16 bytes\n");
    print_bytes(b, 16);
    printf("\n  byte order:    16 bytes, always in network order; there is no htonl for them\n");
    if (inet_ntop(AF_INET6, &in6, text, sizeof text) == NULL)
        snprintf(text, sizeof text, "?");
    printf("  inet_ntop:     %s\n", text);

    /* ::ffff:a.b.c.d carries an IPv4 address inside IPv6 (what a dual-stack server sees). */
    static const unsigned char mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(b, mapped_prefix, 12) == 0) {
        uint32_t a = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
        printf("  kind:          IPv4-mapped (::ffff:0:0/96): the IPv4 address %u.%u.%u.%u,"
               " %s\n", b[12], b[13], b[14], b[15], ipv4_kind(a));
        return;
    }
    printf("  kind:          %s\n", ipv6_kind(b));
}

/* The kind of an IPv4 address given as a host-order number (ranges from RFC 6890). */
static const char *ipv4_kind(uint32_t a)
{
    if (a == 0)
        return "unspecified (0.0.0.0): as a bind address it means every interface";
    if ((a >> 24) == 0)
        return "\"this network\" (0.0.0.0/8): not a destination";
    if ((a >> 24) == 127)
        return "loopback (127.0.0.0/8): this machine itself, never leaves it";
    if ((a >> 24) == 10 || (a & 0xfff00000u) == 0xac100000u || (a & 0xffff0000u) == 0xc0a80000u)
        return "private (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16): not routed on the internet";
    if ((a & 0xffff0000u) == 0xa9fe0000u)
        return "link-local (169.254.0.0/16): self-assigned when no DHCP server answered";
    if ((a & 0xffc00000u) == 0x64400000u)
        return "shared (100.64.0.0/10): used by carrier-grade NAT";
    if ((a & 0xffffff00u) == 0xc0000200u || (a & 0xffffff00u) == 0xc6336400u
        || (a & 0xffffff00u) == 0xcb007100u)
        return "documentation (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24): for examples";
    if ((a & 0xf0000000u) == 0xe0000000u)
        return "multicast (224.0.0.0/4): one sender, a group of receivers";
    if (a == 0xffffffffu)
        return "limited broadcast (255.255.255.255): every host on the local network";
    if ((a & 0xf0000000u) == 0xf0000000u)
        return "reserved (240.0.0.0/4)";
    return "public: routed on the internet";
}

/* Does the "/24" reading (network .0, gateway .1, broadcast .255) make sense for it? */
static int ipv4_is_ordinary_unicast(uint32_t a)
{
    unsigned first = a >> 24;
    return first != 0 && first != 127 && first < 224;
}

/* Print what the last byte would mean if the netmask were /24 (255.255.255.0). */
static void print_slash24_role(uint32_t a)
{
    unsigned last = a & 0xffu;
    char network[32];
    snprintf(network, sizeof network, "%u.%u.%u.0/24", a >> 24, (a >> 16) & 0xffu,
             (a >> 8) & 0xffu);
    if (last == 0)
        printf("  if /24:        the network address of %s (names the network, not a host)\n",
               network);
    else if (last == 1)
        printf("  if /24:        host .1 of %s, by custom the gateway (router)\n", network);
    else if (last == 255)
        printf("  if /24:        the broadcast address of %s (reaches every host on it)\n",
               network);
    else
        printf("  if /24:        host .%u of %s; .0 is the network, .1 usually the gateway,"
               " .255 the broadcast\n", last, network);
}

/* The kind of an IPv6 address from its 16 bytes (RFC 4291 and friends). */
static const char *ipv6_kind(const unsigned char *b)
{
    static const unsigned char zeros[16];
    if (memcmp(b, zeros, 16) == 0)
        return "unspecified (::): as a bind address it means every interface";
    if (memcmp(b, zeros, 15) == 0 && b[15] == 1)
        return "loopback (::1): this machine itself, never leaves it";
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        return "link-local (fe80::/10): valid on one link only, needs %interface to use";
    if ((b[0] & 0xfe) == 0xfc)
        return "unique local (fc00::/7): IPv6's private addresses, not routed on the internet";
    if (b[0] == 0xff)
        return "multicast (ff00::/8): one sender, a group of receivers";
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
        return "documentation (2001:db8::/32): for examples";
    if ((b[0] & 0xe0) == 0x20)
        return "global unicast (2000::/3): routed on the internet";
    return "reserved";
}

/* ---- Plumbing: read after the lesson ---- */

/* The command line: -h or --help, then one or more addresses. Returns the index of the
 * first; a mistake is one line on stderr and exit 2. */
static int parse_arguments(int argc, char *argv[])
{
    int option;
    opterr = 0;                       /* we print our own messages, in our own words */
    while ((option = next_option(argc, argv, "+h")) != -1) {
        if (option == 'h') {
            print_usage();
            exit(0);
        }
        usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
    }
    if (optind == argc)
        usage_error("missing operand (try '%s -h')", PROGRAM);
    return optind;
}

/* ---- begin canonical: next_option ---- */
/* getopt, plus what it lacks: "--help" is -h, any other "--word" is an unknown option, and
 * an argument like "-1" (a minus and a digit) ends the options, so that it is read as an
 * operand (a bad port, say) rather than as an unknown option. */
static int next_option(int argc, char *argv[], const char *options)
{
    if (optind >= argc)
        return -1;
    const char *arg = argv[optind];
    if (arg[0] == '-' && arg[1] >= '0' && arg[1] <= '9')
        return -1;
    if (strcmp(arg, "--help") == 0) {
        optind++;
        return 'h';
    }
    if (arg[0] == '-' && arg[1] == '-' && arg[2] != '\0')
        usage_error("unknown option '%s' (try '%s -h')", arg, PROGRAM);
    return getopt(argc, argv, options); /* "+" first in OPTIONS: stop at the first operand */
}
/* ---- end canonical: next_option ---- */

/* ---- begin canonical: ensure_standard_descriptors ---- */
/* Descriptors 0, 1 and 2 open before any socket: started with one closed (`>&-`), a program
 * would get its first socket there, and printf or perror would write our own console output
 * into the connection. Each closed one becomes /dev/null (open takes the lowest free
 * number: that one). Called first in main; exit 1 if /dev/null cannot be opened. */
static void ensure_standard_descriptors(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1)
            continue; /* open */
        if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd) {
            fprintf(stderr, "%s: open /dev/null: %s\n", PROGRAM, strerror(errno));
            exit(1);
        }
    }
}
/* ---- end canonical: ensure_standard_descriptors ---- */

/* ---- begin canonical: check_stdout ---- */
/* At exit, did everything we printed reach stdout? main registers this with atexit() at
 * its top, so it runs however the program ends: main's return, exit(0) after -h, fail().
 * A printf that cannot write (stdout on a full disk, or /dev/full) returns -1 and sets a
 * flag, ferror(stdout), and that is all: unchecked, the output is lost, the status is still
 * 0 and nothing is said (Python's print would raise an error). So we flush what is left,
 * and if that or an earlier write failed: "PROGRAM: write stdout: REASON", and status 1.
 * - stdio keeps THAT a write failed, not WHY (errno has changed since), so we write one
 *   newline more: a full disk or a bad descriptor refuses it again, and says why. (If it
 *   goes through, the trouble has passed, and we can only say that a write failed.)
 * - EPIPE, "Broken pipe", means the reader has left: `./resolve localhost | head -c1`
 *   stops reading after one byte. That is normal use of a pipe, and a line each time would
 *   be noise, so we end as GNU tools do there, quietly, by SIGPIPE: status 141, which shells
 *   do not report and `set -o pipefail` does. (The programs that ignore SIGPIPE do it for
 *   their sockets: a send() to a peer that has gone fails, and they can say so.)
 * - _exit(1) is the way to change the status from inside exit() (calling exit() again there
 *   is undefined); stdout is flushed already, stderr unbuffered. Registered first, this runs
 *   last, after any other atexit() clean-up. A failure keeps its status 1, and a usage
 *   error (2) comes before any output: then there is nothing to check. */
static void check_stdout(void)
{
    int failed_earlier = ferror(stdout), error = 0;

    if (fflush(stdout) != 0)
        error = errno; /* what was left could not be written */
    else if (!failed_earlier)
        return; /* everything reached stdout */
    else if (write(STDOUT_FILENO, "\n", 1) < 0)
        error = errno; /* a line was lost earlier: why, asked again */
    if (error == EPIPE) {
        signal(SIGPIPE, SIG_DFL);
        raise(SIGPIPE);
    }
    fprintf(stderr, "%s: write stdout: %s\n", PROGRAM,
            error != 0 ? strerror(error) : "an earlier write failed");
    _exit(1);
}
/* ---- end canonical: check_stdout ---- */

/* ---- begin canonical: usage_error ---- */
/* A mistake on the command line: "PROGRAM: " and the message on stderr, one line, exit 2.
 * FORMAT takes %s, %c, %d, %ld and %g. What the user typed arrives through %s and %c, so
 * each of those goes through print_operand (escaped, at most 64 characters): a newline in
 * it cannot break the line, an ESC cannot reach the terminal, a 100 KB operand is not
 * echoed whole. */
_Noreturn static void usage_error(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, "%s: ", PROGRAM);
    for (const char *f = format; *f != '\0'; f++) {
        if (f[0] != '%' || f[1] == '\0') {
            fputc(*f, stderr);
            continue;
        }
        f++;
        if (*f == 's') {
            const char *text = va_arg(arguments, const char *);
            print_operand(text, strlen(text));
        } else if (*f == 'c') {
            char c = (char)va_arg(arguments, int);
            print_operand(&c, 1);
        } else if (*f == 'd') {
            fprintf(stderr, "%d", va_arg(arguments, int));
        } else if (*f == 'l' && f[1] == 'd') {
            fprintf(stderr, "%ld", va_arg(arguments, long));
            f++;
        } else if (*f == 'g') {
            fprintf(stderr, "%g", va_arg(arguments, double));
        } else {
            fputc(*f, stderr); /* "%%" */
        }
    }
    fputc('\n', stderr);
    va_end(arguments);
    exit(2);
}
/* ---- end canonical: usage_error ---- */

/* ---- begin canonical: print_operand ---- */
/* What the user typed (an operand, an option, a host) on stderr, by escape_character's
 * rule, at most its first 64 characters, then "..." if there are more. */
static void print_operand(const void *text, size_t length)
{
    const unsigned char *next = text;
    char piece[5];
    for (int shown = 0; length > 0; shown++) {
        if (shown == 64) {
            fputs("...", stderr);
            return;
        }
        size_t n = escape_character(next, length, piece);
        fputs(piece, stderr);
        next += n;
        length -= n;
    }
}
/* ---- end canonical: print_operand ---- */

/* ---- begin canonical: escape_character ---- */
/* The one rule by which every program here shows what a peer or an argument puts on a
 * terminal: the character at S (LENGTH bytes, 1 or more) as the string PIECE. Printable
 * ASCII and well-formed UTF-8 text (你好: utf8_sequence) as they are; a backslash doubled;
 * tab, CR and LF as \t \r \n; every other byte as \xHH: the other C0 controls (NUL, BEL,
 * ESC...), DEL, the C1 controls U+0080..U+009F (\xc2\x9b is CSI), and bytes that are not
 * UTF-8 (invalid, overlong, cut short, surrogates). So a peer cannot clear, retitle or move
 * the terminal, nor break a line, and a line that starts with NUL shows \x00, not nothing.
 * Returns how many bytes of S the character took (1 to 4). */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5])
{
    size_t n = utf8_sequence(s, length);
    if (n > 0) {
        memcpy(piece, s, n);
        piece[n] = '\0';
        return n;
    }
    if (s[0] == '\\')
        snprintf(piece, 5, "\\\\");
    else if (s[0] == '\t')
        snprintf(piece, 5, "\\t");
    else if (s[0] == '\r')
        snprintf(piece, 5, "\\r");
    else if (s[0] == '\n')
        snprintf(piece, 5, "\\n");
    else if (s[0] >= 0x20 && s[0] < 0x7f)
        snprintf(piece, 5, "%c", s[0]);
    else
        snprintf(piece, 5, "\\x%02x", s[0]);
    return 1;
}
/* ---- end canonical: escape_character ---- */

/* ---- begin canonical: utf8_sequence ---- */
/* How many bytes of well-formed, printable UTF-8 start at s (2 to 4), or 0. U+0080..U+009F
 * are control characters, and overlong forms and surrogates are not UTF-8: all get 0. So do
 * the invisible characters that reorder or hide text: the zero-width ones (U+200B..U+200F,
 * U+2060..U+2064, U+FEFF), the line and paragraph separators (U+2028, U+2029) and the
 * bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069): with
 * U+202E a peer's "txt.exe" shows as "exe.txt", and the rest of the line turns round. */
static size_t utf8_sequence(const unsigned char *s, size_t length)
{
    size_t need = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2, i;
    unsigned char low = 0x80, high = 0xbf;

    if (s[0] < 0xc2 || s[0] > 0xf4 || length < need)
        return 0;
    if (s[0] == 0xc2 || s[0] == 0xe0)
        low = 0xa0;
    else if (s[0] == 0xf0)
        low = 0x90;
    else if (s[0] == 0xed)
        high = 0x9f;
    else if (s[0] == 0xf4)
        high = 0x8f;
    if (s[1] < low || s[1] > high)
        return 0;
    for (i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    if (s[0] == 0xe2 && s[1] == 0x80 && ((s[2] >= 0x8b && s[2] <= 0x8f) ||
                                         (s[2] >= 0xa8 && s[2] <= 0xae)))
        return 0; /* U+200B..U+200F, U+2028..U+202E */
    if (s[0] == 0xe2 && s[1] == 0x81 && ((s[2] >= 0xa0 && s[2] <= 0xa4) ||
                                         (s[2] >= 0xa6 && s[2] <= 0xa9)))
        return 0; /* U+2060..U+2064, U+2066..U+2069 */
    if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
        return 0; /* U+FEFF */
    return need;
}
/* ---- end canonical: utf8_sequence ---- */

/* -h: the Usage line, then what it shows. */
static void print_usage(void)
{
    printf("%s\n", USAGE_LINE);
    printf("Show each IPv4 or IPv6 ADDRESS as bytes, as a 32-bit number in network and host\n");
    printf("byte order (IPv4), as text again (inet_ntop), and what kind of address it is.\n");
}

/* Is this machine big-endian? Look at the first byte of the integer 1 in memory. */
static int host_is_big_endian(void)
{
    const uint32_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 0;
}

/* Print the bytes as two-digit hex separated by spaces. */
static void print_bytes(const unsigned char *bytes, size_t count)
{
    printf("  bytes:         ");
    for (size_t i = 0; i < count; i++)
        printf(i ? " %02x" : "%02x", bytes[i]);
}
