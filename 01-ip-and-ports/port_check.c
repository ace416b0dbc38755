/*
 * port_check: "is the network working?" one step further than ping: tries a TCP connection
 * to HOST PORT within a timeout and says open, refused, timed out, unreachable or unknown
 * host. ping asks "is the machine there?"; port_check asks "is a program listening there?"
 *
 * Usage: port_check [-t SECONDS] HOST PORT
 *
 * Mirrors the notes: "Checking that the network works" (ping this machine, the gateway, the
 * public network; and why this is not ping: ICMP echo needs a raw socket, which needs
 * privileges) and Python's s.connect_ex(), which returns the errno instead of raising:
 * 0 is "open", ECONNREFUSED "refused".
 *
 * The verdict is the answer to the question, so it goes to stdout, one line per address
 * tried, e.g. "127.0.0.1 port 8000: open", or "refused (connect: Connection refused)":
 * our word, then the call that said so and the C library's reason. Exit 0 if an address
 * was open, 1 if none was, 2 for a bad command line. The timeout (default 3 s) applies to
 * each address.
 *
 * Try:
 *   terminal 1:  python3 -m http.server 8000 --bind 127.0.0.1
 *   terminal 2:  ./port_check localhost 8000      (open; stop terminal 1: refused)
 *
 * See also: ports.c (port numbers, ports the OS picks), resolve.c, ip_convert.c.
 */
#define _POSIX_C_SOURCE 200809L
/* NI_MAXHOST is not in POSIX: glibc shows it with _DEFAULT_SOURCE, macOS with
 * _DARWIN_C_SOURCE. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "port_check"
#define USAGE_LINE "Usage: port_check [-t SECONDS] HOST PORT"

#define DEFAULT_TIMEOUT 3.0           /* seconds per address */
#define MAX_TIMEOUT 3600.0

/* What the command line asked for. */
struct arguments {
    const char *host;
    const char *port;                 /* checked: digits only, 1 to 65535 */
    double seconds;                   /* -t: how long to wait for each address */
};

/* The table of contents. The lesson: main's steps, then what they call. */
/* Steps 3-8 for one address: 0 if open, -1 if no answer in time, else the errno. */
static int try_connect(const struct addrinfo *ai, int timeout_ms, const char **call);
/* The verdict for an errno from connect: "refused", "unreachable"... */
static const char *verdict(int error);
/* Plumbing, below the banner: */
/* -h, -t SECONDS, HOST, PORT, each checked: a mistake exits 2 before any lookup. */
static struct arguments parse_arguments(int argc, char *argv[]);
/* getopt, with --help and "-1" read as an operand. */
static int next_option(int argc, char *argv[], const char *options);
/* Strict number parsers: digits only, in range; -1, or exit 2 naming what was bad. */
static long parse_number(const char *text, long min, long max);
static long number_argument(const char *text, const char *what, long min, long max);
static double parse_seconds(const char *text);
/* Why a host cannot be one (the end of the message), or NULL. */
static const char *host_problem(const char *text);
/* One line on stderr, exit 2. */
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
static void check_stdout(void); /* at exit: all output written, or one line, exit 1 */
_Noreturn static void usage_error(const char *format, ...);
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */
static void print_escaped(const void *data, size_t length); /* text as text, ESC as \x1b */
/* -h: the Usage line and what the program does. */
static void print_usage(void);
/* Milliseconds on the monotonic clock, for the deadline. */
static long long now_ms(void);
/* "127.0.0.1 port 8000", numeric, IPv4-mapped shown as plain IPv4. */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size);

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* first: no socket may land on 0, 1 or 2 */
    atexit(check_stdout); /* at exit: output that could not be written is an error */
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: pipes and tests see each line */
    struct arguments args = parse_arguments(argc, argv);  /* host and port checked */
    int timeout_ms = (int)(args.seconds * 1000 + 0.5);

    /* 1. Name to addresses, IPv4 and IPv6. Python: socket.getaddrinfo(host, port) */
    struct addrinfo hints, *results;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(args.host, args.port, &hints, &results);
    if (rc != 0) {
        print_escaped(args.host, strlen(args.host)); /* as typed, but never raw */
        printf(" port %s: %s (getaddrinfo: %s)\n", args.port,
               rc == EAI_NONAME ? "unknown host" : "lookup failed", gai_strerror(rc));
        return 1;
    }

    /* 2. Try each address in turn until one is open, one line for each.
     *    Python: s.connect_ex((host, port)) (steps 3-8 in try_connect). */
    int open_found = 0;
    for (struct addrinfo *ai = results; ai != NULL && !open_found; ai = ai->ai_next) {
        char address[NI_MAXHOST + 16]; /* "127.0.0.1 port 8000" */
        format_address(ai->ai_addr, ai->ai_addrlen, address, sizeof address);
        const char *call = "connect";
        int error = try_connect(ai, timeout_ms > 0 ? timeout_ms : 1, &call);
        if (error == 0) {
            printf("%s: open\n", address);
            open_found = 1;
        } else if (error < 0) {
            printf("%s: timed out (no answer within %g s)\n", address, args.seconds);
        } else {
            printf("%s: %s (%s: %s)\n", address, verdict(error), call, strerror(error));
        }
    }
    freeaddrinfo(results);
    return open_found ? 0 : 1;
}

/* Try one address: a non-blocking connect, then poll until it completes or TIMEOUT_MS
 * passes. Returns 0 if connected, -1 for our own timeout, or an errno value with *CALL
 * set to the call that failed. */
static int try_connect(const struct addrinfo *ai, int timeout_ms, const char **call)
{
    /* 3. A TCP socket of the address's family. Python: s = socket.socket(...) */
    *call = "socket";
    int sock = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (sock < 0)
        return errno;

    /* 4. Non-blocking, so connect() returns at once and we choose how long to wait.
     *    Python: s.settimeout(3) does the same thing behind the scenes. */
    *call = "fcntl";
    int flags = fcntl(sock, F_GETFL);
    if (flags < 0 || fcntl(sock, F_SETFL, flags | O_NONBLOCK) < 0) {
        int error = errno;
        close(sock);
        return error;
    }

    /* 5. Start the handshake (SYN). On loopback it may finish at once; otherwise connect
     *    says EINPROGRESS (or EINTR: the handshake goes on anyway) and we wait. */
    *call = "connect";
    int error = 0;
    if (connect(sock, ai->ai_addr, ai->ai_addrlen) < 0) {
        error = errno;
        if (error == EINPROGRESS || error == EINTR) {
            /* 6. Wait until the socket becomes writable (handshake done or failed), with
             *    a deadline that a signal interrupting poll does not extend. */
            long long deadline = now_ms() + timeout_ms;
            struct pollfd waiting = {.fd = sock, .events = POLLOUT, .revents = 0};
            for (;;) {
                long long left = deadline - now_ms();
                int ready = left > 0 ? poll(&waiting, 1, (int)left) : 0;
                if (ready < 0 && errno == EINTR)
                    continue;
                if (ready <= 0) {
                    error = ready == 0 ? -1 : errno;    /* -1: nothing within the time */
                    *call = "poll";
                    break;
                }
                /* 7. The outcome of the handshake is in SO_ERROR: 0, or the errno that a
                 *    blocking connect would have returned. This is what connect_ex gives. */
                socklen_t length = sizeof error;
                if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &error, &length) < 0) {
                    error = errno;
                    *call = "getsockopt";
                }
                break;
            }
        }
    }
    /* 8. We only wanted to know: close at once (the server sees a connection that ends). */
    close(sock);
    return error;
}

/* The one word the user wants for an errno from connect. */
static const char *verdict(int error)
{
    switch (error) {
    case ECONNREFUSED:                /* the host answered "nobody listens here" (a RST) */
        return "refused";
    case ETIMEDOUT:                   /* the kernel gave up before our own deadline */
        return "timed out";
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
    case EADDRNOTAVAIL:               /* e.g. ::1 on a machine without IPv6 */
    case EAFNOSUPPORT:
#ifdef EHOSTDOWN
    case EHOSTDOWN:
#endif
        return "unreachable";
    default:                          /* e.g. EINVAL: fe80::1 without its %interface */
        return "failed";
    }
}

/* ---- Plumbing: read after the lesson ---- */

/* The command line: [-t SECONDS] HOST PORT, every value checked. A mistake is one line on
 * stderr and exit 2, before any lookup. */
static struct arguments parse_arguments(int argc, char *argv[])
{
    struct arguments args = {NULL, NULL, DEFAULT_TIMEOUT};
    int option;
    opterr = 0;                       /* we print our own messages, in our own words */
    while ((option = next_option(argc, argv, "+ht:")) != -1) {
        if (option == 'h') {
            print_usage();
            exit(0);
        } else if (option == 't' && (args.seconds = parse_seconds(optarg)) < 0) {
            usage_error("bad timeout '%s': expected seconds, more than 0 and at most %g",
                        optarg, MAX_TIMEOUT);
        } else if (option == '?' && optopt == 't') {
            usage_error("option '-t' needs a value (try '%s -h')", PROGRAM);
        } else if (option == '?') {
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        }
    }
    if (argc - optind < 2)
        usage_error("missing operand (try '%s -h')", PROGRAM);
    if (argc - optind > 2)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    args.host = argv[optind];
    args.port = argv[optind + 1];
    const char *problem = host_problem(args.host);
    if (problem != NULL)
        usage_error("bad host '%s': expected a name or an address%s", args.host, problem);
    /* Port 0 is "any port" to bind: no one listens there. */
    number_argument(args.port, "port", 1, 65535);
    return args;
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

/* TEXT as seconds, more than 0 and at most MAX_TIMEOUT ("0.5" is fine), or -1. Digits and
 * one point only, as for ports: strtod alone would also take " 1", "+1", "1e3", "0x10". */
static double parse_seconds(const char *text)
{
    char *end;
    if (text[0] == '\0' || strspn(text, "0123456789.") != strlen(text))
        return -1;
    double seconds = strtod(text, &end);
    /* The comparison is false for NaN as well. */
    if (end == text || *end != '\0' || !(seconds > 0 && seconds <= MAX_TIMEOUT))
        return -1;
    return seconds;
}

/* ---- begin canonical: host_problem ---- */
/* Why TEXT cannot be a host, as the end of the usage error, or NULL if it may be one.
 * Empty, or starting with '-', it is no name (RFC 1123). Ending in an all-digit label
 * ("1.2.3", "256.1.1.1", "65536") it is no name either, though no valid address: the
 * resolver would read "1.2.3" the inet_aton way (1.2.0.3) or ask a DNS server about it. */
static const char *host_problem(const char *text)
{
    unsigned char bytes[16];
    if (text[0] == '\0' || text[0] == '-')
        return "";
    if (inet_pton(AF_INET, text, bytes) == 1 || inet_pton(AF_INET6, text, bytes) == 1)
        return NULL;
    size_t length = strlen(text);
    if (text[length - 1] == '.')      /* "example.com." is a full name */
        length--;
    size_t start = length;
    while (start > 0 && text[start - 1] != '.')
        start--;
    if (start == length)
        return NULL;
    for (size_t i = start; i < length; i++)
        if (text[i] < '0' || text[i] > '9')
            return NULL;
    return " (a name cannot end in a number)";
}
/* ---- end canonical: host_problem ---- */

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

/* -h: the Usage line, then what it does. */
static void print_usage(void)
{
    printf("%s\n", USAGE_LINE);
    printf("Try a TCP connection to each address of HOST on PORT, waiting at most SECONDS\n");
    printf("(default %g) for each, and say: open, refused, timed out, unreachable or\n",
           DEFAULT_TIMEOUT);
    printf("unknown host. Exit 0 if open, 1 if not, 2 for a bad command line.\n");
}

/* Milliseconds on a clock that never jumps (unlike the time of day). */
static long long now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

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
