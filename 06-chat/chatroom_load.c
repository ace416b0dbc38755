/*
 * chatroom_load.c: fill a chat room with bots that all talk at once, and check that every
 * line reached everyone else, in order: a test and a benchmark for chatroom_server.
 *
 * Usage: chatroom_load [-c CLIENTS] [-n LINES] HOST PORT
 *
 * Goes beyond the notes: it plays CLIENTS (default 10) users from ONE thread, with one
 * poll() over all their sockets, the same trick as the server. Each bot joins with its own
 * nickname ("b<pid>-<number>"); when all are in, each sends LINES (default 100) numbered
 * lines "<bot number> <line number>". Each bot checks that it receives every other bot's
 * lines, each sender's in order, and none of its own. Then one summary line, such as:
 *   100 clients x 100 lines: 990000 deliveries in 0.32 s, 3103249 per second, 0 missing,
 *   0 out of order, 0 own lines
 * and exit 0, or exit 1 if anything was missing, out of order or echoed (or a bot was
 * turned away or cut off, or the run took longer than 120 s, or nothing arrived for 15 s:
 * each of those is reported in one line on stderr first).
 *
 * Pacing: the room drops anyone who does not read (its queue per client is bounded), so
 * every bot keeps reading while it sends, and a bot sends its line k only once it has
 * received line k - WINDOW of every other bot. That bounds what is in flight towards any
 * bot to about 2 x WINDOW lines per sender, whatever the speed of the server.
 *
 * Try:
 *   terminal 1: ./chatroom_server 12346
 *   terminal 2: ./chatroom_load -c 100 -n 100 localhost 12346
 *
 * See also: chatroom_server.c, chatroom_client.c.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "chatroom_load"
#define USAGE "Usage: chatroom_load [-c CLIENTS] [-n LINES] HOST PORT"
#define DESCRIPTION                                                                         \
    "Fill a chatroom_server room with CLIENTS bots (default 10, 2 to 1000) that each send\n"  \
    "LINES numbered lines (default 100); check every line reached every other bot, in\n"    \
    "order, and print one summary line (exit 1 if anything was lost)."
#define MAX_CLIENTS 1000
#define MAX_LINES 1000000
#define RUN_SECONDS 120   /* the whole run, joins included */
#define QUIET_SECONDS 15  /* give up if nothing at all arrives for this long */

struct bot;                     /* one bot: see "The steps" below main */
static struct bot *bots;
static long clients = 10, lines = 100, window;
static long deliveries, out_of_order, own_lines;
static int refused; /* a bot was turned away ("* room full, ...", "* nickname taken: ...") */

static void parse_arguments(int argc, char *argv[], const char **host, const char **port);
static rlim_t raise_descriptor_limit(rlim_t wanted); /* one descriptor per bot */
static long connect_bots(const char *host, const char *port); /* step 1: how many connected */
static int run_room(double *seconds);       /* step 2: 0, or 1 if a bot failed */
static long count_missing(long connected);  /* step 3: expected lines that never came */
static void leave(long connected);          /* step 4: close every bot, free */
static int connect_to_first_address(const char *host, const char *port, char *server_text,
                                    size_t size); /* a connected socket, or exit 1 */
static int flush_out(struct bot *b);        /* send a bot's pending line */
static int send_all(int fd, const void *data, size_t length); /* send() until all is sent */
static void handle_line(long me, const char *line); /* count one line a bot received */
static int read_bot(long i);                /* cut what arrived into lines */
static int may_send(long i);                /* the pacing window */
static double now(void);                    /* seconds, monotonic */
static size_t escape_bytes(char *out, size_t size, const void *data, size_t length); /* safe */
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
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size); /* "127.0.0.1 port 12346" */

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* first: no socket may land on 0, 1 or 2 */
    atexit(check_stdout); /* at exit: output that could not be written is an error */
    const char *host, *port;
    parse_arguments(argc, argv, &host, &port);
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: tests and pipes see each line at once */
    /* Sending to a server that has gone raises SIGPIPE, which would kill us silently; ignored,
     * send() fails with EPIPE instead and we can say what happened. */
    signal(SIGPIPE, SIG_IGN);
    /* About 30 bytes a line: keep 2 x window x (clients - 1) lines under half the room's
     * 64 KiB queue per client, so a bot that is a little behind is never dropped. */
    window = 512 / (clients - 1);
    if (window < 1)
        window = 1;
    raise_descriptor_limit((rlim_t)clients + 16); /* a descriptor per bot, and a few */

    /* 1. Connect every bot and send its nickname; then the sockets go non-blocking, so the
     *    one thread never waits on any single bot.
     *    Python: for i in range(CLIENTS): s = socket.create_connection((HOST, PORT)) */
    long connected = connect_bots(host, port);
    if (connected < clients) { /* could not even connect: nothing to measure */
        leave(connected);
        return 1;
    }

    /* 2. Run: wait until all have joined, then everyone talks and listens at once.
     *    Python: selectors.DefaultSelector() over all the bots' sockets */
    double seconds = 0; /* from the moment all bots are in */
    int status = run_room(&seconds);

    /* 3. The summary. Missing: expected deliveries that never came (counted per sender as
     *    the gap to the last line number, which in-order delivery makes exact). */
    long missing = count_missing(connected);
    printf("%ld clients x %ld lines: %ld deliveries in %.2f s, %.0f per second, %ld missing, "
           "%ld out of order, %ld own lines\n",
           clients, lines, deliveries, seconds, seconds > 0 ? (double)deliveries / seconds : 0.0,
           missing, out_of_order, own_lines);
    if (missing != 0 || out_of_order != 0 || own_lines != 0)
        status = 1;

    /* 4. Leave (closing is enough: the room announces each departure) and free. */
    leave(connected);
    return status;
}

/* ---- The steps ---- */

/* One bot: its connection, what it has received so far, and what it has sent. */
struct bot {
    int fd;
    char nick[32];     /* "b<pid>-<number>": at most 13 characters, within the 16 allowed */
    int joined;        /* saw "* welcome <nick>" */
    char in[8192];     /* received bytes not yet cut into lines */
    size_t in_len;
    long sent;         /* lines sent so far (the next one is number `sent`) */
    char out[64];      /* the part of the current line the kernel has not taken yet */
    size_t out_len, out_off;
    long *next_seq;    /* next_seq[j]: the line number we expect next from bot j */
};

/* Step 1: connect every bot (in turn, blocking) and send its nickname; then its socket goes
 * non-blocking. Returns how many bots are connected (all of them, unless one failed). */
static long connect_bots(const char *host, const char *port)
{
    bots = calloc((size_t)clients, sizeof *bots);
    if (bots == NULL) {
        fprintf(stderr, "%s: out of memory\n", PROGRAM);
        return 0;
    }
    for (long i = 0; i < clients; i++) {
        struct bot *b = &bots[i];
        b->next_seq = calloc((size_t)clients, sizeof *b->next_seq);
        char peer[160]; /* "127.0.0.1 port 12346" */
        b->fd = b->next_seq ? connect_to_first_address(host, port, peer, sizeof peer) : -1;
        if (b->fd < 0) {
            free(b->next_seq);
            return i;
        }
        snprintf(b->nick, sizeof b->nick, "b%d-%d", (int)(getpid() % 100000), (int)i);
        char hello[32];
        int n = snprintf(hello, sizeof hello, "%s\n", b->nick);
        if (send_all(b->fd, hello, (size_t)n) < 0) { /* on a fresh blocking socket */
            fprintf(stderr, "%s: send nickname: %s\n", PROGRAM, strerror(errno));
            free(b->next_seq);
            close(b->fd);
            return i;
        }
        fcntl(b->fd, F_SETFL, fcntl(b->fd, F_GETFL) | O_NONBLOCK);
    }
    return clients;
}

/* Step 2: one poll() over all bots until every line has arrived (or something failed):
 * first wait until all have joined, then each sends what the window allows and everyone
 * reads. Returns 0, or 1 after one line on stderr; *seconds: the time since all were in. */
static int run_room(double *seconds)
{
    struct pollfd *fds = calloc((size_t)clients, sizeof *fds);
    if (fds == NULL) {
        fprintf(stderr, "%s: out of memory\n", PROGRAM);
        return 1;
    }
    double start = now(), deadline = start + RUN_SECONDS, last_news = start, talk_start = 0;
    long joined = 0, expected = clients * (clients - 1) * lines;
    int status = 0;
    while (status == 0) {
        if (joined == clients && talk_start == 0)
            talk_start = now(); /* the clock for the figures starts when all are in */
        if (talk_start != 0) {
            /* Send what the window allows (a line fits the socket buffer at once, almost
             * always; if not, the rest waits for POLLOUT). */
            for (long i = 0; i < clients && status == 0; i++) {
                while (may_send(i)) {
                    struct bot *b = &bots[i];
                    b->out_len = (size_t)snprintf(b->out, sizeof b->out, "%ld %ld\n", i, b->sent);
                    b->sent++;
                    if (flush_out(b) < 0) {
                        fprintf(stderr, "%s: bot %s: send: %s\n", PROGRAM, b->nick, strerror(errno));
                        status = 1;
                        break;
                    }
                }
            }
            if (deliveries + own_lines >= expected)
                break; /* everything arrived (or more than everything: the summary says) */
        }
        for (long i = 0; i < clients; i++)
            fds[i] = (struct pollfd){.fd = bots[i].fd,
                                     .events = (short)(POLLIN | (bots[i].out_len ? POLLOUT : 0))};
        double t = now();
        if (t >= deadline || t - last_news >= QUIET_SECONDS) {
            fprintf(stderr, "%s: gave up after %.0f s: %s\n", PROGRAM, t - start,
                    t >= deadline ? "the run took too long" : "nothing arrived for 15 s");
            status = 1;
            break;
        }
        int ready = poll(fds, (nfds_t)clients, 1000);
        if (ready < 0 && errno != EINTR) {
            fprintf(stderr, "%s: poll: %s\n", PROGRAM, strerror(errno));
            status = 1;
            break;
        }
        if (ready > 0)
            last_news = now();
        for (long i = 0; i < clients && ready > 0; i++) {
            if (fds[i].revents & POLLOUT && flush_out(&bots[i]) < 0) {
                fprintf(stderr, "%s: bot %s: send: %s\n", PROGRAM, bots[i].nick, strerror(errno));
                status = 1;
                break;
            }
            if (fds[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
                int was_joined = bots[i].joined;
                if (read_bot(i) < 0 || refused) {
                    status = 1;
                    break;
                }
                joined += bots[i].joined - was_joined;
            }
        }
    }
    *seconds = now() - (talk_start != 0 ? talk_start : start);
    free(fds);
    return status;
}

/* Step 3: the deliveries that never came, counted per sender as the gap between the lines
 * it sent and the next line number each other bot expects from it. */
static long count_missing(long connected)
{
    long missing = 0;
    for (long i = 0; i < connected; i++)
        for (long j = 0; j < clients; j++)
            if (j != i)
                missing += lines - bots[i].next_seq[j];
    return missing;
}

/* Step 4: close every connected bot and free what they used. */
static void leave(long connected)
{
    for (long i = 0; i < connected; i++) {
        close(bots[i].fd);
        free(bots[i].next_seq);
    }
    free(bots);
}

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

/* Push the bot's pending output to the kernel without waiting. Returns 0, or -1 if broken. */
static int flush_out(struct bot *b)
{
    while (b->out_off < b->out_len) {
        ssize_t n = send(b->fd, b->out + b->out_off, b->out_len - b->out_off, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n < 0)
            return -1;
        b->out_off += (size_t)n;
    }
    b->out_off = b->out_len = 0;
    return 0;
}

/* One line arrived for bot `me`. Data lines look like "<nick> <sender> <seq>". */
static void handle_line(long me, const char *line)
{
    struct bot *b = &bots[me];
    if (refused)
        return; /* the run is over; the first refusal has been said */
    if (!b->joined) {
        char welcome[48];
        snprintf(welcome, sizeof welcome, "* welcome %s", b->nick);
        if (strcmp(line, welcome) == 0) {
            b->joined = 1;
        } else if (strncmp(line, "* nickname?", 11) != 0) {
            char shown[128]; /* what the server said, escaped and cut short */
            const char *said = strncmp(line, "* ", 2) == 0 ? line + 2 : line;
            escape_bytes(shown, sizeof shown, said, strlen(said));
            fprintf(stderr, "%s: bot %s was turned away: %s\n", PROGRAM, b->nick, shown);
            refused = 1;
        }
        return;
    }
    if (line[0] != '<')
        return; /* "* x joined" and the like */
    const char *text = strstr(line, "> ");
    if (text == NULL)
        return;
    char *end;
    long sender = strtol(text + 2, &end, 10);
    long seq = strtol(end, &end, 10);
    size_t nick_len = (size_t)(text - line - 1);
    if (sender < 0 || sender >= clients || seq < 0 || seq >= lines || *end != '\0' ||
        nick_len != strlen(bots[sender].nick) || memcmp(line + 1, bots[sender].nick, nick_len))
        return; /* not one of ours: someone else is in the room too */
    if (sender == me) {
        own_lines++;
        return;
    }
    deliveries++;
    if (seq != b->next_seq[sender])
        out_of_order++;
    if (seq >= b->next_seq[sender])
        b->next_seq[sender] = seq + 1;
}

/* Read what has arrived for bot i and handle every complete line. Returns -1 if the server
 * closed the connection or it broke. */
static int read_bot(long i)
{
    struct bot *b = &bots[i];
    for (;;) {
        ssize_t n = recv(b->fd, b->in + b->in_len, sizeof b->in - b->in_len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n <= 0) {
            fprintf(stderr, "%s: bot %s: %s\n", PROGRAM, b->nick,
                    n == 0 ? "the server closed the connection" : strerror(errno));
            return -1;
        }
        b->in_len += (size_t)n;
        size_t start = 0;
        char *newline;
        while ((newline = memchr(b->in + start, '\n', b->in_len - start)) != NULL) {
            *newline = '\0';
            handle_line(i, b->in + start);
            start = (size_t)(newline - b->in) + 1;
        }
        if (refused)
            return -1;
        if (start == 0 && b->in_len == sizeof b->in)
            start = b->in_len; /* 8 KiB without a newline: not from our server; skip it */
        b->in_len -= start;
        memmove(b->in, b->in + start, b->in_len);
    }
}

/* May bot i send its next line? Only WINDOW lines ahead of what it has from every other. */
static int may_send(long i)
{
    struct bot *b = &bots[i];
    if (b->sent >= lines || b->out_len > 0)
        return 0;
    for (long j = 0; j < clients; j++)
        if (j != i && b->next_seq[j] < b->sent - window + 1)
            return 0;
    return 1;
}

/* ---- Plumbing: read after the lesson ---- */

/* Options first, then HOST PORT (a plain getopt loop; "+": stop at the first operand). */
static void parse_arguments(int argc, char *argv[], const char **host, const char **port)
{
    int opt;
    opterr = 0; /* we print our own messages */
    while ((opt = next_option(argc, argv, "+hc:n:")) != -1) {
        if (opt == 'h') {
            printf("%s\n%s\n", USAGE, DESCRIPTION);
            exit(0);
        }
        if (opt == 'c')
            clients = number_argument(optarg, "client count", 2, MAX_CLIENTS);
        if (opt == 'n')
            lines = number_argument(optarg, "line count", 1, MAX_LINES);
        if (opt == '?' && (optopt == 'c' || optopt == 'n'))
            usage_error("option '-%c' needs a value (try '%s -h')", optopt, PROGRAM);
        if (opt == '?')
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
    }
    if (argc - optind != 2)
        usage_error(argc - optind < 2 ? "missing operand (try '%s -h')"
                                      : "too many operands (try '%s -h')", PROGRAM);
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

/* Seconds since some fixed point, as a double. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- begin canonical: escape_bytes ---- */
/* LENGTH bytes of DATA into OUT, each character as escape_character (and print_escaped)
 * shows it, for a line printed with one call. OUT holds SIZE bytes (4 or more) and always
 * ends with '\0'; what does not fit is cut, and "..." says so. Returns how many bytes of
 * DATA are shown. */
static size_t escape_bytes(char *out, size_t size, const void *data, size_t length)
{
    const unsigned char *bytes = data;
    size_t used = 0, i = 0;
    char piece[5];
    while (i < length) {
        size_t n = escape_character(bytes + i, length - i, piece), width = strlen(piece);
        if (used + width + 4 > size) { /* no room for this piece and a "..." after it */
            snprintf(out + used, size - used, "...");
            return i;
        }
        memcpy(out + used, piece, width);
        used += width;
        i += n;
    }
    out[used] = '\0';
    return i;
}
/* ---- end canonical: escape_bytes ---- */

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
