/*
 * send_recv_buffers.c - shows that send() only copies bytes into kernel buffers: it
 * "succeeds" long before anyone has read anything, until the buffers are full.
 *
 * Usage: send_recv_buffers [-b BYTES]
 *
 * Mirrors the notes' "send and recv principles": send() hands bytes to the sender's send
 * buffer and returns; the kernel moves them to the receiver's receive buffer; recv() takes
 * them from there. When both buffers are full (the receiver is not reading), a blocking
 * send() would wait; a non-blocking one fails with EAGAIN. This program connects a client
 * to its own listening socket on 127.0.0.1, prints each socket's SO_SNDBUF and SO_RCVBUF,
 * sends 1 KiB chunks without blocking while the receiving side reads nothing, counts what
 * send() accepted until EAGAIN (and compares it with the two buffer sizes), then lets the
 * receiver read everything and compares the counts.
 * -b BYTES asks for SO_SNDBUF = SO_RCVBUF = BYTES on both sockets first (Linux doubles the
 * number you ask for, to leave room for its bookkeeping, and enforces a minimum).
 *
 * Try (one terminal is enough):
 *   ./send_recv_buffers            then   ./send_recv_buffers -b 4096
 *   and compare the "send accepted" numbers.
 *
 * See also: tcp_server.c (the blocking send/recv of the notes), ../02-tcp-client/.
 */
/* INADDR_LOOPBACK is not in POSIX.1-2008: macOS hides it under a strict _POSIX_C_SOURCE
 * unless _DARWIN_C_SOURCE is defined; _DEFAULT_SOURCE does the same for glibc and musl. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROGRAM "send_recv_buffers"
#define CHUNK 1024
#define SAFETY_LIMIT (1024L * 1024 * 1024) /* stop at 1 GiB whatever happens */

static int parse_arguments(int argc, char **argv); /* -b BYTES, or 0; exit 2 if bad */
static void set_buffers(int socket_fd, int bytes);  /* ask for both sizes */
static int buffer_size(int socket_fd, int option);  /* what the kernel really gave */
static void show_buffers(const char *name, int socket_fd); /* print both sizes */
_Noreturn static void print_help(void);             /* -h: Usage + description, exit 0 */
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static long parse_number(const char *text, long min, long max); /* strict: digits, or -1 */
_Noreturn static void usage_error(const char *format, ...); /* bad command line: exit 2 */
_Noreturn static void fail(const char *call, const char *where); /* run-time error: exit 1 */

int main(int argc, char **argv) {
    int requested = parse_arguments(argc, argv); /* 0: leave the kernel's defaults */
    setvbuf(stdout, NULL, _IOLBF, 0); /* tests and pipes see each line at once */
    /* Writing to a peer that has gone raises SIGPIPE, which would kill us silently;
     * ignored, send() fails with EPIPE instead and we can say what happened. */
    signal(SIGPIPE, SIG_IGN);

    /* 1. A listening socket on 127.0.0.1, port chosen by the OS: the "server" side.
     *    The socket accept() returns later inherits its buffer sizes. */
    int server_socket = socket(AF_INET, SOCK_STREAM, 0);
    if (server_socket < 0)
        fail("socket", NULL);
    if (requested > 0)
        set_buffers(server_socket, requested);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (bind(server_socket, (struct sockaddr *)&address, sizeof address) < 0)
        fail("bind", "127.0.0.1 port 0");
    if (listen(server_socket, 1) < 0)
        fail("listen", NULL);
    socklen_t length = sizeof address;
    if (getsockname(server_socket, (struct sockaddr *)&address, &length) < 0)
        fail("getsockname", NULL);

    /* 2. The client connects to it. The kernel completes the handshake on its own, so
     *    connect() returns even though nobody has called accept() yet. */
    int client_socket = socket(AF_INET, SOCK_STREAM, 0);
    if (client_socket < 0)
        fail("socket", NULL);
    if (requested > 0) {
        set_buffers(client_socket, requested);
        printf("Asked for SO_SNDBUF = SO_RCVBUF = %d bytes on both sockets\n", requested);
    }
    if (connect(client_socket, (struct sockaddr *)&address, sizeof address) < 0)
        fail("connect", "127.0.0.1");
    int receiver_socket = accept(server_socket, NULL, NULL);
    if (receiver_socket < 0)
        fail("accept", NULL);
    /* One conversation is all we need, so the listening socket goes now. That stops new
     * clients only: the connection accept() gave us carries on unharmed below. */
    close(server_socket);

    /* 3. What the kernel really gave each side. */
    show_buffers("client  ", client_socket);
    show_buffers("receiver", receiver_socket);

    /* 4. Send 1 KiB chunks without blocking while the receiver reads NOTHING. Each send()
     *    succeeds as long as the kernel has room: first in the receiver's receive buffer,
     *    then in the client's send buffer. When both are full, EAGAIN. */
    int flags = fcntl(client_socket, F_GETFL);
    if (flags < 0 || fcntl(client_socket, F_SETFL, flags | O_NONBLOCK) < 0)
        fail("fcntl O_NONBLOCK", NULL);
    printf("The client sends %d-byte chunks without blocking; the receiver reads nothing\n",
           CHUNK);
    char chunk[CHUNK];
    memset(chunk, 'x', sizeof chunk);
    long accepted = 0;
    while (accepted < SAFETY_LIMIT) {
        ssize_t sent = send(client_socket, chunk, sizeof chunk, 0);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            fail("send", NULL);
        }
        accepted += sent; /* the last one may be partial: count what was taken */
    }
    printf("send accepted %ld bytes before EAGAIN, although nobody has read any of them\n",
           accepted);
    /* Less than the two sizes added up: the kernel charges its own bookkeeping for every
     * buffered piece against those sizes, and keeps part of the receive buffer back from
     * the window it announces. */
    long both = (long)buffer_size(client_socket, SO_SNDBUF) +
                buffer_size(receiver_socket, SO_RCVBUF);
    printf("That is %ld %% of the client's SO_SNDBUF + the receiver's SO_RCVBUF (%ld bytes)\n",
           accepted * 100 / both, both);

    /* 5. The client hangs up. close() does not throw away what is still in its send
     *    buffer: the kernel delivers it, then the FIN. */
    close(client_socket);

    /* 6. Now the receiver reads until recv() returns 0 (the client closed): every byte
     *    that send() accepted arrives. */
    long received = 0;
    char buffer[65536];
    for (;;) {
        ssize_t count = recv(receiver_socket, buffer, sizeof buffer, 0);
        if (count < 0) {
            if (errno == EINTR)
                continue;
            fail("recv", NULL);
        }
        if (count == 0)
            break;
        received += count;
    }
    close(receiver_socket);
    if (received != accepted) {
        printf("The receiver read %ld bytes: NOT the same count\n", received);
        return 1;
    }
    printf("The receiver read %ld bytes: the same count\n", received);
    return 0;
}

/* Ask for both buffer sizes. Must happen before connect()/listen(): the receive buffer
 * size decides the window TCP announces during the handshake. */
static void set_buffers(int socket_fd, int bytes) {
    if (setsockopt(socket_fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes) < 0)
        fail("setsockopt SO_SNDBUF", NULL);
    if (setsockopt(socket_fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes) < 0)
        fail("setsockopt SO_RCVBUF", NULL);
}

/* One buffer size (SO_SNDBUF or SO_RCVBUF) as the kernel reports it. */
static int buffer_size(int socket_fd, int option) {
    int size = 0;
    socklen_t length = sizeof size;
    if (getsockopt(socket_fd, SOL_SOCKET, option, &size, &length) < 0)
        fail(option == SO_SNDBUF ? "getsockopt SO_SNDBUF" : "getsockopt SO_RCVBUF", NULL);
    return size;
}

/* Print what the kernel really gave a socket. */
static void show_buffers(const char *name, int socket_fd) {
    printf("%s socket: SO_SNDBUF = %d bytes, SO_RCVBUF = %d bytes\n", name,
           buffer_size(socket_fd, SO_SNDBUF), buffer_size(socket_fd, SO_RCVBUF));
}

/* ---- Plumbing: read after the lesson ---- */

#define USAGE "Usage: send_recv_buffers [-b BYTES]"
#define DESCRIPTION                                                                        \
    "Connect a socket to itself over 127.0.0.1 and count what send() accepts while the\n"  \
    "receiver reads nothing; then read it all. -b BYTES: ask for BYTES of send and\n"      \
    "receive buffer on both sockets first (1 to 67108864).\n"
#define MAX_BUFFER (64 * 1024 * 1024)
#define BAD_SIZE "bad size '%s': expected a number of bytes from 1 to 67108864"

/* ---- begin canonical: print_help ---- */
/* -h / --help: the Usage line and what the program does, on stdout; exit 0. */
_Noreturn static void print_help(void)
{
    printf("%s\n%s", USAGE, DESCRIPTION);
    exit(0);
}
/* ---- end canonical: print_help ---- */

/* Options only (-b BYTES); this program takes no operands. */
static int parse_arguments(int argc, char **argv) {
    int requested = 0, option;
    opterr = 0; /* we print our own messages */
    while ((option = next_option(argc, argv, "+:hb:")) != -1) {
        if (option == 'h') {
            print_help();
        } else if (option == 'b') {
            requested = (int)parse_number(optarg, 1, MAX_BUFFER); /* strict: 1..64 MiB */
            if (requested < 0)
                usage_error(BAD_SIZE, optarg);
        } else if (option == ':') {
            usage_error("option '-b' needs a value (try '%s -h')", PROGRAM);
        } else {
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        }
    }
    if (optind < argc)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    return requested;
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
