/*
 * ip_convert: shows what an IP address is inside the machine: its bytes, for IPv4 the
 * 32-bit number in network and in host byte order, the text again, and its kind.
 *
 * Usage: ip_convert ADDRESS...
 *
 * Mirrors the notes: "What an IP address is" (IPv4 dotted decimal, IPv6 colon hex),
 * "127.0.0.1 and localhost", "0.0.0.0", "Network, gateway and broadcast of a /24".
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
#include <ctype.h>
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

/* The most operands we accept in one run (each one is checked before anything prints). */
#define MAX_ADDRESSES 64

/* One parsed operand: the text as typed, its family, and its bytes in network order. */
struct parsed_address {
    const char *text;
    int family;                     /* AF_INET or AF_INET6 */
    unsigned char bytes[16];        /* 4 or 16 of them used */
};

/* Print the usage help on stdout (for -h). */
static void print_usage(void)
{
    printf("%s\n", USAGE_LINE);
    printf("Show each IPv4 or IPv6 ADDRESS as bytes, as a 32-bit number in network and host\n");
    printf("byte order (IPv4), as text again (inet_ntop), and what kind of address it is.\n");
}

/* A bad command line: one line on stderr naming the problem, exit 2. */
static void usage_error(const char *format, ...)
{
    va_list args;
    fprintf(stderr, "%s: ", PROGRAM);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(2);
}

/* Is this machine big-endian? Look at the first byte of the integer 1 in memory. */
static int host_is_big_endian(void)
{
    const uint32_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 0;
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

/* Print the bytes as two-digit hex separated by spaces. */
static void print_bytes(const unsigned char *bytes, size_t count)
{
    printf("  bytes:         ");
    for (size_t i = 0; i < count; i++)
        printf(i ? " %02x" : "%02x", bytes[i]);
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

/* Everything about one IPv6 address. */
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

int main(int argc, char *argv[])
{
    /* Line-buffered stdout: tests and pipes see each line at once. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    struct parsed_address addresses[MAX_ADDRESSES];
    int count = 0;

    /* Read the command line. Options may come before or after operands; an argument
     * like "-1" is an operand (a bad address), not an option. "+" keeps glibc's getopt
     * from reordering argv, so it behaves as on macOS. */
    opterr = 0;
    while (optind < argc) {
        const char *arg = argv[optind];
        int option = -1;
        if (!(arg[0] == '-' && isdigit((unsigned char)arg[1])))
            option = getopt(argc, argv, "+h");
        if (option == -1) {
            if (optind >= argc)
                break;
            if (count == MAX_ADDRESSES)
                usage_error("too many operands: at most %d (try '%s -h')", MAX_ADDRESSES,
                            PROGRAM);
            addresses[count++].text = argv[optind++];
            continue;
        }
        if (option == 'h') {
            print_usage();
            return 0;
        }
        usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
    }
    if (count == 0)
        usage_error("missing operand: ADDRESS... (try '%s -h')", PROGRAM);

    /* 1. Text to bytes, for every operand before printing anything, so a bad one is a
     *    clean usage error. Python: socket.inet_pton(socket.AF_INET, text). inet_pton
     *    takes only the full forms (four decimal parts for IPv4), unlike the older
     *    inet_aton, which reads "1.2.3" as 1.2.0.3. */
    for (int i = 0; i < count; i++) {
        struct parsed_address *address = &addresses[i];
        if (inet_pton(AF_INET, address->text, address->bytes) == 1)
            address->family = AF_INET;
        else if (inet_pton(AF_INET6, address->text, address->bytes) == 1)
            address->family = AF_INET6;
        else
            usage_error("'%s' is not an IPv4 or IPv6 address", address->text);
    }

    for (int i = 0; i < count; i++) {
        if (i > 0)
            printf("\n");
        printf("%s\n", addresses[i].text);
        if (addresses[i].family == AF_INET)
            explain_ipv4(&addresses[i]);
        else
            explain_ipv6(&addresses[i]);
    }
    return 0;
}
