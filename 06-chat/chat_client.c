/*
 * chat_client.c: the notes' simple chat tool, client side: connect, then take turns with
 * the server until either side's message is "byebye".
 *
 * Usage: chat_client HOST PORT
 *
 * The notes' chat client: connect, then loop: type a message, send it, receive the reply,
 * print it. We speak first. The message model is the notes' own: what you type is sent as
 * it is, with no newline (Python: s.send(input().encode())), and one recv(1024) is one
 * reply. It holds for one short message per turn on a quiet connection, and breaks when
 * bytes arrive in pieces or merged (a reply over 1024 bytes arrives as two; two sends in a
 * row can arrive as one: 05-udp/stream_vs_datagram). The chat room client uses lines.
 *
 * What chat_client_basic.c gets wrong:
 *  1. Server gone without byebye: 0 bytes printed as a reply; input over, it spins. Exit 1.
 *  2. Server gone, the next line typed kills it by SIGPIPE: exit 141, no word. Ignored.
 *  3. End of input or an empty line sends nothing: both sides wait for ever. Sends byebye.
 *  4. Prints the peer's bytes raw: ESC[2J in a reply clears the terminal. Shown escaped.
 *  5. IPv4 only: HOST ::1 (or a name with only IPv6) fails. Tries every address of HOST.
 *  6. A line server's "byebye\n" is not byebye: the chat goes on. One "\n" or "\r\n" stripped.
 *  7. Port by atoi: "abc" tries port 0, "Connection refused". Refused (exit 2).
 *
 * Try:
 *   terminal 1: ./chat_server 12345
 *   terminal 2: ./chat_client localhost 12345
 *
 * See also: chat_client_basic.c (version 1), chat_server.c (the other side),
 * chatroom_client.c (anyone may speak at any time), ../tests/peers/notes_chat_client.py.
 */
#define _POSIX_C_SOURCE 200809L

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

#define PROG "chat_client"
#define USAGE "Usage: chat_client HOST PORT"
#define DESCRIPTION                                                                       \
    "The notes' 1:1 chat, client side: connect to chat_server (or the notes' Python\n"    \
    "server), then take turns, you first, until either side's message is byebye."
#define BUFFER_SIZE 1024 /* the notes' recv(1024): one recv is one message */

/* The steps, in the order they appear below main, then the helpers. */
static int take_turns(int client_socket, const char *peer); /* step 2: the exit status */
static long receive_reply(int fd, const char *peer, char *reply); /* step 2d-2e; -1: over */
static void parse_arguments(int argc, char *argv[], const char **host, const char **port);
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help */
static int parse_port(const char *text);                    /* "12345" -> 12345, or -1 */
_Noreturn static void usage_error(const char *format, ...); /* one line, exit 2 */
static int connect_to(const char *host, const char *port, char *peer, size_t size);
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size);                    /* "127.0.0.1 port 5000" */
static void strip_ending(const char *message, size_t *length); /* one "\r\n" or "\n" */
static void print_message(const char *label, const char *message, size_t length); /* escaped */
static long read_typed_message(char **line, size_t *size, int interactive); /* -1: EOF */
static int send_all(int fd, const char *data, size_t length); /* send() until all is sent */

int main(int argc, char *argv[])
{
    const char *host, *port;
    parse_arguments(argc, argv, &host, &port); /* Fix 7: PORT digits only, 1..65535 */
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: tests and pipes see each line at once */
    /* Fix 2: sending to a server that has gone raises SIGPIPE, which kills us without a word;
     * ignored, send() fails with EPIPE instead and we can say what happened. */
    signal(SIGPIPE, SIG_IGN);

    /* 1. Create a socket and connect. Fix 5: connect_to tries each address of HOST, IPv4
     *    and IPv6, in turn.  Python: s = socket.socket(...); s.connect((HOST, PORT)) */
    char peer[160];
    int client_socket = connect_to(host, port, peer, sizeof peer);
    if (client_socket < 0)
        return 1;
    printf("Connected to %s\n", peer);

    /* 2. Take turns: we speak first, then wait for the server's answer, until byebye. */
    int status = take_turns(client_socket, peer);

    /* 3. Close the connection.  Python: s.close() */
    close(client_socket);
    return status;
}

/* ---- The steps, one function each ---- */

/* Step 2: type, send, receive, print, until byebye from either side. Returns the exit
 * status: 0 for byebye, 1 if the server went away or a call failed. */
static int take_turns(int client_socket, const char *peer)
{
    char reply[BUFFER_SIZE];
    char *typed = NULL; /* getline's buffer, grown as needed */
    size_t typed_size = 0;
    int interactive = isatty(STDIN_FILENO), status = 0;
    for (;;) {
        /* 2a. Type a message.  Python: msg = input('> ')
         *     Fix 3: an empty line is refused (read_typed_message): sent bare, it would be
         *     no bytes at all, and both sides would wait for ever; end of input is byebye. */
        long typed_length = read_typed_message(&typed, &typed_size, interactive);
        const char *message = typed;
        if (typed_length < 0) {
            printf("End of input: sending byebye\n");
            message = "byebye";
            typed_length = 6;
        }

        /* 2b. Send it as it is, no newline.  Python: s.send(msg.encode()) */
        if (send_all(client_socket, message, (size_t)typed_length) < 0) {
            fprintf(stderr, "%s: send %s: %s\n", PROG, peer, strerror(errno));
            status = 1;
            break;
        }
        /* 2c. Python: if msg == 'byebye': break */
        if (typed_length == 6 && memcmp(message, "byebye", 6) == 0) {
            printf("You said byebye: chat over\n");
            break;
        }

        /* 2d-2e. Receive the answer and print it (see receive_reply).
         *     Python: data = s.recv(1024); print('Received:', data.decode()) */
        long length = receive_reply(client_socket, peer, reply);
        if (length < 0) {
            status = 1;
            break;
        }
        /* 2f. Python: if data == 'byebye': break */
        if (length == 6 && memcmp(reply, "byebye", 6) == 0) {
            printf("The server said byebye: chat over\n");
            break;
        }
    }
    free(typed);
    return status;
}

/* Steps 2d-2e: receive the answer, whatever one recv returns, and print it ("Received: ",
 * escaped: Fix 4). Returns its length without its line ending, or -1 (said on stderr) if
 * the server went away or recv failed. */
static long receive_reply(int fd, const char *peer, char *reply)
{
    ssize_t received;
    size_t length = 0;
    do { /* Fix 6: one trailing "\r\n" or "\n" is not part of the reply. A reply that is
          * only a line ending is the tail of the last one (nc -C writes a line's text and
          * its "\r\n" separately): not a turn, skip it. */
        received = recv(fd, reply, BUFFER_SIZE, 0);
        length = received > 0 ? (size_t)received : 0;
        strip_ending(reply, &length);
    } while ((received < 0 && errno == EINTR) || (received > 0 && length == 0));
    if (received < 0) {
        fprintf(stderr, "%s: recv %s: %s\n", PROG, peer, strerror(errno));
        return -1;
    }
    /* Fix 1: 0 bytes is not an empty reply: the server closed its side. The notes' loop
     * prints it as one and goes round again, for ever once the input has ended. */
    if (received == 0) {
        fprintf(stderr, "%s: the server (%s) went away without saying byebye\n", PROG, peer);
        return -1;
    }
    print_message("Received: ", reply, length); /* Fix 4: escaped */
    if (received == BUFFER_SIZE)
        printf("(%d bytes: the buffer was full; anything more arrives as the next message)\n",
               BUFFER_SIZE);
    return (long)length;
}

/* ---- Plumbing: read after the lesson ---- */

/* Options first, then HOST PORT (a plain getopt loop; "+": stop at the first operand). */
static void parse_arguments(int argc, char *argv[], const char **host, const char **port)
{
    int opt;
    opterr = 0; /* we print our own messages */
    while ((opt = next_option(argc, argv, "+h")) != -1) {
        if (opt != 'h')
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROG);
        printf("%s\n%s\n", USAGE, DESCRIPTION);
        exit(0);
    }
    if (argc - optind < 2)
        usage_error("missing operand (try '%s -h')", PROG);
    if (argc - optind > 2)
        usage_error("too many operands (try '%s -h')", PROG);
    *host = argv[optind];
    *port = argv[optind + 1];
    if (**host == '\0')
        usage_error("bad host '': expected a name or an address");
    if (parse_port(*port) < 1) /* port 0 can never be connected to */
        usage_error("bad port '%s': expected a number from 1 to 65535", *port);
}

/* getopt, plus: "--help" is -h, any other "--word" is an unknown option, and "-1" (a minus
 * and a digit) is an operand, so that it is reported as a bad port. */
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
        usage_error("unknown option '%s' (try '%s -h')", arg, PROG);
    return getopt(argc, argv, options);
}

/* A port is 1 to 5 decimal digits, at most 65535: no sign, no space, no "0x". */
static int parse_port(const char *text)
{
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || digits > 5 || text[digits] != '\0')
        return -1;
    long value = strtol(text, NULL, 10);
    return value <= 65535 ? (int)value : -1;
}

/* Print "chat_client: " and the message on stderr (a mistake on the command line); exit 2. */
_Noreturn static void usage_error(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, "%s: ", PROG);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
    exit(2);
}

/* Connect to HOST PORT, trying each address getaddrinfo gives (IPv4 and IPv6). Returns the
 * socket and the address it reached in peer, or -1 after printing one line
 * ("chat_client: connect 127.0.0.1 port 1: reason", for the last address tried). */
static int connect_to(const char *host, const char *port, char *peer, size_t size)
{
    struct addrinfo hints, *results;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &results);
    if (rc != 0) {
        fprintf(stderr, "%s: getaddrinfo %s: %s\n", PROG, host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, saved_errno = 0;
    for (struct addrinfo *ai = results; ai != NULL && fd < 0; ai = ai->ai_next) {
        format_address(ai->ai_addr, ai->ai_addrlen, peer, size);
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            saved_errno = errno;
            close(fd);
            fd = -1;
        } else if (fd < 0) {
            saved_errno = errno;
        }
    }
    freeaddrinfo(results);
    if (fd < 0)
        fprintf(stderr, "%s: connect %s: %s\n", PROG, peer, strerror(saved_errno));
    return fd;
}

/* Show an address as "<address> port <port>", numeric; "::ffff:1.2.3.4" is shown as 1.2.3.4. */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size)
{
    char host[128], port[16]; /* numeric: an IPv6 address with a scope name fits */
    if (getnameinfo(address, length, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(out, size, "(unknown address)");
        return;
    }
    const char *shown = host;
    if (strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, ':') == NULL)
        shown = host + 7;
    snprintf(out, size, "%s port %s", shown, port);
}

/* Remove ONE trailing "\r\n" or "\n" from a message (the notes' server sends none, a
 * line-based server "\n" or "\r\n"): *length shrinks. */
static void strip_ending(const char *message, size_t *length)
{
    if (*length >= 1 && message[*length - 1] == '\n')
        *length -= (*length >= 2 && message[*length - 2] == '\r') ? 2 : 1;
}

/* Print label and the peer's message on one line, escaped: printable ASCII as it is, a
 * backslash doubled, tab, CR and LF as \t \r \n, every other byte as \xHH. ESC, BEL,
 * backspace or a lone CR from a peer could otherwise clear, retitle or overwrite your
 * terminal; NUL and UTF-8 bytes show up as \x00, \xe4... */
static void print_message(const char *label, const char *message, size_t length)
{
    fputs(label, stdout);
    for (size_t i = 0; i < length; i++) {
        unsigned char byte = (unsigned char)message[i];
        if (byte == '\\')
            fputs("\\\\", stdout);
        else if (byte == '\t')
            fputs("\\t", stdout);
        else if (byte == '\r')
            fputs("\\r", stdout);
        else if (byte == '\n')
            fputs("\\n", stdout);
        else if (byte >= 0x20 && byte < 0x7f)
            putchar(byte);
        else
            printf("\\x%02x", byte);
    }
    putchar('\n');
}

/* Read one typed line with getline (a NUL byte in it is just another byte: the length
 * comes from getline, not strlen), without its "\n" or "\r\n". Returns its length, or -1 at
 * end of input. An empty line is refused (sent bare, it would be nothing at all, and both
 * sides would wait for ever), and so is one over 1024 bytes (the other side's recv(1024)
 * would cut it in two): one line on stderr, and the user types again. */
static long read_typed_message(char **line, size_t *size, int interactive)
{
    for (;;) {
        if (interactive) {
            fputs("> ", stdout);
            fflush(stdout);
        }
        ssize_t length = getline(line, size, stdin);
        if (length < 0)
            return -1;
        if (length > 0 && (*line)[length - 1] == '\n')
            length--;
        if (length > 0 && (*line)[length - 1] == '\r')
            length--;
        if (length == 0)
            fprintf(stderr, "%s: empty message: not sent, type something\n", PROG);
        else if (length > BUFFER_SIZE)
            fprintf(stderr, "%s: message too long (%ld bytes, at most %d): not sent, "
                    "type a shorter one\n", PROG, (long)length, BUFFER_SIZE);
        else
            return (long)length;
    }
}

/* Send all length bytes; send() may take fewer than asked. Returns 0, or -1 with errno set.
 * Python: s.sendall(data) */
static int send_all(int fd, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t n = send(fd, data, length, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        length -= (size_t)n;
    }
    return 0;
}
