/*
 * load_client: opens many connections to a line server at once, sends numbered lines on
 * each, checks every reply, and measures how many round trips per second it got and how
 * long they took.
 *
 * Usage: load_client HOST PORT [-c CLIENTS] [-n LINES] [-s BYTES]
 *
 * Mirrors the notes' multithreaded-server section, from the other side: to see that a
 * server serves many clients at once, be many clients at once, and count.
 *
 * Try:
 *   terminal 1: ./mt_server 9090 > /dev/null
 *   terminal 2: ./load_client localhost 9090 -c 100 -n 1000
 *
 * See also: mt_server.c (the server under test), README.md ("Measuring" and `make bench`).
 *
 * A lesson in measuring, in five rules this program follows:
 * 1. Check every answer. A fast wrong server is not fast. Each line names its client and
 *    its number ("client 7 line 42"), so a reply meant for someone else (cross-talk), a
 *    reply for an old line, or a missing reply is counted as an error, never as a success.
 * 2. One client = one outstanding line. Each connection sends a line and waits for its
 *    reply before sending the next, like a person typing, so a "round trip" is a real
 *    request-response and the latency of each one means something.
 * 3. Keep the load generator out of the way. It is ONE thread with poll(): 1,000 threads
 *    here would compete with the server's threads for the same CPU cores and we would be
 *    measuring our own scheduling. (poll, not epoll: it is POSIX, so this builds on macOS.)
 * 4. Measure only the part you mean. All connections are opened first; the clock starts
 *    when the first line is sent and stops at the last reply. The clock is CLOCK_MONOTONIC,
 *    which never jumps when the wall clock is adjusted.
 * 5. Report percentiles, not an average. p50 is the typical round trip, p99 the slow tail
 *    one request in a hundred sees; an average hides the tail. Every latency goes into a
 *    histogram with 1 µs buckets (exact enough, fixed memory however long the run).
 * And one rule for whoever reads the figures: on a shared machine, run it several times.
 */
#define _POSIX_C_SOURCE 200809L
/* NI_MAXHOST and NI_MAXSERV are not POSIX: glibc shows them with _DEFAULT_SOURCE, macOS
 * with _DARWIN_C_SOURCE. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "load_client"
#define USAGE "Usage: load_client HOST PORT [-c CLIENTS] [-n LINES] [-s BYTES]"
#define REPLY_PREFIX "ok, the problem is being handled: "
#define LINE_LIMIT 4096        /* mt_server's longest line: -s cannot ask for more */
#define IDLE_TIMEOUT_MS 10000  /* no reply on any connection for this long: give up */
#define MAX_PROBLEMS_SHOWN 5   /* details of the first few problems go to stderr */
#define HISTOGRAM_US 1000000   /* 1 µs buckets up to 1 s; slower round trips share the last */

/* One connection and where it is in its conversation. */
struct connection {
    int socket;
    long lines_sent;                            /* line numbers run from 1 */
    long replies;                               /* correct replies received */
    struct timespec sent_at;                    /* when the outstanding line left */
    char received[sizeof REPLY_PREFIX + LINE_LIMIT + 1]; /* a reply being assembled */
    size_t received_length;
};

static uint64_t latency_histogram[HISTOGRAM_US]; /* [n] = round trips that took n µs */
static long problems_seen; /* connections that went wrong, for the messages only */

/* Print "load_client: WHAT: reason" on stderr and exit 1. */
static void die(const char *what, const char *reason)
{
    fprintf(stderr, "%s: %s: %s\n", PROGRAM, what, reason);
    exit(1);
}

/* Print "load_client: PROBLEM (try 'load_client -h')" on stderr and exit 2. */
static void usage_error(const char *problem)
{
    fprintf(stderr, "%s: %s (try '%s -h')\n", PROGRAM, problem, PROGRAM);
    exit(2);
}

/* Parse TEXT as a whole decimal number from MIN to MAX, or exit 2 naming WHAT. */
static long parse_number(const char *text, long min, long max, const char *what)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
        fprintf(stderr, "%s: bad %s '%s': expected a number from %ld to %ld\n",
                PROGRAM, what, text, min, max);
        exit(2);
    }
    return value;
}

/* Send all LENGTH bytes (send may take fewer), retrying on EINTR. 0 on success, -1 on error. */
static int send_all(int socket, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t sent = send(socket, data, length, 0);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += sent;
        length -= (size_t)sent;
    }
    return 0;
}

/* Raise our limit on open files to the most we are allowed: each client is a socket, and
 * the usual soft limit (1024; 256 on macOS) is too low for -c 1000. */
static void raise_open_file_limit(void)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == limit.rlim_max)
        return;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        limit.rlim_cur = 10240; /* macOS refuses "unlimited"; OPEN_MAX is its real ceiling */
        setrlimit(RLIMIT_NOFILE, &limit); /* best effort: connect() will say if it is too low */
    }
}

/* Microseconds from A to B. */
static long long micros_between(struct timespec a, struct timespec b)
{
    return (long long)(b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000;
}

/* Write line LINE of client CLIENT into OUT: "client 7 line 42", padded with dots to
 * BYTES bytes if that is longer, then '\n'. Returns its length. */
static size_t make_line(char *out, size_t size, long client, long line, long bytes)
{
    int length = snprintf(out, size, "client %ld line %ld", client, line);
    while (length < bytes && (size_t)length < size - 2)
        out[length++] = '.';
    out[length++] = '\n';
    return (size_t)length;
}

/* Note one problem on connection CLIENT; explain the first few on stderr, showing up to
 * 60 bytes of what arrived (LENGTH of them at BYTES, if any), control bytes as '?'. */
static void report_problem(long client, const char *problem, const char *bytes, size_t length)
{
    if (++problems_seen <= MAX_PROBLEMS_SHOWN) {
        char shown[61];
        size_t n = length < 60 ? length : 60;
        for (size_t i = 0; i < n; i++)
            shown[i] = (unsigned char)bytes[i] < 0x20 ? '?' : bytes[i];
        shown[n] = '\0';
        if (bytes != NULL)
            fprintf(stderr, "%s: client %ld: %s '%s'\n", PROGRAM, client, problem, shown);
        else
            fprintf(stderr, "%s: client %ld: %s\n", PROGRAM, client, problem);
    }
    if (problems_seen == MAX_PROBLEMS_SHOWN + 1)
        fprintf(stderr, "%s: (more problems: counted, not shown)\n", PROGRAM);
}

/* As report_problem, for a failed call: "send: Connection reset by peer". */
static void report_failure(long client, const char *call)
{
    char problem[128];
    snprintf(problem, sizeof problem, "%s: %s", call, strerror(errno));
    report_problem(client, problem, NULL, 0);
}

/* Send the next line on connection NUMBER (from 1) and note the time it left. */
static int send_next_line(struct connection *connection, long number, long bytes)
{
    char line[LINE_LIMIT + 2];
    size_t length = make_line(line, sizeof line, number, connection->lines_sent + 1, bytes);
    clock_gettime(CLOCK_MONOTONIC, &connection->sent_at);
    if (send_all(connection->socket, line, length) != 0)
        return -1;
    connection->lines_sent++;
    return 0;
}

/* The p-th percentile (0 < p <= 100) of the TOTAL latencies in the histogram, in µs. */
static long percentile(uint64_t total, double p)
{
    if (total == 0)
        return 0;
    uint64_t wanted = (uint64_t)(p / 100.0 * (double)total + 0.999999), seen = 0;
    for (long us = 0; us < HISTOGRAM_US; us++) {
        seen += latency_histogram[us];
        if (seen >= wanted)
            return us;
    }
    return HISTOGRAM_US - 1;
}

int main(int argc, char *argv[])
{
    /* Line-buffer stdout: tests and pipes see each line at once. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    const char *operands[2];
    int operand_count = 0;
    long clients = 10, lines = 100, bytes = 0;
    bool only_operands = false; /* after "--" everything is an operand, even "-5" */
    opterr = 0; /* we print our own message for an unknown option */
    while (optind < argc) {
        int option = only_operands ? -1 : getopt(argc, argv, ":hc:n:s:");
        if (option == -1) { /* an operand: take it and go on (macOS getopt stops here) */
            if (optind >= argc)
                break;
            if (strcmp(argv[optind - 1], "--") == 0)
                only_operands = true;
            if (operand_count == 2)
                usage_error("too many operands");
            operands[operand_count++] = argv[optind++];
            continue;
        }
        switch (option) {
        case 'h':
            printf("%s\n"
                   "Opens CLIENTS connections to a line server at once; each sends LINES\n"
                   "numbered lines, one at a time, and checks each reply. Prints one summary.\n"
                   "  -c CLIENTS  connections at once (default 10)\n"
                   "  -n LINES    lines per connection (default 100)\n"
                   "  -s BYTES    pad each line with dots to BYTES bytes (default 0: no padding)\n",
                   USAGE);
            return 0;
        case 'c':
            clients = parse_number(optarg, 1, 100000, "client count");
            break;
        case 'n':
            lines = parse_number(optarg, 1, 100000000, "line count");
            break;
        case 's':
            bytes = parse_number(optarg, 0, LINE_LIMIT, "line size");
            break;
        case ':': {
            char problem[64];
            snprintf(problem, sizeof problem, "option '-%c' needs a value", optopt);
            usage_error(problem);
            break;
        }
        default: {
            char problem[64];
            snprintf(problem, sizeof problem, "unknown option '-%c'", optopt);
            usage_error(problem);
        }
        }
    }
    if (operand_count < 2)
        usage_error("missing operand: HOST PORT");
    const char *host = operands[0], *port = operands[1];
    parse_number(port, 0, 65535, "port");

    /* Writing to a server that has gone would raise SIGPIPE and kill us before we could
     * report; ignored, send() fails with EPIPE and we count the error. */
    signal(SIGPIPE, SIG_IGN);
    raise_open_file_limit();

    /* 1. Resolve HOST once; every connection tries its addresses in turn. */
    struct addrinfo hints, *addresses;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &addresses);
    if (rc != 0) {
        char what[300];
        snprintf(what, sizeof what, "getaddrinfo %s", host);
        die(what, gai_strerror(rc));
    }

    /* 2. Open all the connections before sending anything (rule 4). */
    struct connection *connections = calloc((size_t)clients, sizeof *connections);
    struct pollfd *waiting = calloc((size_t)clients, sizeof *waiting);
    if (connections == NULL || waiting == NULL)
        die("calloc", strerror(errno));
    for (long i = 0; i < clients; i++) {
        int connection_socket = -1, saved_errno = 0;
        char tried[NI_MAXHOST + 16] = "";
        for (struct addrinfo *a = addresses; a != NULL; a = a->ai_next) {
            connection_socket = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
            if (connection_socket >= 0 &&
                connect(connection_socket, a->ai_addr, a->ai_addrlen) == 0)
                break;
            saved_errno = errno;
            char numeric_host[NI_MAXHOST];
            if (getnameinfo(a->ai_addr, a->ai_addrlen, numeric_host, sizeof numeric_host,
                            NULL, 0, NI_NUMERICHOST) != 0)
                snprintf(numeric_host, sizeof numeric_host, "%s", host);
            snprintf(tried, sizeof tried, "%s port %s", numeric_host, port);
            if (connection_socket >= 0)
                close(connection_socket);
            connection_socket = -1;
        }
        if (connection_socket < 0) {
            char what[NI_MAXHOST + 32];
            snprintf(what, sizeof what, "connect %s", tried);
            die(what, strerror(saved_errno));
        }
        /* Send each short line at once: Nagle's algorithm would hold a line back while an
         * earlier segment is unacknowledged, adding delay that is ours, not the server's. */
        int on = 1;
        setsockopt(connection_socket, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        connections[i].socket = connection_socket;
        waiting[i].fd = connection_socket;
        waiting[i].events = POLLIN;
    }
    freeaddrinfo(addresses);

    /* 3. Start the clock; every connection sends its line 1. */
    struct timespec started, finished;
    clock_gettime(CLOCK_MONOTONIC, &started);
    long open_connections = clients;
    for (long i = 0; i < clients; i++) {
        if (send_next_line(&connections[i], i + 1, bytes) != 0) {
            report_failure(i + 1, "send");
            close(connections[i].socket);
            waiting[i].fd = -1; /* poll() skips negative descriptors */
            open_connections--;
        }
    }

    /* 4. Wait for replies with poll(); check each; answer it with the next line. */
    uint64_t replies = 0;
    while (open_connections > 0) {
        int ready = poll(waiting, (nfds_t)clients, IDLE_TIMEOUT_MS);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            die("poll", strerror(errno));
        }
        if (ready == 0) {
            fprintf(stderr, "%s: no reply for %d s: giving up\n", PROGRAM,
                    IDLE_TIMEOUT_MS / 1000);
            break;
        }
        for (long i = 0; i < clients && ready > 0; i++) {
            if (waiting[i].fd < 0 || waiting[i].revents == 0)
                continue;
            ready--;
            struct connection *connection = &connections[i];
            /* POLLIN, POLLHUP or POLLERR: recv tells us which (data, 0 for EOF, or -1). */
            size_t room = sizeof connection->received - connection->received_length;
            ssize_t got = recv(connection->socket,
                               connection->received + connection->received_length, room, 0);
            if (got < 0 && errno == EINTR)
                continue;
            bool finished_here = false;
            if (got <= 0) {
                if (got == 0)
                    report_problem(i + 1, "server closed the connection early", NULL, 0);
                else
                    report_failure(i + 1, "recv");
                finished_here = true;
            } else {
                connection->received_length += (size_t)got;
            }
            /* Check every complete reply in what has arrived. */
            char *newline;
            while (!finished_here &&
                   (newline = memchr(connection->received, '\n',
                                     connection->received_length)) != NULL) {
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                size_t reply_length = (size_t)(newline - connection->received) + 1;
                char expected[sizeof REPLY_PREFIX + LINE_LIMIT + 2];
                memcpy(expected, REPLY_PREFIX, sizeof REPLY_PREFIX - 1);
                size_t expected_length =
                    sizeof REPLY_PREFIX - 1 +
                    make_line(expected + sizeof REPLY_PREFIX - 1,
                              sizeof expected - sizeof REPLY_PREFIX + 1, i + 1,
                              connection->lines_sent, bytes);
                if (connection->replies == connection->lines_sent) {
                    report_problem(i + 1, "reply to no line:", connection->received,
                                 reply_length - 1);
                    finished_here = true;
                    break;
                }
                if (reply_length != expected_length ||
                    memcmp(connection->received, expected, expected_length) != 0) {
                    report_problem(i + 1, "wrong reply:", connection->received,
                                 reply_length - 1);
                    finished_here = true; /* out of step now: stop this connection */
                    break;
                }
                connection->replies++;
                replies++;
                long long us = micros_between(connection->sent_at, now);
                latency_histogram[us < HISTOGRAM_US ? us : HISTOGRAM_US - 1]++;
                memmove(connection->received, newline + 1,
                        connection->received_length - reply_length);
                connection->received_length -= reply_length;
                if (connection->lines_sent == lines) {
                    if (connection->received_length > 0)
                        continue; /* the loop above reports it as a reply to no line */
                    finished_here = true;
                } else if (send_next_line(connection, i + 1, bytes) != 0) {
                    report_failure(i + 1, "send");
                    finished_here = true;
                }
            }
            if (!finished_here && connection->received_length == sizeof connection->received) {
                report_problem(i + 1, "reply too long:", connection->received, 60);
                finished_here = true;
            }
            if (finished_here) {
                close(connection->socket);
                waiting[i].fd = -1; /* set aside, not removed: the array stays as it is */
                open_connections--;
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &finished);

    /* 5. Whatever was not answered correctly is an error: missing replies count too. */
    for (long i = 0; i < clients; i++) {
        if (waiting[i].fd >= 0)
            close(waiting[i].fd);
        long missing = lines - connections[i].replies;
        if (missing > 0 && waiting[i].fd >= 0)
            report_problem(i + 1, "replies missing (no answer in time)", NULL, 0);
    }
    /* Total errors: every line without its correct reply, however it went wrong. */
    long total_errors = clients * lines - (long)replies;
    free(connections);
    free(waiting);

    double seconds = (double)micros_between(started, finished) / 1e6;
    printf("clients %ld, lines %ld, replies %llu, errors %ld, seconds %.3f, "
           "round trips/s %.0f, p50 %ld us, p99 %ld us\n",
           clients, lines, (unsigned long long)replies, total_errors, seconds,
           seconds > 0 ? (double)replies / seconds : 0.0, percentile(replies, 50),
           percentile(replies, 99));
    return total_errors == 0 ? 0 : 1;
}
