/*
 * local_ips: lists every network interface of this machine with its hardware (MAC)
 * address and its IPv4 and IPv6 addresses, loopback marked: the C way to see what
 * ifconfig (Linux, macOS), ip addr (Linux) or ipconfig (Windows) show.
 *
 * Usage: local_ips
 *
 * Mirrors the notes: "How to see your own IP address (ifconfig / ipconfig)",
 * "127.0.0.1 and localhost", "Network, gateway and broadcast of a /24", and the layers:
 * the MAC address is the link layer's address, the IP address the network layer's.
 *
 * Try:
 *   terminal 1:  ip addr        (or ifconfig; on Windows ipconfig)
 *   terminal 2:  ./local_ips    (the same addresses, one interface per block)
 *
 * See also: ip_convert.c (what an address is made of), resolve.c, ports.c, port_check.c.
 */
#define _POSIX_C_SOURCE 200809L
/* getifaddrs, IFF_UP/IFF_LOOPBACK, NI_MAXHOST and the link-layer address families are not
 * POSIX: glibc and musl show them with _DEFAULT_SOURCE, macOS with _DARWIN_C_SOURCE. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
/* The hardware address comes in a different structure on each family of systems (see
 * print_hardware_address): struct sockaddr_ll on Linux, struct sockaddr_dl on the BSDs. */
#if defined(__linux__)
#include <netpacket/packet.h>
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) \
    || defined(__OpenBSD__) || defined(__DragonFly__)
#include <net/if_dl.h>
#define HAVE_SOCKADDR_DL 1
#endif

#define PROGRAM "local_ips"
#define USAGE_LINE "Usage: local_ips"

/* The table of contents. The lesson: main's steps, then what they call. */
/* Is this entry the first of its interface? (Only the first opens a block.) */
static int first_of_its_name(const struct ifaddrs *list, const struct ifaddrs *entry);
/* Step 3: the "  MAC  ..." line of an interface, where the system gives one. */
static void print_hardware_address(const struct ifaddrs *list, const char *name);
/* Step 4: the "  IPv4|IPv6 ADDRESS/PREFIX" lines of an interface; returns how many. */
static int print_addresses(const struct ifaddrs *list, const char *name, int family);
/* 255.255.255.0 -> 24. */
static int prefix_length(const struct sockaddr *netmask);
/* Plumbing, below the banner: */
/* -h/--help or nothing: a mistake is one line on stderr and exit 2. */
static void parse_arguments(int argc, char *argv[]);
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

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* first: no socket may land on 0, 1 or 2 */
    atexit(check_stdout); /* at exit: output that could not be written is an error */
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: pipes and tests see each line */
    parse_arguments(argc, argv);

    /* 1. Ask the kernel for every (interface, address) pair. Shell: ifconfig / ipconfig.
     *    The list has one entry per address, so an interface with three addresses appears
     *    three times, plus once for its hardware address (on Linux and the BSDs). */
    struct ifaddrs *list;
    if (getifaddrs(&list) < 0) {
        fprintf(stderr, "%s: getifaddrs: %s\n", PROGRAM, strerror(errno));
        return 1;
    }

    /* 2. One block per interface, in the order the kernel lists them: name and flags.
     *    IFF_LOOPBACK marks the interface that never leaves the machine (127.0.0.1, ::1). */
    for (const struct ifaddrs *entry = list; entry != NULL; entry = entry->ifa_next) {
        if (!first_of_its_name(list, entry))
            continue;
        printf("%s (%s%s)\n", entry->ifa_name, (entry->ifa_flags & IFF_UP) ? "up" : "down",
               (entry->ifa_flags & IFF_LOOPBACK) ? ", loopback" : "");

        /* 3. The link layer's address: the MAC address of the network card, which only
         *    the machines on the same link (cable, Wi-Fi) ever see. */
        print_hardware_address(list, entry->ifa_name);

        /* 4. The network layer's addresses: IPv4 first, then IPv6. */
        int printed = print_addresses(list, entry->ifa_name, AF_INET);
        printed += print_addresses(list, entry->ifa_name, AF_INET6);
        if (printed == 0)
            printf("  no IP address\n");
    }

    /* 5. getifaddrs allocated the list: give it back. */
    freeifaddrs(list);
    return 0;
}

/* Is ENTRY the first one in LIST with its interface name? (Only that one opens a block.) */
static int first_of_its_name(const struct ifaddrs *list, const struct ifaddrs *entry)
{
    for (const struct ifaddrs *earlier = list; earlier != entry; earlier = earlier->ifa_next)
        if (strcmp(earlier->ifa_name, entry->ifa_name) == 0)
            return 0;
    return 1;
}

/* Print "  MAC  aa:bb:cc:dd:ee:ff" for interface NAME, if the system gives it an address.
 *
 * Hardware addresses are not part of POSIX; each system puts them in the getifaddrs list
 * its own way:
 * - Linux: an entry of family AF_PACKET whose address is a struct sockaddr_ll; the bytes
 *   are sll_addr, sll_halen of them (6 for Ethernet and Wi-Fi). Loopback gets six zeros,
 *   as `ip link` shows ("link/loopback 00:00:00:00:00:00").
 * - macOS and the BSDs: an entry of family AF_LINK whose address is a struct sockaddr_dl;
 *   the bytes start at LLADDR(sdl), sdl_alen of them. Loopback gets none (sdl_alen 0).
 * Elsewhere the block simply has no MAC line. */
static void print_hardware_address(const struct ifaddrs *list, const char *name)
{
    for (const struct ifaddrs *entry = list; entry != NULL; entry = entry->ifa_next) {
        if (entry->ifa_addr == NULL || strcmp(entry->ifa_name, name) != 0)
            continue;
        const unsigned char *bytes = NULL;
        size_t count = 0;
#if defined(__linux__)
        if (entry->ifa_addr->sa_family == AF_PACKET) {
            const struct sockaddr_ll *link =
                (const struct sockaddr_ll *)(const void *)entry->ifa_addr;
            bytes = link->sll_addr;
            count = link->sll_halen;
            if (count > sizeof link->sll_addr)      /* (longer ones, InfiniBand's, are cut) */
                count = sizeof link->sll_addr;
        }
#elif defined(HAVE_SOCKADDR_DL)
        if (entry->ifa_addr->sa_family == AF_LINK) {
            const struct sockaddr_dl *link =
                (const struct sockaddr_dl *)(const void *)entry->ifa_addr;
            bytes = (const unsigned char *)LLADDR(link);
            count = link->sdl_alen;
        }
#endif
        if (count == 0)
            continue;
        printf("  MAC  ");
        for (size_t i = 0; i < count; i++)
            printf(i ? ":%02x" : "%02x", bytes[i]);
        printf("\n");
        return;
    }
}

/* Print the IPv4 or IPv6 (FAMILY) addresses of interface NAME as ADDRESS/PREFIX.
 * Returns how many. */
static int print_addresses(const struct ifaddrs *list, const char *name, int family)
{
    int printed = 0;
    for (const struct ifaddrs *entry = list; entry != NULL; entry = entry->ifa_next) {
        if (entry->ifa_addr == NULL || entry->ifa_addr->sa_family != family
            || strcmp(entry->ifa_name, name) != 0)
            continue;
        /* Numeric text of the address (a link-local IPv6 one gets "%interface"). */
        char address[NI_MAXHOST];
        socklen_t length = family == AF_INET ? sizeof(struct sockaddr_in)
                                             : sizeof(struct sockaddr_in6);
        int rc = getnameinfo(entry->ifa_addr, length, address, sizeof address, NULL, 0,
                             NI_NUMERICHOST);
        if (rc != 0) {
            fprintf(stderr, "%s: getnameinfo %s: %s\n", PROGRAM, name, gai_strerror(rc));
            continue;
        }
        int prefix = prefix_length(entry->ifa_netmask);
        if (prefix >= 0)
            printf("  %s %s/%d\n", family == AF_INET ? "IPv4" : "IPv6", address, prefix);
        else
            printf("  %s %s\n", family == AF_INET ? "IPv4" : "IPv6", address);
        printed++;
    }
    return printed;
}

/* The prefix length of a netmask: how many leading 1 bits (255.255.255.0 -> 24).
 * -1 if there is no netmask. */
static int prefix_length(const struct sockaddr *netmask)
{
    const unsigned char *bytes;
    size_t count;
    if (netmask == NULL)
        return -1;
    if (netmask->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)netmask;
        bytes = (const unsigned char *)&in->sin_addr;
        count = 4;
    } else if (netmask->sa_family == AF_INET6) {
        bytes = ((const struct sockaddr_in6 *)(const void *)netmask)->sin6_addr.s6_addr;
        count = 16;
    } else {
        return -1;
    }
    int bits = 0;
    for (size_t i = 0; i < count; i++)
        for (int bit = 7; bit >= 0 && (bytes[i] >> bit & 1); bit--)
            bits++;
    return bits;
}

/* ---- Plumbing: read after the lesson ---- */

/* The command line: -h or --help, nothing else. A mistake is one line on stderr, exit 2. */
static void parse_arguments(int argc, char *argv[])
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
    if (optind < argc)
        usage_error("too many operands (try '%s -h')", PROGRAM);
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

/* -h: the Usage line, then what the program shows. */
static void print_usage(void)
{
    printf("%s\n", USAGE_LINE);
    printf("List each network interface (up or down, loopback marked) with its hardware (MAC)\n");
    printf("address and its IPv4 and IPv6 addresses as ADDRESS/PREFIX, like ifconfig.\n");
}
