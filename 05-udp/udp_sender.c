/*
 * udp_sender: sends each MESSAGE as one UDP datagram with sendto, without any connection.
 *
 * Usage: udp_sender HOST PORT MESSAGE...
 *
 * Mirrors the notes, "UDP": the sender is socket(SOCK_DGRAM) and then sendto(data,
 * (host, port)) for every message. No connect, no handshake: the sender only needs the
 * receiver's address and port. Nothing tells it whether anybody received the datagram;
 * sending to a port where nobody listens "succeeds" too.
 *
 * It speaks the notes' format: each MESSAGE is sent bare, exactly as typed (no newline
 * added), one datagram each, so the notes' Python receiver and udp_receiver both get it as
 * one message. Every argument after HOST is an operand, so a message may start with '-'.
 * When HOST has several addresses, the first one a socket can be created for gets every
 * datagram. PORT 0 can never work for a sender: it is refused as a usage error.
 *
 * What udp_sender_basic.c gets wrong:
 *  1. Ports by atoi: "70000" silently sends to port 4464, "80x" to 80. Refused here (exit 2).
 *  2. IPv4 addresses only: localhost, any name and ::1 fail (exit 1). getaddrinfo, AF_UNSPEC.
 *
 * Try:
 *   terminal 1:  ./udp_receiver 5000
 *   terminal 2:  ./udp_sender localhost 5000 hello world exit
 *
 * See also: udp_receiver.c (the other side), udp_sender_basic.c (version 1),
 * stream_vs_datagram.c, reliability_demo.c.
 */
#define _POSIX_C_SOURCE 200809L
/* NI_MAXHOST and NI_MAXSERV are not POSIX: glibc shows them with _DEFAULT_SOURCE, macOS
 * with _DARWIN_C_SOURCE. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

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

#define PROGRAM "udp_sender"
#define USAGE "Usage: udp_sender HOST PORT MESSAGE..."
#define DESCRIPTION                                                                          \
    "Sends each MESSAGE as one UDP datagram to HOST PORT (no connection, no newline added).\n" \
    "'Sent' means handed to this machine's kernel, not received by anybody."

/* ---- Helpers, in the order main uses them (their code is below main) ---- */
static int parse_arguments(int argc, char *argv[]);  /* options; returns the first operand */
static int open_socket(struct addrinfo *results, const char *host, struct addrinfo **receiver);
static int send_message(int fd, const struct addrinfo *receiver, const char *message); /* step 3 */
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static long parse_number(const char *text, long min, long max);      /* strict, or -1 */
static long number_argument(const char *text, const char *what, long min, long max);
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size);
_Noreturn static void fail(const char *call, const char *where); /* one line, exit 1 */
_Noreturn static void fail_lookup(const char *host, int rc); /* getaddrinfo's, exit 1 */
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
static void check_stdout(void); /* at exit: all output written, or one line, exit 1 */
_Noreturn static void usage_error(const char *format, ...); /* one line on stderr, exit 2 */
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* first: no socket may land on 0, 1 or 2 */
    atexit(check_stdout); /* at exit: output that could not be written is an error */
    setvbuf(stdout, NULL, _IOLBF, 0); /* tests and pipes see each line at once */
    /* Writing to a socket whose peer has gone raises SIGPIPE, which would kill us silently;
     * ignored, the call fails with EPIPE instead and we report it. (UDP hardly ever does
     * this, but every program here that writes to sockets follows the same rule.) */
    signal(SIGPIPE, SIG_IGN);
    int first = parse_arguments(argc, argv); /* Fix 1: a bad PORT is refused, not atoi'd */
    const char *host = argv[first], *port = argv[first + 1];

    /* 1. Find the receiver's addresses. Python does this inside sendto, on every call:
     *    s.sendto(data, (host, port))
     *    Fix 2: getaddrinfo, AF_UNSPEC: a name or an address, IPv4 or IPv6. */
    struct addrinfo hints, *results;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    int rc = getaddrinfo(host, port, &hints, &results);
    if (rc != 0)
        fail_lookup(host, rc);

    /* 2. Create a socket for the first address we can.
     *    Python: s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM) */
    struct addrinfo *receiver;
    int sender_socket = open_socket(results, host, &receiver);

    /* 3. One sendto per MESSAGE, bare: each becomes exactly one datagram.
     *    Python: s.sendto(message.encode(), (host, port)) */
    int status = 0;
    for (int i = first + 2; i < argc && status == 0; i++)
        status = send_message(sender_socket, receiver, argv[i]);

    /* 4. Close. Python: s.close() */
    close(sender_socket);
    freeaddrinfo(results);
    return status;
}

/* Step 2: a socket for the first of RESULTS that allows one; sets *RECEIVER to it. There is
 * no connect to try: with UDP nothing is sent until sendto, and a successful sendto says
 * nothing about whether anyone listens. Exits 1 if no address allows a socket. */
static int open_socket(struct addrinfo *results, const char *host, struct addrinfo **receiver)
{
    int saved_errno = 0;
    for (*receiver = results; *receiver != NULL; *receiver = (*receiver)->ai_next) {
        int fd = socket((*receiver)->ai_family, (*receiver)->ai_socktype, (*receiver)->ai_protocol);
        if (fd >= 0)
            return fd;
        saved_errno = errno;
    }
    freeaddrinfo(results);
    errno = saved_errno;
    fail("socket", host);
}

/* Step 3, for one MESSAGE: one sendto (again if a signal interrupts it), then "Sent N bytes
 * to ADDRESS", or the reason on stderr and 1. No send-all loop: a datagram leaves whole or
 * not at all (a message too big for one datagram fails with EMSGSIZE), never in pieces.
 * "Sent" means: handed to our own kernel. Not: received by anybody. */
static int send_message(int fd, const struct addrinfo *receiver, const char *message)
{
    char receiver_text[NI_MAXHOST + NI_MAXSERV + 16];
    format_address(receiver->ai_addr, receiver->ai_addrlen, receiver_text, sizeof receiver_text);
    size_t length = strlen(message);
    ssize_t sent;
    do
        sent = sendto(fd, message, length, 0, receiver->ai_addr, receiver->ai_addrlen);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        fprintf(stderr, "%s: sendto %s: %s\n", PROGRAM, receiver_text, strerror(errno));
        return 1;
    }
    printf("Sent %zd bytes to %s\n", sent, receiver_text);
    return 0;
}

/* ---- Plumbing: read after the lesson ---- */

/* Options first (only -h), then HOST PORT MESSAGE... (the POSIX utility conventions). "+"
 * makes getopt stop at the first operand everywhere (GNU getopt would otherwise reorder
 * argv and take a message such as "-x" for an option). A negative number such as -1 is an
 * operand, not an option (next_option). Checks HOST and PORT; returns the index of HOST. */
static int parse_arguments(int argc, char *argv[])
{
    int option;
    opterr = 0; /* we print our own messages */
    while ((option = next_option(argc, argv, "+h")) != -1) {
        if (option != 'h')
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        printf("%s\n%s\n", USAGE, DESCRIPTION);
        exit(0);
    }
    if (argc - optind < 3)
        usage_error("missing operand (try '%s -h')", PROGRAM);
    const char *host = argv[optind], *port = argv[optind + 1];
    if (host[0] == '\0')
        usage_error("bad host '': expected a name or an address");
    number_argument(port, "port", 1, 65535); /* nobody can receive on 0: it means "any port" */
    return optind;
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
