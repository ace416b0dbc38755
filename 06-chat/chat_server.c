/*
 * chat_server.c: the notes' simple chat tool, server side: accept one client, then take
 * turns with it until either side's message is "byebye".
 *
 * Usage: chat_server [PORT]
 *
 * The notes' chat server: bind, listen, accept one client, then loop: receive a message,
 * print it, type a reply, send it. The client speaks first. PORT defaults to 12345 (0: the
 * OS picks one). The message model is the notes' own: one recv(1024) is one message. It
 * holds for one short message per turn on a quiet connection, and breaks when bytes arrive
 * in pieces or merged (a message over 1024 bytes arrives as two; two sends in a row can
 * arrive as one: 05-udp/stream_vs_datagram). The chat room (chatroom_server.c) uses lines.
 *
 * What chat_server_basic.c gets wrong:
 *  1. Client gone without byebye: 0 bytes taken for a message; input over, it spins. Exit 1.
 *  2. Client gone, the next line typed kills it by SIGPIPE: exit 141, no word. Ignored.
 *  3. End of input or an empty line sends nothing: both sides wait for ever. Sends byebye.
 *  4. Prints the peer's bytes raw: ESC[2J in a message clears the terminal. Shown escaped.
 *  5. IPv4 only (the host's name's address): a client of ::1 is refused. IPv6 takes both.
 *  6. nc's "byebye\n" is not byebye: the chat goes on. One "\n" or "\r\n" stripped, echoed.
 *  7. Keeps listening: a second client connects and waits for ever. Closed: it is refused.
 *  8. No SO_REUSEADDR: restarted on its port after a chat, bind fails for a minute. Set.
 *  9. Port by atoi: "abc" listens on a random port. Refused (exit 2).
 * 10. Stdout closed (>&-): the socket takes fd 1, its first line kills it (SIGPIPE). 0-2 open.
 *
 * Try:
 *   terminal 1: ./chat_server 12345
 *   terminal 2: ./chat_client localhost 12345
 *
 * See also: chat_server_basic.c (version 1), chat_client.c (the other side),
 * chatroom_server.c (many people, any order), ../tests/peers/notes_chat_server.py.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#define PROGRAM "chat_server"
#define USAGE "Usage: chat_server [PORT]"
#define DESCRIPTION                                                                         \
    "The notes' 1:1 chat, server side: accept one client, then take turns with it (the\n"   \
    "client speaks first) until either side's message is byebye. PORT defaults to 12345;\n" \
    "0 lets the OS pick one."
#define DEFAULT_PORT "12345"
#define BUFFER_SIZE 1024 /* the notes' recv(1024): one recv is one message */

/* The steps, in the order they appear below main, then the helpers. */
static int open_socket(int *family);        /* step 1: IPv6 taking IPv4 too, or IPv4 */
static int accept_client(int server_socket, char *peer, size_t size); /* step 5, retried */
static int take_turns(int client_socket, const char *peer, int *we_spoke_last); /* step 6 */
static long receive_message(int fd, const char *peer, char *message, const char **ending,
                            int *status);   /* step 6a-6b: one recv, printed; -1: chat over */
static int parse_arguments(int argc, char *argv[]); /* -h, PORT: the port, or exit 2 */
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static long parse_number(const char *text, long min, long max); /* digits only, or -1 */
static long number_argument(const char *text, const char *what, long min, long max);
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
_Noreturn static void usage_error(const char *format, ...); /* one line, exit 2 */
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */
_Noreturn static void fail(const char *call, const char *where); /* one line, exit 1 */
static socklen_t any_address(struct sockaddr_storage *address, int family, int port);
static int bound_port(int fd);                              /* the port bind() really took */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size);                    /* "127.0.0.1 port 5000" */
static size_t strip_ending(const void *data, size_t *length); /* "\r\n", "\n": 2, 1, 0 */
static void print_escaped(const void *data, size_t length); /* \n, \t, \xHH... */
static void print_message(const char *label, const char *message, size_t length); /* escaped */
static long read_typed_message(char **line, size_t *size, int interactive); /* -1: EOF */
static int send_all(int fd, const void *data, size_t length); /* send() until all is sent */
static void set_up_signals(void); /* Ctrl-C, SIGTERM: set stop_requested, end cleanly */
static void on_signal(int signal_number); /* the handler: sets stop_requested */
static void close_politely(int fd, int we_spoke_last); /* step 7: FIN, not RST */
static volatile sig_atomic_t stop_requested = 0; /* set by the signal handler */

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* Fix 10: 0, 1 and 2 open before any socket */
    int port = parse_arguments(argc, argv); /* Fix 9: digits only, 0..65535, or exit 2 */
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: tests and pipes see each line at once */
    /* Fix 2: sending to a client that has gone raises SIGPIPE, which kills us without a word;
     * ignored, send() fails with EPIPE instead and we can say what happened. */
    signal(SIGPIPE, SIG_IGN);
    set_up_signals(); /* Ctrl-C or SIGTERM: "Server closing", exit 0 */

    /* 1. Create a TCP socket (Fix 5: IPv6 taking IPv4 too, see open_socket).
     *    Python: s = socket.socket(socket.AF_INET, socket.SOCK_STREAM) */
    int family, on = 1;
    int server_socket = open_socket(&family);

    /* 2. Fix 8: allow a restart at once: without it, bind fails with "Address already in
     *    use" for a minute or two while the old connection lingers in TIME_WAIT.
     *    Python: s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1) */
    setsockopt(server_socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);

    /* 3. Bind to every address of this machine, at PORT.  Python: s.bind(('', 12345)) */
    struct sockaddr_storage address;
    socklen_t address_length = any_address(&address, family, port);
    char where[32];
    snprintf(where, sizeof where, "port %d", port);
    if (bind(server_socket, (struct sockaddr *)&address, address_length) < 0)
        fail("bind", where);

    /* 4. Listen: we only ever take one client, a queue of 1 is enough. Python: s.listen(1) */
    if (listen(server_socket, 1) < 0)
        fail("listen", where);
    printf("Listening on port %d\n", bound_port(server_socket));

    /* 5. Accept one client (Fix 7: then close the listening socket, see accept_client).
     *    Python: conn, addr = s.accept() */
    char peer[160];
    int client_socket = accept_client(server_socket, peer, sizeof peer);
    printf("Connected by %s\n", peer);

    /* 6. Take turns: the client speaks first, we answer, and so on, until byebye. */
    int we_spoke_last = 0;
    int status = take_turns(client_socket, peer, &we_spoke_last);
    if (stop_requested)
        printf("Server closing\n");

    /* 7. Close the connection, so that the client gets a FIN, not a reset (see
     *    close_politely).  Python: conn.close() */
    close_politely(client_socket, we_spoke_last);
    return status;
}

/* ---- The steps, one function each ---- */

/* Step 1. Fix 5: one IPv6 socket with IPV6_V6ONLY off takes IPv4 clients too (seen as
 * ::ffff:a.b.c.d); where IPv6 is missing we fall back to IPv4. */
static int open_socket(int *family)
{
    int off = 0;
    *family = AF_INET6;
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0 && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) {
        *family = AF_INET;
        fd = socket(AF_INET, SOCK_STREAM, 0);
    }
    if (fd < 0)
        fail("socket", NULL);
    if (*family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    return fd;
}

/* Step 5: accept one client (again after a signal that did not ask us to stop; Ctrl-C or
 * SIGTERM while waiting: "Server closing", exit 0), put its address in peer. Fix 7: then
 * close the listening socket: this chat is for two, and a second client is refused rather
 * than left waiting for ever in the kernel's queue. */
static int accept_client(int server_socket, char *peer, size_t size)
{
    struct sockaddr_storage client_address;
    socklen_t client_length = sizeof client_address;
    int client_socket;
    do
        client_socket = accept(server_socket, (struct sockaddr *)&client_address, &client_length);
    while (client_socket < 0 && errno == EINTR && !stop_requested);
    if (client_socket < 0 && stop_requested) {
        printf("Server closing\n");
        exit(0);
    }
    if (client_socket < 0) {
        char where[32];
        snprintf(where, sizeof where, "port %d", bound_port(server_socket));
        fail("accept", where);
    }
    close(server_socket);
    format_address((struct sockaddr *)&client_address, client_length, peer, size);
    return client_socket;
}

/* Step 6: take turns until byebye, from either side. Returns the exit status: 0 for byebye
 * (or a signal), 1 if the client went away or a call failed. *we_spoke_last: our byebye
 * ended it (close_politely then echoes a lone line ending that follows). */
static int take_turns(int client_socket, const char *peer, int *we_spoke_last)
{
    char message[BUFFER_SIZE + 2]; /* received into the first 1024; a reply and its ending */
    const char *ending = "";       /* the client's line ending: our replies use the same */
    char *typed = NULL;            /* getline's buffer, grown as needed */
    size_t typed_size = 0;
    int interactive = isatty(STDIN_FILENO), status = 0;
    for (;;) {
        /* 6a-6b. Receive one message and print it (see receive_message).
         *     Python: data = conn.recv(1024).decode(); print('Received:', data) */
        long length = receive_message(client_socket, peer, message, &ending, &status);
        if (length < 0)
            break;
        /* 6c. Python: if data == 'byebye': break */
        if (length == 6 && memcmp(message, "byebye", 6) == 0) {
            printf("The client said byebye: chat over\n");
            break;
        }

        /* 6d. Type a reply.  Python: msg = input('> ')
         *     Fix 3: an empty line is refused (read_typed_message): sent bare, it would be
         *     no bytes at all, and both sides would wait for ever; end of input is byebye. */
        long typed_length = read_typed_message(&typed, &typed_size, interactive);
        const char *reply = typed;
        if (typed_length < 0 && stop_requested)
            break; /* Ctrl-C or SIGTERM while typing */
        if (typed_length < 0) {
            printf("End of input: sending byebye\n");
            reply = "byebye";
            typed_length = 6;
        }

        /* 6e. Send it, with the client's line ending (none for chat_client), in one send.
         *     Python: conn.sendall(msg.encode()) */
        memcpy(message, reply, (size_t)typed_length); /* at most BUFFER_SIZE bytes */
        memcpy(message + typed_length, ending, strlen(ending));
        if (send_all(client_socket, message, (size_t)typed_length + strlen(ending)) < 0) {
            fprintf(stderr, "%s: send %s: %s\n", PROGRAM, peer, strerror(errno));
            status = 1;
            break;
        }
        /* 6f. Python: if msg == 'byebye': break */
        if (typed_length == 6 && memcmp(reply, "byebye", 6) == 0) {
            *we_spoke_last = 1;
            printf("You said byebye: chat over\n");
            break;
        }
    }
    free(typed);
    return status;
}

/* Steps 6a-6b: receive one message, whatever one recv returns, and print it ("Received: ",
 * escaped: Fix 4). Returns its length without its line ending (which goes in *ending), or
 * -1 when the chat is over: a signal (*status 0), the client gone or an error (*status 1). */
static long receive_message(int fd, const char *peer, char *message, const char **ending,
                            int *status)
{
    for (;;) {
        ssize_t received = recv(fd, message, BUFFER_SIZE, 0);
        if (received < 0 && errno == EINTR && stop_requested)
            return -1; /* Ctrl-C or SIGTERM while waiting */
        if (received < 0 && errno == EINTR)
            continue;
        if (received < 0) {
            fprintf(stderr, "%s: recv %s: %s\n", PROGRAM, peer, strerror(errno));
            *status = 1;
            return -1;
        }
        /* Fix 1: 0 bytes is not an empty message: the client closed its side. The notes'
         * loop takes it for one and goes round again, for ever once the input has ended. */
        if (received == 0) {
            fprintf(stderr, "%s: the client (%s) went away without saying byebye\n", PROGRAM, peer);
            *status = 1;
            return -1;
        }
        /* Fix 6: one trailing "\r\n" or "\n" is not part of the message (nc sends "byebye\n"). */
        size_t length = (size_t)received;
        size_t ending_length = strip_ending(message, &length);
        if (length == 0 && ending_length > 0) {
            /* Only a line ending: the tail of the last message, not a turn (nc -C writes
             * the text and its "\r\n" separately). Echo it: it ends our reply's line. */
            if (send_all(fd, message, ending_length) < 0)
                return -1;
            continue;
        }
        *ending = ending_length == 2 ? "\r\n" : ending_length == 1 ? "\n" : "";
        print_message("Received: ", message, length); /* Fix 4: escaped */
        if (received == BUFFER_SIZE)
            printf("(%d bytes: the buffer was full; anything more arrives as the next message)\n",
                   BUFFER_SIZE);
        return (long)length;
    }
}

/* ---- Plumbing: read after the lesson ---- */

/* Options first, then the operand (a plain getopt loop; "+": stop at the first operand).
 * Returns the port. */
static int parse_arguments(int argc, char *argv[])
{
    int opt;
    opterr = 0; /* we print our own messages */
    while ((opt = next_option(argc, argv, "+h")) != -1) {
        if (opt != 'h')
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        printf("%s\n%s\n", USAGE, DESCRIPTION);
        exit(0);
    }
    if (argc - optind > 1)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    const char *port_text = optind < argc ? argv[optind] : DEFAULT_PORT;
    return (int)number_argument(port_text, "port", 0, 65535);
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

/* ---- begin canonical: any_address ---- */
/* Fill in the wildcard address ("" in Python: every address of this machine) at PORT, for
 * FAMILY (AF_INET6 or AF_INET); returns its length, for bind. */
static socklen_t any_address(struct sockaddr_storage *address, int family, int port)
{
    memset(address, 0, sizeof *address);
    if (family == AF_INET6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)address;
        a6->sin6_family = AF_INET6;
        a6->sin6_addr = in6addr_any;
        a6->sin6_port = htons((unsigned short)port);
        return sizeof *a6;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)address;
    a4->sin_family = AF_INET;
    a4->sin_addr.s_addr = htonl(INADDR_ANY);
    a4->sin_port = htons((unsigned short)port);
    return sizeof *a4;
}
/* ---- end canonical: any_address ---- */

/* ---- begin canonical: bound_port ---- */
/* The port a bound socket really has (the one the OS picked, for port 0).
 * Python: s.getsockname()[1] */
static int bound_port(int fd)
{
    struct sockaddr_storage address;
    socklen_t length = sizeof address;
    if (getsockname(fd, (struct sockaddr *)&address, &length) < 0)
        fail("getsockname", NULL);
    if (address.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&address)->sin6_port);
    return ntohs(((struct sockaddr_in *)&address)->sin_port);
}
/* ---- end canonical: bound_port ---- */

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

/* ---- begin canonical: print_message ---- */
/* Print LABEL and the peer's message on one line, escaped (print_escaped): ESC, BEL,
 * backspace or a lone CR from a peer could otherwise clear, retitle or overwrite your
 * terminal; UTF-8 text (你好) shows as it is, NUL as \x00, a C1 control as \xc2\x9b. */
static void print_message(const char *label, const char *message, size_t length)
{
    fputs(label, stdout);
    print_escaped(message, length);
    putchar('\n');
}
/* ---- end canonical: print_message ---- */

/* ---- begin canonical: read_typed_message ---- */
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
            fprintf(stderr, "%s: empty message: not sent, type something\n", PROGRAM);
        else if (length > BUFFER_SIZE)
            fprintf(stderr, "%s: message too long (%ld bytes, at most %d): not sent, "
                    "type a shorter one\n", PROGRAM, (long)length, BUFFER_SIZE);
        else
            return (long)length;
    }
}
/* ---- end canonical: read_typed_message ---- */

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

/* ---- begin canonical: set_up_signals ---- */
/* The SIGINT/SIGTERM handler: it only sets a flag, all a handler may safely do. */
static void on_signal(int signal_number)
{
    (void)signal_number;
    stop_requested = 1;
}

/* Catch SIGINT and SIGTERM with on_signal. Without SA_RESTART, the blocking call a signal
 * interrupts (accept, recv, poll, a read of stdin) returns -1 with errno EINTR, and the
 * loop around it sees stop_requested. */
static void set_up_signals(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART */
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}
/* ---- end canonical: set_up_signals ---- */

/* Step 7. close() with unread bytes in the socket sends a reset (RST) instead of a FIN, and
 * a reset can cost the client our last message. Bytes may well be on their way: nc -C sends
 * a line's "\r\n" after its text. So: wait up to half a second for such a tail (if it is a
 * lone line ending and our byebye was the last word, echo it: it ends our line), send our
 * FIN (shutdown), read and drop what still comes until the client closes (at most a second
 * and 64 KiB), then close. */
static void close_politely(int fd, int we_spoke_last)
{
    char tail[BUFFER_SIZE];
    struct timeval wait = {0, 500000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    ssize_t received = recv(fd, tail, sizeof tail, 0);
    size_t length = received > 0 ? (size_t)received : 0;
    size_t ending = strip_ending(tail, &length);
    if (received > 0 && length == 0 && we_spoke_last)
        send_all(fd, tail, ending); /* the lone line ending, echoed */
    shutdown(fd, SHUT_WR);
    wait.tv_sec = 1;
    wait.tv_usec = 0;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    for (ssize_t dropped = 0; received > 0 && dropped < 65536; dropped += received)
        received = recv(fd, tail, sizeof tail, 0);
    close(fd);
}
