/*
 * ports: says which class a port number belongs to and which service usually uses it,
 * finds the port of a service name, and (-e) lets the OS pick free ports, as it does for
 * any program that does not bind a port itself.
 *
 * Usage: ports [PORT|SERVICE]... | ports -e [N]
 *
 * Mirrors the notes: "Ports and port numbers (0-65535)", "Well-known and dynamic ports",
 * socket.getservbyname('ssh') -> 22, "The OS picks a port for you", "The port is released
 * when the program exits".
 *
 * Try:
 *   terminal 1:  ./ports 22 80 3306 ssh mysql
 *   terminal 2:  ./ports -e 3       (run it twice: other ports, all in the same range)
 *
 * See also: port_check.c (is a port open?), ip_convert.c, resolve.c, local_ips.c.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
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
#include <unistd.h>

#define PROGRAM "ports"
#define USAGE_LINE "Usage: ports [PORT|SERVICE]... | ports -e [N]"

/* -e binds this many sockets unless told otherwise, and at most this many. */
#define DEFAULT_EPHEMERAL 3
#define MAX_EPHEMERAL 100
/* Where Linux keeps the range it picks ephemeral ports from (absent on macOS). */
#define PORT_RANGE_FILE "/proc/sys/net/ipv4/ip_local_port_range"

/* What the command line asked for. */
struct arguments {
    int first;                        /* argv[first] is the first PORT or SERVICE */
    int ephemeral;                    /* -e: how many ports to ask the OS for; 0 without -e */
};

/* The table of contents. The lesson: main's steps, then what they call. */
/* Step 1: "port N: CLASS; tcp NAME; udp NAME" (getservbyport). */
static void explain_port(long port);
/* Step 2: "service NAME: port N (tcp)" (getservbyname); 0 if the name is unknown. */
static int explain_service(const char *name);
/* Step 3 (-e): bind COUNT sockets to port 0 and print the ports the OS chose. */
static int show_ephemeral_ports(int count);
/* The class of a port: well-known, registered or dynamic. */
static const char *port_class(long port);
/* Plumbing, below the banner: */
/* -h/--help, -e, then the operands, each checked: a mistake exits 2. */
static struct arguments parse_arguments(int argc, char *argv[]);
/* getopt, with --help and "-1" read as an operand. */
static int next_option(int argc, char *argv[], const char *options);
/* A bad port is a usage error; a name is left for getservbyname. */
static void check_port_or_service(const char *text);
/* Digits only, MIN to MAX; -1, or exit 2 naming what was bad. */
static long parse_number(const char *text, long min, long max);
static long number_argument(const char *text, const char *what, long min, long max);
/* One line on stderr, exit 2. */
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
static void check_stdout(void); /* at exit: all output written, or one line, exit 1 */
_Noreturn static void usage_error(const char *format, ...);
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */
/* -h: the Usage line and what each form does. */
static void print_usage(void);

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* first: no socket may land on 0, 1 or 2 */
    atexit(check_stdout); /* at exit: output that could not be written is an error */
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: pipes and tests see each line */
    struct arguments args = parse_arguments(argc, argv);  /* every operand checked */

    if (args.ephemeral == 0) {
        int status = 0;
        for (int i = args.first; i < argc; i++) {
            long port = parse_number(argv[i], 0, 65535);
            if (port >= 0) {
                /* 1. A number: its class, and the services the database names for it.
                 *    Python: socket.getservbyport(22, "tcp") -> 'ssh' */
                explain_port(port);
                continue;
            }
            /* 2. A name: its port. Python: socket.getservbyname("ssh", "tcp") -> 22 */
            if (!explain_service(argv[i])) {
                fprintf(stderr, "%s: getservbyname ", PROGRAM);
                print_operand(argv[i], strlen(argv[i])); /* as typed, escaped */
                fputs(": unknown service (not in the services database, /etc/services)\n",
                      stderr);
                status = 1;
            }
        }
        endservent();                 /* close /etc/services */
        return status;
    }

    /* 3. -e: a socket that binds port 0 gets a free port chosen by the OS; closing it
     *    gives the port back (steps 3a-3e in show_ephemeral_ports). */
    return show_ephemeral_ports(args.ephemeral);
}

/* A number: its class and what the services database names it for TCP and for UDP. */
static void explain_port(long port)
{
    /* getservbyport wants the port in network byte order, like sin_port. */
    struct servent *tcp = getservbyport(htons((unsigned short)port), "tcp");
    char tcp_name[64];
    snprintf(tcp_name, sizeof tcp_name, "%s", tcp ? tcp->s_name : "none");
    /* (getservbyport returns a static buffer: copy before the next call reuses it.) */
    struct servent *udp = getservbyport(htons((unsigned short)port), "udp");
    printf("port %ld: %s; tcp %s; udp %s\n", port, port_class(port), tcp_name,
           udp ? udp->s_name : "none");
    if (port == 0)
        printf("  port 0 is never used on the wire: bind() to port 0 asks the OS to pick one\n");
}

/* A name: its port for TCP and for UDP. Returns 0 if the database does not know it. */
static int explain_service(const char *name)
{
    /* Python: socket.getservbyname(name, "tcp") */
    struct servent *service = getservbyname(name, "tcp");
    long tcp_port = service ? ntohs((unsigned short)service->s_port) : -1;
    char official[64] = "";
    if (service)
        snprintf(official, sizeof official, "%s", service->s_name);
    service = getservbyname(name, "udp");
    long udp_port = service ? ntohs((unsigned short)service->s_port) : -1;
    if (service && official[0] == '\0')
        snprintf(official, sizeof official, "%s", service->s_name);
    if (tcp_port < 0 && udp_port < 0)
        return 0;

    printf("service %s: ", name);
    if (tcp_port >= 0 && udp_port == tcp_port)
        printf("port %ld (tcp, udp)", tcp_port);
    else if (tcp_port >= 0 && udp_port >= 0)
        printf("port %ld (tcp), port %ld (udp)", tcp_port, udp_port);
    else if (tcp_port >= 0)
        printf("port %ld (tcp)", tcp_port);
    else
        printf("port %ld (udp)", udp_port);
    if (strcmp(official, name) != 0)           /* an alias, e.g. www for http */
        printf(", official name %s", official);
    printf("\n");
    return 1;
}

/* -e: bind COUNT TCP sockets to port 0 at once, print the ports the OS chose. */
static int show_ephemeral_ports(int count)
{
    int sockets[MAX_EPHEMERAL];
    int opened = 0, status = 0;

    printf("binding %d TCP socket%s to port 0, the OS chose:\n", count, count == 1 ? "" : "s");
    for (opened = 0; opened < count; opened++) {
        /* 3a. A TCP socket. Python: s = socket.socket(socket.AF_INET, socket.SOCK_STREAM) */
        sockets[opened] = socket(AF_INET, SOCK_STREAM, 0);
        if (sockets[opened] < 0) {
            fprintf(stderr, "%s: socket: %s\n", PROGRAM, strerror(errno));
            status = 1;
            break;
        }
        /* 3b. Bind to 0.0.0.0 port 0: "any address, any port". The kernel picks a free
         *     port from its ephemeral range. Python: s.bind(("0.0.0.0", 0)) */
        struct sockaddr_in address;
        memset(&address, 0, sizeof address);
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_ANY);
        address.sin_port = htons(0);
        if (bind(sockets[opened], (struct sockaddr *)&address, sizeof address) < 0) {
            fprintf(stderr, "%s: bind 0.0.0.0 port 0: %s\n", PROGRAM, strerror(errno));
            close(sockets[opened]);
            status = 1;
            break;
        }
        /* 3c. Ask which port we got. Python: s.getsockname()[1] */
        socklen_t length = sizeof address;
        if (getsockname(sockets[opened], (struct sockaddr *)&address, &length) < 0) {
            fprintf(stderr, "%s: getsockname: %s\n", PROGRAM, strerror(errno));
            close(sockets[opened]);
            status = 1;
            break;
        }
        printf("  port %u\n", (unsigned)ntohs(address.sin_port));
    }

    /* 3d. Linux tells us the range it picks from; elsewhere (macOS: sysctl
     *     net.inet.ip.portrange.first/last) the file is missing and we say nothing. */
    FILE *range = fopen(PORT_RANGE_FILE, "r");
    if (range != NULL) {
        long first, last;
        if (fscanf(range, "%ld %ld", &first, &last) == 2)
            printf("ephemeral range (%s): %ld-%ld\n", PORT_RANGE_FILE, first, last);
        fclose(range);
    }

    /* 3e. Closing the sockets (or exiting) gives the ports back to the OS. */
    for (int i = 0; i < opened; i++)
        close(sockets[i]);
    if (status == 0)
        printf("closed: the ports are free again\n");
    return status;
}

/* The class of a port in IANA's three-way split, and how it maps onto the notes'
 * two-way split (well-known 0-1023, dynamic 1024-65535). */
static const char *port_class(long port)
{
    if (port <= 1023)
        return "well-known (0-1023)";
    if (port <= 49151)
        return "registered (1024-49151; dynamic in the notes' two-way split)";
    return "dynamic/private (49152-65535)";
}

/* ---- Plumbing: read after the lesson ---- */

/* The command line: -h/--help, -e, then the operands, every one checked before anything
 * is printed. A mistake is one line on stderr and exit 2. */
static struct arguments parse_arguments(int argc, char *argv[])
{
    struct arguments args = {0, 0};
    int option, e_given = 0;
    opterr = 0;                       /* we print our own messages, in our own words */
    while ((option = next_option(argc, argv, "+he")) != -1) {
        if (option == 'h') {
            print_usage();
            exit(0);
        }
        if (option != 'e')
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        e_given = 1;
    }
    args.first = optind;
    if (e_given) {                    /* -e [N] */
        if (argc - optind > 1)
            usage_error("too many operands (try '%s -h')", PROGRAM);
        args.ephemeral = optind == argc
                             ? DEFAULT_EPHEMERAL
                             : (int)number_argument(argv[optind], "count", 1, MAX_EPHEMERAL);
        return args;
    }
    if (optind == argc)
        usage_error("missing operand (try '%s -h')", PROGRAM);
    for (int i = optind; i < argc; i++)
        check_port_or_service(argv[i]);
    return args;
}

/* A PORT is digits only. Anything else is a SERVICE name if the database knows it (IANA
 * lists names like 3com-tsmux, so a leading digit is not enough to decide), or will be
 * reported as unknown if it starts with a letter; what is left was meant as a port and is
 * a bad one: "80x", "+80", " 80", "-0", "". */
static void check_port_or_service(const char *text)
{
    int letter = (text[0] >= 'a' && text[0] <= 'z') || (text[0] >= 'A' && text[0] <= 'Z');
    if (parse_number(text, 0, 65535) < 0 && !letter && getservbyname(text, NULL) == NULL)
        usage_error("bad port '%s': expected a number from 0 to 65535", text);
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

/* -h: the Usage line, then what each form does. */
static void print_usage(void)
{
    printf("%s\n", USAGE_LINE);
    printf("A PORT (0-65535): its class and the services usually on it. A SERVICE (ssh,\n");
    printf("http...): its port, from the services database. -e [N]: bind N TCP sockets\n");
    printf("(default %d, at most %d) to port 0 and show the ports the OS chose.\n",
           DEFAULT_EPHEMERAL, MAX_EPHEMERAL);
}
