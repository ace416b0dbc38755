/*
 * tcp_states.c - watch the three-way handshake and the four-way wave happen: both ends of
 * one TCP connection in one program, with the kernel's view of each end after every step.
 *
 * Usage: tcp_states [-s] [-w]
 * Listen on 127.0.0.1, connect, exchange one message and close, printing after each step
 * both ends' TCP state and the segments each has sent and received, as the kernel counts.
 * -s: the server closes first (default: the client). -w: wait for Enter before each step.
 *
 * Mirrors the notes' drawings of the handshake (三次握手) and the wave (四次挥手), and the
 * five client steps of tcp_client.c beside the server steps of ../03-tcp-server/.
 * Where the numbers come from: Linux's TCP_INFO socket option (tcpi_state, tcpi_segs_out,
 * tcpi_segs_in, tcpi_total_retrans); macOS's TCP_CONNECTION_INFO gives the state only;
 * elsewhere the program says it cannot see them and still runs every step. A FIN is sent
 * here with shutdown(SHUT_WR), not close(): the same FIN on the wire, but the socket stays
 * open so we can keep asking about it. After the wave Linux keeps TIME_WAIT in a small
 * record of its own (the socket reads CLOSED), which /proc/net/tcp lists: we read it there.
 *
 * Try:
 *   ./tcp_states          the client closes first, so the client ends in TIME_WAIT
 *   ./tcp_states -s       the server closes first, so the server ends in TIME_WAIT
 *   ./tcp_states -w       one step per Enter, for a classroom; meanwhile, in a second
 *                         terminal: ss -tan | grep 127.0.0.1
 *
 * See also: tcp_client.c, ../03-tcp-server/tcp_server.c (the same steps, two programs),
 * ../03-tcp-server/send_recv_buffers.c (the buffers behind send and recv).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE  /* glibc: TCP_INFO in <netinet/tcp.h> */
#define _DARWIN_C_SOURCE /* macOS: TCP_CONNECTION_INFO in <netinet/tcp.h> */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "tcp_states"
#define SETTLE_MS 1000 /* how long a step may wait for an ACK still on its way */
#if defined(__linux__) /* what to say when the kernel gives no segment counters */
#define NO_COUNTERS "no segment counters: this kernel is older than 4.2"
#elif defined(__APPLE__) && defined(TCP_CONNECTION_INFO)
#define NO_COUNTERS "no segment counters: macOS gives programs the states only"
#else
#define NO_COUNTERS "no states and no segment counters here: `netstat -an` shows the states"
#endif

/* One end of the connection: its socket and the addresses that name the connection. */
struct end {
    const char *name; /* "client" or "server" */
    int fd;           /* -1 once closed */
    struct sockaddr_in local, remote;
};
/* What the kernel says about one end: its state and, where known, its segment counters. */
struct look {
    char state[16];
    int counted, from_table; /* counters known; state read from /proc/net/tcp */
    unsigned sent, received, retransmitted;
};

static int wait_for_enter = 0; /* -w */
static int counters_seen = 0;  /* the kernel gave segment counters (Linux) */

static void step(int number, const char *what, const char *python); /* heading (and Enter) */
static int show_ends(struct end *a, struct end *b); /* look at both; 1: waited for an ACK */
static int waits_for_ack(const char *state); /* FIN_WAIT1, LAST_ACK, ... */
static void look_at(const struct end *end, struct look *look); /* TCP_INFO or the table */
static void print_look(const struct end *end, const struct look *look); /* one line */
static int table_state(const struct end *end, char *state, size_t size); /* /proc/net/tcp */
static void name_ends(struct end *end); /* getsockname + getpeername */
static void parse_arguments(int argc, char *argv[], int *server_first); /* -h -s -w */
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
static void check_stdout(void); /* at exit: all output written, or one line, exit 1 */
_Noreturn static void usage_error(const char *format, ...); /* one line on stderr, exit 2 */
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */
static int check(int result, const char *call); /* exit 1 with the reason if result is -1 */
_Noreturn static void fail(const char *call, const char *where); /* one line, exit 1 */

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* first: no socket may land on 0, 1 or 2 */
    atexit(check_stdout); /* at exit: output that could not be written is an error */
    struct end listener = {"server", -1, {0}, {0}}, client = {"client", -1, {0}, {0}};
    struct end server = {"server", -1, {0}, {0}}, *first, *second;
    struct look looked_client, looked_server;
    struct sockaddr_in address;
    socklen_t length = sizeof address;
    char buffer[1024], python[96];
    int server_first = 0;

    setvbuf(stdout, NULL, _IOLBF, 0); /* pipes and tests see each line at once */
    parse_arguments(argc, argv, &server_first);
    first = server_first ? &server : &client;
    second = server_first ? &client : &server;
    printf("One TCP connection on 127.0.0.1, both ends in this program; the %s closes first.\n"
           "After each step, each end as the kernel sees it: its state, segments sent and "
           "received.\nEach FIN is sent by shutdown(SHUT_WR), which sends what close() would "
           "but keeps the socket.\n", first->name);

    /* 1. The server: socket, bind to 127.0.0.1 port 0 (the OS picks the port), listen. */
    step(1, "The server listens.", "server.bind((\"127.0.0.1\", 0)); server.listen(128)");
    listener.fd = check(socket(AF_INET, SOCK_STREAM, 0), "socket");
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    check(bind(listener.fd, (struct sockaddr *)&address, sizeof address), "bind");
    check(listen(listener.fd, 128), "listen");
    check(getsockname(listener.fd, (struct sockaddr *)&address, &length), "getsockname");
    show_ends(&listener, NULL);
    if (!counters_seen)
        printf("   (%s)\n", NO_COUNTERS);

    /* 2. The client connects: connect() returns when the handshake is done. */
    snprintf(python, sizeof python, "client.connect((\"127.0.0.1\", %d))",
             ntohs(address.sin_port));
    step(2, "The client connects: SYN, SYN+ACK, ACK.", python);
    client.fd = check(socket(AF_INET, SOCK_STREAM, 0), "socket");
    check(connect(client.fd, (struct sockaddr *)&address, sizeof address), "connect");
    name_ends(&client);
    show_ends(&client, &listener);
    printf("   (the handshake is done before accept: the connection waits in the backlog)\n");

    /* 3. The server accepts: a NEW socket for this connection; the listener goes on. */
    step(3, "The server accepts the connection.", "conn, address = server.accept()");
    server.fd = check(accept(listener.fd, NULL, NULL), "accept");
    name_ends(&server);
    show_ends(&client, &server);
    if (counters_seen)
        printf("   (the SYN+ACK left before this socket existed: it counts the SYN and the ACK)\n");

    /* 4. The client sends a message; the server's kernel acknowledges it on its own. */
    step(4, "The client sends a message.", "client.send(b\"how are u\")");
    check((int)send(client.fd, "how are u", 9, 0), "send");
    show_ends(&client, &server);
    if (counters_seen)
        printf("   (the server's kernel sent the ACK: the server program has read nothing yet)\n");

    /* 5. The server reads the message and answers. */
    step(5, "The server reads it and replies.", "data = conn.recv(1024); conn.send(b\"fine\")");
    check((int)recv(server.fd, buffer, sizeof buffer, 0), "recv");
    check((int)send(server.fd, "fine", 4, 0), "send");
    show_ends(&client, &server);

    /* 6. The client reads the reply: it was already in its receive buffer. */
    step(6, "The client reads the reply.", "data = client.recv(1024)");
    check((int)recv(client.fd, buffer, sizeof buffer, 0), "recv");
    show_ends(&client, &server);
    if (counters_seen)
        printf("   (recv only takes bytes from the receive buffer: no segment moves)\n");

    /* 7. The first FIN: shutdown(SHUT_WR) sends it and keeps the socket open to look at. */
    snprintf(python, sizeof python, "%s.close()", server_first ? "conn" : "client");
    step(7, server_first ? "The server closes first: its FIN." : "The client closes first: its FIN.",
         python);
    check(shutdown(first->fd, SHUT_WR), "shutdown");
    if (!show_ends(&client, &server))
        printf("   (FIN_WAIT1 ended before we looked: the ACK came back at once)\n");

    /* 8. The other end reads the end of the stream (recv returns 0), then sends its FIN. */
    snprintf(python, sizeof python, "%s.recv(1024) returns b\"\"; %s.close()",
             server_first ? "client" : "conn", server_first ? "client" : "conn");
    step(8, server_first ? "The client sees the end and closes too: its FIN."
                         : "The server sees the end and closes too: its FIN.", python);
    if (check((int)recv(second->fd, buffer, sizeof buffer, 0), "recv") != 0)
        fprintf(stderr, "%s: recv returned data, not the end of the stream\n", PROGRAM);
    check(shutdown(second->fd, SHUT_WR), "shutdown");
    if (!show_ends(&client, &server))
        printf("   (LAST_ACK ended before we looked: on loopback the last ACK is back before "
               "shutdown returns)\n");
    look_at(&client, &looked_client);
    look_at(&server, &looked_server);
    if (looked_client.counted && looked_server.counted)
        printf("   Segments sent again (tcpi_total_retrans): client %u, server %u\n",
               looked_client.retransmitted, looked_server.retransmitted);

    /* 9. Both programs close their sockets: the connection is over, its record is not. */
    step(9, "Both close their sockets.", "client.close(); conn.close(); server.close()");
    close(client.fd);
    close(server.fd);
    close(listener.fd);
    client.fd = server.fd = -1;
    show_ends(&client, &server);
    printf("   (the %s sent the first FIN, so its end waits in TIME_WAIT: 60 s on Linux)\n",
           first->name);
    return 0;
}

/* Print a step's heading with the Python line beside it; with -w, wait for Enter first. */
static void step(int number, const char *what, const char *python)
{
    if (wait_for_enter) {
        char line[256];
        fputs("-- press Enter --", stdout);
        fflush(stdout);
        if (fgets(line, sizeof line, stdin) == NULL) {
            if (ferror(stdin)) /* stdin a directory, say: an error, not the end of input */
                fail("read", "stdin");
            wait_for_enter = 0; /* end of input: run the remaining steps without waiting */
        }
        if (!isatty(STDIN_FILENO))
            putchar('\n'); /* a terminal echoed the Enter; a pipe did not */
    }
    printf("%d. %s  Python: %s\n", number, what, python);
}

/* Look at one or two ends and print them. If an end waits for an ACK of its SYN or FIN
 * (a state that ends when the other side answers), wait up to SETTLE_MS for it and print
 * both again: on loopback the other kernel usually answers at once, or within a delayed
 * ACK's 40 ms. */
static int show_ends(struct end *a, struct end *b)
{
    struct look look_a, look_b;
    int waited = 0;
    long ms;

    look_at(a, &look_a);
    print_look(a, &look_a);
    if (b != NULL) {
        look_at(b, &look_b);
        print_look(b, &look_b);
    }
    for (ms = 0; ms < SETTLE_MS; ms++) {
        struct timespec pause = {0, 1000000}; /* 1 ms */
        look_at(a, &look_a);
        if (b != NULL)
            look_at(b, &look_b);
        if (!waits_for_ack(look_a.state) && (b == NULL || !waits_for_ack(look_b.state))) {
            /* a was looked at before b. If the ACK that ended b's wait left a between
             * the two looks, a's line would not count it yet: look at a once more, so
             * both lines show the same moment. */
            if (b != NULL && waited)
                look_at(a, &look_a);
            break;
        }
        nanosleep(&pause, NULL);
        waited = 1;
    }
    if (!waited)
        return 0;
    printf("   then, once the other end's ACK has arrived:\n");
    print_look(a, &look_a);
    if (b != NULL)
        print_look(b, &look_b);
    return 1;
}

/* The states that last until the other end's ACK arrives (of our SYN or our FIN). */
static int waits_for_ack(const char *state)
{
    return strcmp(state, "SYN_SENT") == 0 || strcmp(state, "SYN_RECV") == 0 ||
           strcmp(state, "FIN_WAIT1") == 0 || strcmp(state, "CLOSING") == 0 ||
           strcmp(state, "LAST_ACK") == 0;
}

/* One line per end: "   client  FIN_WAIT2    sent 5, received 4". A closed socket has no
 * counters; if its connection is still in the kernel's table, the line names it. */
static void print_look(const struct end *end, const struct look *look)
{
    char local[INET_ADDRSTRLEN] = "?", remote[INET_ADDRSTRLEN] = "?";

    printf("   %-6s  %s", end->name, look->state);
    if (look->counted)
        printf("%*s  sent %u, received %u", (int)(11 - strlen(look->state)), "", look->sent,
               look->received);
    if (look->from_table)
        fputs("  (in /proc/net/tcp; the socket reads CLOSED)", stdout);
    if (end->fd == -1 && look->state[0] != '(') {
        inet_ntop(AF_INET, &end->local.sin_addr, local, sizeof local);
        inet_ntop(AF_INET, &end->remote.sin_addr, remote, sizeof remote);
        printf("%*s  %s port %d -> %s port %d", (int)(11 - strlen(look->state)), "", local,
               ntohs(end->local.sin_port), remote, ntohs(end->remote.sin_port));
    }
    putchar('\n');
}

/* ---- Plumbing: read after the lesson ---- */

/* Linux's struct tcp_info as the kernel fills it, up to the two counters we print. glibc's
 * <netinet/tcp.h> stops at tcpi_total_retrans (the layout of 2007), and <linux/tcp.h> has
 * every field but clashes with <netinet/tcp.h>. The kernel only ever appends fields, so
 * this prefix holds on every kernel since 4.2; getsockopt says how much it filled. */
struct kernel_tcp_info {
    uint8_t tcpi_state, tcpi_ca_state, tcpi_retransmits, tcpi_probes, tcpi_backoff,
        tcpi_options, tcpi_wscale, tcpi_flags; /* (two bit-fields in the kernel's header) */
    uint32_t tcpi_rto, tcpi_ato, tcpi_snd_mss, tcpi_rcv_mss, tcpi_unacked, tcpi_sacked,
        tcpi_lost, tcpi_retrans, tcpi_fackets, tcpi_last_data_sent, tcpi_last_ack_sent,
        tcpi_last_data_recv, tcpi_last_ack_recv, tcpi_pmtu, tcpi_rcv_ssthresh, tcpi_rtt,
        tcpi_rttvar, tcpi_snd_ssthresh, tcpi_snd_cwnd, tcpi_advmss, tcpi_reordering,
        tcpi_rcv_rtt, tcpi_rcv_space, tcpi_total_retrans;
    uint64_t tcpi_pacing_rate, tcpi_max_pacing_rate, tcpi_bytes_acked, tcpi_bytes_received;
    uint32_t tcpi_segs_out, tcpi_segs_in; /* segments sent and received, ACKs included */
};

/* Linux numbers its states like this, in TCP_INFO and in /proc/net/tcp alike. */
static const char *const linux_states[] = {
    "?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
    "CLOSED", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "SYN_RECV"};

/* Ask the kernel about one end. A closed fd (step 9) cannot be asked: only the table can. */
static void look_at(const struct end *end, struct look *look)
{
    memset(look, 0, sizeof *look);
    snprintf(look->state, sizeof look->state, "(gone)");
    if (end->fd != -1) {
#if defined(__linux__)
        struct kernel_tcp_info info;
        socklen_t length = sizeof info;
        memset(&info, 0, sizeof info);
        check(getsockopt(end->fd, IPPROTO_TCP, TCP_INFO, &info, &length), "getsockopt TCP_INFO");
        snprintf(look->state, sizeof look->state, "%s",
                 info.tcpi_state < 13 ? linux_states[info.tcpi_state] : "?");
        look->counted = length >= sizeof info; /* a kernel older than 4.2 fills less */
        counters_seen = look->counted;
        look->sent = info.tcpi_segs_out;
        look->received = info.tcpi_segs_in;
        look->retransmitted = info.tcpi_total_retrans;
#elif defined(__APPLE__) && defined(TCP_CONNECTION_INFO)
        /* macOS numbers its states as BSD does (TCPS_* in <netinet/tcp_fsm.h>). */
        static const char *const bsd_states[] = {
            "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "CLOSE_WAIT",
            "FIN_WAIT1", "CLOSING", "LAST_ACK", "FIN_WAIT2", "TIME_WAIT"};
        struct tcp_connection_info info;
        socklen_t length = sizeof info;
        memset(&info, 0, sizeof info);
        check(getsockopt(end->fd, IPPROTO_TCP, TCP_CONNECTION_INFO, &info, &length),
              "getsockopt TCP_CONNECTION_INFO");
        snprintf(look->state, sizeof look->state, "%s",
                 info.tcpi_state < 11 ? bsd_states[info.tcpi_state] : "?");
#else
        snprintf(look->state, sizeof look->state, "(unknown)");
#endif
        if (strcmp(look->state, "CLOSED") != 0)
            return;
    }
    /* Closed, or gone: is the connection still in the kernel's table (TIME_WAIT)? Where
     * there is no table to read, a closed socket cannot be asked at all. */
    if (end->remote.sin_port == 0)
        return;
    switch (table_state(end, look->state, sizeof look->state)) {
    case 1:
        look->from_table = end->fd != -1;
        break;
    case -1:
        if (end->fd == -1)
            snprintf(look->state, sizeof look->state, "(closed)");
        break;
    }
}

/* Find this end's connection in /proc/net/tcp (Linux) and copy its state's name. Each line
 * holds "local_address rem_address st" in hex, e.g. "0100007F:9C40 0100007F:1F90 06": the
 * address as the kernel stores it (network byte order, printed as a number), the port as a
 * number. Returns 1 if found, 0 if not, -1 where there is no such table (not Linux). */
static int table_state(const struct end *end, char *state, size_t size)
{
    FILE *table = fopen("/proc/net/tcp", "r");
    char line[256];
    unsigned local_address, local_port, remote_address, remote_port, number;
    int found = 0;

    if (table == NULL)
        return -1;
    while (!found && fgets(line, sizeof line, table) != NULL) {
        if (sscanf(line, " %*u: %x:%x %x:%x %x", &local_address, &local_port, &remote_address,
                   &remote_port, &number) == 5 &&
            local_address == end->local.sin_addr.s_addr &&
            local_port == ntohs(end->local.sin_port) &&
            remote_address == end->remote.sin_addr.s_addr &&
            remote_port == ntohs(end->remote.sin_port) && number < 13) {
            snprintf(state, size, "%s", linux_states[number]);
            found = 1;
        }
    }
    fclose(table);
    return found;
}

/* Remember both addresses of a connected socket: after close() they still name it. */
static void name_ends(struct end *end)
{
    socklen_t length = sizeof end->local;
    check(getsockname(end->fd, (struct sockaddr *)&end->local, &length), "getsockname");
    length = sizeof end->remote;
    check(getpeername(end->fd, (struct sockaddr *)&end->remote, &length), "getpeername");
}

#define USAGE "Usage: tcp_states [-s] [-w]"
#define DESCRIPTION                                                                          \
    "Listen on 127.0.0.1, connect, exchange one message and close, printing after each step\n" \
    "both ends' TCP state and the segments each has sent and received, as the kernel counts.\n" \
    "-s: the server closes first (default: the client). -w: wait for Enter before each step.\n"

/* Options only: -h/--help, -s, -w; no operands. */
static void parse_arguments(int argc, char *argv[], int *server_first)
{
    int option;
    opterr = 0; /* we print our own messages */
    while ((option = next_option(argc, argv, "+hsw")) != -1) {
        if (option == 'h') {
            printf("%s\n%s", USAGE, DESCRIPTION);
            exit(0);
        } else if (option == 's') {
            *server_first = 1;
        } else if (option == 'w') {
            wait_for_enter = 1;
        } else {
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        }
    }
    if (optind < argc)
        usage_error("too many operands (try '%s -h')", PROGRAM);
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

/* A call that returns -1 on failure: one line naming the call and the reason, exit 1. */
static int check(int result, const char *call)
{
    if (result == -1)
        fail(call, "127.0.0.1");
    return result;
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
