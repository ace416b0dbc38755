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
 *  8. Stdout closed (>&-): the socket takes fd 1, prompts and replies go to the server. 0-2 open.
 *  9. Stdout full (>/dev/full): every line lost, yet exit 0 and not a word. Said, exit 1.
 * 10. Stdin unreadable (< /, a directory): sends nothing, waits for ever. Said, exit 1.
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
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define PROGRAM "chat_client"
#define USAGE "Usage: chat_client HOST PORT"
#define DESCRIPTION                                                                       \
    "The notes' 1:1 chat, client side: connect to chat_server (or the notes' Python\n"    \
    "server), then take turns, you first, until either side's message is byebye."
#define BUFFER_SIZE 1024 /* the notes' recv(1024): one recv is one message */

/* The steps, in the order they appear below main, then the helpers. */
static int take_turns(int client_socket, const char *peer); /* step 2: the exit status */
static long receive_reply(int fd, const char *peer, char *reply); /* step 2d-2e; -1: over */
static void parse_arguments(int argc, char *argv[], const char **host, const char **port);
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static long parse_number(const char *text, long min, long max); /* digits only, or -1 */
static long number_argument(const char *text, const char *what, long min, long max);
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
static void check_stdout(void); /* at exit: all output written, or one line, exit 1 */
_Noreturn static void usage_error(const char *format, ...); /* one line, exit 2 */
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */
_Noreturn static void fail(const char *call, const char *where); /* one line, exit 1 */
_Noreturn static void fail_lookup(const char *host, int rc); /* getaddrinfo's, exit 1 */
static int connect_to_first_address(const char *host, const char *port, char *server_text,
                                    size_t size); /* step 1: a connected socket, or exit 1 */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size);                    /* "127.0.0.1 port 5000" */
static size_t strip_ending(const void *data, size_t *length); /* one "\r\n" or "\n" */
static void print_escaped(const void *data, size_t length); /* \n, \t, \xHH... */
static void print_message(const char *label, const char *message, size_t length); /* escaped */
static long read_typed_message(char **line, size_t *size, int interactive); /* -1: EOF */
static int send_all(int fd, const void *data, size_t length); /* send() until all is sent */

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* Fix 8: 0, 1 and 2 open before any socket */
    atexit(check_stdout); /* Fix 9: output that could not be written is an error */
    const char *host, *port;
    parse_arguments(argc, argv, &host, &port); /* Fix 7: PORT digits only, 1..65535 */
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: tests and pipes see each line at once */
    /* Fix 2: sending to a server that has gone raises SIGPIPE, which kills us without a word;
     * ignored, send() fails with EPIPE instead and we can say what happened. */
    signal(SIGPIPE, SIG_IGN);

    /* 1. Create a socket and connect. Fix 5: connect_to_first_address tries each address
     *    of HOST, IPv4 and IPv6, in turn.  Python: s = socket.socket(...); s.connect(...) */
    char peer[160];
    int client_socket = connect_to_first_address(host, port, peer, sizeof peer);
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
        if (typed_length < 0 && ferror(stdin)) {
            /* Fix 10: getline's -1 is also a read error (stdin a directory: EISDIR), and
             * that is no end of input: one line, exit 1. We still say byebye, so that the
             * server's side ends as a chat ends (if that send fails, our close tells it). */
            fprintf(stderr, "%s: read stdin: %s\n", PROGRAM, strerror(errno));
            send_all(client_socket, "byebye", 6);
            status = 1;
            break;
        }
        if (typed_length < 0) {
            printf("End of input: sending byebye\n");
            message = "byebye";
            typed_length = 6;
        }

        /* 2b. Send it as it is, no newline.  Python: s.send(msg.encode()) */
        if (send_all(client_socket, message, (size_t)typed_length) < 0) {
            fprintf(stderr, "%s: send %s: %s\n", PROGRAM, peer, strerror(errno));
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
        fprintf(stderr, "%s: recv %s: %s\n", PROGRAM, peer, strerror(errno));
        return -1;
    }
    /* Fix 1: 0 bytes is not an empty reply: the server closed its side. The notes' loop
     * prints it as one and goes round again, for ever once the input has ended. */
    if (received == 0) {
        fprintf(stderr, "%s: the server (%s) went away without saying byebye\n", PROGRAM, peer);
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
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        printf("%s\n%s\n", USAGE, DESCRIPTION);
        exit(0);
    }
    if (argc - optind < 2)
        usage_error("missing operand (try '%s -h')", PROGRAM);
    if (argc - optind > 2)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    *host = argv[optind];
    *port = argv[optind + 1];
    if (**host == '\0')
        usage_error("bad host '': expected a name or an address");
    number_argument(*port, "port", 1, 65535); /* port 0 can never be connected to */
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
