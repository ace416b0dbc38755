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
#include <netinet/in.h>
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
_Noreturn static void usage_error(const char *format, ...);
/* -h: the Usage line and what the program shows. */
static void print_usage(void);
/* Is this CPU big-endian? (Decides which byte-order sentence to print.) */
static int host_is_big_endian(void);
/* "  bytes:         c0 a8 01 02". */
static void print_bytes(const unsigned char *bytes, size_t count);

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: pipes and tests see each line */
    int first = parse_arguments(argc, argv);  /* argv[first] is the first address */

    /* 1. Text to bytes, for every operand before printing anything, so a bad one is a
     *    clean usage error. Python: socket.inet_aton(text), or socket.inet_pton(family,
     *    text). inet_pton takes only the full forms (four decimal parts for IPv4), unlike
     *    the older inet_aton, which reads "1.2.3" as 1.2.0.3. */
    struct parsed_address address;
    for (int i = first; i < argc; i++) {
        if (!text_to_bytes(argv[i], &address)) {
            fprintf(stderr, "%s: bad address '%s': expected an IPv4 or IPv6 address\n",
                    PROGRAM, argv[i]);
            return 2;
        }
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

/* ---- begin canonical: usage_error ---- */
/* A mistake on the command line: "PROGRAM: " and the message on stderr, exit 2. */
_Noreturn static void usage_error(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, "%s: ", PROGRAM);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
    exit(2);
}
/* ---- end canonical: usage_error ---- */

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
