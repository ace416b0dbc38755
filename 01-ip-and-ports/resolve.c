/*
 * resolve: turns names into addresses and addresses into names, the way every client does
 * before it connects: this machine's own name, a domain name's IPv4 and IPv6 addresses, or
 * the name of an address (reverse lookup).
 *
 * Usage: resolve [NAME|ADDRESS]...
 *
 * Mirrors the notes: "Domain names are aliases for addresses", "127.0.0.1 and localhost",
 * and the Python calls socket.gethostname(), socket.gethostbyname(name),
 * socket.gethostbyaddr(address).
 *
 * Where the answers come from: /etc/hosts first, then DNS (the order is in
 * /etc/nsswitch.conf). A name that is not in /etc/hosts makes the resolver ask a DNS server
 * over the network; so does the reverse lookup of an address that /etc/hosts does not name.
 *
 * Try:
 *   terminal 1:  cat /etc/hosts
 *   terminal 2:  ./resolve; ./resolve localhost 127.0.0.1
 *
 * See also: local_ips.c (addresses of the interfaces), ip_convert.c, port_check.c.
 */
#define _POSIX_C_SOURCE 200809L
/* NI_MAXHOST and NI_NAMEREQD's friends are not all in POSIX: glibc shows them with
 * _DEFAULT_SOURCE, macOS with _DARWIN_C_SOURCE. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROGRAM "resolve"
#define USAGE_LINE "Usage: resolve [NAME|ADDRESS]..."

/* Room for a host name from gethostname (POSIX guarantees at most 255 bytes + NUL). */
#define HOST_NAME_SIZE 256

/* Print the usage help on stdout (for -h). */
static void print_usage(void)
{
    printf("%s\n", USAGE_LINE);
    printf("No operand: this machine's host name and its addresses.\n");
    printf("A NAME: every IPv4 and IPv6 address it resolves to, each once.\n");
    printf("An ADDRESS: its name (reverse lookup).\n");
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

/* Is TEXT an IPv4 or IPv6 address in the strict inet_pton sense? */
static int is_address(const char *text)
{
    unsigned char bytes[16];
    return inet_pton(AF_INET, text, bytes) == 1 || inet_pton(AF_INET6, text, bytes) == 1;
}

/* Does TEXT end in an all-digit label ("1.2.3", "256.1.1.1", "65536")? No host name does
 * (RFC 1123), so it was meant as an address; the resolver would otherwise read "1.2.3" the
 * inet_aton way (1.2.0.3) or send it to DNS. */
static int looks_like_number(const char *text)
{
    size_t length = strlen(text);
    if (length > 0 && text[length - 1] == '.')      /* "example.com." is a full name */
        length--;
    size_t start = length;
    while (start > 0 && text[start - 1] != '.')
        start--;
    if (start == length)
        return 0;
    for (size_t i = start; i < length; i++)
        if (!isdigit((unsigned char)text[i]))
            return 0;
    return 1;
}

/* Are two results the same address? (getaddrinfo may list one address several times.) */
static int same_address(const struct addrinfo *a, const struct addrinfo *b)
{
    if (a->ai_family != b->ai_family)
        return 0;
    if (a->ai_family == AF_INET)
        return memcmp(&((const struct sockaddr_in *)(const void *)a->ai_addr)->sin_addr,
                      &((const struct sockaddr_in *)(const void *)b->ai_addr)->sin_addr,
                      sizeof(struct in_addr)) == 0;
    if (a->ai_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)(const void *)a->ai_addr)->sin6_addr,
                      &((const struct sockaddr_in6 *)(const void *)b->ai_addr)->sin6_addr,
                      sizeof(struct in6_addr)) == 0;
    return 0;
}

/* Name -> addresses: print "NAME -> ADDRESS (IPv4|IPv6)" once per address. 0 on success. */
static int forward_lookup(const char *name)
{
    /* Python: socket.gethostbyname(name) gives one IPv4 address; getaddrinfo gives all
     * of them, IPv6 too. SOCK_STREAM: otherwise each address comes once per socket type. */
    struct addrinfo hints, *results;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_CANONNAME;
    int rc = getaddrinfo(name, NULL, &hints, &results);
    if (rc != 0) {
        fprintf(stderr, "%s: getaddrinfo %s: %s\n", PROGRAM, name, gai_strerror(rc));
        return 1;
    }
    /* A name may be an alias (a CNAME in DNS): the first result carries the real name. */
    if (results->ai_canonname != NULL && strcmp(results->ai_canonname, name) != 0)
        printf("%s is an alias of %s\n", name, results->ai_canonname);
    for (const struct addrinfo *ai = results; ai != NULL; ai = ai->ai_next) {
        int seen = 0;
        for (const struct addrinfo *earlier = results; earlier != ai; earlier = earlier->ai_next)
            if (same_address(earlier, ai))
                seen = 1;
        if (seen)
            continue;
        char address[NI_MAXHOST];
        rc = getnameinfo(ai->ai_addr, ai->ai_addrlen, address, sizeof address, NULL, 0,
                         NI_NUMERICHOST);
        if (rc != 0) {
            fprintf(stderr, "%s: getnameinfo: %s\n", PROGRAM, gai_strerror(rc));
            freeaddrinfo(results);
            return 1;
        }
        printf("%s -> %s (%s)\n", name, address, ai->ai_family == AF_INET6 ? "IPv6" : "IPv4");
    }
    freeaddrinfo(results);
    return 0;
}

/* Address -> name: print "ADDRESS -> NAME". 0 on success. */
static int reverse_lookup(const char *text)
{
    /* The text is a valid address (checked), so AI_NUMERICHOST only converts it. */
    struct addrinfo hints, *results;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST;
    int rc = getaddrinfo(text, NULL, &hints, &results);
    if (rc != 0) {
        fprintf(stderr, "%s: getaddrinfo %s: %s\n", PROGRAM, text, gai_strerror(rc));
        return 1;
    }
    /* Python: socket.gethostbyaddr(address)[0]. NI_NAMEREQD: fail rather than hand the
     * address back as text when no name is known. */
    char name[NI_MAXHOST];
    rc = getnameinfo(results->ai_addr, results->ai_addrlen, name, sizeof name, NULL, 0,
                     NI_NAMEREQD);
    freeaddrinfo(results);
    if (rc != 0) {
        fprintf(stderr, "%s: getnameinfo %s: %s\n", PROGRAM, text, gai_strerror(rc));
        return 1;
    }
    printf("%s -> %s\n", text, name);
    return 0;
}

int main(int argc, char *argv[])
{
    /* Line-buffered stdout: tests and pipes see each line at once. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* Read the command line: -h, and operands before or after it. "+" keeps glibc's
     * getopt from reordering argv, so it behaves as on macOS. */
    opterr = 0;
    const char *operands[64];
    int count = 0;
    while (optind < argc) {
        int option = getopt(argc, argv, "+h");
        if (option == -1) {
            if (optind >= argc)
                break;
            if (count == (int)(sizeof operands / sizeof operands[0]))
                usage_error("too many operands: at most %d (try '%s -h')", count, PROGRAM);
            operands[count++] = argv[optind++];
            continue;
        }
        if (option == 'h') {
            print_usage();
            return 0;
        }
        usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
    }

    /* Reject what is neither an address nor a possible name before asking anyone. */
    for (int i = 0; i < count; i++) {
        if (operands[i][0] == '\0')
            usage_error("empty name");
        if (!is_address(operands[i]) && looks_like_number(operands[i]))
            usage_error("'%s' is not an IP address, and a host name cannot end in a number",
                        operands[i]);
    }

    int status = 0;
    if (count == 0) {
        /* 1. This machine's name. Python: socket.gethostname() */
        char host_name[HOST_NAME_SIZE];
        if (gethostname(host_name, sizeof host_name) < 0) {
            perror(PROGRAM ": gethostname");
            return 1;
        }
        host_name[sizeof host_name - 1] = '\0';    /* a truncated name may lack its NUL */
        printf("host name: %s\n", host_name);
        /* 2. And its addresses. Python: socket.gethostbyname(socket.gethostname()) */
        return forward_lookup(host_name);
    }

    /* 3. Each operand: an address goes backwards (reverse lookup), a name forwards. */
    for (int i = 0; i < count; i++) {
        if (is_address(operands[i]))
            status |= reverse_lookup(operands[i]);
        else
            status |= forward_lookup(operands[i]);
    }
    return status;
}
