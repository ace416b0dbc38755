/*
 * stream_vs_datagram: the same sends over TCP and over UDP, and what each recv returns.
 *
 * Usage: stream_vs_datagram
 *
 * Mirrors the notes, "TCP vs UDP": TCP is a byte stream, UDP sends datagrams. This is where
 * the notes' model, one recv(1024) = one message, is seen to break. On loopback it sends
 * "one", "two", "three" with three sends over one TCP connection, and a recv(1024) made
 * once they have all arrived returns them as ONE piece: 11 bytes, "onetwothree". Then one
 * send of 2000 bytes comes out of recv(1024) as TWO pieces, 1024 and 976 bytes. The same
 * three messages over UDP come out of three recvfrom calls, one datagram each. After each
 * part a line says how many messages the notes' model sees and how many were sent.
 * So a TCP program must mark where its messages end itself ("framing"); the notes' twins in
 * lessons 02-04 and 06 get by because they send one short message per turn, and the chat
 * room (06) ends every message with a newline.
 *
 * Try:
 *   terminal 1:  ./stream_vs_datagram
 *   (one terminal is enough: both sides are in this program, on 127.0.0.1)
 *
 * See also: udp_sender.c and udp_receiver.c, reliability_demo.c, unix_socket.c.
 */
#define _POSIX_C_SOURCE 200809L
/* INADDR_LOOPBACK is not in POSIX.1-2008: glibc shows it with _DEFAULT_SOURCE, and macOS
 * hides it under a strict _POSIX_C_SOURCE unless _DARWIN_C_SOURCE is defined. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define PROGRAM "stream_vs_datagram"
#define USAGE "Usage: stream_vs_datagram"
#define DESCRIPTION                                                                       \
    "Sends 'one', 'two', 'three' and then 2000 bytes over TCP, the three words over UDP,\n" \
    "on 127.0.0.1, and prints what every recv returns: TCP keeps bytes, not boundaries."
/* Every read uses a buffer of this size, as the notes' recv(1024). (`cc -DBUFFER_SIZE=4 ...`
 * builds a copy with a smaller one, for "Things to try".) */
#ifndef BUFFER_SIZE
#define BUFFER_SIZE 1024
#endif
#define LONG_MESSAGE 2000 /* bytes in the one long send */
#define MAX_PIECES 4096   /* recv results remembered per part */

static const char *const words[] = {"one", "two", "three"};
#define WORDS 3

/* ---- Helpers, in the order main uses them (their code is below main) ---- */
static void parse_arguments(int argc, char *argv[]);           /* only -h; no operands */
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static int bound_socket(int type, struct sockaddr_in *address); /* TYPE socket on 127.0.0.1 */
static int send_all(int fd, const void *data, size_t length);   /* send until all is taken */
static void wait_until_queued(int fd, int bytes);               /* SO_RCVLOWAT + poll */
static int read_pieces(int fd, int bytes, int first, size_t pieces[]); /* recv, print each */
static void show(const char *what, int number, size_t length, const char *data); /* a line */
static void print_sizes(size_t sizes[], int count); /* "3, 3, 5 bytes" */
static void verdict(const char *protocol, const char *call, size_t sent[], int sends,
                    size_t got[], int gots); /* what the notes' model sees */
_Noreturn static void fail(const char *call, const char *where); /* one line, exit 1 */
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
static void check_stdout(void); /* at exit: all output written, or one line, exit 1 */
_Noreturn static void usage_error(const char *format, ...);      /* one line, exit 2 */
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* first: no socket may land on 0, 1 or 2 */
    atexit(check_stdout); /* at exit: output that could not be written is an error */
    setvbuf(stdout, NULL, _IOLBF, 0); /* tests and pipes see each line at once */
    /* Writing to a socket whose peer has gone raises SIGPIPE, which would kill us silently;
     * ignored, send fails with EPIPE instead and we report it. */
    signal(SIGPIPE, SIG_IGN);
    parse_arguments(argc, argv);
    size_t sent[WORDS], got[MAX_PIECES];
    int pieces;

    /* 1. TCP: a listening socket, a client connected to it, and the accepted connection.
     *    Python: server.listen(1); client.connect(address); conn, addr = server.accept() */
    struct sockaddr_in server_address;
    int server_socket = bound_socket(SOCK_STREAM, &server_address);
    if (listen(server_socket, 1) < 0)
        fail("listen", "127.0.0.1");
    int client_socket = socket(AF_INET, SOCK_STREAM, 0);
    if (client_socket < 0)
        fail("socket", "127.0.0.1");
    if (connect(client_socket, (struct sockaddr *)&server_address, sizeof server_address) < 0)
        fail("connect", "127.0.0.1");
    int connection_socket = accept(server_socket, NULL, NULL);
    if (connection_socket < 0)
        fail("accept", "127.0.0.1");
    /* TCP_NODELAY: send every small write at once as its own segment instead of letting
     * Nagle's algorithm gather them. So the three sends really do leave separately, and any
     * merging seen below happens at the receiving end, in the byte stream. */
    int on = 1;
    if (setsockopt(client_socket, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) < 0)
        fail("setsockopt TCP_NODELAY", "127.0.0.1");

    /* 2. Three sends. Python: client.send(b"one"); client.send(b"two"); client.send(b"three") */
    for (int i = 0; i < WORDS; i++) {
        sent[i] = strlen(words[i]);
        if (send_all(client_socket, words[i], sent[i]) < 0)
            fail("send", "127.0.0.1");
        show("TCP send", i + 1, sent[i], words[i]);
    }

    /* 3. Read once all 11 bytes are there. Python: data = conn.recv(1024)
     *    Waiting first makes the output the same on every run; on a real network the same
     *    11 bytes could come out as 1+10, 6+5, 11, ... The merge is already done by then:
     *    the receive buffer holds one stream of bytes, with no edges between the sends. */
    wait_until_queued(connection_socket, 11);
    pieces = read_pieces(connection_socket, 11, 1, got);
    verdict("TCP", "recv", sent, WORDS, got, pieces);

    /* 4. One long message: a single send of 2000 bytes, read with recv(1024) as before.
     *    Python: client.sendall(b"x" * 2000); data = conn.recv(1024) */
    char long_message[LONG_MESSAGE];
    memset(long_message, 'x', sizeof long_message);
    sent[0] = sizeof long_message;
    if (send_all(client_socket, long_message, sizeof long_message) < 0)
        fail("send", "127.0.0.1");
    show("TCP send", WORDS + 1, sizeof long_message, long_message);
    wait_until_queued(connection_socket, LONG_MESSAGE);
    int more = read_pieces(connection_socket, LONG_MESSAGE, pieces + 1, got);
    verdict("TCP", "recv", sent, 1, got, more);

    /* 5. The client closes its sending side: the receiver's next recv returns 0 bytes, the
     *    end of the stream. Python: client.shutdown(socket.SHUT_WR); conn.recv(1024) == b"" */
    if (shutdown(client_socket, SHUT_WR) < 0)
        fail("shutdown", "127.0.0.1");
    char buffer[BUFFER_SIZE];
    ssize_t length = recv(connection_socket, buffer, sizeof buffer, 0);
    if (length < 0)
        fail("recv", "127.0.0.1");
    printf("TCP recv %d: %zd bytes: the sender closed, end of the stream\n", pieces + more + 1, length);
    close(connection_socket);
    close(client_socket);
    close(server_socket);

    /* 6. UDP: a receiving socket on a free port and a sending socket. No listen, no accept,
     *    no connect. Python: receiver.bind(("127.0.0.1", 0)); sender = socket(AF_INET, SOCK_DGRAM) */
    struct sockaddr_in receiver_address;
    int receiver_socket = bound_socket(SOCK_DGRAM, &receiver_address);
    int sender_socket = socket(AF_INET, SOCK_DGRAM, 0);
    if (sender_socket < 0)
        fail("socket", "127.0.0.1");

    /* 7. Three sendto calls, three datagrams. Python: sender.sendto(b"one", address) ...
     *    (No send-all loop: a datagram goes whole or not at all.) */
    for (int i = 0; i < WORDS; i++) {
        sent[i] = strlen(words[i]);
        if (sendto(sender_socket, words[i], sent[i], 0, (struct sockaddr *)&receiver_address,
                   sizeof receiver_address) < 0)
            fail("sendto", "127.0.0.1");
        show("UDP sendto", i + 1, sent[i], words[i]);
    }

    /* 8. Three recvfrom calls with the same buffer as TCP. Each returns exactly one datagram,
     *    however much room is left. (On loopback datagrams are never lost or reordered in a
     *    run this small.) Python: data, address = receiver.recvfrom(1024) */
    for (int i = 0; i < WORDS; i++) {
        length = recvfrom(receiver_socket, buffer, sizeof buffer, 0, NULL, NULL);
        if (length < 0)
            fail("recvfrom", "127.0.0.1");
        got[i] = (size_t)length;
        show("UDP recvfrom", i + 1, got[i], buffer);
    }
    verdict("UDP", "recvfrom", sent, WORDS, got, WORDS);
    close(sender_socket);
    close(receiver_socket);

    int whole = 1; /* (a buffer smaller than a datagram cuts it: try -DBUFFER_SIZE=4) */
    for (int i = 0; i < WORDS; i++)
        whole = whole && got[i] == sent[i];
    printf("TCP kept the bytes but not the boundaries; UDP %s.\n",
           whole ? "kept each datagram whole"
                 : "kept the boundaries but cut what did not fit the buffer (the rest is lost)");
    return 0;
}

/* ---- Plumbing: read after the lesson ---- */

/* Print one send or one read: "TCP recv 1: 11 bytes: onetwothree". More than 16 bytes are
 * shown as their first 8 and "...". */
static void show(const char *what, int number, size_t length, const char *data)
{
    if (length > 16)
        printf("%s %d: %zu bytes: %.8s...\n", what, number, length, data);
    else
        printf("%s %d: %zu bytes: %.*s\n", what, number, length, (int)length, data);
}

/* A list of sizes, "3, 3, 5", the first six of them ("..." after). */
static void print_sizes(size_t sizes[], int count)
{
    for (int i = 0; i < count && i < 6; i++)
        printf("%s%zu", i > 0 ? ", " : "", sizes[i]);
    printf("%s bytes", count > 6 ? ", ..." : "");
}

/* The notes' model in one line: every read is taken as one message. */
static void verdict(const char *protocol, const char *call, size_t sent[], int sends, size_t got[],
                    int gots)
{
    printf("%s, as the notes read it (one %s = one message): %d message%s (", protocol, call, gots,
           gots == 1 ? "" : "s");
    print_sizes(got, gots);
    printf(") where %d %s sent (", sends, sends == 1 ? "was" : "were");
    print_sizes(sent, sends);
    printf(")\n");
}

/* Read BYTES bytes in as many recv calls as it takes, printing each piece (numbered from
 * FIRST) and storing its size. Returns the number of recv calls. */
static int read_pieces(int fd, int bytes, int first, size_t pieces[])
{
    char buffer[BUFFER_SIZE];
    int count = 0;
    for (int total = 0; total < bytes; count++) {
        ssize_t length = recv(fd, buffer, sizeof buffer, 0); /* (no signal handlers: no EINTR) */
        if (length <= 0) {
            if (length == 0)
                errno = ECONNRESET; /* cannot happen: the sender is still open */
            fail("recv", "127.0.0.1");
        }
        if (count < MAX_PIECES)
            pieces[count] = (size_t)length;
        show("TCP recv", first + count, (size_t)length, buffer);
        total += (int)length;
    }
    return count < MAX_PIECES ? count : MAX_PIECES;
}

/* Wait until at least BYTES bytes are queued on FD. SO_RCVLOWAT ("receive low-water mark")
 * makes poll report the socket readable only then; it does not glue anything together, it
 * only chooses *when* we look. Then it goes back to 1 so each recv takes what is there. */
static void wait_until_queued(int fd, int bytes)
{
    int one = 1;
    struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof bytes) < 0)
        fail("setsockopt SO_RCVLOWAT", "127.0.0.1");
    int ready = poll(&p, 1, 10000); /* loopback takes microseconds; 10 s means trouble */
    if (ready == 0)
        errno = ETIMEDOUT;
    if (ready <= 0)
        fail("poll", "127.0.0.1");
    if (setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one) < 0)
        fail("setsockopt SO_RCVLOWAT", "127.0.0.1");
}

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

/* ---- begin canonical: bound_socket ---- */
/* A socket of TYPE bound to 127.0.0.1 on a free port; *ADDRESS gets the address it got. */
static int bound_socket(int type, struct sockaddr_in *address)
{
    int fd = socket(AF_INET, type, 0);
    if (fd < 0)
        fail("socket", "127.0.0.1");
    memset(address, 0, sizeof *address);
    address->sin_family = AF_INET;
    address->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address->sin_port = 0; /* any free port */
    if (bind(fd, (struct sockaddr *)address, sizeof *address) < 0)
        fail("bind", "127.0.0.1");
    socklen_t length = sizeof *address;
    if (getsockname(fd, (struct sockaddr *)address, &length) < 0)
        fail("getsockname", "127.0.0.1");
    return fd;
}
/* ---- end canonical: bound_socket ---- */

/* ---- begin canonical: parse_arguments_no_operands ---- */
/* No options but -h/--help, no operands. */
static void parse_arguments(int argc, char *argv[])
{
    int option;
    opterr = 0; /* we print our own messages; -1 is an operand (too many), not an option */
    while ((option = next_option(argc, argv, "+h")) != -1) {
        if (option != 'h')
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        printf("%s\n%s\n", USAGE, DESCRIPTION);
        exit(0);
    }
    if (optind < argc)
        usage_error("too many operands (try '%s -h')", PROGRAM);
}
/* ---- end canonical: parse_arguments_no_operands ---- */

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
