/*
 * wire_ladder.c - watch the wire: each TCP segment and UDP datagram as it crosses the
 * loopback interface, drawn as one rung of a ladder between its two ends. No Wireshark.
 *
 * Usage: wire_ladder [-c N] [-t SECONDS] [PORT]
 * Draw each TCP or UDP segment to or from PORT on the loopback interface as a ladder;
 * with no PORT, run a connection and two UDP datagrams on 127.0.0.1 and draw those.
 * -c N: stop after N segments; -t: after SECONDS. Linux only; needs root or CAP_NET_RAW.
 *
 * Mirrors the notes' TCP flow (三次握手 handshake, 传输数据, 四次挥手 wave), "TCP is a byte
 * stream" (基于字节流) against "UDP keeps messages" (面向报文), and their SOCK_RAW, which
 * reads packets below TCP and UDP: here Linux's packet socket does, socket(AF_PACKET,
 * SOCK_DGRAM, 0) bound to `lo` for ETH_P_ALL. It gets every packet on the loopback
 * interface twice (leaving, arriving: we keep the arriving copy); we read the IP, TCP and
 * UDP headers from the bytes by hand. Without PORT it runs, like tcp_states, its own
 * exchange: a connect, two sends, ONE recv that takes both, a close from each side, two
 * datagrams. A rung: ms since the first, an arrow from the sender, the flags in words,
 * seq and ack counted from each side's first number, the payload's first bytes.
 *
 * Try:
 *   sudo ./wire_ladder                   the lesson's own exchange, drawn
 *   terminal 1:  ../03-tcp-server/tcp_server 8989
 *   terminal 2:  sudo ./wire_ladder -c 10 8989
 *   terminal 3:  ./tcp_client 127.0.0.1 8989
 * Once, to run it without sudo: sudo setcap cap_net_raw+ep ./wire_ladder
 *
 * See also: tcp_states.c (the same handshake and wave as the kernel's states),
 * ../05-udp/stream_vs_datagram.c (the same merge, counted by recv).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE  /* glibc: AF_PACKET, ETH_P_ALL, SO_TIMESTAMP, INADDR_LOOPBACK */
#define _DARWIN_C_SOURCE /* macOS: INADDR_LOOPBACK (it has no AF_PACKET: see open_wire) */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <netinet/if_ether.h> /* ETH_P_ALL: every protocol */
#include <netpacket/packet.h> /* struct sockaddr_ll, PACKET_OUTGOING (Linux only) */
#endif


struct wire;    /* the watcher: its packet socket, ports, conversations, counts */
struct segment; /* one TCP segment or UDP datagram, as its headers describe it */
struct flow;    /* one conversation: its two ends, each one's first sequence number */
static volatile sig_atomic_t interrupted = 0; /* Ctrl-C (SIGINT) or SIGTERM */

static struct wire *open_wire(long count, long seconds); /* lo, or exit 1 saying why */
static void watch_ports(struct wire *wire, unsigned tcp_port, unsigned udp_port);
static unsigned long watch(struct wire *wire, int want); /* read and draw; how many */
static void step(struct wire *wire, int number, const char *what, const char *python);
static void draw(struct wire *wire, const struct segment *s); /* one rung */
static int label_segment(struct flow *flow, int from_left, const struct segment *s,
                         char *label, size_t size); /* "PSH-ACK seq 1 ack 1, 5 bytes..." */
static struct flow *find_flow(struct wire *wire, const struct segment *s, int *from_left);
static void summary(struct wire *wire); /* "13 segments drawn, 0 odd frames skipped" */
static int finished(const struct wire *wire); /* -c reached, -t passed, or Ctrl-C */
static int next_segment(struct wire *wire, unsigned char *frame, struct segment *s,
                        long long until_us); /* 1: one to draw; 0: the time is up */
static int read_frame(struct wire *wire, unsigned char *frame, struct segment *s);
static int receive_frame(struct wire *wire, unsigned char *frame, size_t *length,
                         unsigned *ethertype, long long *when_us); /* recvmsg, Linux */
static int parse_frame(const unsigned char *frame, size_t captured, size_t length,
                       unsigned ethertype, struct segment *s); /* IP, TCP, UDP headers */
static int escape_into(char *out, size_t size, const unsigned char *bytes, size_t length,
                       size_t limit, size_t *used); /* text, safely; its columns */
static char *escaped(char out[64], const char *data, int length); /* escape_into, for main */
static int bound_socket(int type, struct sockaddr_in *address); /* on 127.0.0.1, any port */
static void catch_signals(void); /* SIGINT and SIGTERM end the watch with a count */
static long long now_us(void);  /* a monotonic clock, in microseconds */
static void parse_arguments(int argc, char *argv[], long *port, long *count, long *seconds);
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static long parse_number(const char *text, long min, long max);      /* strict, or -1 */
static long number_argument(const char *text, const char *what, long min, long max);
static int check(int result, const char *call); /* -1: fail naming the call */
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
    struct wire *wire;
    struct sockaddr_in server_address, receiver_address;
    long port = 0, count = 0, seconds = 0;
    int listener, client, conn, sender, receiver, yes = 1, got, again;
    char python[96], data[1024], text[2][64];

    setvbuf(stdout, NULL, _IOLBF, 0); /* pipes and tests see each line at once */
    parse_arguments(argc, argv, &port, &count, &seconds);
    catch_signals();

    /* 0. Open the wire: a packet socket bound to the loopback interface. Python (as root):
     *    wire = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0)
     *    wire.bind(("lo", 3))   # 3: ETH_P_ALL, every protocol */
    wire = open_wire(count, seconds);
    if (port != 0) { /* Watch PORT: TCP and UDP, both ways, until -c, -t or Ctrl-C. */
        watch_ports(wire, (unsigned)port, (unsigned)port);
        printf("Watching TCP and UDP port %ld on the loopback interface; Ctrl-C to stop.\n",
               port);
        watch(wire, -1);
        summary(wire);
        return 0;
    }
    listener = bound_socket(SOCK_STREAM, &server_address); /* bind, listen: no segment */
    check(listen(listener, 8), "listen 127.0.0.1");
    receiver = bound_socket(SOCK_DGRAM, &receiver_address);
    watch_ports(wire, ntohs(server_address.sin_port), ntohs(receiver_address.sin_port));
    printf("One TCP connection, then two UDP datagrams, on 127.0.0.1: both ends in this program.\n"
           "Each segment as it crossed the loopback interface, the client (or sender) on the "
           "left;\nseq and ack count from each side's first number (on the wire they start "
           "at random).\n");

    /* 1. The client connects: SYN, SYN-ACK, ACK. Then accept() takes the finished connection. */
    snprintf(python, sizeof python, "client.connect((\"127.0.0.1\", %u))",
             ntohs(server_address.sin_port));
    step(wire, 1, "The client connects: the three-way handshake.", python);
    client = check(socket(AF_INET, SOCK_STREAM, 0), "socket 127.0.0.1");
    /* TCP_NODELAY: each send leaves at once as a segment of its own (Nagle's algorithm could
     * hold the second back until the first is acknowledged, and merge them). */
    check(setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes), "setsockopt TCP_NODELAY");
    check(connect(client, (struct sockaddr *)&server_address, sizeof server_address),
          "connect 127.0.0.1");
    watch(wire, 3);
    conn = check(accept(listener, NULL, NULL), "accept 127.0.0.1");

    /* 2. Two sends, two messages: each a segment of its own, each acknowledged. */
    step(wire, 2, "The client sends two messages.",
         "client.send(b\"hello\"); client.send(b\"world\")");
    check((int)send(client, "hello", 5, 0), "send 127.0.0.1");
    check((int)send(client, "world", 5, 0), "send 127.0.0.1");
    watch(wire, 4);

    /* 3. ONE recv takes both: TCP keeps the bytes, not where one send ended. */
    step(wire, 3, "The server receives once.", "data = conn.recv(1024)");
    got = check((int)recv(conn, data, sizeof data, 0), "recv 127.0.0.1");
    if (watch(wire, 0) == 0)
        printf("   (nothing on the wire: recv only takes bytes the kernel already holds)\n");
    printf("   recv returned %d bytes: \"%s\": %s\n", got, escaped(text[0], data, got),
           got == 10 ? "two messages, one piece" : "a piece of the stream");

    /* 4. The client closes: its FIN, which the server's kernel acknowledges. */
    step(wire, 4, "The client closes: its FIN.", "client.close()");
    close(client);
    watch(wire, 2);

    /* 5. The server reads the end of the stream (recv returns 0), then closes: its FIN. */
    step(wire, 5, "The server sees the end and closes: its FIN.",
         "conn.recv(1024) returns b\"\"; conn.close()");
    got = check((int)recv(conn, data, sizeof data, 0), "recv 127.0.0.1");
    close(conn);
    watch(wire, 2);
    printf("   (recv returned %d bytes: the end; the client's end now waits in TIME_WAIT)\n", got);

    /* 6. UDP: two sendto, two datagrams; two recvfrom, one datagram each. */
    step(wire, 6, "Two UDP datagrams, then two recvfrom.",
         "sender.sendto(b\"one\", address); sender.sendto(b\"two\", address)");
    sender = check(socket(AF_INET, SOCK_DGRAM, 0), "socket 127.0.0.1");
    check((int)sendto(sender, "one", 3, 0, (struct sockaddr *)&receiver_address,
                      sizeof receiver_address), "sendto 127.0.0.1");
    check((int)sendto(sender, "two", 3, 0, (struct sockaddr *)&receiver_address,
                      sizeof receiver_address), "sendto 127.0.0.1");
    watch(wire, 2);
    got = check((int)recvfrom(receiver, data, sizeof data, 0, NULL, NULL), "recvfrom 127.0.0.1");
    again = check((int)recvfrom(receiver, data + got, sizeof data - (size_t)got, 0, NULL, NULL),
                  "recvfrom 127.0.0.1");
    printf("   recvfrom returned %d bytes: \"%s\", then %d bytes: \"%s\": one datagram each\n",
           got, escaped(text[0], data, got), again, escaped(text[1], data + got, again));
    close(sender);
    close(receiver);
    close(listener);

    printf("What you saw: connect() took three segments (SYN, SYN-ACK, ACK), each close() two.\n"
           "Two sends made two segments, yet one recv took both: TCP delivers bytes, not "
           "messages.\nThe two UDP datagrams stayed two: one sendto, one datagram, one "
           "recvfrom.\n");
    summary(wire);
    return 0;
}

/* Sizes and limits used by the steps below and the plumbing. */
#define PROGRAM "wire_ladder"
#define CAPTURE 2048   /* bytes kept of each frame: the headers and the payload's start */
#define SHOWN_BYTES 16 /* payload bytes shown on a rung */
#define RAIL 58        /* columns between the ladder's two rails */
#define MAX_FLOWS 32   /* conversations remembered, for their relative numbers */
#define STEP_MS 1000   /* the self-run: the longest wait for a step's segments, */
#define QUIET_MS 60    /* and the quiet after them that ends the step */

/* One TCP segment or UDP datagram, as its frame's headers describe it. */
struct segment {
    int protocol, family;           /* IPPROTO_TCP or IPPROTO_UDP; AF_INET or AF_INET6 */
    unsigned char from[16], to[16]; /* the addresses (4 or 16 bytes used) */
    unsigned from_port, to_port;
    uint32_t seq, ack;              /* TCP only, as on the wire */
    unsigned flags;                 /* TCP only: FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 */
    size_t length;                  /* payload bytes, as the headers count them */
    const unsigned char *payload;   /* the payload's first bytes that were captured, */
    size_t captured;                /* and how many of them */
    long long when_us;              /* when the kernel saw it, in microseconds */
};
/* One conversation: its ends as drawn (the watched port on the right) and each end's first
 * sequence number, from which its numbers count: [0] the left end's, [1] the right's. */
struct flow {
    int protocol, family, used;
    unsigned char left[16], right[16];
    unsigned left_port, right_port;
    uint32_t base[2];
    int known[2];
    unsigned long last; /* the rung it last drew, to reuse the oldest slot */
};
struct wire {
    int fd, lo_index;
    unsigned tcp_port, udp_port;       /* the ports watched */
    unsigned long drawn, odd, dropped; /* rungs drawn; odd frames skipped; lost by the kernel */
    unsigned long limit;               /* -c (0: no limit) */
    long long first_us, stop_us;       /* the first rung's time; -t's end (0: none) */
    int current;                       /* the flow of the last rung (-1: draw a heading) */
    struct flow flows[MAX_FLOWS];
};

/* Read the wire and draw each watched segment. want < 0: until -c, -t or Ctrl-C. want >= 0
 * (the self-run, after each step): until `want` segments have been drawn (or STEP_MS has
 * passed), then until the wire has been quiet for QUIET_MS. Returns how many it drew. */
static unsigned long watch(struct wire *wire, int want)
{
    static unsigned char frame[CAPTURE];
    struct segment segment;
    unsigned long drawn = 0;
    long long until = want < 0 ? -1 : now_us() + (want == 0 ? QUIET_MS : STEP_MS) * 1000LL;

    while (!finished(wire)) {
        long long end = until;
        if (wire->stop_us > 0 && (end < 0 || wire->stop_us < end))
            end = wire->stop_us;
        if (!next_segment(wire, frame, &segment, end))
            break;
        draw(wire, &segment);
        drawn++;
        if (want >= 0 && drawn >= (unsigned long)want)
            until = now_us() + QUIET_MS * 1000LL;
    }
    return drawn;
}

/* A step's heading, with the Python line beside it; the next rung names both ends again. */
static void step(struct wire *wire, int number, const char *what, const char *python)
{
    printf("%d. %s  Python: %s\n", number, what, python);
    wire->current = -1;
}

/* Draw one rung: "   0.042 ms  |-- PSH-ACK seq 1 ack 1, 5 bytes "hello" ------->|", the
 * arrow from the sender's side. Above the first rung of a conversation (and whenever the
 * conversation changes), a heading names its two ends over the two rails. */
static void draw(struct wire *wire, const struct segment *s)
{
    static const char dashes[] = "------------------------------------------------------------";
    char label[256], left[INET6_ADDRSTRLEN], right[INET6_ADDRSTRLEN], ends[2][80];
    int from_left, columns, fill;
    struct flow *flow = find_flow(wire, s, &from_left);
    long long us;

    if (wire->drawn == 0)
        wire->first_us = s->when_us;
    if (flow - wire->flows != wire->current) {
        inet_ntop(flow->family, flow->left, left, sizeof left);
        inet_ntop(flow->family, flow->right, right, sizeof right);
        snprintf(ends[0], sizeof ends[0], "%s %s port %u",
                 flow->protocol == IPPROTO_TCP ? "TCP" : "UDP", left, flow->left_port);
        snprintf(ends[1], sizeof ends[1], "%s port %u", right, flow->right_port);
        fill = RAIL + 2 - (int)strlen(ends[0]) - (int)strlen(ends[1]);
        printf("%15s%s%*s%s\n", "", ends[0], fill < 2 ? 2 : fill, "", ends[1]);
        wire->current = (int)(flow - wire->flows);
    }
    columns = label_segment(flow, from_left, s, label, sizeof label);
    flow->last = ++wire->drawn;
    us = s->when_us - wire->first_us;
    if (us < 0)
        us = 0; /* the clock went back: no negative times */
    fill = RAIL - (from_left ? 5 : 4) - columns; /* the dashes after the label */
    printf("%6lld.%03lld ms  |%s %s %.*s%s|\n", us / 1000, us % 1000, from_left ? "--" : "<-",
           label, fill < 2 ? 2 : fill, dashes, from_left ? ">" : "");
}

/* The rung's words: the flags (SYN, SYN-ACK, ACK, PSH-ACK, FIN-ACK, RST...), seq and ack
 * counted from each side's first number, then the payload: "5 bytes "hello"". For UDP,
 * "UDP 3 bytes "one"". Returns the columns the label takes on a terminal. */
static int label_segment(struct flow *flow, int from_left, const struct segment *s,
                         char *label, size_t size)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        {0x02, "SYN"}, {0x01, "FIN"}, {0x04, "RST"}, {0x08, "PSH"}, {0x20, "URG"},
        {0x40, "ECE"}, {0x80, "CWR"}, {0x10, "ACK"}};
    char shown[4 * (SHOWN_BYTES + 4) + 1];
    size_t at = 0, i, used = 0;
    int side = from_left ? 0 : 1, other = from_left ? 1 : 0, columns;

    label[0] = '\0';
    if (s->protocol == IPPROTO_UDP) {
        at = (size_t)snprintf(label, size, "UDP");
    } else {
        if ((s->flags & 0x02) && !(s->flags & 0x10)) /* a new connection: count afresh */
            flow->known[0] = flow->known[1] = 0;
        if (!flow->known[side] || (s->flags & 0x02)) {
            flow->base[side] = s->seq; /* this side's first number (its SYN's, normally) */
            flow->known[side] = 1;
        }
        if ((s->flags & 0x10) && !flow->known[other]) {
            flow->base[other] = s->ack; /* watched from the middle: count from here */
            flow->known[other] = 1;
        }
        for (i = 0; i < sizeof names / sizeof names[0]; i++)
            if ((s->flags & names[i].bit) && at < size)
                at += (size_t)snprintf(label + at, size - at, "%s%s", at > 0 ? "-" : "",
                                       names[i].name);
        if (at == 0 && at < size)
            at += (size_t)snprintf(label + at, size - at, "(no flags)");
        if (at < size)
            at += (size_t)snprintf(label + at, size - at, " seq %lu",
                                   (unsigned long)(uint32_t)(s->seq - flow->base[side]));
        if ((s->flags & 0x10) && at < size)
            at += (size_t)snprintf(label + at, size - at, " ack %lu",
                                   (unsigned long)(uint32_t)(s->ack - flow->base[other]));
        if (s->length > 0 && at < size)
            at += (size_t)snprintf(label + at, size - at, ",");
    }
    if ((s->protocol == IPPROTO_UDP || s->length > 0) && at < size) {
        columns = escape_into(shown, sizeof shown, s->payload, s->captured, SHOWN_BYTES, &used);
        at += (size_t)snprintf(label + at, size - at, " %lu byte%s%s%s%s%s",
                               (unsigned long)s->length, s->length == 1 ? "" : "s",
                               s->length > 0 ? " \"" : "", shown, s->length > 0 ? "\"" : "",
                               used < s->length ? "..." : "");
        return (int)(at < size ? at : size - 1) - (int)strlen(shown) + columns;
    }
    return (int)(at < size ? at : size - 1);
}

/* The conversation this segment belongs to: the end with the watched port is the right one
 * (if both have it, the receiver). A new conversation takes a free slot, or the oldest. */
static struct flow *find_flow(struct wire *wire, const struct segment *s, int *from_left)
{
    unsigned port = s->protocol == IPPROTO_TCP ? wire->tcp_port : wire->udp_port;
    const unsigned char *left = s->to_port == port ? s->from : s->to;
    const unsigned char *right = s->to_port == port ? s->to : s->from;
    unsigned left_port = s->to_port == port ? s->from_port : s->to_port;
    struct flow *flow, *oldest = &wire->flows[0];
    size_t bytes = s->family == AF_INET ? 4 : 16;

    *from_left = s->to_port == port;
    for (flow = wire->flows; flow < wire->flows + MAX_FLOWS; flow++) {
        if (flow->used && flow->protocol == s->protocol && flow->family == s->family &&
            flow->left_port == left_port && flow->right_port == port &&
            memcmp(flow->left, left, bytes) == 0 && memcmp(flow->right, right, bytes) == 0)
            return flow;
        if (!flow->used || (oldest->used && flow->last < oldest->last))
            oldest = flow;
    }
    if (oldest - wire->flows == wire->current)
        wire->current = -1; /* its slot is reused: the heading must be drawn again */
    memset(oldest, 0, sizeof *oldest);
    oldest->used = 1;
    oldest->protocol = s->protocol;
    oldest->family = s->family;
    memcpy(oldest->left, left, bytes);
    memcpy(oldest->right, right, bytes);
    oldest->left_port = left_port;
    oldest->right_port = port;
    return oldest;
}

/* The closing line: how many rungs were drawn, how many odd frames were skipped (too short,
 * fragments, lengths that do not add up) and, if any, how many the kernel dropped because
 * this program read too slowly. */
static void summary(struct wire *wire)
{
#ifdef __linux__
    struct { unsigned packets, drops; } stats; /* the kernel's struct tpacket_stats */
    socklen_t length = sizeof stats;
    if (getsockopt(wire->fd, SOL_PACKET, PACKET_STATISTICS, &stats, &length) == 0)
        wire->dropped += stats.drops;
#endif
    printf("%lu segment%s drawn, %lu odd frame%s skipped", wire->drawn,
           wire->drawn == 1 ? "" : "s", wire->odd, wire->odd == 1 ? "" : "s");
    if (wire->dropped > 0)
        printf(", %lu frame%s dropped by the kernel (its buffer was full)", wire->dropped,
               wire->dropped == 1 ? "" : "s");
    printf("%s\n", interrupted ? " (interrupted)" : "");
    close(wire->fd);
}

/* ---- Plumbing: read after the lesson ---- */

/* The packet socket: SOCK_DGRAM gives each packet without its link-layer header (on lo, a
 * fake Ethernet one), starting at the IP header. Bound to lo for ETH_P_ALL (every
 * protocol), it sees only the loopback interface; it only ever receives. A timestamp comes
 * with each packet (SO_TIMESTAMP): the moment the kernel saw it, not the moment we read it.
 * The one watcher there is, with -c and -t: its counts start at 0. */
static struct wire *open_wire(long count, long seconds)
{
    static struct wire wire;
#ifdef __linux__
    struct sockaddr_ll address;
    int on = 1;

    wire.current = -1;
    wire.limit = (unsigned long)count;
    wire.stop_us = seconds > 0 ? now_us() + seconds * 1000000LL : 0;
    /* Protocol 0: nothing is queued yet. socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL))
     * would queue every interface's frames at once, and on a busy machine fill the
     * buffer before the filter is on (measured: a handshake lost in 3 runs of 60). */
    wire.fd = socket(AF_PACKET, SOCK_DGRAM, 0);
    if (wire.fd == -1 && (errno == EPERM || errno == EACCES)) {
        fprintf(stderr, "%s: socket AF_PACKET: %s: a packet socket needs root or CAP_NET_RAW "
                "(sudo ./%s, or once: sudo setcap cap_net_raw+ep ./%s)\n", PROGRAM,
                strerror(errno), PROGRAM, PROGRAM);
        exit(1);
    }
    check(wire.fd, "socket AF_PACKET");
    /* From bind on it would queue all of lo's frames until watch_ports names the ports:
     * its filter lets nearly nothing through until then (port 0). */
    watch_ports(&wire, 0, 0);
    wire.lo_index = (int)if_nametoindex("lo");
    if (wire.lo_index == 0)
        fail("if_nametoindex", "lo");
    memset(&address, 0, sizeof address);
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_ALL); /* from now on: every protocol, lo only */
    address.sll_ifindex = wire.lo_index;
    check(bind(wire.fd, (struct sockaddr *)&address, sizeof address), "bind lo");
    check(setsockopt(wire.fd, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof on), "setsockopt SO_TIMESTAMP");
#else
    (void)count, (void)seconds;
    fprintf(stderr, "%s: packet sockets (AF_PACKET) are Linux-only: see the ladders captured "
            "in 02-tcp-client/README.md\n", PROGRAM);
    exit(1);
#endif
    return &wire;
}

/* Watch these ports, and tell the kernel to queue only frames that may concern them: the
 * socket sees ALL of lo's traffic, and a busy interface (a test suite running beside us)
 * would fill its buffer between two reads, and the kernel would drop frames (measured: a
 * handshake lost in 8 runs of 40 under a flood, before this filter). The filter is
 * classic BPF, a small program the kernel runs on each frame (as tcpdump's "port 8989"
 * does): IPv4 or IPv6, TCP or UDP, either port one of ours. IPv4 fragments and IPv6 with
 * extension headers pass too: parse_frame reads those. It only drops; we check again. */
static void watch_ports(struct wire *wire, unsigned tcp_port, unsigned udp_port)
{
#ifdef __linux__
    /* The kernel's struct sock_filter and sock_fprog, and the opcodes used, as Linux's
     * <linux/filter.h> defines them (spelled out: not every C library ships that header). */
    enum { LOAD_BYTE = 0x30, LOAD_HALF = 0x28, LOAD_HALF_X = 0x48, LOAD_X_IP_LENGTH = 0xb1,
           LOAD_X = 0x01, AND = 0x54, JUMP = 0x05, JUMP_EQUAL = 0x15, JUMP_ANY_BIT = 0x45,
           RETURN = 0x06 };
    struct instruction { uint16_t code; uint8_t if_true, if_false; uint32_t k; };
    struct instruction program[] = { /* jumps count the instructions skipped, forward only */
        /*  0 */ {LOAD_BYTE, 0, 0, 0},              /* the version, in the high 4 bits */
        /*  1 */ {AND, 0, 0, 0xf0},
        /*  2 */ {JUMP_EQUAL, 11, 0, 0x40},         /* IPv4: to 14 */
        /*  3 */ {JUMP_EQUAL, 0, 23, 0x60},         /* neither: drop */
        /*  4 */ {LOAD_BYTE, 0, 0, 6},              /* IPv6: the next header */
        /*  5 */ {JUMP_EQUAL, 6, 0, IPPROTO_TCP},   /* to 12 */
        /*  6 */ {JUMP_EQUAL, 5, 0, IPPROTO_UDP},   /* to 12 */
        /*  7 */ {JUMP_EQUAL, 18, 0, 0},            /* extension headers: keep */
        /*  8 */ {JUMP_EQUAL, 17, 0, 43},
        /*  9 */ {JUMP_EQUAL, 16, 0, 44},
        /* 10 */ {JUMP_EQUAL, 15, 0, 51},
        /* 11 */ {JUMP_EQUAL, 14, 15, 60},          /* anything else: drop */
        /* 12 */ {LOAD_X, 0, 0, 40},                /* X = 40, the IPv6 header's length */
        /* 13 */ {JUMP, 0, 0, 6},                   /* to 20 */
        /* 14 */ {LOAD_BYTE, 0, 0, 9},              /* IPv4: the protocol */
        /* 15 */ {JUMP_EQUAL, 1, 0, IPPROTO_TCP},   /* to 17 */
        /* 16 */ {JUMP_EQUAL, 0, 10, IPPROTO_UDP},  /* neither: drop */
        /* 17 */ {LOAD_HALF, 0, 0, 6},              /* flags and fragment offset */
        /* 18 */ {JUMP_ANY_BIT, 7, 0, 0x1fff},      /* a later fragment: keep */
        /* 19 */ {LOAD_X_IP_LENGTH, 0, 0, 0},       /* X = the IPv4 header's length */
        /* 20 */ {LOAD_HALF_X, 0, 0, 0},            /* the source port */
        /* 21 */ {JUMP_EQUAL, 4, 0, tcp_port},
        /* 22 */ {JUMP_EQUAL, 3, 0, udp_port},
        /* 23 */ {LOAD_HALF_X, 0, 0, 2},            /* the destination port */
        /* 24 */ {JUMP_EQUAL, 1, 0, tcp_port},
        /* 25 */ {JUMP_EQUAL, 0, 1, udp_port},
        /* 26 */ {RETURN, 0, 0, 0xffffffffu},       /* keep the frame, all of it */
        /* 27 */ {RETURN, 0, 0, 0}};                /* drop it */
    struct { unsigned short length; struct instruction *instructions; } filter = {
        (unsigned short)(sizeof program / sizeof program[0]), program};
    check(setsockopt(wire->fd, SOL_SOCKET, SO_ATTACH_FILTER, &filter, sizeof filter),
          "setsockopt SO_ATTACH_FILTER");
#endif
    wire->tcp_port = tcp_port;
    wire->udp_port = udp_port;
}

/* Stop when -c segments have been drawn, -t has passed, or Ctrl-C came. */
static int finished(const struct wire *wire)
{
    return interrupted || (wire->limit > 0 && wire->drawn >= wire->limit) ||
           (wire->stop_us > 0 && now_us() >= wire->stop_us);
}

/* Wait for the next watched segment until until_us (-1: no end). 1: got one; 0: the time
 * is up, or Ctrl-C. Frames of no interest are read and dropped on the way. */
static int next_segment(struct wire *wire, unsigned char *frame, struct segment *s,
                        long long until_us)
{
    for (;;) {
        int got = read_frame(wire, frame, s);
        long long now = now_us();
        struct pollfd ready = {wire->fd, POLLIN, 0};
        int wait_ms = until_us < 0 ? -1 : (int)((until_us - now + 999) / 1000);

        if (got == 1)
            return 1;
        if (interrupted || (until_us >= 0 && now >= until_us))
            return 0;
        if (got == 0 && poll(&ready, 1, wait_ms) == -1 && errno != EINTR)
            fail("poll", "lo");
    }
}

/* Read one frame without waiting. 1: a watched segment, in *s; 2: a frame of no interest
 * (not TCP or UDP, another port; or odd: counted); 0: none waiting (or a signal came). */
static int read_frame(struct wire *wire, unsigned char *frame, struct segment *s)
{
    size_t length = 0;
    unsigned ethertype = 0, port;
    long long when_us = 0;
    int got = receive_frame(wire, frame, &length, &ethertype, &when_us);

    if (got != 1)
        return got;
    switch (parse_frame(frame, length < CAPTURE ? length : CAPTURE, length, ethertype, s)) {
    case 0:
        break;
    case 2:
        wire->odd++;
        return 2;
    default:
        return 2;
    }
    port = s->protocol == IPPROTO_TCP ? wire->tcp_port : wire->udp_port;
    if (s->from_port != port && s->to_port != port)
        return 2;
    s->when_us = when_us;
    return 1;
}

/* recvmsg one frame from the packet socket, without waiting: its first CAPTURE bytes into
 * frame, its whole length (MSG_TRUNC returns it even when the frame is longer), its type
 * (0x0800 IPv4, 0x86dd IPv6) and when the kernel saw it. 1: a frame arriving on lo; 2: one
 * to skip; 0: none waiting, or a signal came. */
static int receive_frame(struct wire *wire, unsigned char *frame, size_t *length,
                         unsigned *ethertype, long long *when_us)
{
#ifdef __linux__
    struct sockaddr_ll from;
    struct iovec part = {frame, CAPTURE};
    union { struct cmsghdr header; char bytes[CMSG_SPACE(sizeof(struct timeval))]; } control;
    struct msghdr message;
    struct cmsghdr *c;
    struct timeval when;
    ssize_t got;

    memset(&message, 0, sizeof message);
    memset(&from, 0, sizeof from);
    message.msg_name = &from;
    message.msg_namelen = sizeof from;
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes;
    message.msg_controllen = sizeof control.bytes;
    got = recvmsg(wire->fd, &message, MSG_DONTWAIT | MSG_TRUNC);
    if (got == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    if (got == -1)
        fail("recvmsg", "lo");
    /* Each packet on lo twice: as it leaves, then as it arrives. Keep the arriving one. A
     * frame queued between socket() and bind() may come from another interface: skip it. */
    if (from.sll_pkttype == PACKET_OUTGOING || from.sll_ifindex != wire->lo_index)
        return 2;
    gettimeofday(&when, NULL); /* if the kernel gave no timestamp */
    for (c = CMSG_FIRSTHDR(&message); c != NULL; c = CMSG_NXTHDR(&message, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMP &&
            c->cmsg_len >= CMSG_LEN(sizeof when))
            memcpy(&when, CMSG_DATA(c), sizeof when);
    *length = (size_t)got;
    *ethertype = ntohs(from.sll_protocol);
    *when_us = (long long)when.tv_sec * 1000000 + when.tv_usec;
    return 1;
#else
    (void)wire, (void)frame, (void)length, (void)ethertype, (void)when_us;
    return 0;
#endif
}

/* Read the IPv4 or IPv6 header, then the TCP or UDP header, from a frame of which `captured`
 * bytes are here (`length` in all). Every offset is checked against both before it is read.
 * 0: a segment, in *s; 1: not TCP or UDP over IP (ignored); 2: odd (too short, a later
 * fragment, lengths that do not add up, too many extension headers): skipped and counted. */
static int parse_frame(const unsigned char *frame, size_t captured, size_t length,
                       unsigned ethertype, struct segment *s)
{
    size_t at, end, offset, extent; /* transport header; end of the IP packet; payload */
    unsigned next;
    int headers;

    memset(s, 0, sizeof *s);
    if (ethertype == 0x0800) { /* IPv4: 20 to 60 bytes of header */
        if (captured < 20 || frame[0] >> 4 != 4)
            return 2;
        at = (size_t)(frame[0] & 0x0f) * 4;
        end = (size_t)frame[2] << 8 | frame[3]; /* total length */
        if (at < 20 || at > captured || end < at || end > length)
            return 2;
        if (((frame[6] & 0x1f) << 8 | frame[7]) != 0)
            return 2; /* a later fragment: no TCP or UDP header in it */
        next = frame[9];
        s->family = AF_INET;
        memcpy(s->from, frame + 12, 4);
        memcpy(s->to, frame + 16, 4);
    } else if (ethertype == 0x86dd) { /* IPv6: 40 bytes, then perhaps extension headers */
        if (captured < 40 || frame[0] >> 4 != 6)
            return 2;
        end = 40 + ((size_t)frame[4] << 8 | frame[5]); /* payload length */
        if (end > length)
            return 2;
        next = frame[6];
        s->family = AF_INET6;
        memcpy(s->from, frame + 8, 16);
        memcpy(s->to, frame + 24, 16);
        /* Extension headers (hop-by-hop 0, routing 43, fragment 44, AH 51, destination
         * options 60) each name the next header and give their own length: skip them. */
        for (at = 40, headers = 0;
             next == 0 || next == 43 || next == 44 || next == 51 || next == 60; headers++) {
            if (headers == 8 || at + 8 > captured || at + 8 > end)
                return 2;
            if (next == 44 && ((frame[at + 2] << 8 | frame[at + 3]) & 0xfff8) != 0)
                return 2; /* a later fragment */
            extent = next == 44 ? 8 : next == 51 ? ((size_t)frame[at + 1] + 2) * 4
                                                 : ((size_t)frame[at + 1] + 1) * 8;
            next = frame[at];
            at += extent;
        }
        if (at > end)
            return 2;
    } else {
        return 1; /* not IP */
    }
    if (next == IPPROTO_TCP) { /* 20 bytes at least; data offset in 32-bit words */
        if (end - at < 20 || at + 20 > captured)
            return 2;
        offset = (size_t)(frame[at + 12] >> 4) * 4;
        if (offset < 20 || offset > end - at)
            return 2;
        s->seq = (uint32_t)frame[at + 4] << 24 | (uint32_t)frame[at + 5] << 16 |
                 (uint32_t)frame[at + 6] << 8 | frame[at + 7];
        s->ack = (uint32_t)frame[at + 8] << 24 | (uint32_t)frame[at + 9] << 16 |
                 (uint32_t)frame[at + 10] << 8 | frame[at + 11];
        s->flags = frame[at + 13];
        s->length = end - at - offset;
    } else if (next == IPPROTO_UDP) { /* 8 bytes; the length field counts them too */
        if (end - at < 8 || at + 8 > captured)
            return 2;
        offset = 8;
        extent = (size_t)frame[at + 4] << 8 | frame[at + 5];
        if (extent < 8 || extent > end - at)
            return 2;
        s->length = extent - 8;
    } else {
        return 1; /* ICMP and the rest */
    }
    s->protocol = (int)next;
    s->from_port = (unsigned)frame[at] << 8 | frame[at + 1];
    s->to_port = (unsigned)frame[at + 2] << 8 | frame[at + 3];
    at += offset;
    s->payload = frame + (at < captured ? at : captured);
    s->captured = at < captured ? captured - at : 0;
    if (s->captured > s->length)
        s->captured = s->length;
    return 0;
}

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

/* Columns a character takes on a terminal: 2 for CJK and other wide ones, else 1. */
static int width_of(const unsigned char *s, size_t n)
{
    uint32_t c = n == 2 ? (s[0] & 0x1fu) << 6 | (s[1] & 0x3fu)
               : n == 3 ? (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu)
                        : (s[0] & 0x07u) << 18 | (s[1] & 0x3fu) << 12 | (s[2] & 0x3fu) << 6 |
                              (s[3] & 0x3fu);
    return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf && c != 0x303f) ||
                   (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
                   (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
                   (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) ||
                   (c >= 0x20000 && c <= 0x3fffd)
               ? 2
               : 1;
}

/* Write bytes into out the way every program here shows a peer's bytes (escape_character:
 * UTF-8 text as it is, controls, C1 and bytes that are not UTF-8 escaped). No character
 * starts at or after `limit`; *used: the bytes taken. Returns the columns the text takes. */
static int escape_into(char *out, size_t size, const unsigned char *bytes, size_t length,
                       size_t limit, size_t *used)
{
    size_t i = 0, at = 0, n, shown;
    int columns = 0;
    char piece[5];

    out[0] = '\0';
    while (i < length && i < limit && at + 5 <= size) {
        n = escape_character(bytes + i, length - i, piece);
        shown = strlen(piece);
        memcpy(out + at, piece, shown);
        at += shown;
        columns += n > 1 ? width_of(bytes + i, n) : (int)shown; /* a character, or ASCII */
        i += n;
    }
    out[at] = '\0';
    *used = i;
    return columns;
}

/* What recv returned, escaped (the first 60 bytes or so): a peer's bytes are never
 * printed raw, even when the peer should be this program itself. */
static char *escaped(char out[64], const char *data, int length)
{
    size_t used;
    escape_into(out, 64, (const unsigned char *)data, (size_t)length, (size_t)length, &used);
    return out;
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

static void on_signal(int signal_number)
{
    (void)signal_number;
    interrupted = 1;
}

/* SIGINT (Ctrl-C) and SIGTERM stop the watch; poll returns at once (no SA_RESTART). */
static void catch_signals(void)
{
    struct sigaction action;

    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    check(sigaction(SIGINT, &action, NULL), "sigaction");
    check(sigaction(SIGTERM, &action, NULL), "sigaction");
}

static long long now_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

#define USAGE "Usage: wire_ladder [-c N] [-t SECONDS] [PORT]"
#define MAX_COUNT 1000000 /* -c */
#define MAX_SECONDS 86400 /* -t: a day */
#define DESCRIPTION                                                                         \
    "Draw each TCP or UDP segment to or from PORT on the loopback interface as a ladder;\n"     \
    "with no PORT, run a connection and two UDP datagrams on 127.0.0.1 and draw those.\n"       \
    "-c N: stop after N segments; -t: after SECONDS. Linux only; needs root or CAP_NET_RAW.\n"

/* Options first (-h/--help, -c N, -t SECONDS), then PORT if any; "+" stops getopt at the
 * first operand, and an argument like -1 is an operand (next_option): a bad port. */
static void parse_arguments(int argc, char *argv[], long *port, long *count, long *seconds)
{
    int option;
    opterr = 0; /* we print our own messages */
    while ((option = next_option(argc, argv, "+:hc:t:")) != -1) {
        if (option == 'h') {
            printf("%s\n%s", USAGE, DESCRIPTION);
            exit(0);
        } else if (option == 'c')
            *count = number_argument(optarg, "count", 1, MAX_COUNT);
        else if (option == 't')
            *seconds = number_argument(optarg, "seconds", 1, MAX_SECONDS);
        else if (option == ':' || optopt == 'c' || optopt == 't') /* macOS: '?', see "+" */
            usage_error("option '-%c' needs a value (try '%s -h')", optopt, PROGRAM);
        else
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
    }
    if (argc - optind > 1)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    if (argc - optind == 1)
        *port = number_argument(argv[optind], "port", 1, 65535);
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

/* A call that returns -1 on failure: fail naming it ("bind lo", "connect 127.0.0.1"). */
static int check(int result, const char *call)
{
    if (result == -1)
        fail(call, NULL);
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
