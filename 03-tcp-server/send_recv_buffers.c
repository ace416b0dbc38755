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
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
static void check_stdout(void); /* at exit: all output written, or one line, exit 1 */
_Noreturn static void usage_error(const char *format, ...); /* bad command line: exit 2 */
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */
_Noreturn static void fail(const char *call, const char *where); /* run-time error: exit 1 */

int main(int argc, char **argv) {
    ensure_standard_descriptors(); /* first: no socket may land on 0, 1 or 2 */
    atexit(check_stdout); /* at exit: output that could not be written is an error */
    int requested = parse_arguments(argc, argv); /* 0: leave the kernel's defaults */
    setvbuf(stdout, NULL, _IOLBF, 0); /* tests and pipes see each line at once */
    /* SIGPIPE would kill us silently; ignored, a send() to a gone peer fails: we say so. */
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
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* sin_port stays 0: the OS picks */
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
