/*
 * tcp_client.c - the notes' one-shot TCP client: connect, send one message, print the reply.
 *
 * Usage: tcp_client [-e ENCODING] HOST PORT [MESSAGE]
 * Connect to HOST (a name, an IPv4 or an IPv6 address) on PORT, send MESSAGE (default:
 * Hello, server, I'm client Xiaohei!), print the reply, one recv of up to 1024 bytes, as
 * b'...' and as text. -e: the text's encoding on the wire (default utf-8; the notes': gbk).
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
 *  3. Decodes as GBK: a UTF-8 reply (ok 你) ends it, exit 1, its text unseen. -e, escapes.
 *  4. Prints the reply's text raw: ESC[2J in it clears the terminal. Shown escaped.
 *  5. A reply cut at 1024 bytes, or none at all (the server closed), looks whole. Says which.
 *  6. Stdout closed (>&-): the socket takes fd 1, and its output goes to the server. 0-2 open.
 *  7. Stdout full (>/dev/full): every line lost, yet exit 0 and not a word. Said, exit 1.
 *
 * Try (two terminals):
 *   terminal 1:  ../03-tcp-server/tcp_server 8989
 *   terminal 2:  ./tcp_client 127.0.0.1 8989
 *                ./tcp_client ::1 8989 'my printer is on fire'   (start the server again first)
 *                ./tcp_client -e gbk 127.0.0.1 8989 '你好'        (4 bytes: c4 e3 ba c3)
 *
 * See also: tcp_client_basic.c (version 1), tcp_client_loop.c (many messages), tcp_states.c
 * (the same exchange, seen from the kernel), ../03-tcp-server/tcp_server.c (its server),
 * ../01-ip-and-ports/resolve.c.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROGRAM "tcp_client"
#define DEFAULT_MESSAGE "Hello, server, I'm client Xiaohei!"
#define RECV_SIZE 1024   /* Python: recv_data = tcp_client_socket.recv(1024) */
#define ADDRESS_TEXT 160 /* "address port N" for any IPv6 address and scope */

static int connect_to_first_address(const char *host, const char *port, char *server_text,
                                    size_t size); /* steps 0-2: a connected socket */
static void print_local_address(int client_socket, const char *server_text); /* our port */
static char *encode_message(const char *message, size_t *length); /* -e; or exit 2 */
static void send_message(int client_socket, const char *server_text, const char *message,
                         const char *wire, size_t length);
static size_t receive_reply(int client_socket, const char *server_text, unsigned char *reply,
                            size_t size); /* one recv; 0: the server closed */
static void print_reply(const unsigned char *reply, size_t count); /* b'...', then text */
static void print_bytes_literal(const unsigned char *bytes, size_t length); /* b'...' */
static void parse_arguments(int argc, char *argv[], const char **host, const char **port,
                            const char **message); /* -h, checks; or exit 2 */
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static long parse_number(const char *text, long min, long max); /* digits only, or -1 */
static long number_argument(const char *text, const char *what, long min, long max);
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
static void check_stdout(void); /* at exit: all output written, or one line, exit 1 */
_Noreturn static void usage_error(const char *format, ...); /* one line, exit 2 */
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
_Noreturn static void fail(const char *call, const char *where); /* one line, exit 1 */
_Noreturn static void fail_lookup(const char *host, int rc); /* getaddrinfo's, exit 1 */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size); /* "127.0.0.1 port 8989", no DNS */
static int send_all(int fd, const void *data, size_t length); /* loop over send() */
static size_t strip_ending(const void *data, size_t *length); /* "\n", "\r\n" */
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */
static void print_escaped(const void *data, size_t length); /* text, safely */
static iconv_t open_encoding(const char *name, iconv_t *to_peer); /* -e, or exit 2 */
static size_t escape_from_peer(iconv_t from_peer, char *out, size_t size, const void *data,
                               size_t length); /* a peer's text, decoded and escaped */
static size_t encode_for_peer(iconv_t to_peer, iconv_t from_peer, const char *text,
                              size_t length, char *out, size_t size); /* or (size_t)-1 */

/* -e ENCODING: the converters to and from the peer's encoding; (iconv_t)-1 for UTF-8. */
static const char *encoding = "utf-8";
static iconv_t from_peer = (iconv_t)-1, to_peer = (iconv_t)-1;

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* Fix 6: 0, 1 and 2 open before any socket */
    atexit(check_stdout); /* Fix 7: output that could not be written is an error */
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
    size_t wire_length;
    char *wire = encode_message(message, &wire_length); /* before connecting: exit 2 here */

    /* 0. Find the server's addresses, 1. create a socket, 2. connect: for each address in
     *    turn until one connects. Fix 1: names, IPv4 and IPv6 alike (getaddrinfo).
     *    Python: tcp_client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
     *            tcp_client_socket.connect((server_ip, server_port)) */
    client_socket = connect_to_first_address(host, port, server_text, sizeof server_text);
    print_local_address(client_socket, server_text);

    /* 3. Send the message's bytes: in ENCODING (encode_message did the encode()).
     *    Python: tcp_client_socket.send(send_data.encode("gbk")) */
    send_message(client_socket, server_text, message, wire, wire_length);
    free(wire);

    /* 4. Receive: ONE recv of at most 1024 bytes is the reply (the notes' assumption, see
     *    the top of the file). Python: recv_data = tcp_client_socket.recv(1024) */
    count = receive_reply(client_socket, server_text, reply, sizeof reply);
    /*    Python: print(recv_data); print(recv_data.decode("utf-8")) */
    print_reply(reply, count);

    /* 5. Close: our FIN ends our half of the connection. Python: tcp_client_socket.close() */
    close(client_socket);
    return 0;
}

/* ---- begin canonical: connect_to_first_address ---- */
/* Find HOST's addresses, create a socket and connect, for each address in turn until one
 * connects: getaddrinfo takes names, IPv4 and IPv6 addresses alike (AF_UNSPEC), and a name
 * may have several addresses; Python hides this inside connect(). The kernel picks our own
 * port (clients don't bind). Returns the connected socket, with "ADDRESS port N" of the
 * server in server_text; if every address fails, reports the last failure and exits 1. */
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
        fail_lookup(host, rc);

    server_text[0] = '\0';
    for (ai = results; ai != NULL; ai = ai->ai_next) {
        format_address(ai->ai_addr, ai->ai_addrlen, server_text, size);
        /* Create the socket: a TCP (SOCK_STREAM) socket of this address's family. */
        client_socket = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (client_socket == -1) {
            saved_errno = errno; /* close() below could change errno: keep the reason */
            failed_call = "socket";
            continue;
        }
        /* Connect: the three-way handshake; connect returns once it is done. */
        if (connect(client_socket, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        saved_errno = errno;
        failed_call = "connect";
        close(client_socket);
        client_socket = -1;
    }
    freeaddrinfo(results);
    if (client_socket == -1) { /* every address failed: report the last failure */
        errno = saved_errno;
        fail(failed_call, server_text);
    }
    return client_socket;
}
/* ---- end canonical: connect_to_first_address ---- */

/* Which local address and port did the OS choose? getsockname asks the kernel: an
 * ephemeral port, different each run. Python: tcp_client_socket.getsockname() */
static void print_local_address(int client_socket, const char *server_text)
{
    struct sockaddr_storage local_address;
    socklen_t local_length = sizeof local_address;
    char local_text[ADDRESS_TEXT];

    if (getsockname(client_socket, (struct sockaddr *)&local_address, &local_length) == -1)
        fail("getsockname", server_text);
    format_address((struct sockaddr *)&local_address, local_length, local_text,
                   sizeof local_text);
    printf("Connected to %s from %s\n", server_text, local_text);
}

/* Python's "...".encode("gbk"): the message's characters (UTF-8, as the terminal typed
 * them) as bytes in ENCODING, which may differ from UTF-8's: 你好 is e4 bd a0 e5 a5 bd in
 * UTF-8, c4 e3 ba c3 in gbk. A character ENCODING cannot write is a usage error. */
static char *encode_message(const char *message, size_t *length)
{
    size_t text_length = strlen(message), size = 4 * text_length + 4;
    char *wire = malloc(size);
    if (wire == NULL)
        fail("malloc", "for the message");
    *length = encode_for_peer(to_peer, from_peer, message, text_length, wire, size);
    if (*length == (size_t)-1)
        usage_error("bad message '%s': it has a character that %s cannot write", message,
                    encoding);
    return wire;
}

/* Step 3. send() may take only part of the bytes, so send_all loops (Python: sendall). */
static void send_message(int client_socket, const char *server_text, const char *message,
                         const char *wire, size_t length)
{
    size_t text_length = strlen(message);

    if (send_all(client_socket, wire, length) == -1)
        fail("send", server_text);
    printf("Sent %zu bytes: ", length);
    strip_ending(message, &text_length);
    print_escaped(message, text_length);
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
        fail("recv", server_text);
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
        /* Fix 3: decoded from -e's encoding (Python: recv_data.decode("gbk")), but with no
         * step that can fail: what does not convert is shown as \xhh. Fix 4: no byte
         * reaches the terminal raw: text as text, control bytes escaped. */
        size_t length = count;
        char shown[8 * RECV_SIZE + 4];
        strip_ending(reply, &length);
        escape_from_peer(from_peer, shown, sizeof shown, reply, length);
        printf("As text: %s\n", shown);
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

#define USAGE "Usage: tcp_client [-e ENCODING] HOST PORT [MESSAGE]"
#define DESCRIPTION                                                                         \
    "Connect to HOST (a name, an IPv4 or an IPv6 address) on PORT, send MESSAGE (default:\n" \
    "Hello, server, I'm client Xiaohei!), print the reply, one recv of up to 1024 bytes, as\n" \
    "b'...' and as text. -e: the text's encoding on the wire (default utf-8; the notes': gbk).\n"

/* Options first (-h, --help, -e ENCODING), then HOST PORT [MESSAGE]. A port that can never work (0, or
 * not a number from 1 to 65535), an empty host and an empty message (a server cannot see
 * zero bytes) are usage errors, found before any network call. */
static void parse_arguments(int argc, char *argv[], const char **host, const char **port,
                            const char **message)
{
    int option;

    opterr = 0; /* we print our own messages */
    while ((option = next_option(argc, argv, "+:he:")) != -1) {
        if (option == 'h') {
            printf("%s\n%s", USAGE, DESCRIPTION);
            exit(0);
        } else if (option == 'e') {
            encoding = optarg;
            from_peer = open_encoding(encoding, &to_peer);
        } else if (option == ':' || optopt == 'e') { /* (':': glibc's "+:") */
            usage_error("option '-%c' needs a value (try '%s -h')", optopt, PROGRAM);
        } else {
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
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
    number_argument(*port, "port", 1, 65535);
    if ((*message)[0] == '\0')
        usage_error("bad message '%s': expected at least one byte", *message);
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

/* ---- begin canonical: ensure_standard_descriptors ---- */
/* Descriptors 0, 1 and 2 open before any socket: started with one closed (`>&-`), a program
 * would get its first socket there, and printf or perror would write our own console output
 * into the connection. Each closed one becomes /dev/null (open takes the lowest free
 * number: that one). Called first in main; exit 1 if /dev/null cannot be opened. */
static void ensure_standard_descriptors(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1)
            continue; /* open */
        if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd) {
            fprintf(stderr, "%s: open /dev/null: %s\n", PROGRAM, strerror(errno));
            exit(1);
        }
    }
}
/* ---- end canonical: ensure_standard_descriptors ---- */

/* ---- begin canonical: check_stdout ---- */
/* At exit, did everything we printed reach stdout? main registers this with atexit() at
 * its top, so it runs however the program ends: main's return, exit(0) after -h, fail().
 * A printf that cannot write (stdout on a full disk, or /dev/full) returns -1 and sets a
 * flag, ferror(stdout), and that is all: unchecked, the output is lost, the status is still
 * 0 and nothing is said (Python's print would raise an error). So we flush what is left,
 * and if that or an earlier write failed: "PROGRAM: write stdout: REASON", and status 1.
 * - stdio keeps THAT a write failed, not WHY (errno has changed since), so we write one
 *   newline more: a full disk or a bad descriptor refuses it again, and says why. (If it
 *   goes through, the trouble has passed, and we can only say that a write failed.)
 * - EPIPE, "Broken pipe", means the reader has left: `./resolve localhost | head -c1`
 *   stops reading after one byte. That is normal use of a pipe, and a line each time would
 *   be noise, so we end as GNU tools do there, quietly, by SIGPIPE: status 141, which shells
 *   do not report and `set -o pipefail` does. (The programs that ignore SIGPIPE do it for
 *   their sockets: a send() to a peer that has gone fails, and they can say so.)
 * - _exit(1) is the way to change the status from inside exit() (calling exit() again there
 *   is undefined); stdout is flushed already, stderr unbuffered. Registered first, this runs
 *   last, after any other atexit() clean-up. A failure keeps its status 1, and a usage
 *   error (2) comes before any output: then there is nothing to check. */
static void check_stdout(void)
{
    int failed_earlier = ferror(stdout), error = 0;

    if (fflush(stdout) != 0)
        error = errno; /* what was left could not be written */
    else if (!failed_earlier)
        return; /* everything reached stdout */
    else if (write(STDOUT_FILENO, "\n", 1) < 0)
        error = errno; /* a line was lost earlier: why, asked again */
    if (error == EPIPE) {
        signal(SIGPIPE, SIG_DFL);
        raise(SIGPIPE);
    }
    fprintf(stderr, "%s: write stdout: %s\n", PROGRAM,
            error != 0 ? strerror(error) : "an earlier write failed");
    _exit(1);
}
/* ---- end canonical: check_stdout ---- */

/* ---- begin canonical: usage_error ---- */
/* A mistake on the command line: "PROGRAM: " and the message on stderr, one line, exit 2.
 * FORMAT takes %s, %c, %d, %ld and %g. What the user typed arrives through %s and %c, so
 * each of those goes through print_operand (escaped, at most 64 characters): a newline in
 * it cannot break the line, an ESC cannot reach the terminal, a 100 KB operand is not
 * echoed whole. */
_Noreturn static void usage_error(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, "%s: ", PROGRAM);
    for (const char *f = format; *f != '\0'; f++) {
        if (f[0] != '%' || f[1] == '\0') {
            fputc(*f, stderr);
            continue;
        }
        f++;
        if (*f == 's') {
            const char *text = va_arg(arguments, const char *);
            print_operand(text, strlen(text));
        } else if (*f == 'c') {
            char c = (char)va_arg(arguments, int);
            print_operand(&c, 1);
        } else if (*f == 'd') {
            fprintf(stderr, "%d", va_arg(arguments, int));
        } else if (*f == 'l' && f[1] == 'd') {
            fprintf(stderr, "%ld", va_arg(arguments, long));
            f++;
        } else if (*f == 'g') {
            fprintf(stderr, "%g", va_arg(arguments, double));
        } else {
            fputc(*f, stderr); /* "%%" */
        }
    }
    fputc('\n', stderr);
    va_end(arguments);
    exit(2);
}
/* ---- end canonical: usage_error ---- */

/* ---- begin canonical: print_operand ---- */
/* What the user typed (an operand, an option, a host) on stderr, by escape_character's
 * rule, at most its first 64 characters, then "..." if there are more. */
static void print_operand(const void *text, size_t length)
{
    const unsigned char *next = text;
    char piece[5];
    for (int shown = 0; length > 0; shown++) {
        if (shown == 64) {
            fputs("...", stderr);
            return;
        }
        size_t n = escape_character(next, length, piece);
        fputs(piece, stderr);
        next += n;
        length -= n;
    }
}
/* ---- end canonical: print_operand ---- */

/* ---- begin canonical: escape_character ---- */
/* The one rule by which every program here shows what a peer or an argument puts on a
 * terminal: the character at S (LENGTH bytes, 1 or more) as the string PIECE. Printable
 * ASCII and well-formed UTF-8 text (你好: utf8_sequence) as they are; a backslash doubled;
 * tab, CR and LF as \t \r \n; every other byte as \xHH: the other C0 controls (NUL, BEL,
 * ESC...), DEL, the C1 controls U+0080..U+009F (\xc2\x9b is CSI), and bytes that are not
 * UTF-8 (invalid, overlong, cut short, surrogates). So a peer cannot clear, retitle or move
 * the terminal, nor break a line, and a line that starts with NUL shows \x00, not nothing.
 * Returns how many bytes of S the character took (1 to 4). */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5])
{
    size_t n = utf8_sequence(s, length);
    if (n > 0) {
        memcpy(piece, s, n);
        piece[n] = '\0';
        return n;
    }
    if (s[0] == '\\')
        snprintf(piece, 5, "\\\\");
    else if (s[0] == '\t')
        snprintf(piece, 5, "\\t");
    else if (s[0] == '\r')
        snprintf(piece, 5, "\\r");
    else if (s[0] == '\n')
        snprintf(piece, 5, "\\n");
    else if (s[0] >= 0x20 && s[0] < 0x7f)
        snprintf(piece, 5, "%c", s[0]);
    else
        snprintf(piece, 5, "\\x%02x", s[0]);
    return 1;
}
/* ---- end canonical: escape_character ---- */

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

/* ---- begin canonical: fail_lookup ---- */
/* getaddrinfo found no address for HOST: "PROGRAM: getaddrinfo HOST: reason" on stderr, HOST
 * as print_operand shows it, the reason from gai_strerror(RC) (from errno when RC is
 * EAI_SYSTEM); exit 1. */
_Noreturn static void fail_lookup(const char *host, int rc)
{
    const char *reason = rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc);
    fprintf(stderr, "%s: getaddrinfo ", PROGRAM);
    print_operand(host, strlen(host));
    fprintf(stderr, ": %s\n", reason);
    exit(1);
}
/* ---- end canonical: fail_lookup ---- */

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

/* ---- begin canonical: send_all ---- */
/* Send all LENGTH bytes: send() may take only part of them, and a signal may interrupt it
 * before it has sent anything (EINTR: just try again). Returns 0, or -1 with errno set.
 * Python: s.sendall(data) */
static int send_all(int fd, const void *data, size_t length)
{
    const char *next = data;
    while (length > 0) {
        ssize_t sent = send(fd, next, length, 0);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        next += sent;
        length -= (size_t)sent;
    }
    return 0;
}
/* ---- end canonical: send_all ---- */

/* ---- begin canonical: strip_ending ---- */
/* The notes' model, both ways: remove ONE trailing "\r\n" or "\n" from a message (the
 * notes' peers send none, nc sends "\n", telnet "\r\n") by shortening *LENGTH, and return
 * how many bytes the ending had: 0, 1 or 2. */
static size_t strip_ending(const void *data, size_t *length)
{
    const unsigned char *bytes = data;
    if (*length >= 2 && bytes[*length - 2] == '\r' && bytes[*length - 1] == '\n') {
        *length -= 2;
        return 2;
    }
    if (*length >= 1 && bytes[*length - 1] == '\n') {
        *length -= 1;
        return 1;
    }
    return 0;
}
/* ---- end canonical: strip_ending ---- */

/* ---- begin canonical: utf8_sequence ---- */
/* How many bytes of well-formed, printable UTF-8 start at s (2 to 4), or 0. U+0080..U+009F
 * are control characters, and overlong forms and surrogates are not UTF-8: all get 0. So do
 * the invisible characters that reorder or hide text: the zero-width ones (U+200B..U+200F,
 * U+2060..U+2064, U+FEFF), the line and paragraph separators (U+2028, U+2029) and the
 * bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069): with
 * U+202E a peer's "txt.exe" shows as "exe.txt", and the rest of the line turns round. */
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
    if (s[0] == 0xe2 && s[1] == 0x80 && ((s[2] >= 0x8b && s[2] <= 0x8f) ||
                                         (s[2] >= 0xa8 && s[2] <= 0xae)))
        return 0; /* U+200B..U+200F, U+2028..U+202E */
    if (s[0] == 0xe2 && s[1] == 0x81 && ((s[2] >= 0xa0 && s[2] <= 0xa4) ||
                                         (s[2] >= 0xa6 && s[2] <= 0xa9)))
        return 0; /* U+2060..U+2064, U+2066..U+2069 */
    if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
        return 0; /* U+FEFF */
    return need;
}
/* ---- end canonical: utf8_sequence ---- */

/* ---- begin canonical: print_escaped ---- */
/* A peer's bytes on stdout, each character as escape_character shows it: text as text,
 * everything that could act on the terminal as \t \r \n \\ or \xHH. */
static void print_escaped(const void *data, size_t length)
{
    const unsigned char *next = data;
    char piece[5];
    while (length > 0) {
        size_t n = escape_character(next, length, piece);
        fputs(piece, stdout);
        next += n;
        length -= n;
    }
}
/* ---- end canonical: print_escaped ---- */

/* ---- begin canonical: open_encoding ---- */
/* -e ENCODING: how the peer writes its text (the notes' first programs use gbk, the later
 * ones utf-8). Returns iconv(3)'s converter from ENCODING to UTF-8, for showing what arrives
 * on our UTF-8 terminal; when TO_PEER is not NULL, puts there the one from UTF-8 to
 * ENCODING, for what the user types. UTF-8 itself needs none: (iconv_t)-1 for both. A name
 * iconv does not know is a usage error, exit 2; so is an encoding in which ASCII's bytes are
 * not ASCII (in UTF-16 "A" is two bytes, and no line would end with the byte \n). */
static iconv_t open_encoding(const char *name, iconv_t *to_peer)
{
    static const char ascii[] = "Hi, 0-9 ~\n";
    char back[sizeof ascii], *in = (char *)ascii, *next = back;
    size_t left = sizeof ascii - 1, room = sizeof back;

    if (to_peer != NULL)
        *to_peer = (iconv_t)-1;
    if (strcasecmp(name, "utf-8") == 0 || strcasecmp(name, "utf8") == 0)
        return (iconv_t)-1;
    iconv_t from_peer = iconv_open("UTF-8", name);
    if (from_peer == (iconv_t)-1)
        usage_error("unknown encoding '%s' (try utf-8 or gbk)", name);
    if (iconv(from_peer, &in, &left, &next, &room) == (size_t)-1 ||
        (size_t)(next - back) != sizeof ascii - 1 || memcmp(back, ascii, sizeof ascii - 1) != 0)
        usage_error("encoding '%s' does not write ASCII as ASCII (try utf-8 or gbk)", name);
    if (to_peer != NULL && (*to_peer = iconv_open(name, "UTF-8")) == (iconv_t)-1)
        usage_error("encoding '%s': this C library's iconv reads it but cannot write it", name);
    return from_peer;
}
/* ---- end canonical: open_encoding ---- */

/* ---- begin canonical: escape_from_peer ---- */
/* Add PIECE to OUT (SIZE bytes, USED of them taken) if it fits with room for a "..." after
 * it; if not, end OUT with "..." and return 0. */
static int add_piece(char *out, size_t size, size_t *used, const char *piece)
{
    size_t width = strlen(piece);
    if (*used + width + 4 > size) {
        snprintf(out + *used, size - *used, "...");
        *used += strlen(out + *used);
        return 0;
    }
    memcpy(out + *used, piece, width + 1);
    *used += width;
    return 1;
}

/* What a peer sent (LENGTH bytes of DATA, in its encoding: open_encoding) as a line of text
 * in OUT (SIZE bytes; 8 * LENGTH + 4 always holds all of it; less is cut, "..." says so):
 * converted to UTF-8, then each character as escape_character shows it. A byte that is not
 * the encoding (gbk has no character starting with \xff) is shown as \xHH and the rest goes
 * on: never dropped. With UTF-8 there is nothing to convert. Returns the length of OUT. */
static size_t escape_from_peer(iconv_t from_peer, char *out, size_t size, const void *data,
                               size_t length)
{
    char *in = (char *)data, converted[64], piece[5]; /* (iconv's prototype: char **) */
    size_t left = length, used = 0;

    out[0] = '\0';
    if (from_peer != (iconv_t)-1)
        iconv(from_peer, NULL, NULL, NULL, NULL); /* start afresh: each message alone */
    while (left > 0) {
        const unsigned char *text = (const unsigned char *)in;
        size_t text_length = left;
        int bad_byte = 0;
        if (from_peer == (iconv_t)-1) {
            in += left;
            left = 0;
        } else { /* as many characters as fit in converted[]; E2BIG: more to come */
            char *next = converted;
            size_t room = sizeof converted;
            size_t rc = iconv(from_peer, &in, &left, &next, &room);
            text = (const unsigned char *)converted;
            text_length = (size_t)(next - converted);
            bad_byte = (rc == (size_t)-1 && errno != E2BIG) || text_length == 0;
        }
        for (size_t i = 0, n; i < text_length; i += n) {
            n = escape_character(text + i, text_length - i, piece);
            if (!add_piece(out, size, &used, piece))
                return used;
        }
        if (bad_byte && left > 0) { /* EILSEQ, or EINVAL: a character cut short at the end */
            snprintf(piece, sizeof piece, "\\x%02x", (unsigned char)*in);
            if (!add_piece(out, size, &used, piece))
                return used;
            in++;
            left--;
        }
    }
    return used;
}
/* ---- end canonical: escape_from_peer ---- */

/* ---- begin canonical: encode_for_peer ---- */
/* TEXT (LENGTH bytes of the user's UTF-8) in the peer's encoding, in OUT (SIZE bytes; 4 *
 * LENGTH + 4 is always enough). Returns its length, or (size_t)-1 when a character has no
 * form there (😀 in gbk): Python's encode() would raise an error; we check by converting
 * back, because some C libraries' iconv quietly write '*' or '?' instead of failing. With
 * UTF-8 (no converters) it is a copy. */
static size_t encode_for_peer(iconv_t to_peer, iconv_t from_peer, const char *text,
                              size_t length, char *out, size_t size)
{
    char *in = (char *)text, *next = out, back[64]; /* (iconv's prototype: char **) */
    size_t left = length, room = size;

    if (to_peer == (iconv_t)-1) {
        if (length > size)
            return (size_t)-1;
        memcpy(out, text, length);
        return length;
    }
    iconv(to_peer, NULL, NULL, NULL, NULL);
    if (iconv(to_peer, &in, &left, &next, &room) == (size_t)-1 ||
        iconv(to_peer, NULL, NULL, &next, &room) == (size_t)-1) /* end any shift state */
        return (size_t)-1;
    size_t encoded = (size_t)(next - out), compared = 0;
    /* The round trip: back to UTF-8, a few characters at a time, compared with TEXT. */
    in = out;
    left = encoded;
    iconv(from_peer, NULL, NULL, NULL, NULL);
    while (left > 0) {
        next = back;
        room = sizeof back;
        size_t rc = iconv(from_peer, &in, &left, &next, &room), got = (size_t)(next - back);
        if ((rc == (size_t)-1 && errno != E2BIG) || got == 0 || got > length - compared ||
            memcmp(back, text + compared, got) != 0)
            return (size_t)-1;
        compared += got;
    }
    return compared == length ? encoded : (size_t)-1;
}
/* ---- end canonical: encode_for_peer ---- */
