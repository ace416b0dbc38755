/*
 * resolve: turns names into addresses and addresses into names, the way every client does
 * before it connects: this machine's own name, a domain name's IPv4 and IPv6 addresses, or
 * the name of an address (reverse lookup).
 *
 * Usage: resolve [NAME|ADDRESS]...
 *
 * Mirrors the notes: "Domain names are aliases for addresses", "127.0.0.1 and localhost",
 * and the Python calls socket.gethostname(), socket.gethostbyname(name),
 * socket.gethostbyaddr(address).
 *
 * Where the answers come from: /etc/hosts first, then DNS (the order is in
 * /etc/nsswitch.conf). A name that is not in /etc/hosts makes the resolver ask a DNS server
 * over the network; so does the reverse lookup of an address that /etc/hosts does not name.
 *
 * Try:
 *   terminal 1:  cat /etc/hosts
 *   terminal 2:  ./resolve; ./resolve localhost 127.0.0.1
 *
 * See also: local_ips.c (addresses of the interfaces), ip_convert.c, port_check.c.
 */
#define _POSIX_C_SOURCE 200809L
/* NI_MAXHOST and NI_NAMEREQD's friends are not all in POSIX: glibc shows them with
 * _DEFAULT_SOURCE, macOS with _DARWIN_C_SOURCE. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

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

#define PROGRAM "resolve"
#define USAGE_LINE "Usage: resolve [NAME|ADDRESS]..."

/* Room for a host name from gethostname (POSIX guarantees at most 255 bytes + NUL). */
#define HOST_NAME_SIZE 256

/* The table of contents. The lesson: main's steps, then what they call. */
/* Name -> "NAME -> ADDRESS (IPv4|IPv6)" lines; 0 on success. */
static int forward_lookup(const char *name);
/* Address -> "ADDRESS -> NAME"; 0 on success. */
static int reverse_lookup(const char *address);
/* Are two getaddrinfo results the same address? */
static int same_address(const struct addrinfo *a, const struct addrinfo *b);
/* "resolve: CALL TEXT: reason" on stderr, TEXT escaped; returns 1. */
static int lookup_failed(const char *call, const char *text, int rc);
/* Plumbing, below the banner: */
/* -h/--help, then the operands, each checked; returns the first operand's index. */
static int parse_arguments(int argc, char *argv[]);
/* getopt, with --help and "-1" read as an operand. */
static int next_option(int argc, char *argv[], const char *options);
/* One line on stderr, exit 2. */
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
static void check_stdout(void); /* at exit: all output written, or one line, exit 1 */
_Noreturn static void usage_error(const char *format, ...);
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */
/* Is the text an IPv4 or IPv6 address (inet_pton)? */
static int is_address(const char *text);
/* Why a text cannot be a host (the end of the message), or NULL. */
static const char *host_problem(const char *text);
/* -h: the Usage line and what each operand gets. */
static void print_usage(void);

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* first: no socket may land on 0, 1 or 2 */
    atexit(check_stdout); /* at exit: output that could not be written is an error */
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: pipes and tests see each line */
    int first = parse_arguments(argc, argv);  /* argv[first] is the first operand */

    if (first == argc) {
        /* 1. This machine's name. Python: socket.gethostname() */
        char host_name[HOST_NAME_SIZE];
        if (gethostname(host_name, sizeof host_name) < 0) {
            perror(PROGRAM ": gethostname");
            return 1;
        }
        host_name[sizeof host_name - 1] = '\0';    /* a truncated name may lack its NUL */
        printf("host name: %s\n", host_name);
        /* 2. And its addresses. Python: socket.gethostbyname(socket.gethostname()) */
        return forward_lookup(host_name);
    }

    /* 3. Each operand: an address goes backwards, a name forwards. A failure is reported
     *    and the next operand still gets its answer; the exit status remembers it. */
    int status = 0;
    for (int i = first; i < argc; i++) {
        if (is_address(argv[i]))
            status |= reverse_lookup(argv[i]);  /* Python: socket.gethostbyaddr(address) */
        else
            status |= forward_lookup(argv[i]);  /* Python: socket.gethostbyname(name) */
    }
    return status;
}

/* Name -> addresses: print "NAME -> ADDRESS (IPv4|IPv6)" once per address. 0 on success. */
static int forward_lookup(const char *name)
{
    /* Python: socket.gethostbyname(name) gives one IPv4 address; getaddrinfo gives all
     * of them, IPv6 too. SOCK_STREAM: otherwise each address comes once per socket type. */
    struct addrinfo hints, *results;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_CANONNAME;
    int rc = getaddrinfo(name, NULL, &hints, &results);
    if (rc != 0)
        return lookup_failed("getaddrinfo", name, rc);
    /* A name may be an alias (a CNAME in DNS): the first result carries the real name. */
    if (results->ai_canonname != NULL && strcmp(results->ai_canonname, name) != 0)
        printf("%s is an alias of %s\n", name, results->ai_canonname);
    for (const struct addrinfo *ai = results; ai != NULL; ai = ai->ai_next) {
        int seen = 0;
        for (const struct addrinfo *earlier = results; earlier != ai; earlier = earlier->ai_next)
            if (same_address(earlier, ai))
                seen = 1;
        if (seen)
            continue;
        char address[NI_MAXHOST];
        rc = getnameinfo(ai->ai_addr, ai->ai_addrlen, address, sizeof address, NULL, 0,
                         NI_NUMERICHOST);
        if (rc != 0) {
            freeaddrinfo(results);
            return lookup_failed("getnameinfo", name, rc);
        }
        printf("%s -> %s (%s)\n", name, address, ai->ai_family == AF_INET6 ? "IPv6" : "IPv4");
    }
    freeaddrinfo(results);
    return 0;
}

/* Address -> name: print "ADDRESS -> NAME". 0 on success. */
static int reverse_lookup(const char *text)
{
    /* The text is a valid address (checked), so AI_NUMERICHOST only converts it. */
    struct addrinfo hints, *results;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST;
    int rc = getaddrinfo(text, NULL, &hints, &results);
    if (rc != 0)
        return lookup_failed("getaddrinfo", text, rc);
    /* Python: socket.gethostbyaddr(address)[0]. NI_NAMEREQD: fail rather than hand the
     * address back as text when no name is known. */
    char name[NI_MAXHOST];
    rc = getnameinfo(results->ai_addr, results->ai_addrlen, name, sizeof name, NULL, 0,
                     NI_NAMEREQD);
    freeaddrinfo(results);
    if (rc != 0)
        return lookup_failed("getnameinfo", text, rc);
    printf("%s -> %s\n", text, name);
    return 0;
}

/* Are two results the same address? (getaddrinfo may list one address several times.) */
static int same_address(const struct addrinfo *a, const struct addrinfo *b)
{
    if (a->ai_family != b->ai_family)
        return 0;
    if (a->ai_family == AF_INET)
        return memcmp(&((const struct sockaddr_in *)(const void *)a->ai_addr)->sin_addr,
                      &((const struct sockaddr_in *)(const void *)b->ai_addr)->sin_addr,
                      sizeof(struct in_addr)) == 0;
    if (a->ai_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)(const void *)a->ai_addr)->sin6_addr,
                      &((const struct sockaddr_in6 *)(const void *)b->ai_addr)->sin6_addr,
                      sizeof(struct in6_addr)) == 0;
    return 0;
}

/* ---- Plumbing: read after the lesson ---- */

/* A lookup of what the user typed failed: "resolve: CALL TEXT: reason" on stderr, TEXT as
 * print_operand shows it (escaped, at most 64 characters). Returns 1, the exit status. */
static int lookup_failed(const char *call, const char *text, int rc)
{
    fprintf(stderr, "%s: %s ", PROGRAM, call);
    print_operand(text, strlen(text));
    fprintf(stderr, ": %s\n", gai_strerror(rc));
    return 1;
}

/* The command line: -h or --help, then any number of names and addresses, each checked
 * before anyone is asked. Returns the index of the first operand; a mistake is one line
 * on stderr and exit 2. */
static int parse_arguments(int argc, char *argv[])
{
    int option;
    opterr = 0;                       /* we print our own messages, in our own words */
    while ((option = next_option(argc, argv, "+h")) != -1) {
        if (option == 'h') {
            print_usage();
            exit(0);
        }
        usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
    }
    for (int i = optind; i < argc; i++) {
        const char *problem = host_problem(argv[i]);
        if (problem != NULL)
            usage_error("bad host '%s': expected a name or an address%s", argv[i], problem);
    }
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

/* Is TEXT an IPv4 or IPv6 address in the strict inet_pton sense? */
static int is_address(const char *text)
{
    unsigned char bytes[16];
    return inet_pton(AF_INET, text, bytes) == 1 || inet_pton(AF_INET6, text, bytes) == 1;
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

/* -h: the Usage line, then what each kind of operand gets. */
static void print_usage(void)
{
    printf("%s\n", USAGE_LINE);
    printf("No operand: this machine's host name and its addresses.\n");
    printf("A NAME: every IPv4 and IPv6 address it resolves to, each once.\n");
    printf("An ADDRESS: its name (reverse lookup).\n");
}
