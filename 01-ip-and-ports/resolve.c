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

/* The table of contents. The lesson: main's steps, then what they call. */
/* Name -> "NAME -> ADDRESS (IPv4|IPv6)" lines; 0 on success. */
static int forward_lookup(const char *name);
/* Address -> "ADDRESS -> NAME"; 0 on success. */
static int reverse_lookup(const char *address);
/* Are two getaddrinfo results the same address? */
static int same_address(const struct addrinfo *a, const struct addrinfo *b);
/* Plumbing, below the banner: */
/* -h/--help, then the operands, each checked; returns the first operand's index. */
static int parse_arguments(int argc, char *argv[]);
/* getopt, with --help and "-1" read as an operand. */
static int next_option(int argc, char *argv[], const char *options);
/* One line on stderr, exit 2. */
_Noreturn static void usage_error(const char *format, ...);
/* Is the text an IPv4 or IPv6 address (inet_pton)? */
static int is_address(const char *text);
/* Why a text cannot be a host (the end of the message), or NULL. */
static const char *host_problem(const char *text);
/* -h: the Usage line and what each operand gets. */
static void print_usage(void);

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: pipes and tests see each line */
    int first = parse_arguments(argc, argv);  /* argv[first] is the first operand */

    if (first == argc) {
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

    /* 3. Each operand: an address goes backwards, a name forwards. A failure is reported
     *    and the next operand still gets its answer; the exit status remembers it. */
    int status = 0;
    for (int i = first; i < argc; i++) {
        if (is_address(argv[i]))
            status |= reverse_lookup(argv[i]);  /* Python: socket.gethostbyaddr(address) */
        else
            status |= forward_lookup(argv[i]);  /* Python: socket.gethostbyname(name) */
    }
    return status;
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
            fprintf(stderr, "%s: getnameinfo %s: %s\n", PROGRAM, name, gai_strerror(rc));
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

/* ---- Plumbing: read after the lesson ---- */

/* The command line: -h or --help, then any number of names and addresses, each checked
 * before anyone is asked. Returns the index of the first operand; a mistake is one line
 * on stderr and exit 2. */
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
    for (int i = optind; i < argc; i++) {
        const char *problem = host_problem(argv[i]);
        if (problem != NULL)
            usage_error("bad host '%s': expected a name or an address%s", argv[i], problem);
    }
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

/* Is TEXT an IPv4 or IPv6 address in the strict inet_pton sense? */
static int is_address(const char *text)
{
    unsigned char bytes[16];
    return inet_pton(AF_INET, text, bytes) == 1 || inet_pton(AF_INET6, text, bytes) == 1;
}

/* ---- begin canonical: host_problem ---- */
/* Why TEXT cannot be a host, as the end of the usage error, or NULL if it may be one.
 * Empty, or starting with '-', it is no name (RFC 1123). Ending in an all-digit label
 * ("1.2.3", "256.1.1.1", "65536") it is no name either, though no valid address: the
 * resolver would read "1.2.3" the inet_aton way (1.2.0.3) or ask a DNS server about it. */
static const char *host_problem(const char *text)
{
    unsigned char bytes[16];
    if (text[0] == '\0' || text[0] == '-')
        return "";
    if (inet_pton(AF_INET, text, bytes) == 1 || inet_pton(AF_INET6, text, bytes) == 1)
        return NULL;
    size_t length = strlen(text);
    if (text[length - 1] == '.')      /* "example.com." is a full name */
        length--;
    size_t start = length;
    while (start > 0 && text[start - 1] != '.')
        start--;
    if (start == length)
        return NULL;
    for (size_t i = start; i < length; i++)
        if (text[i] < '0' || text[i] > '9')
            return NULL;
    return " (a name cannot end in a number)";
}
/* ---- end canonical: host_problem ---- */

/* -h: the Usage line, then what each kind of operand gets. */
static void print_usage(void)
{
    printf("%s\n", USAGE_LINE);
    printf("No operand: this machine's host name and its addresses.\n");
    printf("A NAME: every IPv4 and IPv6 address it resolves to, each once.\n");
    printf("An ADDRESS: its name (reverse lookup).\n");
}
