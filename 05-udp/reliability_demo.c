/*
 * reliability_demo: counts what arrives when a fast sender meets a slow receiver, over UDP
 * and over TCP.
 *
 * Usage: reliability_demo [-n COUNT] [-b RCVBUF]
 *
 * Mirrors the notes, "TCP vs UDP": "TCP is reliable, UDP does not guarantee arrival or
 * order". It sends COUNT numbered datagrams (default 100000) as fast as it can to a UDP
 * receiver with a small receive buffer (SO_RCVBUF = RCVBUF bytes, default 16384) that reads
 * one datagram for every two sent; then the same COUNT numbered records over one TCP
 * connection at the same pace; then prints, for both, how many were sent, received, lost,
 * out of order, duplicated, and invalid (a number that was never sent). Both sides take
 * turns in this one process, so only the kernel decides what is lost: a full UDP buffer
 * drops the new datagram and tells nobody, while TCP makes its sender wait (flow control).
 *
 * Try:
 *   terminal 1:  ./reliability_demo -n 20000
 *   terminal 1:  ./reliability_demo -n 20000 -b 1          (the smallest buffer allowed)
 *   terminal 1:  ./reliability_demo -n 20000 -b 4194304    (a big one: fewer losses)
 *
 * See also: stream_vs_datagram.c, udp_sender.c, udp_receiver.c.
 */
#define _POSIX_C_SOURCE 200809L
/* INADDR_LOOPBACK and MSG_DONTWAIT are not in POSIX.1-2008: glibc shows them with
 * _DEFAULT_SOURCE, and macOS hides them under a strict _POSIX_C_SOURCE unless
 * _DARWIN_C_SOURCE is defined. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define PROGRAM "reliability_demo"
#define USAGE "Usage: reliability_demo [-n COUNT] [-b RCVBUF]"
#define DESCRIPTION                                                                            \
    "Sends COUNT numbered datagrams (default 100000) to a slow UDP receiver on 127.0.0.1, then\n" \
    "COUNT numbered records over TCP, and counts what arrived, lost and out of order.\n"         \
    "RCVBUF is the receiver's SO_RCVBUF in bytes (default 16384)."
#define DEFAULT_COUNT 100000
#define MAX_COUNT 1000000
#define DEFAULT_RCVBUF 16384
#define MAX_RCVBUF 16777216
#define READ_EVERY 2           /* the receiver reads once for every READ_EVERY sent */
#define END_MARKER 0xFFFFFFFFu /* the UDP end marker: never a sequence number */
#define UDP_IDLE_MS 200        /* how long each receiver waits for more data at the end */
#define TCP_IDLE_MS 5000
#define RECORD_SIZE 4 /* every datagram and TCP record: one number, network byte order */

/* What one receiver saw. */
struct tally {
    unsigned long received, out_of_order, duplicated, invalid;
    unsigned long highest; /* highest valid number so far, plus one (0: none yet) */
    unsigned char *seen;   /* seen[i] != 0 once number i has arrived */
    unsigned long count;   /* numbers 0 .. count-1 are valid */
};
/* The TCP receiver's state: the bytes of the next record may arrive in pieces. */
struct tcp_reader {
    unsigned char partial[RECORD_SIZE];
    size_t have;
    int ended;
};

/* ---- Helpers: the two rounds after main, then the plumbing ---- */
static void udp_round(unsigned long count, int rcvbuf, struct tally *t, int *given); /* step 1 */
static int udp_read_one(int receiver_socket, struct tally *t, int wait_ms); /* one recvfrom */
static void tcp_round(unsigned long count, int rcvbuf, struct tally *t, unsigned long *waits);
static size_t tcp_read(int fd, struct tcp_reader *r, struct tally *t, size_t max, int wait_ms);
static void tally_number(struct tally *t, uint32_t number); /* lost? twice? out of order? */
static void encode(uint32_t number, unsigned char record[RECORD_SIZE]); /* htonl, 4 bytes */
static uint32_t decode(const unsigned char record[RECORD_SIZE]);        /* and back */
static int wait_readable(int fd, int ms);                 /* poll: 1 readable, 0 timeout */
static int small_buffer_socket(int type, int rcvbuf, struct sockaddr_in *address);
static int bound_socket(int type, struct sockaddr_in *address); /* on 127.0.0.1, any port */
static int real_rcvbuf(int fd);                           /* what the kernel really gave */
static void print_row(const char *protocol, unsigned long sent, const struct tally *t);
static void parse_arguments(int argc, char *argv[], long *count, long *rcvbuf);
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static long parse_number(const char *text, long min, long max);      /* strict, or -1 */
static long number_argument(const char *text, const char *what, long min, long max);
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
    long count = DEFAULT_COUNT, rcvbuf = DEFAULT_RCVBUF;
    parse_arguments(argc, argv, &count, &rcvbuf);
    struct tally udp = {0}, tcp = {0};
    udp.count = tcp.count = (unsigned long)count;
    udp.seen = calloc((size_t)count, 1);
    tcp.seen = calloc((size_t)count, 1);
    if (udp.seen == NULL || tcp.seen == NULL) {
        fprintf(stderr, "%s: out of memory\n", PROGRAM);
        free(udp.seen);
        free(tcp.seen);
        return 1;
    }

    /* 1. UDP: send as fast as we can; the receiver reads half as fast.
     *    Python: sender.sendto(number, address) ...; data, addr = receiver.recvfrom(64) */
    int udp_given = 0;
    udp_round((unsigned long)count, (int)rcvbuf, &udp, &udp_given);
    printf("UDP: %ld datagrams of 4 bytes, receiver reads 1 per %d sent, SO_RCVBUF %ld (kernel gave %d)\n",
           count, READ_EVERY, rcvbuf, udp_given);

    /* 2. TCP: the same count and pace over one connection.
     *    Python: client.sendall(number) ...; data = conn.recv(4) */
    unsigned long waits = 0;
    tcp_round((unsigned long)count, (int)rcvbuf, &tcp, &waits);
    printf("TCP: %ld records of 4 bytes, receiver reads 1 per %d sent, SO_RCVBUF %ld; sender had to wait %lu times\n",
           count, READ_EVERY, rcvbuf, waits);

    /* 3. The table: what each receiver counted. */
    printf("%-4s%8s%10s%8s%14s%12s%9s\n", "", "sent", "received", "lost", "out of order",
           "duplicated", "invalid");
    print_row("UDP", (unsigned long)count, &udp);
    print_row("TCP", (unsigned long)count, &tcp);
    free(udp.seen);
    free(tcp.seen);
    return 0;
}

/* The UDP round: COUNT datagrams numbered 0 .. COUNT-1, then the end marker. */
static void udp_round(unsigned long count, int rcvbuf, struct tally *t, int *given)
{
    struct sockaddr_in receiver_address;
    int receiver_socket = small_buffer_socket(SOCK_DGRAM, rcvbuf, &receiver_address);
    *given = real_rcvbuf(receiver_socket);
    int sender_socket = socket(AF_INET, SOCK_DGRAM, 0);
    if (sender_socket < 0)
        fail("socket", "127.0.0.1");

    unsigned char datagram[RECORD_SIZE];
    for (unsigned long i = 0; i <= count; i++) {
        /* i == count: the end marker, so the receiver can stop early if it gets it. */
        encode(i < count ? (uint32_t)i : END_MARKER, datagram);
        ssize_t sent;
        do /* Python: sender.sendto(datagram, address). As fast as it goes: no waiting. */
            sent = sendto(sender_socket, datagram, sizeof datagram, 0,
                          (struct sockaddr *)&receiver_address, sizeof receiver_address);
        while (sent < 0 && errno == EINTR);
        if (sent < 0)
            fail("sendto", "127.0.0.1");
        /* The slow receiver: one read for every READ_EVERY datagrams sent. */
        if (i % READ_EVERY == READ_EVERY - 1)
            udp_read_one(receiver_socket, t, 0);
    }
    /* The sender is done: the receiver reads what is left until the end marker, or until
     * nothing has come for UDP_IDLE_MS (the marker may have been dropped like any other). */
    while (udp_read_one(receiver_socket, t, UDP_IDLE_MS) > 0)
        ;
    close(sender_socket);
    close(receiver_socket);
}

/* UDP receiver: read at most one datagram if one is waiting (WAIT_MS 0) or within WAIT_MS.
 * Returns 1 if something was read, 0 if nothing came, -1 for the end marker. */
static int udp_read_one(int receiver_socket, struct tally *t, int wait_ms)
{
    unsigned char datagram[64];
    ssize_t length;

    if (wait_ms > 0 && !wait_readable(receiver_socket, wait_ms))
        return 0;
    do /* Python: data, address = receiver.recvfrom(64) */
        length = recvfrom(receiver_socket, datagram, sizeof datagram, MSG_DONTWAIT, NULL, NULL);
    while (length < 0 && errno == EINTR);
    if (length < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        fail("recvfrom", "127.0.0.1");
    }
    if (length != RECORD_SIZE) {
        t->received++;
        t->invalid++;
        return 1;
    }
    uint32_t number = decode(datagram);
    if (number == END_MARKER)
        return -1;
    tally_number(t, number);
    return 1;
}

/* The TCP round: COUNT records numbered 0 .. COUNT-1 over one connection, then close. */
static void tcp_round(unsigned long count, int rcvbuf, struct tally *t, unsigned long *waits)
{
    struct sockaddr_in server_address;
    int server_socket = small_buffer_socket(SOCK_STREAM, rcvbuf, &server_address);
    if (listen(server_socket, 1) < 0)
        fail("listen", "127.0.0.1");
    int client_socket = socket(AF_INET, SOCK_STREAM, 0);
    if (client_socket < 0)
        fail("socket", "127.0.0.1");
    /* The sender's buffer gets the same small size. Left alone, Linux would grow it to
     * megabytes ("autotuning") and the unread records would simply wait in there. */
    if (setsockopt(client_socket, SOL_SOCKET, SO_SNDBUF, &rcvbuf, sizeof rcvbuf) < 0)
        fail("setsockopt SO_SNDBUF", "127.0.0.1");
    if (connect(client_socket, (struct sockaddr *)&server_address, sizeof server_address) < 0)
        fail("connect", "127.0.0.1");
    int connection_socket;
    do
        connection_socket = accept(server_socket, NULL, NULL);
    while (connection_socket < 0 && errno == EINTR);
    if (connection_socket < 0)
        fail("accept", "127.0.0.1");
    close(server_socket);
    /* Non-blocking sender: when there is no room, send fails with EAGAIN instead of
     * sleeping, and this same process can play the receiver meanwhile. */
    int flags = fcntl(client_socket, F_GETFL);
    if (flags < 0 || fcntl(client_socket, F_SETFL, flags | O_NONBLOCK) < 0)
        fail("fcntl O_NONBLOCK", "127.0.0.1");

    struct tcp_reader reader = {.have = 0, .ended = 0};
    unsigned char record[RECORD_SIZE];
    for (unsigned long i = 0; i < count; i++) {
        encode((uint32_t)i, record);
        size_t offset = 0;
        while (offset < RECORD_SIZE) { /* a send-all loop that waits for room */
            ssize_t sent = send(client_socket, record + offset, RECORD_SIZE - offset, 0);
            if (sent > 0) {
                offset += (size_t)sent;
                continue;
            }
            if (sent < 0 && errno == EINTR)
                continue;
            if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                fail("send", "127.0.0.1");
            /* No room: the receiver's buffer and ours are full. TCP makes us wait until
             * the receiver reads (flow control). Here "waiting" means: let it read. */
            (*waits)++;
            struct pollfd both[2] = {
                {.fd = client_socket, .events = POLLOUT, .revents = 0},
                {.fd = connection_socket, .events = POLLIN, .revents = 0},
            };
            int ready;
            do
                ready = poll(both, 2, TCP_IDLE_MS);
            while (ready < 0 && errno == EINTR);
            if (ready < 0)
                fail("poll", "127.0.0.1");
            if (ready == 0) {
                errno = ETIMEDOUT;
                fail("send (stalled)", "127.0.0.1");
            }
            if (both[1].revents != 0)
                tcp_read(connection_socket, &reader, t, 4096, 0);
        }
        /* The slow receiver: one record's worth for every READ_EVERY records sent. */
        if (i % READ_EVERY == READ_EVERY - 1)
            tcp_read(connection_socket, &reader, t, RECORD_SIZE, 0);
    }
    /* The sender is done: end of stream. The receiver reads the rest until it sees it. */
    if (shutdown(client_socket, SHUT_WR) < 0)
        fail("shutdown", "127.0.0.1");
    while (!reader.ended) {
        if (tcp_read(connection_socket, &reader, t, 4096, TCP_IDLE_MS) == 0 && !reader.ended) {
            errno = ETIMEDOUT;
            fail("recv (stalled)", "127.0.0.1");
        }
    }
    if (reader.have != 0) { /* a piece of a record at the end: never happens, but count it */
        t->received++;
        t->invalid++;
    }
    close(client_socket);
    close(connection_socket);
}

/* Read up to MAX bytes if any are waiting (WAIT_MS 0) or arrive within WAIT_MS, and tally
 * every complete record. Returns the number of bytes read (0: none; end of stream sets
 * ended). */
static size_t tcp_read(int connection_socket, struct tcp_reader *r, struct tally *t, size_t max, int wait_ms)
{
    unsigned char bytes[4096];
    ssize_t length;

    if (max > sizeof bytes)
        max = sizeof bytes;
    if (wait_ms > 0 && !wait_readable(connection_socket, wait_ms))
        return 0;
    do /* Python: data = conn.recv(max) */
        length = recv(connection_socket, bytes, max, MSG_DONTWAIT);
    while (length < 0 && errno == EINTR);
    if (length < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        fail("recv", "127.0.0.1");
    }
    if (length == 0) {
        r->ended = 1;
        return 0;
    }
    /* Framing: the stream has no boundaries, so cut it into 4-byte records ourselves. */
    for (ssize_t i = 0; i < length; i++) {
        r->partial[r->have++] = bytes[i];
        if (r->have == RECORD_SIZE) {
            tally_number(t, decode(r->partial));
            r->have = 0;
        }
    }
    return (size_t)length;
}

/* ---- Plumbing: read after the lesson ---- */

/* Count one arrived number: valid or not, duplicate or not, in order or not. */
static void tally_number(struct tally *t, uint32_t number)
{
    t->received++;
    if (number >= t->count) {
        t->invalid++;
        return;
    }
    if (t->seen[number]) {
        t->duplicated++;
        return;
    }
    t->seen[number] = 1;
    if (number + 1UL < t->highest)
        t->out_of_order++; /* a higher number came before it */
    else
        t->highest = number + 1UL;
}

/* Put NUMBER into 4 bytes, most significant first (network byte order), and back. */
static void encode(uint32_t number, unsigned char record[RECORD_SIZE])
{
    uint32_t wire = htonl(number);
    memcpy(record, &wire, RECORD_SIZE);
}
static uint32_t decode(const unsigned char record[RECORD_SIZE])
{
    uint32_t wire;
    memcpy(&wire, record, RECORD_SIZE);
    return ntohl(wire);
}

/* Wait up to MS milliseconds for FD to become readable; 1 if it is, 0 on timeout. */
static int wait_readable(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
    int ready;
    do
        ready = poll(&p, 1, ms);
    while (ready < 0 && errno == EINTR);
    if (ready < 0)
        fail("poll", "127.0.0.1");
    return ready;
}

/* A socket of TYPE bound to 127.0.0.1 on a free port (bound_socket) with SO_RCVBUF set to
 * RCVBUF, before listen: TCP fixes its window scaling when the connection opens. */
static int small_buffer_socket(int type, int rcvbuf, struct sockaddr_in *address)
{
    int fd = bound_socket(type, address);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0)
        fail("setsockopt SO_RCVBUF", "127.0.0.1");
    return fd;
}

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

/* The receive buffer the kernel really gave (Linux doubles the request for its own
 * bookkeeping and clamps it between a minimum and net.core.rmem_max). */
static int real_rcvbuf(int fd)
{
    int size = 0;
    socklen_t length = sizeof size;
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &length) < 0)
        fail("getsockopt SO_RCVBUF", "127.0.0.1");
    return size;
}

/* One row of the table. */
static void print_row(const char *protocol, unsigned long sent, const struct tally *t)
{
    unsigned long distinct = t->received - t->duplicated - t->invalid;
    printf("%-4s%8lu%10lu%8lu%14lu%12lu%9lu\n", protocol, sent, t->received, sent - distinct,
           t->out_of_order, t->duplicated, t->invalid);
}

/* Options only (no operands), parsed with getopt; "+" stops it at the first operand
 * everywhere, so a stray operand, or a negative number like -1 (next_option), is reported
 * as one. */
static void parse_arguments(int argc, char *argv[], long *count, long *rcvbuf)
{
    int option;
    opterr = 0; /* we print our own messages */
    while ((option = next_option(argc, argv, "+:hn:b:")) != -1) {
        if (option == 'h') {
            printf("%s\n%s\n", USAGE, DESCRIPTION);
            exit(0);
        } else if (option == 'n')
            *count = number_argument(optarg, "count", 1, MAX_COUNT);
        else if (option == 'b')
            *rcvbuf = number_argument(optarg, "buffer size", 1, MAX_RCVBUF);
        else if (option == ':' || optopt == 'n' || optopt == 'b') /* macOS: '?', see "+" */
            usage_error("option '-%c' needs a value (try '%s -h')", optopt, PROGRAM);
        else
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
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
