/*
 * load_client: be many clients of a server at once, count a reply to every line, and
 * measure the round trips per second and how long they took.
 *
 * Usage: load_client [-c CLIENTS] [-n LINES] [-s BYTES] [-p PID] HOST PORT
 *
 * The notes' multithreaded-server section, from the other side: to see that a server
 * serves many clients at once, be many clients at once, and count. Five rules of
 * measuring, each written at the step of main that follows it: 1. check every answer came;
 * 2. one outstanding line per client; 3. keep the load generator out of the way; 4. time
 * only what you mean; 5. report percentiles, not an average. And one for whoever reads the
 * figures: on a shared machine, run it several times.
 * The notes' message model (one recv(1024) is one message) holds for what this program
 * sends: each line ("client 7 line 42\n", at most 1024 bytes) leaves in one send, and the
 * next only after its reply, so nothing merges. See mt_server.c and ../05-udp.
 * The same model on the way back: any one reply per line counts as its answer (what one
 * recv() returns while the line waits), whatever it says. The notes' own server answers
 * every message with the same fixed text, mt_server with the message after its prefix: both
 * count, so `make bench` measures the notes' server as the notes have it. A reply while no
 * line waits is an error; what a reply says is not checked.
 *
 * Try:  terminal 1: ./mt_server -q 9090
 *       terminal 2: ./load_client -c 100 -n 1000 localhost 9090
 * See also: mt_server.c (the server under test), README.md ("Measuring", `make bench`).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE  /* NI_MAXHOST (glibc) */
#define _DARWIN_C_SOURCE /* the same on macOS */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "load_client"
#define IDLE_TIMEOUT_MS 10000 /* no reply on any connection for this long: give up */
#define HISTOGRAM_US 1000000  /* 1 us buckets up to 1 s; slower round trips share the last */

struct settings {
    long clients, lines, bytes, server_pid; /* -c, -n, -s, -p (0: not given) */
    const char *host, *port;
};

/* One connection and where it is in its conversation. */
struct connection {
    int socket;
    bool done;                  /* no more lines to send or expect (the socket stays open) */
    long lines_sent, replies;   /* line numbers run from 1; replies: lines answered */
    struct timespec sent_at;    /* when the outstanding line left */
};

/* What the server (-p PID) has used so far: context switches, CPU nanoseconds. */
struct usage {
    long long switches, cpu_ns;
};

static uint64_t latency_histogram[HISTOGRAM_US]; /* [n] = round trips that took n us */

static int connect_to(const struct addrinfo *addresses);
static int send_next_line(struct connection *connection, long number, long bytes);
static bool take_reply(struct connection *connection, long number,
                       const struct settings *settings, uint64_t *replies);
static bool read_server_usage(long pid, struct usage *usage); /* -p: from /proc */
static long percentile(uint64_t total, double p); /* from the histogram, in us */
/* Plumbing, after the lesson: */
static struct settings parse_arguments(int argc, char *argv[]);
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static long parse_number(const char *text, long min, long max);      /* strict, or -1 */
static long number_argument(const char *text, const char *what, long min, long max);
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
static void check_stdout(void); /* at exit: all output written, or one line, exit 1 */
_Noreturn static void usage_error(const char *format, ...);          /* one line, exit 2 */
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */
static rlim_t raise_descriptor_limit(rlim_t wanted); /* ulimit -n, as high as it goes */
static size_t make_line(char *out, long client, long line, long bytes);
static void report_problem(long client, const char *problem, const char *bytes, size_t length);
static long long micros_between(struct timespec a, struct timespec b);
static int send_all(int fd, const void *data, size_t length);
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size);                  /* "127.0.0.1 port 9090" */
_Noreturn static void fail(const char *call, const char *where); /* one line, exit 1 */
_Noreturn static void fail_lookup(const char *host, int rc); /* getaddrinfo's, exit 1 */

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* first: no socket may land on 0, 1 or 2 */
    atexit(check_stdout); /* at exit: output that could not be written is an error */
    setvbuf(stdout, NULL, _IOLBF, 0); /* tests and pipes see each line at once */
    struct settings settings = parse_arguments(argc, argv);
    long clients = settings.clients;
    /* A server that left would raise SIGPIPE and end us before we report; ignored, send()
     * fails with EPIPE and we count the error. */
    signal(SIGPIPE, SIG_IGN);
    raise_descriptor_limit(RLIM_INFINITY); /* -c 1000: a socket each */

    /* 1. Resolve HOST once; every connection tries its addresses in turn.
     *    (Python's s.connect((host, port)) does this inside.) */
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *addresses;
    int rc = getaddrinfo(settings.host, settings.port, &hints, &addresses);
    if (rc != 0)
        fail_lookup(settings.host, rc);

    /* 2. Open every connection before sending anything. Rule 4, time only what you mean:
     *    the clock starts after this. Python: s = socket.socket(); s.connect((host, port)) */
    struct connection *connections = calloc((size_t)clients, sizeof *connections);
    struct pollfd *waiting = calloc((size_t)clients, sizeof *waiting);
    if (connections == NULL || waiting == NULL)
        fail("calloc", NULL);
    for (long i = 0; i < clients; i++) {
        connections[i].socket = connect_to(addresses);
        waiting[i] = (struct pollfd){.fd = connections[i].socket, .events = POLLIN};
    }
    freeaddrinfo(addresses);

    /* 3. Start the clock (CLOCK_MONOTONIC never jumps when the wall clock is set), read the
     *    server's counters (-p); every connection sends its line 1.
     *    Python: s.send("client 1 line 1\n".encode()) */
    struct usage before, after;
    bool measured = settings.server_pid && read_server_usage(settings.server_pid, &before);
    struct timespec started, finished;
    clock_gettime(CLOCK_MONOTONIC, &started);
    long talking = clients; /* connections still in their conversation */
    for (long i = 0; i < clients; i++) {
        if (send_next_line(&connections[i], i + 1, settings.bytes) != 0) {
            report_problem(i + 1, "send:", NULL, 0);
            connections[i].done = true;
            waiting[i].fd = -1; /* poll() skips negative descriptors */
            talking--;
        }
    }

    /* 4. Wait for replies. Rule 3, keep out of the way: ONE thread and poll() for every
     *    connection; 1,000 threads here would compete with the server's for the same cores
     *    (poll, not epoll: it is POSIX, so this builds on macOS). Rule 1, check every
     *    answer came: a server that loses replies is not fast; each line must get exactly
     *    one. Rule 2, one outstanding line per client: the next line leaves only after the
     *    reply, so a round trip is a real request and response, like a person typing.
     *    Python: data = s.recv(1024) */
    uint64_t replies = 0;
    while (talking > 0) {
        int ready = poll(waiting, (nfds_t)clients, IDLE_TIMEOUT_MS);
        if (ready < 0 && errno != EINTR)
            fail("poll", NULL);
        if (ready == 0) {
            fprintf(stderr, "%s: no reply for %d s: giving up\n", PROGRAM, IDLE_TIMEOUT_MS / 1000);
            break;
        }
        for (long i = 0; i < clients && ready > 0; i++) {
            if (waiting[i].fd < 0 || waiting[i].revents == 0)
                continue;
            ready--;
            if (!take_reply(&connections[i], i + 1, &settings, &replies)) {
                connections[i].done = true; /* kept open until the end: see read_server_usage */
                waiting[i].fd = -1;         /* set aside, not removed: the array stays as is */
                talking--;
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &finished);
    measured = measured && read_server_usage(settings.server_pid, &after);

    /* 5. Every line without its reply is an error, however it went wrong. Rule 5:
     *    percentiles, not an average. p50 is the typical round trip, p99 the slow tail one
     *    request in a hundred sees; an average hides the tail. */
    for (long i = 0; i < clients; i++) {
        if (!connections[i].done)
            report_problem(i + 1, "replies missing (no answer in time)", NULL, 0);
        close(connections[i].socket);
    }
    long total_errors = clients * settings.lines - (long)replies;
    double seconds = (double)micros_between(started, finished) / 1e6;
    printf("clients %ld, lines %ld, replies %llu, errors %ld, seconds %.3f, round trips/s %.0f, "
           "p50 %ld us, p99 %ld us", clients, settings.lines, (unsigned long long)replies,
           total_errors, seconds, seconds > 0 ? (double)replies / seconds : 0.0,
           percentile(replies, 50), percentile(replies, 99));
    if (measured && replies > 0)
        printf(", server context switches/round trip %.2f, server CPU us/round trip %.1f",
               (double)(after.switches - before.switches) / (double)replies,
               (double)(after.cpu_ns - before.cpu_ns) / 1000.0 / (double)replies);
    printf("\n");
    free(connections);
    free(waiting);
    return total_errors == 0 ? 0 : 1;
}

/* Sizes and limits used by the steps below and the plumbing. */
#define USAGE "Usage: load_client [-c CLIENTS] [-n LINES] [-s BYTES] [-p PID] HOST PORT"
#define MAX_BYTES 1023        /* a line and its '\n' fit in mt_server's recv(1024) */
#define REPLY_BYTES 4096      /* one recv() of a reply: more than any answer to 1,024 bytes */

/* 2. One connection to the first address of HOST that answers; exit 1 if none does. */
static int connect_to(const struct addrinfo *addresses)
{
    int saved_errno = 0;
    char tried[NI_MAXHOST + 16] = "";
    for (const struct addrinfo *a = addresses; a != NULL; a = a->ai_next) {
        int connection_socket = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (connection_socket >= 0 && connect(connection_socket, a->ai_addr, a->ai_addrlen) == 0) {
            /* Send each short line at once: Nagle's algorithm would hold a line back while
             * an earlier segment is unacknowledged, a delay that is ours, not the server's. */
            setsockopt(connection_socket, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
            return connection_socket;
        }
        saved_errno = errno;
        format_address(a->ai_addr, a->ai_addrlen, tried, sizeof tried);
        if (connection_socket >= 0)
            close(connection_socket);
    }
    errno = saved_errno;
    fail("connect", tried);
}

/* Send the next line on connection NUMBER (from 1) and note the time it left. */
static int send_next_line(struct connection *connection, long number, long bytes)
{
    char line[MAX_BYTES + 2];
    size_t length = make_line(line, number, connection->lines_sent + 1, bytes);
    clock_gettime(CLOCK_MONOTONIC, &connection->sent_at);
    if (send_all(connection->socket, line, length) != 0)
        return -1;
    connection->lines_sent++;
    return 0;
}

/* 4. Connection NUMBER is readable: one recv() is the reply to the line that waits (the
 *    notes' model), whatever it says; note its latency, send the next line. False when the
 *    connection is done: all lines answered, or something went wrong (explained on stderr). */
static bool take_reply(struct connection *connection, long number,
                       const struct settings *settings, uint64_t *replies)
{
    char reply[REPLY_BYTES];
    ssize_t got = recv(connection->socket, reply, sizeof reply, 0);
    if (got < 0 && errno == EINTR)
        return true;
    if (got <= 0) { /* 0: the end of the connection; -1: reset, etc. */
        report_problem(number, got == 0 ? "server closed the connection early" : "recv:",
                       NULL, 0);
        return false;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (connection->replies == connection->lines_sent) {
        report_problem(number, "reply to no line:", reply, (size_t)got);
        return false; /* out of step now: stop this connection */
    }
    connection->replies++;
    (*replies)++;
    long long us = micros_between(connection->sent_at, now);
    latency_histogram[us < HISTOGRAM_US ? us : HISTOGRAM_US - 1]++;
    if (connection->lines_sent == settings->lines)
        return false; /* all answered */
    if (send_next_line(connection, number, settings->bytes) != 0) {
        report_problem(number, "send:", NULL, 0);
        return false;
    }
    return true;
}

/* What the server PID has used so far, summed over its threads (Linux /proc): context
 * switches, voluntary (a thread went to sleep, in recv say) and nonvoluntary (the scheduler
 * took the core away), from /proc/PID/task/TID/status, and CPU time from .../schedstat.
 * A thread that has ended takes its counts with it: that is why every connection (and so
 * every server thread) stays open until the second reading. False where /proc has none. */
static bool read_server_usage(long pid, struct usage *usage)
{
    char path[64], file[400], line[128]; /* (a name in a directory: up to 255 bytes) */
    snprintf(path, sizeof path, "/proc/%ld/task", pid);
    DIR *tasks = opendir(path);
    if (tasks == NULL) {
        fprintf(stderr, "%s: opendir %s: %s (no server figures)\n", PROGRAM, path,
                strerror(errno));
        return false;
    }
    *usage = (struct usage){0, 0};
    long long count;
    for (struct dirent *task; (task = readdir(tasks)) != NULL;) {
        if (task->d_name[0] == '.')
            continue;
        snprintf(file, sizeof file, "%s/%s/status", path, task->d_name);
        FILE *status = fopen(file, "r"); /* NULL if the thread has just ended */
        while (status != NULL && fgets(line, sizeof line, status) != NULL)
            if (sscanf(line, "voluntary_ctxt_switches: %lld", &count) == 1 ||
                sscanf(line, "nonvoluntary_ctxt_switches: %lld", &count) == 1)
                usage->switches += count;
        if (status != NULL)
            fclose(status);
        snprintf(file, sizeof file, "%s/%s/schedstat", path, task->d_name);
        FILE *schedstat = fopen(file, "r"); /* "NANOSECONDS_ON_CPU WAITING SLICES" */
        if (schedstat != NULL && fscanf(schedstat, "%lld", &count) == 1)
            usage->cpu_ns += count;
        if (schedstat != NULL)
            fclose(schedstat);
    }
    closedir(tasks);
    return true;
}

/* The p-th percentile (0 < p <= 100) of the TOTAL latencies in the histogram, in us. */
static long percentile(uint64_t total, double p)
{
    uint64_t wanted = (uint64_t)(p / 100.0 * (double)total + 0.999999), seen = 0;
    for (long us = 0; us < HISTOGRAM_US && total > 0; us++) {
        seen += latency_histogram[us];
        if (seen >= wanted)
            return us;
    }
    return total > 0 ? HISTOGRAM_US - 1 : 0;
}

/* ---- Plumbing: read after the lesson ---- */

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

/* load_client [-c CLIENTS] [-n LINES] [-s BYTES] [-p PID] HOST PORT: options first. */
static struct settings parse_arguments(int argc, char *argv[])
{
    struct settings settings = {.clients = 10, .lines = 100};
    int option;
    opterr = 0; /* our own messages, below */
    while ((option = next_option(argc, argv, "+:hc:n:s:p:")) != -1) {
        if (option == 'h') {
            printf("%s\nOpens CLIENTS connections at once (default 10); each sends LINES "
                   "numbered lines\n(default 100; padded with dots to BYTES bytes, at most %d) one "
                   "at a time, and\ncounts one reply (any text) per line. -p: the server's context "
                   "switches, CPU.\n", USAGE, MAX_BYTES);
            exit(0);
        } else if (option == 'c' || option == 'n' || option == 's' || option == 'p') {
            long *value = option == 'c' ? &settings.clients : option == 'n' ? &settings.lines
                        : option == 's' ? &settings.bytes : &settings.server_pid;
            *value = option == 'c' ? number_argument(optarg, "client count", 1, 100000)
                   : option == 'n' ? number_argument(optarg, "line count", 1, 100000000)
                   : option == 's' ? number_argument(optarg, "line size", 0, MAX_BYTES)
                                   : number_argument(optarg, "PID", 1, 4194304);
        } else if (option == ':' || (optopt && strchr("cnsp", optopt))) {
            usage_error("option '-%c' needs a value (try '%s -h')", optopt, PROGRAM);
        } else {
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        }
    }
    if (argc - optind < 2)
        usage_error("missing operand (try '%s -h')", PROGRAM);
    if (argc - optind > 2)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    settings.host = argv[optind];
    settings.port = argv[optind + 1];
    if (settings.host[0] == '\0')
        usage_error("bad host '': expected a name or an address");
    number_argument(settings.port, "port", 1, 65535); /* port 0 can never be connected to */
    return settings;
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

/* ---- begin canonical: raise_descriptor_limit ---- */
/* Every connection is a descriptor, and the soft limit on open files (ulimit -n) is often
 * 1024, 256 on macOS: raise it towards WANTED (RLIM_INFINITY: as far as it goes), up to the
 * hard limit, the ceiling an ordinary user may raise it to. macOS refuses more than its
 * OPEN_MAX, 10240, even under a higher hard limit: then 10240. Returns the soft limit now in
 * force (RLIM_INFINITY: none, or unknown). */
static rlim_t raise_descriptor_limit(rlim_t wanted)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return RLIM_INFINITY;
    rlim_t had = limit.rlim_cur;
    limit.rlim_cur = wanted < limit.rlim_max ? wanted : limit.rlim_max;
    if (limit.rlim_cur <= had)
        return had;
    if (setrlimit(RLIMIT_NOFILE, &limit) == 0)
        return limit.rlim_cur;
    if (limit.rlim_cur > 10240 && had < 10240) {
        limit.rlim_cur = 10240;
        if (setrlimit(RLIMIT_NOFILE, &limit) == 0)
            return limit.rlim_cur;
    }
    return had; /* best effort: what we had still holds */
}
/* ---- end canonical: raise_descriptor_limit ---- */

/* Line LINE of client CLIENT into OUT (MAX_BYTES + 2 bytes): "client 7 line 42", padded
 * with dots to BYTES bytes if that is longer, then '\n'. Returns its length. */
static size_t make_line(char *out, long client, long line, long bytes)
{
    int length = snprintf(out, MAX_BYTES + 1, "client %ld line %ld", client, line);
    while (length < bytes)
        out[length++] = '.';
    out[length++] = '\n';
    return (size_t)length;
}

/* Note one problem on connection CLIENT; explain the first five on stderr, showing up to 60
 * bytes of what arrived (LENGTH of them at BYTES, if any), control bytes as '?'. A PROBLEM
 * that ends in ':' without BYTES is a failed call ("recv:"): strerror(errno) follows. */
static void report_problem(long client, const char *problem, const char *bytes, size_t length)
{
    static long problems_seen;
    int saved_errno = errno;
    if (++problems_seen <= 5) {
        char shown[61];
        size_t n = length < 60 ? length : 60;
        for (size_t i = 0; i < n; i++)
            shown[i] = (unsigned char)bytes[i] < 0x20 || (unsigned char)bytes[i] >= 0x7f
                           ? '?' : bytes[i];
        shown[n] = '\0';
        if (bytes != NULL)
            fprintf(stderr, "%s: client %ld: %s '%s'\n", PROGRAM, client, problem, shown);
        else if (problem[strlen(problem) - 1] == ':') /* a failed call: add the reason */
            fprintf(stderr, "%s: client %ld: %s %s\n", PROGRAM, client, problem,
                    strerror(saved_errno));
        else
            fprintf(stderr, "%s: client %ld: %s\n", PROGRAM, client, problem);
    } else if (problems_seen == 6) {
        fprintf(stderr, "%s: (more problems: counted, not shown)\n", PROGRAM);
    }
}

/* Microseconds from A to B. */
static long long micros_between(struct timespec a, struct timespec b)
{
    return (long long)(b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000;
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
