/*
 * udp_sender: sends each MESSAGE as one UDP datagram with sendto, without any connection.
 *
 * Usage: udp_sender HOST PORT MESSAGE...
 *
 * Mirrors the notes, "UDP": the client side is socket(SOCK_DGRAM) and then sendto(data,
 * (host, port)) for every message. No connect, no handshake: the sender only needs the
 * receiver's address and port. Nothing tells it whether anybody received the datagram;
 * sending to a port where nobody listens "succeeds" too.
 *
 * When HOST has several addresses, the first one that a socket can be created for is used
 * (all datagrams go there). A MESSAGE starting with '-' goes after "--".
 *
 * Try:
 *   terminal 1:  ./udp_receiver 5000
 *   terminal 2:  ./udp_sender localhost 5000 hello world exit
 *
 * See also: udp_receiver.c (the other side), stream_vs_datagram.c, reliability_demo.c.
 */
#define _POSIX_C_SOURCE 200809L
/* NI_MAXHOST and NI_MAXSERV are not POSIX: glibc shows them with _DEFAULT_SOURCE, macOS
 * with _DARWIN_C_SOURCE. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define PROGRAM "udp_sender"
#define USAGE "Usage: udp_sender HOST PORT MESSAGE..."

/* Print a usage problem on one line and exit 2. */
static void usage_error(const char *problem)
{
    fprintf(stderr, "%s: %s (try '%s -h')\n", PROGRAM, problem, PROGRAM);
    exit(2);
}

/* Check that TEXT is a port number (0..65535, digits only) or exit 2. */
static void check_port(const char *text)
{
    char *end;
    long port;

    errno = 0;
    port = text[0] >= '0' && text[0] <= '9' ? strtol(text, &end, 10) : -1;
    if (port < 0 || errno != 0 || *end != '\0' || port > 65535) {
        fprintf(stderr, "%s: bad port '%s': expected a number from 0 to 65535\n", PROGRAM, text);
        exit(2);
    }
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
    const char *shown = strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, '.') ? host + 7 : host;
    snprintf(out, size, "%s port %s", shown, port);
}

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* tests and pipes see each line at once */
    /* Writing to a socket whose peer has gone raises SIGPIPE, which would kill us silently;
     * ignored, the call fails with EPIPE instead and we report it. (UDP hardly ever does
     * this, but every program here that writes to sockets follows the same rule.) */
    signal(SIGPIPE, SIG_IGN);

    /* Operands: HOST, PORT, then one or more MESSAGEs. Options may come before or after
     * them: getopt is told to stop at the first operand ("+": what macOS always does); the
     * loop takes it and goes on. A negative number such as -1 is an operand (a bad port, or
     * a message), not an option; after "--" every argument is an operand, so a message may
     * start with '-'. */
    char **operand = calloc((size_t)argc, sizeof *operand);
    if (operand == NULL) {
        fprintf(stderr, "%s: out of memory\n", PROGRAM);
        return 1;
    }
    int operands = 0;
    opterr = 0;
    int only_operands = 0;
    while (optind < argc) {
        const char *argument = argv[optind];
        int before = optind, option = -1;
        if (!only_operands && !(argument[0] == '-' && isdigit((unsigned char)argument[1])))
            option = getopt(argc, argv, "+h");
        if (option == -1) {
            if (optind > before) /* getopt skipped "--" */
                only_operands = 1;
            else
                operand[operands++] = argv[optind++];
            continue;
        }
        if (option == 'h') {
            printf("%s\n", USAGE);
            free(operand);
            return 0;
        }
        char problem[64];
        snprintf(problem, sizeof problem, "unknown option '-%c'", optopt);
        free(operand);
        usage_error(problem);
    }
    if (operands < 3) {
        free(operand);
        usage_error(operands < 2 ? "missing operand: HOST PORT MESSAGE..." : "missing operand: MESSAGE...");
    }
    const char *host = operand[0];
    const char *port = operand[1];
    check_port(port);

    /* 1. Find the receiver's addresses: IPv4 or IPv6, datagram sockets.
     *    Python: socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM) */
    struct addrinfo hints, *results;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    int rc = getaddrinfo(host, port, &hints, &results);
    if (rc != 0) {
        fprintf(stderr, "%s: getaddrinfo %s: %s\n", PROGRAM, host, gai_strerror(rc));
        free(operand);
        return 1;
    }

    /* 2. Create a socket for the first address we can. Python: s = socket.socket(AF_INET,
     *    SOCK_DGRAM). There is no connect to try: with UDP nothing is sent until sendto, and
     *    a failed sendto says nothing about whether anyone listens. */
    int client_socket = -1;
    struct addrinfo *receiver;
    int saved_errno = 0;
    for (receiver = results; receiver != NULL; receiver = receiver->ai_next) {
        client_socket = socket(receiver->ai_family, receiver->ai_socktype, receiver->ai_protocol);
        if (client_socket >= 0)
            break;
        saved_errno = errno;
    }
    if (client_socket < 0) {
        fprintf(stderr, "%s: socket %s: %s\n", PROGRAM, host, strerror(saved_errno));
        freeaddrinfo(results);
        free(operand);
        return 1;
    }
    char receiver_text[NI_MAXHOST + NI_MAXSERV + 16];
    format_address(receiver->ai_addr, receiver->ai_addrlen, receiver_text, sizeof receiver_text);

    /* 3. One sendto per MESSAGE: each becomes exactly one datagram. Python:
     *    s.sendto(message.encode(), (host, port))
     *    No send-all loop here: a datagram leaves whole or not at all (too big gives
     *    EMSGSIZE), never in pieces. */
    int status = 0;
    for (int i = 2; i < operands; i++) {
        size_t length = strlen(operand[i]);
        ssize_t sent;
        do
            sent = sendto(client_socket, operand[i], length, 0, receiver->ai_addr, receiver->ai_addrlen);
        while (sent < 0 && errno == EINTR);
        if (sent < 0) {
            fprintf(stderr, "%s: sendto %s: %s\n", PROGRAM, receiver_text, strerror(errno));
            status = 1;
            break;
        }
        /* "Sent" means: handed to our own kernel. Not: received by anybody. */
        printf("Sent %zd bytes to %s\n", sent, receiver_text);
    }

    /* 4. Close. Python: s.close() */
    close(client_socket);
    freeaddrinfo(results);
    free(operand);
    return status;
}
