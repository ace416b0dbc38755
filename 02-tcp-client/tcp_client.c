/*
 * tcp_client.c - the notes' one-shot TCP client: connect, send one message, print the reply.
 *
 * Usage: tcp_client [-h] HOST PORT [MESSAGE]
 * Connect to HOST (a name, an IPv4 or an IPv6 address) on PORT, send MESSAGE
 * (default: Hello, server, I'm client Xiaohei!) and print everything the server
 * sends back until it closes the connection: as raw bytes, then as text.
 *
 * Mirrors the notes' "TCP client" section and its five steps:
 * create socket -> connect -> send -> receive -> close.
 *
 * Try (two terminals):
 *   terminal 1:  ../03-tcp-server/tcp_server 8989
 *   terminal 2:  ./tcp_client 127.0.0.1 8989
 *                ./tcp_client ::1 8989 'my printer is on fire'   (start the server again first)
 *
 * See also: tcp_client_loop.c (the interactive client), ../03-tcp-server/tcp_server.c (the
 * server this client talks to), ../01-ip-and-ports/resolve.c (getaddrinfo on its own).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define PROGRAM "tcp_client"
#define DEFAULT_MESSAGE "Hello, server, I'm client Xiaohei!"
/* The reply is kept up to this many bytes; more is still read (and counted) but not shown. */
#define REPLY_MAX 65536
/* A numeric address: 45 characters for the longest IPv6 text, plus a "%scope", plus room. */
#define HOST_TEXT_MAX 128

static const char usage_text[] =
    "Usage: tcp_client [-h] HOST PORT [MESSAGE]\n"
    "Connect to HOST (a name, an IPv4 or an IPv6 address) on PORT, send MESSAGE\n"
    "(default: Hello, server, I'm client Xiaohei!) and print everything the server\n"
    "sends back until it closes the connection: as raw bytes, then as text.\n";

/* A usage error: one line on stderr naming the problem, exit 2. */
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

/* A runtime failure: one line naming the call, the address (if any) and the reason, exit 1. */
static void fail(const char *call, const char *address, const char *reason)
{
    if (address != NULL)
        fprintf(stderr, "%s: %s %s: %s\n", PROGRAM, call, address, reason);
    else
        fprintf(stderr, "%s: %s: %s\n", PROGRAM, call, reason);
    exit(1);
}

/* Parse a port: decimal digits only, 0..65535 (strtol alone would accept " +80"). */
static int parse_port(const char *text)
{
    char *end;
    long value;

    errno = 0;
    value = strtol(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || value > 65535)
        usage_error("bad port '%s': expected a number from 0 to 65535", text);
    return (int)value;
}

/* Write "<address> port <port>" for a socket address, numeric (no DNS), like Python's
 * ('127.0.0.1', 51528). An IPv4-mapped IPv6 address "::ffff:1.2.3.4" is shown as 1.2.3.4. */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t out_size)
{
    char host[HOST_TEXT_MAX], port[16];
    const char *shown = host;
    int rc = getnameinfo(address, length, host, sizeof host, port, sizeof port,
                         NI_NUMERICHOST | NI_NUMERICSERV);

    if (rc != 0) {
        snprintf(out, out_size, "(unknown address: %s)", gai_strerror(rc));
        return;
    }
    if (address->sa_family == AF_INET6 &&
        IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)(const void *)address)->sin6_addr) &&
        strncmp(host, "::ffff:", 7) == 0)
        shown = host + 7;
    snprintf(out, out_size, "%s port %s", shown, port);
}

/* Send all `length` bytes: send() may take only part of them, so go on until it took all. */
static int send_all(int fd, const char *data, size_t length)
{
    size_t sent = 0;

    while (sent < length) {
        ssize_t n = send(fd, data + sent, length - sent, 0);
        if (n == -1) {
            if (errno == EINTR)
                continue; /* a signal arrived before anything was sent: just try again */
            return -1;
        }
        sent += (size_t)n;
    }
    return 0;
}

/* Print bytes the way Python prints a bytes object: b'...' with \n, \t, \r, \\ and \xhh
 * escapes, and double quotes when the bytes hold a ' but no " (so b"I'm" and b'say "hi"'). */
static void print_bytes_literal(const unsigned char *bytes, size_t length)
{
    char quote = '\'';
    size_t i;

    if (memchr(bytes, '\'', length) != NULL && memchr(bytes, '"', length) == NULL)
        quote = '"';
    printf("b%c", quote);
    for (i = 0; i < length; i++) {
        unsigned char c = bytes[i];
        if (c == (unsigned char)quote || c == '\\')
            printf("\\%c", c);
        else if (c == '\t')
            fputs("\\t", stdout);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '\r')
            fputs("\\r", stdout);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    printf("%c", quote);
}

int main(int argc, char *argv[])
{
    const char *operands[3];
    int operand_count = 0;
    const char *host, *message = DEFAULT_MESSAGE;
    char port_text[16], server_text[HOST_TEXT_MAX + 32] = "", local_text[HOST_TEXT_MAX + 32];
    struct addrinfo hints, *results, *ai;
    struct sockaddr_storage local_address;
    socklen_t local_length = sizeof local_address;
    static unsigned char reply[REPLY_MAX];
    size_t reply_length = 0, total_received = 0, message_length;
    int client_socket = -1, rc, saved_errno = 0;
    const char *failed_call = "connect";

    /* Tests and pipes see each line at once (stdout to a file is otherwise fully buffered). */
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* Sending to a server that has gone away raises SIGPIPE, whose default action kills us
     * silently; ignored, send() fails with EPIPE instead and we can say what happened. */
    signal(SIGPIPE, SIG_IGN);

    /* Options may come before, between or after the operands; "--" ends the options, so a
     * MESSAGE starting with '-' can be sent as: tcp_client HOST PORT -- -MESSAGE */
    opterr = 0;
    while (optind < argc) {
        /* A negative number ("-1") is an operand, so it is reported as a bad port. */
        int negative = argv[optind][0] == '-' && argv[optind][1] >= '0' && argv[optind][1] <= '9';
        int option = negative ? -1 : getopt(argc, argv, "h");
        if (option == -1) {
            /* getopt stopped at an operand, or after "--" (then all the rest are operands). */
            int after_dashes = !negative && strcmp(argv[optind - 1], "--") == 0;
            while (optind < argc) {
                if (operand_count < 3)
                    operands[operand_count] = argv[optind];
                operand_count++;
                optind++;
                if (!after_dashes)
                    break;
            }
            continue;
        }
        if (option == 'h') {
            fputs(usage_text, stdout);
            return 0;
        }
        usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
    }
    if (operand_count < 2)
        usage_error("missing operand: %s (try '%s -h')", operand_count == 0 ? "HOST PORT" : "PORT",
                    PROGRAM);
    if (operand_count > 3)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    host = operands[0];
    snprintf(port_text, sizeof port_text, "%d", parse_port(operands[1]));
    if (operand_count == 3)
        message = operands[2];

    /* Find the server's addresses: a name may have several (IPv4 and IPv6), so ask for any
     * family (AF_UNSPEC) and try each in turn. Python hides this inside connect(). */
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    rc = getaddrinfo(host, port_text, &hints, &results);
    if (rc != 0)
        fail("getaddrinfo", host, rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));

    for (ai = results; ai != NULL; ai = ai->ai_next) {
        format_address(ai->ai_addr, ai->ai_addrlen, server_text, sizeof server_text);

        /* 1. Create the socket: a TCP (SOCK_STREAM) socket of this address's family.
         *    Python: tcp_client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM) */
        client_socket = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (client_socket == -1) {
            saved_errno = errno;
            failed_call = "socket";
            continue;
        }

        /* 2. Connect: the kernel picks a free local port for us (no bind: clients don't
         *    bind) and runs the three-way handshake; connect returns once it is done.
         *    Python: tcp_client_socket.connect((server_ip, server_port))
         *    (We set no signal handlers, so connect is never interrupted by EINTR here.) */
        if (connect(client_socket, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        saved_errno = errno;
        failed_call = "connect";
        close(client_socket);
        client_socket = -1;
    }
    if (client_socket == -1) {
        /* Every address failed: report the last failure (server_text is its address). */
        freeaddrinfo(results);
        fail(failed_call, server_text, strerror(saved_errno));
    }
    freeaddrinfo(results);

    /* Which local address and port did the OS choose? getsockname asks the kernel: the port
     * is an ephemeral one (see /proc/sys/net/ipv4/ip_local_port_range), different each run. */
    if (getsockname(client_socket, (struct sockaddr *)&local_address, &local_length) == -1)
        fail("getsockname", NULL, strerror(errno));
    format_address((struct sockaddr *)&local_address, local_length, local_text, sizeof local_text);
    printf("Connected to %s from %s\n", server_text, local_text);

    /* 3. Send: the bytes of the message (C strings are already bytes: no encode step). One
     *    send() may accept only part of the data, so send_all loops (Python: sendall).
     *    Python: tcp_client_socket.send(send_data.encode("utf-8")) */
    message_length = strlen(message);
    if (send_all(client_socket, message, message_length) == -1)
        fail("send", server_text, strerror(errno));
    /* (The message as text; like "As text" below, no second newline if it ends with one.) */
    printf("Sent %zu bytes: %s", message_length, message);
    if (message_length == 0 || message[message_length - 1] != '\n')
        putchar('\n');

    /* Then tell the server we have nothing more to say: shutdown(SHUT_WR) sends our FIN (the
     * first half of the four-way close) but keeps the socket open for the reply. A server
     * that reads until the end of the request (a line, or end of input) now knows where it
     * ends and never waits for more from us. */
    if (shutdown(client_socket, SHUT_WR) == -1)
        fail("shutdown", server_text, strerror(errno));

    /* 4. Receive until the server closes. TCP is a byte stream, not a sequence of messages:
     *    the reply may arrive split over several recv() calls (a long reply, a slow network,
     *    a server that writes it in pieces), so one recv() is not one message. The end of the
     *    reply is the end of the stream: recv() returns 0 when the server has closed its side
     *    and everything it sent has been read.
     *    Python: recv_data = tcp_client_socket.recv(1024) (the notes trust one recv) */
    for (;;) {
        unsigned char chunk[4096];
        ssize_t n = recv(client_socket, chunk, sizeof chunk, 0);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            fail("recv", server_text, strerror(errno));
        }
        if (n == 0)
            break; /* the server closed the connection: the reply is complete */
        if (reply_length < REPLY_MAX) {
            size_t keep = (size_t)n < REPLY_MAX - reply_length ? (size_t)n : REPLY_MAX - reply_length;
            memcpy(reply + reply_length, chunk, keep);
            reply_length += keep;
        }
        total_received += (size_t)n;
    }

    /* The reply twice: as the bytes that crossed the network (Python: print(recv_data)), and
     * as text (Python: recv_data.decode("utf-8")). In C there is no decode step: the bytes go
     * to the terminal as they are, and the terminal shows them as UTF-8. */
    printf("Received %zu bytes: ", total_received);
    print_bytes_literal(reply, reply_length);
    putchar('\n');
    if (total_received > reply_length)
        printf("(only the first %d bytes are shown)\n", REPLY_MAX);
    fputs("As text: ", stdout);
    fwrite(reply, 1, reply_length, stdout);
    if (reply_length == 0 || reply[reply_length - 1] != '\n')
        putchar('\n');

    /* 5. Close: our half was closed by shutdown above, the server closed its half; close()
     *    frees the socket. Python: tcp_client_socket.close() */
    close(client_socket);
    return 0;
}
