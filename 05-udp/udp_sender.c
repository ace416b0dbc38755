/*
 * udp_sender: sends each MESSAGE as one UDP datagram with sendto, without any connection.
 *
 * Usage: udp_sender HOST PORT MESSAGE...
 *
 * Mirrors the notes, "UDP": the sender is socket(SOCK_DGRAM) and then sendto(data,
 * (host, port)) for every message. No connect, no handshake: the sender only needs the
 * receiver's address and port. Nothing tells it whether anybody received the datagram;
 * sending to a port where nobody listens "succeeds" too.
 *
 * It speaks the notes' format: each MESSAGE is sent bare, exactly as typed (no newline
 * added), one datagram each, so the notes' Python receiver and udp_receiver both get it as
 * one message. Every argument after HOST is an operand, so a message may start with '-'.
 * When HOST has several addresses, the first one a socket can be created for gets every
 * datagram. PORT 0 can never work for a sender: it is refused as a usage error.
 *
 * What udp_sender_basic.c gets wrong:
 *  1. Ports by atoi: "70000" silently sends to port 4464, "80x" to 80. Refused here (exit 2).
 *  2. IPv4 addresses only: localhost, any name and ::1 fail (exit 1). getaddrinfo, AF_UNSPEC.
 *
 * Try:
 *   terminal 1:  ./udp_receiver 5000
 *   terminal 2:  ./udp_sender localhost 5000 hello world exit
 *
 * See also: udp_receiver.c (the other side), udp_sender_basic.c (version 1),
 * stream_vs_datagram.c, reliability_demo.c.
 */
#define _POSIX_C_SOURCE 200809L
/* NI_MAXHOST and NI_MAXSERV are not POSIX: glibc shows them with _DEFAULT_SOURCE, macOS
 * with _DARWIN_C_SOURCE. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define PROGRAM "udp_sender"
#define USAGE "Usage: udp_sender HOST PORT MESSAGE..."
#define DESCRIPTION                                                                          \
    "Sends each MESSAGE as one UDP datagram to HOST PORT (no connection, no newline added).\n" \
    "'Sent' means handed to this machine's kernel, not received by anybody."

/* ---- Helpers, in the order main uses them (their code is below main) ---- */
static int parse_arguments(int argc, char *argv[]);  /* options; returns the first operand */
static int open_socket(struct addrinfo *results, const char *host, struct addrinfo **receiver);
static int send_message(int fd, const struct addrinfo *receiver, const char *message); /* step 3 */
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static long parse_number(const char *text, long min, long max);      /* strict, or -1 */
static long number_argument(const char *text, const char *what, long min, long max);
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size);
_Noreturn static void fail(const char *call, const char *where); /* one line, exit 1 */
_Noreturn static void usage_error(const char *format, ...); /* one line on stderr, exit 2 */

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* tests and pipes see each line at once */
    /* Writing to a socket whose peer has gone raises SIGPIPE, which would kill us silently;
     * ignored, the call fails with EPIPE instead and we report it. (UDP hardly ever does
     * this, but every program here that writes to sockets follows the same rule.) */
    signal(SIGPIPE, SIG_IGN);
    int first = parse_arguments(argc, argv); /* Fix 1: a bad PORT is refused, not atoi'd */
    const char *host = argv[first], *port = argv[first + 1];

    /* 1. Find the receiver's addresses. Python does this inside sendto, on every call:
     *    s.sendto(data, (host, port))
     *    Fix 2: getaddrinfo, AF_UNSPEC: a name or an address, IPv4 or IPv6. */
    struct addrinfo hints, *results;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    int rc = getaddrinfo(host, port, &hints, &results);
    if (rc != 0) {
        fprintf(stderr, "%s: getaddrinfo %s: %s\n", PROGRAM, host, gai_strerror(rc));
        return 1;
    }

    /* 2. Create a socket for the first address we can.
     *    Python: s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM) */
    struct addrinfo *receiver;
    int sender_socket = open_socket(results, host, &receiver);

    /* 3. One sendto per MESSAGE, bare: each becomes exactly one datagram.
     *    Python: s.sendto(message.encode(), (host, port)) */
    int status = 0;
    for (int i = first + 2; i < argc && status == 0; i++)
        status = send_message(sender_socket, receiver, argv[i]);

    /* 4. Close. Python: s.close() */
    close(sender_socket);
    freeaddrinfo(results);
    return status;
}

/* Step 2: a socket for the first of RESULTS that allows one; sets *RECEIVER to it. There is
 * no connect to try: with UDP nothing is sent until sendto, and a successful sendto says
 * nothing about whether anyone listens. Exits 1 if no address allows a socket. */
static int open_socket(struct addrinfo *results, const char *host, struct addrinfo **receiver)
{
    int saved_errno = 0;
    for (*receiver = results; *receiver != NULL; *receiver = (*receiver)->ai_next) {
        int fd = socket((*receiver)->ai_family, (*receiver)->ai_socktype, (*receiver)->ai_protocol);
        if (fd >= 0)
            return fd;
        saved_errno = errno;
    }
    freeaddrinfo(results);
    errno = saved_errno;
    fail("socket", host);
}

/* Step 3, for one MESSAGE: one sendto (again if a signal interrupts it), then "Sent N bytes
 * to ADDRESS", or the reason on stderr and 1. No send-all loop: a datagram leaves whole or
 * not at all (a message too big for one datagram fails with EMSGSIZE), never in pieces.
 * "Sent" means: handed to our own kernel. Not: received by anybody. */
static int send_message(int fd, const struct addrinfo *receiver, const char *message)
{
    char receiver_text[NI_MAXHOST + NI_MAXSERV + 16];
    format_address(receiver->ai_addr, receiver->ai_addrlen, receiver_text, sizeof receiver_text);
    size_t length = strlen(message);
    ssize_t sent;
    do
        sent = sendto(fd, message, length, 0, receiver->ai_addr, receiver->ai_addrlen);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        fprintf(stderr, "%s: sendto %s: %s\n", PROGRAM, receiver_text, strerror(errno));
        return 1;
    }
    printf("Sent %zd bytes to %s\n", sent, receiver_text);
    return 0;
}

/* ---- Plumbing: read after the lesson ---- */

/* Options first (only -h), then HOST PORT MESSAGE... (the POSIX utility conventions). "+"
 * makes getopt stop at the first operand everywhere (GNU getopt would otherwise reorder
 * argv and take a message such as "-x" for an option). A negative number such as -1 is an
 * operand, not an option (next_option). Checks HOST and PORT; returns the index of HOST. */
static int parse_arguments(int argc, char *argv[])
{
    int option;
    opterr = 0; /* we print our own messages */
    while ((option = next_option(argc, argv, "+h")) != -1) {
        if (option != 'h')
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        printf("%s\n%s\n", USAGE, DESCRIPTION);
        exit(0);
    }
    if (argc - optind < 3)
        usage_error("missing operand (try '%s -h')", PROGRAM);
    const char *host = argv[optind], *port = argv[optind + 1];
    if (host[0] == '\0')
        usage_error("bad host '': expected a name or an address");
    number_argument(port, "port", 1, 65535); /* nobody can receive on 0: it means "any port" */
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

/* ---- begin canonical: parse_number ---- */
/* TEXT as a decimal number from MIN (0 or more) to MAX, or -1. Digits only: strtol would
 * also take " 80", "+80" and "-0", which no one means; the check before each digit keeps
 * even "99999999999999999999" from overflowing (MAX stays far below LONG_MAX / 10). */
static long parse_number(const char *text, long min, long max)
{
    long value = 0;
    if (*text == '\0')
        return -1;
    for (; *text != '\0'; text++) {
        if (*text < '0' || *text > '9' || value > max)
            return -1;
        value = value * 10 + (*text - '0');
    }
    return value >= min && value <= max ? value : -1;
}
/* ---- end canonical: parse_number ---- */

/* ---- begin canonical: number_argument ---- */
/* A number on the command line: TEXT as parse_number reads it, or a usage error naming
 * WHAT: "bad port '80x': expected a number from 0 to 65535", exit 2. */
static long number_argument(const char *text, const char *what, long min, long max)
{
    long value = parse_number(text, min, max);
    if (value < 0)
        usage_error("bad %s '%s': expected a number from %ld to %ld", what, text, min, max);
    return value;
}
/* ---- end canonical: number_argument ---- */

/* ---- begin canonical: format_address ---- */
/* A socket address as "127.0.0.1 port 51528" or "::1 port 40222", numeric (no DNS), like
 * Python's ('127.0.0.1', 51528). An IPv4 peer of an IPv6 socket appears IPv4-mapped,
 * "::ffff:127.0.0.1" (no other ':' after the prefix): shown as 127.0.0.1, as people write it. */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size)
{
    char host[128], port[16]; /* numeric: an IPv6 address with a scope name fits */
    int rc = getnameinfo(address, length, host, sizeof host, port, sizeof port,
                         NI_NUMERICHOST | NI_NUMERICSERV);
    if (rc != 0) {
        snprintf(out, size, "(unknown address: %s)", gai_strerror(rc));
        return;
    }
    const char *shown = host;
    if (strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, ':') == NULL)
        shown = host + 7;
    snprintf(out, size, "%s port %s", shown, port);
}
/* ---- end canonical: format_address ---- */

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

/* ---- begin canonical: fail ---- */
/* A call failed at run time: "PROGRAM: CALL WHERE: reason" on stderr, the reason from errno,
 * WHERE (an address, a port, a path) left out when it is NULL or ""; exit 1. */
_Noreturn static void fail(const char *call, const char *where)
{
    const char *reason = strerror(errno);
    if (where != NULL && where[0] != '\0')
        fprintf(stderr, "%s: %s %s: %s\n", PROGRAM, call, where, reason);
    else
        fprintf(stderr, "%s: %s: %s\n", PROGRAM, call, reason);
    exit(1);
}
/* ---- end canonical: fail ---- */
