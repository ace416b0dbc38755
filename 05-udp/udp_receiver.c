/*
 * udp_receiver: receives UDP datagrams and prints each one with the address it came from.
 *
 * Usage: udp_receiver [-n COUNT] [PORT]
 *
 * Mirrors the notes, "UDP": the receiver is socket(SOCK_DGRAM), bind, then recvfrom(1024)
 * in a loop. No listen, no accept: no connection is ever made, each datagram simply arrives
 * with the sender's address and port attached. PORT defaults to 5000 (0: the system picks a
 * free port, shown on the first line). The notes' message model (one recv = one message)
 * really holds here: a datagram is never merged with the next, nor split. "exit" with one
 * trailing "\n" or "\r\n" (as `echo` or nc sends it) stops it too.
 *
 * What udp_receiver_basic.c gets wrong:
 *  1. Ports by atoi: "abc" listens on a random port, "70000" on 4464. Refused here (exit 2).
 *  2. Ctrl-C or SIGTERM kills it: status 130 or 143, no last line. Caught: a count, exit 0.
 *  3. IPv4 only: a datagram sent to ::1 never arrives. One IPv6 socket hears both families.
 *  4. A datagram over 1024 bytes is cut silently. recvmsg's MSG_TRUNC: "truncated to 1024".
 *  5. Peer bytes reach the terminal raw: "\n" splits a line, ESC[2J clears the screen. Escaped.
 *  6. "exit" ends nothing (the notes' loop has no break). Stops on "exit" or after -n COUNT.
 *
 * Try:
 *   terminal 1:  ./udp_receiver 5000
 *   terminal 2:  ./udp_sender localhost 5000 hello world exit
 *
 * See also: udp_sender.c (the other side), udp_receiver_basic.c (version 1),
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
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define PROGRAM "udp_receiver"
#define USAGE "Usage: udp_receiver [-n COUNT] [PORT]"
#define DESCRIPTION                                                                            \
    "Receives UDP datagrams on PORT (default 5000; 0: any free port) and prints each one\n"    \
    "with the address it came from. Stops after the datagram 'exit', after COUNT datagrams,\n" \
    "or on Ctrl-C."
#define DEFAULT_PORT 5000
#define MAX_COUNT 1000000
/* The receive buffer, as in the notes' recvfrom(1024). A bigger datagram is cut: the rest is
 * gone. (`cc -DBUFFER_SIZE=16 ...` builds a copy with a smaller one, for "Things to try".) */
#ifndef BUFFER_SIZE
#define BUFFER_SIZE 1024
#endif

/* One datagram as recvfrom/recvmsg hands it over: the bytes, who sent them, and whether
 * they were cut because the datagram did not fit. */
struct datagram {
    unsigned char data[BUFFER_SIZE];
    struct sockaddr_storage sender;
    socklen_t sender_length;
    int truncated;
};

/* Set by the SIGINT/SIGTERM handler; the receive loop checks it. */
static volatile sig_atomic_t stop_requested = 0;

/* ---- Helpers, in the order main uses them (their code is below main) ---- */
static void parse_arguments(int argc, char *argv[], long *count, int *port); /* options, PORT */
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static void set_up_signals(void);                    /* Ctrl-C/SIGTERM stop the loop, exit 0 */
static void on_signal(int signal_number);            /* the handler: sets stop_requested */
static int open_socket(int *family);                 /* step 1: IPv6 and IPv4, or IPv4 alone */
static int bind_any(int fd, int family, int port);   /* step 2: bind "" (any address), PORT */
static socklen_t any_address(struct sockaddr_storage *address, int family, int port);
static int bound_port(int fd);                       /* the port bind gave (for PORT 0) */
static ssize_t receive_datagram(int fd, struct datagram *d);  /* step 3: recvmsg, MSG_TRUNC */
static void print_datagram(const struct datagram *d, ssize_t length); /* step 4: one line */
static int is_last_datagram(const struct datagram *d, ssize_t length, long received, long count);
static void format_address(const struct sockaddr *address, socklen_t length, char *out, size_t size);
static void print_escaped(const void *data, size_t length);          /* \n, \t, \xHH... */
static int is_exit(const unsigned char *data, size_t length);        /* "exit", "exit\n" */
_Noreturn static void fail(const char *call, const char *where);     /* one line, exit 1 */
static long parse_number(const char *text, long min, long max);      /* strict, or -1 */
static long number_argument(const char *text, const char *what, long min, long max);
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
_Noreturn static void usage_error(const char *format, ...);          /* one line, exit 2 */
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* first: no socket may land on 0, 1 or 2 */
    setvbuf(stdout, NULL, _IOLBF, 0); /* tests and pipes see each line at once */
    long count = 0;                   /* 0: no limit */
    int port = DEFAULT_PORT;
    parse_arguments(argc, argv, &count, &port); /* Fix 1: a bad PORT is refused, not atoi'd */
    set_up_signals(); /* Fix 2: Ctrl-C and SIGTERM end the loop below, which then says so */

    /* 1. Create a datagram socket. Python: s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
     *    Fix 3: AF_INET6 with IPV6_V6ONLY off, so that IPv6 senders reach us too. */
    int family;
    int receiver_socket = open_socket(&family);

    /* 2. Bind to every local address on PORT. Python: s.bind(("", 5000)) */
    int bound_port = bind_any(receiver_socket, family, port);
    printf("Listening on port %d\n", bound_port);
    char where[32];
    snprintf(where, sizeof where, "port %d", bound_port);

    long received = 0;
    while (!stop_requested) {
        /* 3. Wait for one datagram. Python: data, addr = s.recvfrom(1024)
         *    Fix 4: recvmsg, which (unlike recvfrom) says that a datagram was cut to fit.
         *    (A signal landing between the check above and this call is handled, but the
         *    call waits on until the next datagram: 03's README, "the window", explains.) */
        struct datagram d = {0};
        ssize_t length = receive_datagram(receiver_socket, &d);
        if (length < 0 && errno == EINTR)
            continue; /* Fix 2: a signal; the loop condition decides */
        if (length < 0)
            fail("recvmsg", where);
        received++;

        /* 4. Print who sent it and what: the real size if cut (Fix 4), escaped (Fix 5).
         *    Python: print(data.decode(), addr[1], addr[0]) */
        print_datagram(&d, length);

        /* 5. Fix 6: stop on "exit" or after COUNT datagrams (the notes' loop never ends). */
        if (is_last_datagram(&d, length, received, count))
            break;
    }
    if (stop_requested)
        printf("Stopped by a signal after %ld datagram%s\n", received, received == 1 ? "" : "s");

    /* 6. Close. Python: s.close() */
    close(receiver_socket);
    return 0;
}

/* Step 1: an IPv6 socket, which (with IPV6_V6ONLY off, set in bind_any) receives from IPv4
 * senders too: they appear as ::ffff:a.b.c.d. Without IPv6 on the system: plain IPv4.
 * (No SO_REUSEADDR, unlike the TCP servers: UDP has no TIME_WAIT to step over, and on Linux
 * SO_REUSEADDR on UDP lets two sockets share one port, so a second receiver on the same port
 * would start silently instead of failing with "Address already in use".) */
static int open_socket(int *family)
{
    *family = AF_INET6;
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd < 0) {
        *family = AF_INET;
        fd = socket(AF_INET, SOCK_DGRAM, 0);
        if (fd < 0)
            fail("socket", "");
    }
    return fd;
}

/* Step 4: "From 127.0.0.1 port 40222 (5 bytes): hello". LENGTH is the datagram's real length
 * on Linux, so a cut one says how big it was; elsewhere only that it was cut. */
static void print_datagram(const struct datagram *d, ssize_t length)
{
    char sender_text[NI_MAXHOST + NI_MAXSERV + 16];
    format_address((const struct sockaddr *)&d->sender, d->sender_length, sender_text,
                   sizeof sender_text);
    size_t kept = (size_t)length < sizeof d->data ? (size_t)length : sizeof d->data;
    if (d->truncated && (size_t)length > kept)
        printf("From %s (%zd bytes, truncated to %zu): ", sender_text, length, kept);
    else if (d->truncated) /* not Linux: the real size is unknown */
        printf("From %s (over %zu bytes, truncated to %zu): ", sender_text, kept, kept);
    else
        printf("From %s (%zd bytes): ", sender_text, length);
    print_escaped(d->data, kept);
    putchar('\n');
}

/* Step 5: is this the last datagram: "exit" (Fix 6), or the COUNTth of COUNT? Says so. */
static int is_last_datagram(const struct datagram *d, ssize_t length, long received, long count)
{
    if (is_exit(d->data, (size_t)length)) {
        printf("Got 'exit', stopping\n");
        return 1;
    }
    if (count > 0 && received >= count) {
        printf("Got %ld datagram%s, stopping\n", received, received == 1 ? "" : "s");
        return 1;
    }
    return 0;
}

/* ---- Plumbing: read after the lesson ---- */

/* Step 2: bind to the wildcard address ("" in Python: every local address) at PORT, IPv4
 * senders welcome on an IPv6 socket, and return the port really bound (the system's choice
 * when PORT is 0). */
static int bind_any(int fd, int family, int port)
{
    char where[32];
    snprintf(where, sizeof where, "port %d", port);
    if (family == AF_INET6) {
        int off = 0; /* accept IPv4 senders as well */
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0)
            fail("setsockopt IPV6_V6ONLY", where);
    }
    struct sockaddr_storage address;
    socklen_t length = any_address(&address, family, port);
    if (bind(fd, (struct sockaddr *)&address, length) < 0)
        fail("bind", where);
    return bound_port(fd); /* it matters when PORT was 0 */
}

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

/* Step 3. recvfrom(fd, data, size, 0, from, from_length) is the notes' call, and would do;
 * recvmsg is its general form, and it also reports MSG_TRUNC in msg_flags: "this datagram
 * was bigger than your buffer". UDP never splits a datagram across two reads: what did not
 * fit is thrown away by the kernel, so this is the only way to know anything was lost.
 * recvmsg takes one struct msghdr: msg_name/msg_namelen are recvfrom's address arguments,
 * msg_iov is a list of buffers (struct iovec: base and length; we pass one), and msg_flags
 * comes back with what happened. Returns the length (-1 and errno on failure): on Linux the
 * datagram's real length, which may be more than fits in d->data. */
static ssize_t receive_datagram(int fd, struct datagram *d)
{
    struct iovec chunk = {.iov_base = d->data, .iov_len = sizeof d->data};
    struct msghdr message;
    memset(&message, 0, sizeof message);
    message.msg_name = &d->sender;
    message.msg_namelen = sizeof d->sender;
    message.msg_iov = &chunk;
    message.msg_iovlen = 1;
    int flags = 0;
#ifdef __linux__
    /* Linux extra: with MSG_TRUNC passed in, recvmsg returns the datagram's real length even
     * when it did not fit (elsewhere we only learn that it did not fit). */
    flags = MSG_TRUNC;
#endif
    ssize_t length = recvmsg(fd, &message, flags);
    d->sender_length = message.msg_namelen;
    d->truncated = (message.msg_flags & MSG_TRUNC) != 0;
    return length;
}

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

/* Options first, then at most one operand, PORT (the POSIX utility conventions). "+" makes
 * getopt stop at the first operand everywhere (GNU getopt would otherwise reorder argv). A
 * negative number such as -1 is an operand (a bad port), not an option: see next_option. */
static void parse_arguments(int argc, char *argv[], long *count, int *port)
{
    int option;
    opterr = 0; /* we print our own messages */
    while ((option = next_option(argc, argv, "+:hn:")) != -1) {
        if (option == 'h') {
            printf("%s\n%s\n", USAGE, DESCRIPTION);
            exit(0);
        } else if (option == 'n')
            *count = number_argument(optarg, "count", 1, MAX_COUNT);
        else if (option == ':' || optopt == 'n') /* macOS getopt reads "+" as a letter: '?' */
            usage_error("option '-%c' needs a value (try '%s -h')", optopt, PROGRAM);
        else
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
    }
    if (argc - optind > 1)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    if (optind < argc)
        *port = (int)number_argument(argv[optind], "port", 0, 65535);
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

/* Is this datagram the word "exit"? One trailing "\n" or "\r\n" is allowed, as `echo`, nc
 * and telnet send it; the notes' Python sender sends it bare. */
static int is_exit(const unsigned char *data, size_t length)
{
    return (length == 4 && memcmp(data, "exit", 4) == 0) ||
           (length == 5 && memcmp(data, "exit\n", 5) == 0) ||
           (length == 6 && memcmp(data, "exit\r\n", 6) == 0);
}

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
