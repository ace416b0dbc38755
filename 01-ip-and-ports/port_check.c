/*
 * port_check: "is the network working?" at the TCP level: tries to connect to HOST PORT
 * within a timeout and says open, refused, timed out, unreachable or unknown host.
 *
 * Usage: port_check HOST PORT [-t SECONDS]
 *
 * Mirrors the notes: "Checking that the network works" (ping, and why this is not ping:
 * ICMP echo needs a raw socket, which needs privileges) and Python's s.connect_ex(), which
 * returns the errno instead of raising: 0 is "open", ECONNREFUSED "refused".
 *
 * The verdict is the answer to the question, so it goes to stdout, one line per address
 * tried, e.g. "127.0.0.1 port 8000: open". Exit 0 if an address was open, 1 if none was,
 * 2 for a bad command line. The timeout (default 3 s) applies to each address.
 *
 * Try:
 *   terminal 1:  python3 -m http.server 8000
 *   terminal 2:  ./port_check localhost 8000      (open; stop terminal 1: refused)
 *
 * See also: ports.c (port numbers, ports the OS picks), resolve.c, ip_convert.c.
 */
#define _POSIX_C_SOURCE 200809L
/* NI_MAXHOST is not in POSIX: glibc shows it with _DEFAULT_SOURCE, macOS with
 * _DARWIN_C_SOURCE. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "port_check"
#define USAGE_LINE "Usage: port_check HOST PORT [-t SECONDS]"

#define DEFAULT_TIMEOUT 3.0           /* seconds per address */
#define MAX_TIMEOUT 3600.0

/* Print the usage help on stdout (for -h). */
static void print_usage(void)
{
    printf("%s\n", USAGE_LINE);
    printf("Try a TCP connection to each address of HOST on PORT, waiting at most SECONDS\n");
    printf("(default %g) for each, and say: open, refused, timed out, unreachable or\n",
           DEFAULT_TIMEOUT);
    printf("unknown host. Exit 0 if open, 1 if not, 2 for a bad command line.\n");
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

/* Parse TEXT as a port 0-65535 (whole decimal number, nothing after it); -1 if not. */
static long parse_port(const char *text)
{
    char *end;
    errno = 0;
    long port = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || port < 0 || port > 65535)
        return -1;
    return port;
}

/* Parse TEXT as seconds, more than 0 and at most MAX_TIMEOUT ("0.5" is fine); -1 if not. */
static double parse_seconds(const char *text)
{
    char *end;
    errno = 0;
    double seconds = strtod(text, &end);
    /* The comparison is false for NaN as well, so "nan" is rejected too. */
    if (end == text || *end != '\0' || errno == ERANGE || !(seconds > 0 && seconds <= MAX_TIMEOUT))
        return -1;
    return seconds;
}

/* Is TEXT a host we may hand to the resolver? Not if it ends in an all-digit label but
 * is no IPv4 or IPv6 address ("1.2.3", "256.1.1.1"): no host name ends in a number
 * (RFC 1123), and the resolver would read "1.2.3" the inet_aton way (1.2.0.3) or ask DNS. */
static int plausible_host(const char *text)
{
    unsigned char bytes[16];
    if (inet_pton(AF_INET, text, bytes) == 1 || inet_pton(AF_INET6, text, bytes) == 1)
        return 1;
    size_t length = strlen(text);
    if (length > 0 && text[length - 1] == '.')      /* "example.com." is a full name */
        length--;
    size_t start = length;
    while (start > 0 && text[start - 1] != '.')
        start--;
    if (start == length)
        return 1;
    for (size_t i = start; i < length; i++)
        if (!isdigit((unsigned char)text[i]))
            return 1;
    return 0;
}

/* Milliseconds on a clock that never jumps (unlike the time of day). */
static long long now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* The address in ADDRESS as numeric text; an IPv4-mapped one (::ffff:127.0.0.1) as plain
 * IPv4, the way people write it. */
static void address_text(const struct sockaddr *address, socklen_t length, char *text,
                         size_t size)
{
    char host[NI_MAXHOST];
    if (getnameinfo(address, length, host, sizeof host, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(host, sizeof host, "?");
    if (strncmp(host, "::ffff:", 7) == 0 && strchr(host, '.') != NULL)
        snprintf(text, size, "%s", host + 7);
    else
        snprintf(text, size, "%s", host);
}

/* The one word the user wants for an errno from connect (0 means connected). */
static const char *verdict(int error)
{
    switch (error) {
    case 0:
        return "open";
    case ECONNREFUSED:                /* the host answered "nobody listens here" (a RST) */
        return "refused";
    case ETIMEDOUT:
        return "timed out";
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
    case EADDRNOTAVAIL:               /* e.g. ::1 on a machine without IPv6 */
    case EAFNOSUPPORT:
#ifdef EHOSTDOWN
    case EHOSTDOWN:
#endif
        return "unreachable";
    default:
        return "failed";
    }
}

/* Try one address: a non-blocking connect, then poll until it completes or TIMEOUT_MS
 * passes. Returns 0 if connected, an errno value if not, or -1 for our own timeout. */
static int try_connect(const struct addrinfo *ai, int timeout_ms)
{
    /* 3. A TCP socket of the address's family. Python: s = socket.socket(...) */
    int sock = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (sock < 0)
        return errno;

    /* 4. Non-blocking, so connect() returns at once and we choose how long to wait.
     *    Python: s.settimeout(3) does the same thing behind the scenes. */
    int flags = fcntl(sock, F_GETFL);
    if (flags < 0 || fcntl(sock, F_SETFL, flags | O_NONBLOCK) < 0) {
        int error = errno;
        close(sock);
        return error;
    }

    /* 5. Start the handshake (SYN). On loopback it may finish at once; otherwise connect
     *    says EINPROGRESS (or EINTR: the handshake goes on anyway) and we wait. */
    int error = 0;
    if (connect(sock, ai->ai_addr, ai->ai_addrlen) < 0) {
        error = errno;
        if (error == EINPROGRESS || error == EINTR) {
            /* 6. Wait until the socket becomes writable (handshake done or failed), with
             *    a deadline that a signal interrupting poll does not extend. */
            long long deadline = now_ms() + timeout_ms;
            struct pollfd waiting = {.fd = sock, .events = POLLOUT, .revents = 0};
            for (;;) {
                long long left = deadline - now_ms();
                if (left <= 0) {
                    error = -1;
                    break;
                }
                int ready = poll(&waiting, 1, (int)left);
                if (ready < 0 && errno == EINTR)
                    continue;
                if (ready < 0) {
                    error = errno;
                    break;
                }
                if (ready == 0) {
                    error = -1;
                    break;
                }
                /* 7. The outcome of the handshake is in SO_ERROR: 0, or the errno that a
                 *    blocking connect would have returned. This is what connect_ex gives. */
                socklen_t length = sizeof error;
                if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &error, &length) < 0)
                    error = errno;
                break;
            }
        }
    }
    /* 8. We only wanted to know: close at once (the server sees a connection that ends). */
    close(sock);
    return error;
}

int main(int argc, char *argv[])
{
    /* Line-buffered stdout: tests and pipes see each line at once. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    const char *operands[2];
    int count = 0;
    double seconds = DEFAULT_TIMEOUT;

    /* Read the command line. Options may come before or after operands; "-1" is an
     * operand (a bad port), not an option. "+" keeps glibc's getopt from reordering
     * argv, so it behaves as on macOS. */
    opterr = 0;
    while (optind < argc) {
        const char *arg = argv[optind];
        int option = -1;
        if (!(arg[0] == '-' && isdigit((unsigned char)arg[1])))
            option = getopt(argc, argv, "+ht:");
        if (option == -1) {
            if (optind >= argc)
                break;
            if (count == 2)
                usage_error("too many operands (try '%s -h')", PROGRAM);
            operands[count++] = argv[optind++];
            continue;
        }
        switch (option) {
        case 'h':
            print_usage();
            return 0;
        case 't':
            seconds = parse_seconds(optarg);
            if (seconds < 0)
                usage_error("bad timeout '%s': expected seconds, more than 0 and at most %g",
                            optarg, MAX_TIMEOUT);
            break;
        default:
            if (optopt == 't')
                usage_error("option '-t' needs SECONDS (try '%s -h')", PROGRAM);
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        }
    }
    if (count < 2)
        usage_error("missing operand: HOST PORT (try '%s -h')", PROGRAM);
    const char *host = operands[0];
    if (host[0] == '\0')
        usage_error("empty host (try '%s -h')", PROGRAM);
    if (!plausible_host(host))
        usage_error("bad host '%s': not an IP address, and a host name cannot end in a number",
                    host);
    long port = parse_port(operands[1]);
    if (port < 0)
        usage_error("bad port '%s': expected a number from 0 to 65535", operands[1]);
    int timeout_ms = (int)(seconds * 1000 + 0.5);
    if (timeout_ms < 1)
        timeout_ms = 1;

    /* 1. Name to addresses, IPv4 and IPv6. Python: socket.getaddrinfo(host, port) */
    char port_text[8];
    snprintf(port_text, sizeof port_text, "%ld", port);
    struct addrinfo hints, *results;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(host, port_text, &hints, &results);
    if (rc != 0) {
        printf("%s port %ld: %s (%s)\n", host, port,
               rc == EAI_NONAME ? "unknown host" : "lookup failed", gai_strerror(rc));
        return 1;
    }

    /* 2. Try each address in turn until one is open; one line for each (steps 3-8 in
     *    try_connect). */
    int open_found = 0;
    for (struct addrinfo *ai = results; ai != NULL && !open_found; ai = ai->ai_next) {
        char address[NI_MAXHOST];
        address_text(ai->ai_addr, ai->ai_addrlen, address, sizeof address);
        int error = try_connect(ai, timeout_ms);
        if (error == 0) {
            printf("%s port %ld: open\n", address, port);
            open_found = 1;
        } else if (error < 0) {
            printf("%s port %ld: timed out (no answer within %g s)\n", address, port, seconds);
        } else {
            printf("%s port %ld: %s (%s)\n", address, port, verdict(error), strerror(error));
        }
    }
    freeaddrinfo(results);
    return open_found ? 0 : 1;
}
