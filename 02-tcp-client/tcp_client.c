/*
 * tcp_client.c - the notes' one-shot TCP client: connect, send one message, print the reply.
 *
 * Usage: tcp_client HOST PORT [MESSAGE]
 * Connect to HOST (a name, an IPv4 or an IPv6 address) on PORT, send MESSAGE as it is
 * (default: Hello, server, I'm client Xiaohei!), take one recv of up to 1024 bytes as the
 * reply and print it twice: as raw bytes, b'...' like Python, and as text.
 *
 * Mirrors the notes' "TCP client" section and its five steps:
 * create socket -> connect -> send -> receive -> close.
 *
 * The notes' message model: one recv(1024) is the whole reply. It holds for one short reply
 * on a quiet connection, and breaks when bytes arrive in pieces or merged (a long reply, a
 * server that sends twice, a slow network): ../05-udp/stream_vs_datagram measures it.
 *
 * What tcp_client_basic.c gets wrong:
 *  1. IPv4 numbers only: localhost, ::1 and names fail (exit 1). getaddrinfo, each address.
 *  2. Port by atoi: "8989x" and 74525 (8989 + 65536) both reach 8989. Refused (exit 2).
 *  3. Decodes as GBK: a UTF-8 reply (ok 你) ends it, exit 1, its text unseen. Not decoded.
 *  4. Prints the reply's text raw: ESC[2J in it clears the terminal. Shown escaped.
 *  5. A reply cut at 1024 bytes, or none at all (the server closed), looks whole. Says which.
 *
 * Try (two terminals):
 *   terminal 1:  ../03-tcp-server/tcp_server 8989
 *   terminal 2:  ./tcp_client 127.0.0.1 8989
 *                ./tcp_client ::1 8989 'my printer is on fire'   (start the server again first)
 *
 * See also: tcp_client_basic.c (version 1), tcp_client_loop.c (many messages), tcp_states.c
 * (the same exchange, seen from the kernel), ../03-tcp-server/tcp_server.c (its server),
 * ../01-ip-and-ports/resolve.c.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROGRAM "tcp_client"
#define DEFAULT_MESSAGE "Hello, server, I'm client Xiaohei!"
#define RECV_SIZE 1024   /* Python: recv_data = tcp_client_socket.recv(1024) */
#define ADDRESS_TEXT 160 /* "address port N" for any IPv6 address and scope */

static int connect_to_first_address(const char *host, const char *port, char *server_text,
                                    size_t size); /* steps 0-2: a connected socket */
static void print_local_address(int client_socket, const char *server_text); /* our port */
static void send_message(int client_socket, const char *server_text, const char *message);
static size_t receive_reply(int client_socket, const char *server_text, unsigned char *reply,
                            size_t size); /* one recv; 0: the server closed */
static void print_reply(const unsigned char *reply, size_t count); /* b'...', then text */
static void print_bytes_literal(const unsigned char *bytes, size_t length); /* b'...' */
static void parse_arguments(int argc, char *argv[], const char **host, const char **port,
                            const char **message); /* -h, checks; or exit 2 */
static void print_escaped(const unsigned char *bytes, size_t length); /* text, safely */
static size_t strip_ending(const unsigned char *data, size_t length); /* "\n", "\r\n" */
static void usage_error(const char *format, const char *text); /* one line, exit 2 */
static void fail(const char *call, const char *address, const char *reason); /* exit 1 */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size); /* "127.0.0.1 port 8989", no DNS */
static int send_all(int fd, const char *data, size_t length); /* loop over send() */

int main(int argc, char *argv[])
{
    const char *host, *port, *message;
    char server_text[ADDRESS_TEXT];
    unsigned char reply[RECV_SIZE];
    size_t count;
    int client_socket;

    setvbuf(stdout, NULL, _IOLBF, 0); /* pipes and tests see each line at once */
    /* Sending to a server that has gone raises SIGPIPE, whose default action kills us
     * silently; ignored, send() fails with EPIPE instead and we can say what happened. */
    signal(SIGPIPE, SIG_IGN);
    /* Fix 2: HOST PORT [MESSAGE], the port checked digit by digit (no atoi). */
    parse_arguments(argc, argv, &host, &port, &message);

    /* 0. Find the server's addresses, 1. create a socket, 2. connect: for each address in
     *    turn until one connects. The kernel picks our port (clients don't bind).
     *    Python: tcp_client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
     *            tcp_client_socket.connect((server_ip, server_port)) */
    client_socket = connect_to_first_address(host, port, server_text, sizeof server_text);
    print_local_address(client_socket, server_text);

    /* 3. Send the message's bytes as they are (C strings are already bytes: no encode).
     *    Python: tcp_client_socket.send(send_data.encode("utf-8")) */
    send_message(client_socket, server_text, message);

    /* 4. Receive: ONE recv of at most 1024 bytes is the reply (the notes' assumption, see
     *    the top of the file). Python: recv_data = tcp_client_socket.recv(1024) */
    count = receive_reply(client_socket, server_text, reply, sizeof reply);
    /*    Python: print(recv_data); print(recv_data.decode("utf-8")) */
    print_reply(reply, count);

    /* 5. Close: our FIN ends our half of the connection. Python: tcp_client_socket.close() */
    close(client_socket);
    return 0;
}

/* Steps 0-2. Fix 1: getaddrinfo takes names, IPv4 and IPv6 addresses alike (AF_UNSPEC), and
 * a name may have several addresses: try each in turn; Python hides this inside connect().
 * Returns the connected socket, with "ADDRESS port N" of the server in server_text; if
 * every address fails, reports the last failure and exits 1. */
static int connect_to_first_address(const char *host, const char *port, char *server_text,
                                    size_t size)
{
    struct addrinfo hints, *results, *ai;
    int client_socket = -1, rc, saved_errno = 0;
    const char *failed_call = "connect";

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    rc = getaddrinfo(host, port, &hints, &results);
    if (rc != 0)
        fail("getaddrinfo", host, rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));

    server_text[0] = '\0';
    for (ai = results; ai != NULL; ai = ai->ai_next) {
        format_address(ai->ai_addr, ai->ai_addrlen, server_text, size);
        /* 1. Create the socket: a TCP (SOCK_STREAM) socket of this address's family. */
        client_socket = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (client_socket == -1) {
            saved_errno = errno; /* close() below could change errno: keep the reason */
            failed_call = "socket";
            continue;
        }
        /* 2. Connect: the three-way handshake; connect returns once it is done. */
        if (connect(client_socket, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        saved_errno = errno;
        failed_call = "connect";
        close(client_socket);
        client_socket = -1;
    }
    freeaddrinfo(results);
    if (client_socket == -1) /* every address failed: report the last failure */
        fail(failed_call, server_text, strerror(saved_errno));
    return client_socket;
}

/* Which local address and port did the OS choose? getsockname asks the kernel: an
 * ephemeral port, different each run. Python: tcp_client_socket.getsockname() */
static void print_local_address(int client_socket, const char *server_text)
{
    struct sockaddr_storage local_address;
    socklen_t local_length = sizeof local_address;
    char local_text[ADDRESS_TEXT];

    if (getsockname(client_socket, (struct sockaddr *)&local_address, &local_length) == -1)
        fail("getsockname", server_text, strerror(errno));
    format_address((struct sockaddr *)&local_address, local_length, local_text,
                   sizeof local_text);
    printf("Connected to %s from %s\n", server_text, local_text);
}

/* Step 3. send() may take only part of the bytes, so send_all loops (Python: sendall). */
static void send_message(int client_socket, const char *server_text, const char *message)
{
    if (send_all(client_socket, message, strlen(message)) == -1)
        fail("send", server_text, strerror(errno));
    printf("Sent %zu bytes: ", strlen(message));
    print_escaped((const unsigned char *)message,
                  strip_ending((const unsigned char *)message, strlen(message)));
    putchar('\n');
}

/* Step 4: one recv, tried again if a signal interrupted it. 0 means the server closed. */
static size_t receive_reply(int client_socket, const char *server_text, unsigned char *reply,
                            size_t size)
{
    ssize_t count;

    do
        count = recv(client_socket, reply, size, 0);
    while (count == -1 && errno == EINTR);
    if (count == -1)
        fail("recv", server_text, strerror(errno));
    return (size_t)count;
}

/* The reply twice: the bytes that crossed the network (Python: print(recv_data)), then as
 * text (Python: print(recv_data.decode(...))). */
static void print_reply(const unsigned char *reply, size_t count)
{
    printf("Received %zu bytes: ", count);
    print_bytes_literal(reply, count);
    putchar('\n');
    /* Fix 5: recv returning 0 is the server closing, not an empty reply; a full buffer may
     * have left the rest of a longer reply unread. Say so. */
    if (count == 0) {
        printf("(recv returned 0: the server closed the connection without replying)\n");
    } else {
        /* Fixes 3 and 4: no decode step that can fail, and no byte reaches the terminal
         * raw: well-formed UTF-8 as it is, control bytes and the rest as \xhh. */
        fputs("As text: ", stdout);
        print_escaped(reply, strip_ending(reply, count));
        putchar('\n');
    }
    if (count == RECV_SIZE)
        printf("(%d bytes: the buffer was full; the rest, if any, was not read)\n", RECV_SIZE);
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
    putchar(quote);
}

/* ---- Plumbing: read after the lesson ---- */

#define USAGE "Usage: tcp_client HOST PORT [MESSAGE]"
#define DESCRIPTION                                                                         \
    "Connect to HOST (a name, an IPv4 or an IPv6 address) on PORT, send MESSAGE as it is\n" \
    "(default: Hello, server, I'm client Xiaohei!), take one recv of up to 1024 bytes as the\n" \
    "reply and print it twice: as raw bytes, b'...' like Python, and as text.\n"

/* Options first (-h, --help), then HOST PORT [MESSAGE]. A port that can never work (0, or
 * not a number from 1 to 65535), an empty host and an empty message (a server cannot see
 * zero bytes) are usage errors, found before any network call. */
static void parse_arguments(int argc, char *argv[], const char **host, const char **port,
                            const char **message)
{
    int option = 0;
    long value;
    char *end = NULL;

    opterr = 0; /* we print our own messages */
    while (option != -1) {
        if (optind < argc && strcmp(argv[optind], "--help") == 0)
            option = 'h';
        else
            option = getopt(argc, argv, "+h"); /* "+": options stop at the first operand */
        if (option == 'h') {
            printf("%s\n%s", USAGE, DESCRIPTION);
            exit(0);
        }
        if (option != -1) {
            char unknown[3] = {'-', (char)optopt, '\0'};
            usage_error("unknown option '%s' (try '" PROGRAM " -h')", unknown);
        }
    }
    if (argc - optind < 2)
        usage_error("missing operand (try '%s -h')", PROGRAM);
    if (argc - optind > 3)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    *host = argv[optind];
    *port = argv[optind + 1];
    *message = argc - optind == 3 ? argv[optind + 2] : DEFAULT_MESSAGE;
    if ((*host)[0] == '\0')
        usage_error("bad host '%s': expected a name or an address", *host);
    /* Digits only ("+80", " 80", "0x50", "80x" are not), from 1 to 65535: port 0 means
     * "any port" to a server, but a client must name the server's real port. */
    errno = 0;
    value = (*port)[0] >= '0' && (*port)[0] <= '9' ? strtol(*port, &end, 10) : 0;
    if (value < 1 || value > 65535 || *end != '\0' || errno != 0)
        usage_error("bad port '%s': expected a number from 1 to 65535", *port);
    if ((*message)[0] == '\0')
        usage_error("bad message '%s': expected at least one byte", *message);
}

/* A usage error: one line on stderr naming the problem, exit 2. */
static void usage_error(const char *format, const char *text)
{
    fprintf(stderr, "%s: ", PROGRAM);
    fprintf(stderr, format, text);
    fputc('\n', stderr);
    exit(2);
}

/* A run-time failure: one line naming the call, the address (if any) and the reason, exit 1. */
static void fail(const char *call, const char *address, const char *reason)
{
    if (address != NULL && address[0] != '\0')
        fprintf(stderr, "%s: %s %s: %s\n", PROGRAM, call, address, reason);
    else
        fprintf(stderr, "%s: %s: %s\n", PROGRAM, call, reason);
    exit(1);
}

/* "<address> port <port>" for a socket address, numeric (no DNS), like Python's
 * ('127.0.0.1', 51528). An IPv4-mapped IPv6 address "::ffff:1.2.3.4" is shown as 1.2.3.4. */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size)
{
    char host[128], service[16];
    const char *shown = host;
    int rc = getnameinfo(address, length, host, sizeof host, service, sizeof service,
                         NI_NUMERICHOST | NI_NUMERICSERV);

    if (rc != 0) {
        snprintf(out, size, "(unknown address: %s)", gai_strerror(rc));
        return;
    }
    if (strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, '.') != NULL)
        shown = host + 7;
    snprintf(out, size, "%s port %s", shown, service);
}

/* Send all `length` bytes: send() may take only part of them (Python: sendall). */
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

/* The length of `data` without one trailing "\r\n", or else one trailing "\n". */
static size_t strip_ending(const unsigned char *data, size_t length)
{
    if (length >= 2 && data[length - 2] == '\r' && data[length - 1] == '\n')
        return length - 2;
    if (length >= 1 && data[length - 1] == '\n')
        return length - 1;
    return length;
}

/* How many bytes of well-formed, printable UTF-8 start at s (2 to 4), or 0. U+0080..U+009F
 * are control characters, and overlong forms and surrogates are not UTF-8: all get 0. */
static size_t utf8_sequence(const unsigned char *s, size_t length)
{
    size_t need = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2, i;
    unsigned char low = 0x80, high = 0xbf;

    if (s[0] < 0xc2 || s[0] > 0xf4 || length < need)
        return 0;
    if (s[0] == 0xc2 || s[0] == 0xe0)
        low = 0xa0;
    else if (s[0] == 0xf0)
        low = 0x90;
    else if (s[0] == 0xed)
        high = 0x9f;
    else if (s[0] == 0xf4)
        high = 0x8f;
    if (s[1] < low || s[1] > high)
        return 0;
    for (i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return need;
}

/* Print bytes so that a peer cannot clear, retitle or move the terminal: printable ASCII
 * and well-formed UTF-8 text as they are; \ as \\; tab, CR and LF as \t \r \n; every other
 * byte (ESC, BEL, NUL, DEL, bytes that are not UTF-8) as \xhh. */
static void print_escaped(const unsigned char *bytes, size_t length)
{
    size_t i = 0, n;

    while (i < length) {
        unsigned char c = bytes[i];
        if (c == '\\')
            fputs("\\\\", stdout);
        else if (c == '\t')
            fputs("\\t", stdout);
        else if (c == '\r')
            fputs("\\r", stdout);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c >= 0x20 && c < 0x7f)
            putchar(c);
        else if ((n = utf8_sequence(bytes + i, length - i)) > 0) {
            fwrite(bytes + i, 1, n, stdout);
            i += n;
            continue;
        } else
            printf("\\x%02x", c);
        i++;
    }
}
