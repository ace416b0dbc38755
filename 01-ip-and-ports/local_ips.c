/*
 * local_ips: lists every network interface of this machine with its IPv4 and IPv6
 * addresses and prefix lengths, loopback marked: the C way to see what ifconfig (Linux,
 * macOS) or ipconfig (Windows) show.
 *
 * Usage: local_ips
 *
 * Mirrors the notes: "How to see your own IP address (ifconfig / ipconfig)",
 * "127.0.0.1 and localhost", "Network, gateway and broadcast of a /24".
 *
 * Try:
 *   terminal 1:  ip addr        (or ifconfig; on Windows ipconfig)
 *   terminal 2:  ./local_ips    (the same addresses, one interface per block)
 *
 * See also: ip_convert.c (what an address is made of), resolve.c, ports.c, port_check.c.
 */
#define _POSIX_C_SOURCE 200809L
/* getifaddrs, IFF_UP/IFF_LOOPBACK and NI_MAXHOST are not POSIX: glibc shows them with
 * _DEFAULT_SOURCE, macOS with _DARWIN_C_SOURCE. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define PROGRAM "local_ips"
#define USAGE_LINE "Usage: local_ips"

/* Print the usage help on stdout (for -h). */
static void print_usage(void)
{
    printf("%s\n", USAGE_LINE);
    printf("List each network interface (up or down, loopback marked) with its IPv4 and\n");
    printf("IPv6 addresses as ADDRESS/PREFIX, like ifconfig or ipconfig.\n");
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
        bytes = (const unsigned char *)&((const struct sockaddr_in *)(const void *)netmask)->sin_addr;
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

/* Print the IPv4 or IPv6 (FAMILY) addresses of interface NAME. Returns how many. */
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
            fprintf(stderr, "%s: getnameinfo on %s: %s\n", PROGRAM, name, gai_strerror(rc));
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

int main(int argc, char *argv[])
{
    /* Line-buffered stdout: tests and pipes see each line at once. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* The command line: -h only, no operands. */
    opterr = 0;
    int option;
    while ((option = getopt(argc, argv, "+h")) != -1) {
        if (option == 'h') {
            print_usage();
            return 0;
        }
        fprintf(stderr, "%s: unknown option '-%c' (try '%s -h')\n", PROGRAM, optopt, PROGRAM);
        return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "%s: too many operands (try '%s -h')\n", PROGRAM, PROGRAM);
        return 2;
    }

    /* 1. Ask the kernel for every (interface, address) pair. The list has one entry per
     *    address, so an interface with three addresses appears three times (plus, on
     *    Linux, once for its hardware address: family AF_PACKET). */
    struct ifaddrs *list;
    if (getifaddrs(&list) < 0) {
        fprintf(stderr, "%s: getifaddrs: %s\n", PROGRAM, strerror(errno));
        return 1;
    }

    /* 2. One block per interface, in the order the kernel lists them: its name and
     *    flags, then its IPv4 addresses, then its IPv6 ones. */
    for (const struct ifaddrs *entry = list; entry != NULL; entry = entry->ifa_next) {
        int seen = 0;           /* only the first entry of each name opens a block */
        for (const struct ifaddrs *earlier = list; earlier != entry; earlier = earlier->ifa_next)
            if (strcmp(earlier->ifa_name, entry->ifa_name) == 0)
                seen = 1;
        if (seen)
            continue;
        /* IFF_LOOPBACK: the interface that never leaves the machine (127.0.0.1, ::1). */
        printf("%s (%s%s)\n", entry->ifa_name, (entry->ifa_flags & IFF_UP) ? "up" : "down",
               (entry->ifa_flags & IFF_LOOPBACK) ? ", loopback" : "");
        int printed = print_addresses(list, entry->ifa_name, AF_INET);
        printed += print_addresses(list, entry->ifa_name, AF_INET6);
        if (printed == 0)
            printf("  no IP address\n");
    }

    /* 3. getifaddrs allocated the list: give it back. */
    freeifaddrs(list);
    return 0;
}
