/*
 * udp_receiver: receives UDP datagrams and prints each one with the address it came from.
 *
 * Usage: udp_receiver [PORT] [-n COUNT]
 *
 * Mirrors the notes, "UDP": the server side is socket(SOCK_DGRAM), bind, then recvfrom in a
 * loop. There is no listen and no accept: no connection is ever made, each datagram simply
 * arrives with the sender's address and port attached.
 *
 * PORT defaults to 5000; 0 lets the system pick a free port (the first line shows it).
 * It stops after the datagram "exit" (printing "Got 'exit', stopping") or after COUNT
 * datagrams (printing "Got COUNT datagrams, stopping"), and exits 0.
 * Each datagram is read into a 1024-byte buffer: a bigger one is reported as
 * "(2000 bytes, truncated to 1024)" and the rest of it is gone for good.
 *
 * Try:
 *   terminal 1:  ./udp_receiver 5000
 *   terminal 2:  ./udp_sender localhost 5000 hello world exit
 *
 * See also: udp_sender.c (the other side), stream_vs_datagram.c, reliability_demo.c.
 */
#define _POSIX_C_SOURCE 200809L
/* NI_MAXHOST and NI_MAXSERV are not POSIX: glibc shows them with _DEFAULT_SOURCE, macOS
 * with _DARWIN_C_SOURCE. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define PROGRAM "udp_receiver"
#define USAGE "Usage: udp_receiver [PORT] [-n COUNT]"
#define DEFAULT_PORT 5000
#define MAX_COUNT 1000000
/* The receive buffer: deliberately small, so that truncation is easy to see. */
#define BUFFER_SIZE 1024

/* Print a usage problem on one line and exit 2. */
static void usage_error(const char *problem)
{
    fprintf(stderr, "%s: %s (try '%s -h')\n", PROGRAM, problem, PROGRAM);
    exit(2);
}

/* Parse a decimal number in [min, max]; no sign tricks, no trailing junk. -1 if bad. */
static long parse_number(const char *text, long min, long max)
{
    char *end;
    long value;

    if (text[0] < '0' || text[0] > '9')
        return -1;
    errno = 0;
    value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < min || value > max)
        return -1;
    return value;
}

/* Parse a port (0..65535) or exit 2 with the conventional message. */
static int parse_port(const char *text)
{
    long port = parse_number(text, 0, 65535);

    if (port < 0) {
        fprintf(stderr, "%s: bad port '%s': expected a number from 0 to 65535\n", PROGRAM, text);
        exit(2);
    }
    return (int)port;
}

/* Turn a socket address into "127.0.0.1 port 40222" (numeric, IPv4-mapped shown as IPv4). */
static void format_address(const struct sockaddr *address, socklen_t length, char *out, size_t size)
{
    char host[NI_MAXHOST], port[NI_MAXSERV];
    int rc = getnameinfo(address, length, host, sizeof host, port, sizeof port,
                         NI_NUMERICHOST | NI_NUMERICSERV);

    if (rc != 0) {
        snprintf(out, size, "(unknown address: %s)", gai_strerror(rc));
        return;
    }
    /* An IPv4 sender reaching our IPv6 socket appears as ::ffff:127.0.0.1; show 127.0.0.1. */
    const char *shown = strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, '.') ? host + 7 : host;
    snprintf(out, size, "%s port %s", shown, port);
}

/* Write LENGTH bytes of DATA to stdout, printable ASCII as is and anything else escaped
 * (\n, \r, \t, \\, \xHH), so that a datagram can never garble the terminal or the log. */
static void print_safely(const unsigned char *data, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        unsigned char c = data[i];
        if (c == '\\')
            fputs("\\\\", stdout);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '\r')
            fputs("\\r", stdout);
        else if (c == '\t')
            fputs("\\t", stdout);
        else if (c >= 0x20 && c < 0x7f)
            putchar(c);
        else
            printf("\\x%02x", c);
    }
}

/* Is this datagram the word "exit" (a trailing newline, as `echo` sends it, is allowed)? */
static int is_exit(const unsigned char *data, size_t length)
{
    return (length == 4 && memcmp(data, "exit", 4) == 0) ||
           (length == 5 && memcmp(data, "exit\n", 5) == 0) ||
           (length == 6 && memcmp(data, "exit\r\n", 6) == 0);
}

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* tests and pipes see each line at once */

    const char *port_text = NULL;
    long count = 0; /* 0: no limit */

    /* Options may come before or after the operand. getopt is told to stop at the first
     * operand ("+": what macOS always does); the loop takes it and goes on. A negative
     * number such as -1 is an operand (a bad port), not an option; after "--" every
     * argument is an operand. */
    opterr = 0;
    int only_operands = 0;
    while (optind < argc) {
        const char *argument = argv[optind];
        int before = optind, option = -1;
        if (!only_operands && !(argument[0] == '-' && isdigit((unsigned char)argument[1])))
            option = getopt(argc, argv, "+:hn:");
        if (option == -1) {
            if (optind > before) { /* getopt skipped "--" */
                only_operands = 1;
                continue;
            }
            if (port_text != NULL)
                usage_error("too many operands");
            port_text = argv[optind++];
            continue;
        }
        switch (option) {
        case 'h':
            printf("%s\n", USAGE);
            return 0;
        case 'n':
            count = parse_number(optarg, 1, MAX_COUNT);
            if (count < 0) {
                fprintf(stderr, "%s: bad count '%s': expected a number from 1 to %d\n",
                        PROGRAM, optarg, MAX_COUNT);
                return 2;
            }
            break;
        default: { /* ':' or, where getopt ignores the ':' after '+', '?' for "-n" alone */
            char problem[64];
            if (option == ':' || optopt == 'n')
                snprintf(problem, sizeof problem, "option '-%c' needs a value", optopt);
            else
                snprintf(problem, sizeof problem, "unknown option '-%c'", optopt);
            usage_error(problem);
        }
        }
    }
    int port = port_text != NULL ? parse_port(port_text) : DEFAULT_PORT;

    /* 1. Create a datagram socket. Python: s = socket.socket(AF_INET6, SOCK_DGRAM)
     *    One IPv6 socket with IPV6_V6ONLY off receives from IPv4 senders too (they appear as
     *    ::ffff:a.b.c.d). Where the system has no IPv6 at all, fall back to plain IPv4. */
    int server_socket = socket(AF_INET6, SOCK_DGRAM, 0);
    int family = AF_INET6;
    if (server_socket < 0 && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) {
        server_socket = socket(AF_INET, SOCK_DGRAM, 0);
        family = AF_INET;
    }
    if (server_socket < 0) {
        fprintf(stderr, "%s: socket: %s\n", PROGRAM, strerror(errno));
        return 1;
    }
    if (family == AF_INET6) {
        int off = 0;
        if (setsockopt(server_socket, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0) {
            fprintf(stderr, "%s: setsockopt IPV6_V6ONLY: %s\n", PROGRAM, strerror(errno));
            close(server_socket);
            return 1;
        }
    }
    /* No SO_REUSEADDR here, unlike the TCP servers: UDP has no TIME_WAIT to step over, and
     * on Linux SO_REUSEADDR on UDP lets two sockets share one port, so a second receiver on
     * the same port would start silently instead of failing with "Address already in use". */

    /* 2. Bind to every local address on PORT. Python: s.bind(("", port)) */
    struct sockaddr_storage server_address;
    socklen_t server_address_length;
    memset(&server_address, 0, sizeof server_address);
    if (family == AF_INET6) {
        struct sockaddr_in6 *any6 = (struct sockaddr_in6 *)&server_address;
        any6->sin6_family = AF_INET6;
        any6->sin6_addr = in6addr_any;
        any6->sin6_port = htons((unsigned short)port);
        server_address_length = sizeof *any6;
    } else {
        struct sockaddr_in *any4 = (struct sockaddr_in *)&server_address;
        any4->sin_family = AF_INET;
        any4->sin_addr.s_addr = htonl(INADDR_ANY);
        any4->sin_port = htons((unsigned short)port);
        server_address_length = sizeof *any4;
    }
    if (bind(server_socket, (struct sockaddr *)&server_address, server_address_length) < 0) {
        fprintf(stderr, "%s: bind port %d: %s\n", PROGRAM, port, strerror(errno));
        close(server_socket);
        return 1;
    }

    /* Ask which port we really got (it matters when PORT was 0). */
    server_address_length = sizeof server_address;
    if (getsockname(server_socket, (struct sockaddr *)&server_address, &server_address_length) < 0) {
        fprintf(stderr, "%s: getsockname: %s\n", PROGRAM, strerror(errno));
        close(server_socket);
        return 1;
    }
    int bound_port = family == AF_INET6
                         ? ntohs(((struct sockaddr_in6 *)&server_address)->sin6_port)
                         : ntohs(((struct sockaddr_in *)&server_address)->sin_port);
    printf("Listening on port %d\n", bound_port);

    /* 3. Receive datagrams. Python: data, client_address = s.recvfrom(1024)
     *    We use recvmsg, recvfrom's big brother, because it also reports MSG_TRUNC: "this
     *    datagram was bigger than your buffer". UDP never splits a datagram across two reads;
     *    what did not fit is thrown away by the kernel. */
    long received = 0;
    for (;;) {
        unsigned char data[BUFFER_SIZE];
        struct sockaddr_storage client_address;
        struct iovec chunk = {.iov_base = data, .iov_len = sizeof data};
        struct msghdr message;
        memset(&message, 0, sizeof message);
        message.msg_name = &client_address;
        message.msg_namelen = sizeof client_address;
        message.msg_iov = &chunk;
        message.msg_iovlen = 1;

        int flags = 0;
#ifdef __linux__
        /* Linux extra: with MSG_TRUNC passed in, recvmsg returns the datagram's real length
         * even when it did not fit (elsewhere we only learn that it did not fit). */
        flags = MSG_TRUNC;
#endif
        ssize_t length = recvmsg(server_socket, &message, flags);
        if (length < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "%s: recvmsg port %d: %s\n", PROGRAM, bound_port, strerror(errno));
            close(server_socket);
            return 1;
        }
        received++;

        char client_text[NI_MAXHOST + NI_MAXSERV + 16];
        format_address((struct sockaddr *)&client_address, message.msg_namelen, client_text,
                       sizeof client_text);
        size_t kept = (size_t)length < sizeof data ? (size_t)length : sizeof data;
        if (message.msg_flags & MSG_TRUNC) {
            if ((size_t)length > sizeof data)
                printf("From %s (%zd bytes, truncated to %zu): ", client_text, length, kept);
            else /* not Linux: the real size is unknown */
                printf("From %s (over %zu bytes, truncated to %zu): ", client_text, kept, kept);
        } else {
            printf("From %s (%zd bytes): ", client_text, length);
        }
        print_safely(data, kept);
        putchar('\n');

        /* 4. Stop on "exit" or after COUNT datagrams. */
        if (is_exit(data, (size_t)length)) {
            printf("Got 'exit', stopping\n");
            break;
        }
        if (count > 0 && received >= count) {
            printf("Got %ld datagram%s, stopping\n", received, received == 1 ? "" : "s");
            break;
        }
    }

    /* 5. Close. Python: s.close() */
    close(server_socket);
    return 0;
}
