/*
 * tcp_client_loop.c - the notes' interactive TCP client: one connection, one message per
 * line you type, one reply per message.
 *
 * Usage: tcp_client_loop [-e ENCODING] HOST PORT
 * Connect to HOST on PORT; send each line you type, print the reply (one recv of up to 1024
 * bytes) as "Server: REPLY". Stops on "exit" (not sent), after "bye", on an empty line or at
 * the end of input. -e: the text's encoding on the wire (default utf-8; the notes': gbk).
 *
 * Mirrors the notes' "TCP client in a loop": the five steps of tcp_client.c with steps 3
 * and 4 repeated; Python: while True: data = input(); if data == "exit": break;
 * s.send(data.encode()); print(s.recv(1024).decode())
 *
 * The notes' message model: one recv(1024) is one message. It holds for one short message
 * per turn on a quiet connection, and breaks when bytes arrive in pieces or merged (a long
 * reply, a server that sends twice, a slow network): ../05-udp/stream_vs_datagram measures
 * the merge. A reply that fills all 1024 bytes is shown with a note saying so.
 *
 * What tcp_client_loop_basic.c gets wrong:
 *  1. IPv4 numbers only: localhost, ::1 and names fail (exit 1). getaddrinfo, each address.
 *  2. Port by atoi: "8989x" and 74525 (8989 + 65536) both reach 8989. Refused (exit 2).
 *  3. Input that ends before "exit" ends it with EOFError, exit 1. Ends the session, exit 0.
 *  4. Server gone: empty replies, then SIGPIPE kills it (exit 141, no word). Says so, exit 1.
 *  5. An empty line sends nothing, then waits for a reply for ever. Ends the session.
 *  6. A line over 1023 bytes goes as several messages, each answered. Refused, not sent.
 *  7. What follows a NUL byte in a line is never sent (fgets, strlen). Sent: getline's length.
 *  8. Prints replies raw: ESC[2J in one clears the terminal. Shown escaped.
 *  9. Stdout closed (>&-): the socket takes fd 1, prompts and replies go to the server. 0-2 open.
 * 10. Stdout full (>/dev/full): every line lost, yet exit 0 and not a word. Said, exit 1.
 * 11. Stdin unreadable (< /, a directory): called the end of input (EOFError). Said, exit 1.
 *
 * Try (two terminals):
 *   terminal 1:  ../03-tcp-server/dict_server 50007
 *   terminal 2:  ./tcp_client_loop localhost 50007     then type: how are u, how old are u, bye
 *   or, with the notes' gbk server:  ./tcp_client_loop -e gbk 127.0.0.1 9090   then type: 你好
 *
 * See also: tcp_client_loop_basic.c (version 1), tcp_client.c (one message),
 * ../03-tcp-server/dict_server.c (its server).
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

#define PROGRAM "tcp_client_loop"
#define MESSAGE_MAX 1024  /* Python: recv(1024); also the longest line we send */
#define ADDRESS_TEXT 160  /* "address port N" for any IPv6 address and scope */

static int connect_to_first_address(const char *host, const char *port, char *server_text,
                                    size_t size); /* steps 0-2: a connected socket */
static ssize_t read_line(char **line, size_t *capacity); /* input(): length, -1 at the end */
static int stops_the_loop(const char *line, size_t length); /* exit, empty line */
static size_t encode_line(const char *line, size_t length, char *wire); /* 0: not sent */
static void send_message(int client_socket, const char *server_text, const char *line,
                         size_t length); /* step 3: the whole line */
static void receive_reply(int client_socket, const char *server_text); /* step 4, printed */
static void server_gone(const char *server_text, int error); /* one line, exit 1 */
static void parse_arguments(int argc, char *argv[], const char **host,
                            const char **port); /* -h, checks; or exit 2 */
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
                           size_t size); /* "127.0.0.1 port 50007", no DNS */
static int send_all(int fd, const void *data, size_t length); /* loop over send() */
static size_t strip_ending(const void *data, size_t *length); /* "\n", "\r\n" */
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */
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
    ensure_standard_descriptors(); /* Fix 9: 0, 1 and 2 open before any socket */
    atexit(check_stdout); /* Fix 10: output that could not be written is an error */
    const char *host, *port;
    char server_text[ADDRESS_TEXT], *line = NULL; /* line: getline makes it long enough */
    char wire[4 * MESSAGE_MAX + 4]; /* the line in ENCODING: at most 4 bytes a character */
    size_t capacity = 0;
    ssize_t typed;

    setvbuf(stdout, NULL, _IOLBF, 0); /* pipes and tests see each line at once */
    /* Fix 4: sending to a server that has gone raises SIGPIPE, whose default action kills
     * us silently; ignored, send() fails with EPIPE instead and we can say what happened. */
    signal(SIGPIPE, SIG_IGN);
    /* Fix 2: HOST PORT, the port checked digit by digit (no atoi). */
    parse_arguments(argc, argv, &host, &port);

    /* 0. Find the server's addresses, 1. create a socket, 2. connect: for each address in
     *    turn until one connects. Fix 1: names, IPv4 and IPv6 alike (getaddrinfo).
     *    Python: s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
     *            s.connect((server_ip, server_port)) */
    int client_socket = connect_to_first_address(host, port, server_text, sizeof server_text);
    printf("Connected to server\n");

    for (;;) { /* Python: while True: */
        /* Python: data = input(). Fix 3: the end of input (-1) ends the session. */
        typed = read_line(&line, &capacity);
        if (typed == -1 || stops_the_loop(line, (size_t)typed)) /* if data == "exit": break */
            break;
        /* Python: data.encode("gbk"); Fix 6: at most 1024 bytes, or it is not sent. */
        size_t length = encode_line(line, (size_t)typed, wire);
        if (length == 0)
            continue;
        /* 3. Send the line, without its newline: one send is one message.
         *    Python: s.send(data.encode("gbk")) */
        send_message(client_socket, server_text, wire, length);
        /* 4. Receive the reply: ONE recv of at most 1024 bytes is the whole reply (the
         *    notes' assumption, see the top of the file). Python: data = s.recv(1024) */
        receive_reply(client_socket, server_text);
        /* The notes' dictionary client stops after "bye": the server answers and closes. */
        if (typed == 3 && memcmp(line, "bye", 3) == 0)
            break;
    }

    /* 5. Close: our FIN tells the server we are done. Python: s.close() */
    close(client_socket);
    free(line);
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

/* Python: data = input(). A prompt at a keyboard (in a pipe it is noise), then one line
 * without its "\n" or "\r\n". Fix 7: getline returns the length, so a NUL byte in the line
 * is sent like any other byte (strlen would stop there). -1: the end of input. Fix 11:
 * getline returns -1 for a read error too (stdin a directory: EISDIR); ferror(stdin) tells
 * the two apart. An error is one line and exit 1: the kernel closes our socket as we exit,
 * and the server sees the same FIN as after close(). */
static ssize_t read_line(char **line, size_t *capacity)
{
    ssize_t typed;
    size_t length;

    if (isatty(STDIN_FILENO)) {
        fputs("> ", stdout);
        fflush(stdout);
    }
    typed = getline(line, capacity, stdin);
    if (typed == -1 && ferror(stdin))
        fail("read", "stdin"); /* "tcp_client_loop: read stdin: Is a directory" */
    if (typed == -1)
        return -1;
    length = (size_t)typed;
    strip_ending(*line, &length);
    return (ssize_t)length;
}

/* "exit" (Python: if data == "exit") and, Fix 5, an empty line (the notes' Msg>> client)
 * end the session without sending anything: zero bytes would reach no server, and the
 * recv after them would wait for ever. The length counts: "exit\0x" is not "exit". */
static int stops_the_loop(const char *line, size_t length)
{
    return length == 0 || (length == 4 && memcmp(line, "exit", 4) == 0);
}

/* The line in -e's encoding (Python: data.encode("gbk")), in WIRE (4 * MESSAGE_MAX + 4
 * bytes). Fix 6: one recv(1024) on the other side is one message, so a longer line would
 * get two replies. Returns the length to send, or 0: not sent, and said why on stderr. */
static size_t encode_line(const char *line, size_t length, char *wire)
{
    size_t encoded = length; /* longer than wire[]: 1024 bytes or more in any encoding */
    if (length <= 4 * MESSAGE_MAX) {
        encoded = encode_for_peer(to_peer, from_peer, line, length, wire, 4 * MESSAGE_MAX + 4);
        if (encoded == (size_t)-1) {
            fprintf(stderr, "%s: line not sent: it has a character that %s cannot write\n",
                    PROGRAM, encoding);
            return 0;
        }
    }
    if (encoded > MESSAGE_MAX) {
        fprintf(stderr, "%s: line of %zu bytes not sent: a message is at most %d bytes "
                "(one recv(%d) on the other side)\n", PROGRAM, encoded, MESSAGE_MAX,
                MESSAGE_MAX);
        return 0;
    }
    return encoded;
}

/* Step 3: every byte of the line (send_all loops: Python's sendall). Fix 4: a server that
 * has gone makes send fail with EPIPE or ECONNRESET: say so. */
static void send_message(int client_socket, const char *server_text, const char *line,
                         size_t length)
{
    if (send_all(client_socket, line, length) == -1) {
        if (errno == EPIPE || errno == ECONNRESET)
            server_gone(server_text, errno);
        fail("send", server_text);
    }
}

/* Step 4: one recv, printed as "Server: REPLY". A reply that is only a line ending is the
 * tail of the last one (`nc -C` on the other side writes a line's text and its "\r\n"
 * separately): skip it. Fix 4: recv returning 0 (or a reset) is the server gone, not an
 * empty reply. */
static void receive_reply(int client_socket, const char *server_text)
{
    unsigned char reply[MESSAGE_MAX];
    ssize_t count;
    size_t length; /* the reply without its line ending */

    do {
        count = recv(client_socket, reply, sizeof reply, 0);
        length = count > 0 ? (size_t)count : 0;
        strip_ending(reply, &length);
    } while ((count == -1 && errno == EINTR) || (count > 0 && length == 0));
    if (count == -1 && errno == ECONNRESET)
        server_gone(server_text, errno);
    if (count == -1)
        fail("recv", server_text);
    if (count == 0) /* recv returns 0: the server closed its side */
        server_gone(server_text, 0);
    /* Python: print(data.decode("gbk")), with -e's encoding. Fix 8: no byte reaches the
     * terminal raw; what does not convert is shown as \xhh. */
    char shown[8 * MESSAGE_MAX + 4];
    escape_from_peer(from_peer, shown, sizeof shown, reply, length);
    printf("Server: %s\n", shown);
    if (count == MESSAGE_MAX)
        printf("(%d bytes: the buffer was full; the rest, if any, arrives as the next "
               "reply)\n", MESSAGE_MAX);
}

/* The server went away: recv returned 0 (error 0), or its kernel answered with a reset
 * (ECONNRESET) or we wrote after it left (EPIPE). One line that says so, exit 1. */
static void server_gone(const char *server_text, int error)
{
    if (error != 0)
        fprintf(stderr, "%s: the server %s closed the connection (%s)\n", PROGRAM, server_text,
                strerror(error));
    else
        fprintf(stderr, "%s: the server %s closed the connection\n", PROGRAM, server_text);
    exit(1);
}

/* ---- Plumbing: read after the lesson ---- */

#define USAGE "Usage: tcp_client_loop [-e ENCODING] HOST PORT"
#define DESCRIPTION                                                                        \
    "Connect to HOST on PORT; send each line you type, print the reply (one recv of up to 1024\n" \
    "bytes) as \"Server: REPLY\". Stops on \"exit\" (not sent), after \"bye\", on an empty line or at\n" \
    "the end of input. -e: the text's encoding on the wire (default utf-8; the notes': gbk).\n"

/* Options first (-h, --help, -e ENCODING), then HOST and PORT. A port that can never work (0, or not a
 * number from 1 to 65535) and an empty host are usage errors, before any network call. */
static void parse_arguments(int argc, char *argv[], const char **host, const char **port)
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
    if (argc - optind > 2)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    *host = argv[optind];
    *port = argv[optind + 1];
    if ((*host)[0] == '\0')
        usage_error("bad host '%s': expected a name or an address", *host);
    /* Digits only ("+80", " 80", "0x50", "80x" are not), from 1 to 65535: port 0 means
     * "any port" to a server, but a client must name the server's real port. */
    number_argument(*port, "port", 1, 65535);
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
