/*
 * stream_vs_datagram: the same three sends over TCP and over UDP, and what each recv returns.
 *
 * Usage: stream_vs_datagram
 *
 * Mirrors the notes, "TCP vs UDP": TCP is a byte stream, UDP sends datagrams. On loopback
 * it sends "one", "two", "three" with three send calls over one TCP connection and with
 * three sendto calls over UDP, lets the receiver read only once all of it has arrived, and
 * prints what every read returned:
 *   TCP recv 1: 11 bytes: onetwothree          (the boundaries are gone)
 *   UDP recvfrom 1: 3 bytes: one               (one datagram per read, boundaries kept)
 * So a TCP program must mark where its messages end itself ("framing"); later lessons end
 * every message with a newline.
 *
 * Try:
 *   terminal 1:  ./stream_vs_datagram
 *   (one terminal is enough: both sides are in this program, on 127.0.0.1)
 *
 * See also: udp_sender.c and udp_receiver.c, reliability_demo.c.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define PROGRAM "stream_vs_datagram"
#define USAGE "Usage: stream_vs_datagram"

static const char *const messages[] = {"one", "two", "three"};
#define MESSAGES 3
#define TOTAL_BYTES 11 /* strlen("one") + strlen("two") + strlen("three") */

/* Report a failed call on one line and exit 1. */
static void fail(const char *call)
{
    fprintf(stderr, "%s: %s 127.0.0.1: %s\n", PROGRAM, call, strerror(errno));
    exit(1);
}

/* Send all LENGTH bytes (send may take only part of them), retrying after signals. */
static void send_all(int socket_fd, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t sent = send(socket_fd, data, length, 0);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            fail("send");
        }
        data += sent;
        length -= (size_t)sent;
    }
}

/* recv or recvfrom, retried after signals. */
static ssize_t receive(int socket_fd, char *buffer, size_t size)
{
    ssize_t length;
    do
        length = recv(socket_fd, buffer, size, 0);
    while (length < 0 && errno == EINTR);
    return length;
}

/* A socket address for 127.0.0.1 and PORT (0: any free port). */
static struct sockaddr_in loopback(unsigned short port)
{
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    return address;
}

/* Create a socket of TYPE bound to 127.0.0.1 on a free port; store the address it got. */
static int bound_socket(int type, struct sockaddr_in *address)
{
    int fd = socket(AF_INET, type, 0);
    if (fd < 0)
        fail("socket");
    *address = loopback(0);
    if (bind(fd, (struct sockaddr *)address, sizeof *address) < 0)
        fail("bind");
    socklen_t length = sizeof *address;
    if (getsockname(fd, (struct sockaddr *)address, &length) < 0)
        fail("getsockname");
    return fd;
}

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* tests and pipes see each line at once */
    /* Writing to a socket whose peer has gone raises SIGPIPE, which would kill us silently;
     * ignored, send fails with EPIPE instead and we report it. */
    signal(SIGPIPE, SIG_IGN);

    /* No options but -h, no operands. */
    opterr = 0;
    int option = getopt(argc, argv, "h");
    if (option == 'h') {
        printf("%s\n", USAGE);
        return 0;
    }
    if (option != -1) {
        fprintf(stderr, "%s: unknown option '-%c' (try '%s -h')\n", PROGRAM, optopt, PROGRAM);
        return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "%s: too many operands (try '%s -h')\n", PROGRAM, PROGRAM);
        return 2;
    }

    char buffer[1024];
    ssize_t length;

    /* TCP, part 1: a listening socket, a client connected to it, and the accepted socket.
     * Python: server.listen(); client.connect(address); conn, addr = server.accept() */
    struct sockaddr_in server_address;
    int server_socket = bound_socket(SOCK_STREAM, &server_address);
    if (listen(server_socket, 1) < 0)
        fail("listen");
    int client_socket = socket(AF_INET, SOCK_STREAM, 0);
    if (client_socket < 0)
        fail("socket");
    if (connect(client_socket, (struct sockaddr *)&server_address, sizeof server_address) < 0)
        fail("connect");
    int connection_socket;
    do
        connection_socket = accept(server_socket, NULL, NULL);
    while (connection_socket < 0 && errno == EINTR);
    if (connection_socket < 0)
        fail("accept");

    /* TCP_NODELAY: send every small write at once as its own segment instead of letting
     * Nagle's algorithm gather them. So the three sends really do leave separately, and any
     * merging we see below happens at the receiving end, in the byte stream. */
    int on = 1;
    if (setsockopt(client_socket, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) < 0)
        fail("setsockopt TCP_NODELAY");

    /* TCP, part 2: three sends. Python: client.sendall(b"one") ... */
    for (int i = 0; i < MESSAGES; i++) {
        send_all(client_socket, messages[i], strlen(messages[i]));
        printf("TCP send %d: %zu bytes: %s\n", i + 1, strlen(messages[i]), messages[i]);
    }
    /* Tell the receiver there is no more: it will read 0 bytes (end of stream) at the end. */
    if (shutdown(client_socket, SHUT_WR) < 0)
        fail("shutdown");

    /* TCP, part 3: read only once all 11 bytes are there, so that the output is the same on
     * every run. SO_RCVLOWAT ("receive low-water mark") makes recv wait until at least 11
     * bytes are queued (or the stream ends). It does not glue anything together: the bytes
     * are already one undivided stream in the receive buffer; it only chooses *when* we look.
     * On a real network the same 11 bytes could come out as 1+10, 6+5, 11, ... */
    int low_water = TOTAL_BYTES;
    if (setsockopt(connection_socket, SOL_SOCKET, SO_RCVLOWAT, &low_water, sizeof low_water) < 0)
        fail("setsockopt SO_RCVLOWAT");
    /* Python: data = conn.recv(1024), until it returns b"" */
    for (int i = 1;; i++) {
        length = receive(connection_socket, buffer, sizeof buffer);
        if (length < 0)
            fail("recv");
        if (length == 0) {
            printf("TCP recv %d: 0 bytes: the sender closed, end of the stream\n", i);
            break;
        }
        printf("TCP recv %d: %zd bytes: %.*s\n", i, length, (int)length, buffer);
    }
    close(connection_socket);
    close(client_socket);
    close(server_socket);

    /* UDP, part 1: a receiving socket on a free port and a sending socket. No listen, no
     * accept, no connect. Python: receiver.bind(("127.0.0.1", 0)) */
    struct sockaddr_in receiver_address;
    int receiver_socket = bound_socket(SOCK_DGRAM, &receiver_address);
    int sender_socket = socket(AF_INET, SOCK_DGRAM, 0);
    if (sender_socket < 0)
        fail("socket");

    /* UDP, part 2: three sendto calls, three datagrams. Python: sender.sendto(b"one", addr)
     * (No send-all loop: a datagram goes whole or not at all.) */
    for (int i = 0; i < MESSAGES; i++) {
        ssize_t sent;
        do
            sent = sendto(sender_socket, messages[i], strlen(messages[i]), 0,
                          (struct sockaddr *)&receiver_address, sizeof receiver_address);
        while (sent < 0 && errno == EINTR);
        if (sent < 0)
            fail("sendto");
        printf("UDP sendto %d: %zd bytes: %s\n", i + 1, sent, messages[i]);
    }

    /* UDP, part 3: three recvfrom calls with the same 1024-byte buffer as TCP. Each returns
     * exactly one datagram, however much room there is. (recvfrom waits for a datagram, so
     * the reads always see the three in full; on loopback they are never reordered.)
     * Python: data, address = receiver.recvfrom(1024) */
    for (int i = 1; i <= MESSAGES; i++) {
        struct sockaddr_in sender_address;
        socklen_t address_length = sizeof sender_address;
        do
            length = recvfrom(receiver_socket, buffer, sizeof buffer, 0,
                              (struct sockaddr *)&sender_address, &address_length);
        while (length < 0 && errno == EINTR);
        if (length < 0)
            fail("recvfrom");
        printf("UDP recvfrom %d: %zd bytes: %.*s\n", i, length, (int)length, buffer);
    }
    close(sender_socket);
    close(receiver_socket);

    printf("TCP kept the bytes but not the boundaries; UDP kept each datagram whole.\n");
    return 0;
}
