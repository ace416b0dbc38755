/*
 * chatroom_server.c: a chat room served by ONE thread that waits on every socket at once
 * with poll(): anyone may speak at any time and everyone else sees the line.
 *
 * Usage: chatroom_server [-m MAX_CLIENTS] [-w SECONDS] [PORT]
 *
 * Beyond the notes' 1:1 chat: one thread polls every member. Your first line is your nickname
 * (within SECONDS; 1 to 16 letters or digits of any script, _ or -: 小明, José), then each line
 * (512 bytes at most) reaches the others as "<NICK> text".
 *
 * What chatroom_server_basic.c gets wrong:
 *  1. A member who stops reading stalls the room: send() blocks. Queued; dropped past 64 KiB.
 *  2. A member gone while we send to him: SIGPIPE ends the room (exit 141). Ignored: he leaves.
 *  3. Chunks pass as they come: half lines, two people's merged, no names. "<NICK> line".
 *  4. ESC[2J from one member clears everyone's terminal. Control bytes removed.
 *  5. IPv4 only: a member of ::1 is refused. One IPv6 socket takes both families.
 *  6. Out of descriptors, accept() fails and the room exits. "* room full", the room goes on.
 *  7. Port by atoi: "abc" listens on a random port. Refused (exit 2).
 *  8. A flooder fills the readers' queues: they are dropped. Nobody is read while queues are long.
 *  9. C1 controls in UTF-8 (\xc2\x9b is CSI) clear screens too. Removed, and bytes not UTF-8.
 * 10. Connections that never send a nickname hold every slot. Closed after -w SECONDS.
 * 11. The CR of a CRLF counts: 512 bytes + CRLF are "too long". A CR before the newline is free.
 * 12. Stdout a pipe nobody reads: the room blocks in printf. Lines that would wait are counted.
 * 13. (Fix 3's framing) a last line with no newline before the peer's FIN was lost. Passed on.
 * 14. Stdout closed (>&-): the socket takes fd 1, its first line kills it (SIGPIPE). 0-2 open.
 *
 * Try: ./chatroom_server 12346, then ./chatroom_client localhost 12346 alice (bob, ...)
 * See also: chatroom_server_basic.c, chatroom_client.c, ../04-multithread-server/mt_server.c.
 */
#define _XOPEN_SOURCE 700 /* POSIX 2008 and its XSI part, which has wcwidth */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#define PROGRAM "chatroom_server"
#define USAGE "Usage: chatroom_server [-m MAX_CLIENTS] [-w SECONDS] [PORT]"

struct client;                          /* one member: see "The steps" below main */
static struct client *clients;          /* clients[0..client_count), in order of arrival */
static size_t client_count, max_clients;
static volatile sig_atomic_t stop_requested; /* set by SIGINT/SIGTERM */

static long parse_arguments(int argc, char *argv[]); /* -m, PORT: the port, or exit 2 */
static void fit_descriptor_limit(char *note, size_t size); /* max_clients vs ulimit -n */
static void set_up_signals(void);           /* SIGINT/SIGTERM set stop_requested */
static int listen_nonblocking(int port); static int bound_port(int fd); /* step 1 */
static struct pollfd *open_room(void); static int listening_paused(void); /* step 2; EMFILE */
static nfds_t fill_poll_array(struct pollfd *fds, int server_socket); /* step 3 */
static int wait_for_events(struct pollfd *fds, nfds_t nfds); /* step 4: poll; 0: go round */
static void serve_client(size_t i, short revents); /* step 5, for clients[i] */
static void flush_and_remove(void);         /* step 6: send what we can, remove who left */
static void accept_newcomers(int server_socket); /* step 7 */
static void close_room(struct pollfd *fds); /* step 8: "* server closing" to everyone */
static void handle_bytes(struct client *c, const char *data, size_t len); /* cut lines */
static void handle_line(struct client *c, const char *line); /* nickname, /who, /quit, text */
static void start_listing(struct client *c);    /* "* in the room: ..." for c */
static void continue_listing(struct client *c); /* more of it, as c's queue drains */
static void append(char *line, size_t *used, const char *text); /* memcpy, no snprintf */
static void tell(struct client *c, const char *text);  /* queue one line for c */
static void tell_room(const struct client *except, const char *text); /* for the others */
static void enqueue(struct client *c, const char *data, size_t len); /* or drop c */
static int flush_queue(struct client *c);   /* send what the kernel takes now */
static void client_left(struct client *c);  /* mark, and tell the others */
static void turn_away(int fd, const char *address); /* "* room full, try again later" */
static void out_of_descriptors(int server_socket); /* accept() failed with EMFILE & co */
static int valid_nick(const char *nick);    /* 1 to 16 letters or digits (any script), _ or - */
static int display_width(const char *nick); /* terminal columns: 小 takes two, é one */
static size_t first_arrived_since(unsigned long arrival); /* index in clients[] */
/* The plumbing, after the fence (each helper's comment is at its definition): */
static int next_option(int argc, char *argv[], const char *options);
static long parse_number(const char *text, long min, long max);
static long number_argument(const char *text, const char *what, long min, long max);
static void ensure_standard_descriptors(void); static locale_t unicode_locale(void);
_Noreturn static void usage_error(const char *format, ...);
static void print_operand(const void *text, size_t length);
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
_Noreturn static void fail(const char *call, const char *where);
static socklen_t any_address(struct sockaddr_storage *address, int family, int port);
static void format_address(const struct sockaddr *a, socklen_t n, char *out, size_t size);
static void log_line(FILE *stream, const char *format, ...); static long long monotonic_ms(void);
static size_t utf8_sequence(const unsigned char *s, size_t length);
static unsigned long code_point(const unsigned char *s, size_t n);

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* Fix 14: 0, 1 and 2 open before any socket */
    long port = parse_arguments(argc, argv); /* Fix 7: digits only, 0..65535, or exit 2 */
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: tests and pipes see each line at once */
    /* Fix 2: sending to a client that has gone raises SIGPIPE, which would kill the whole
     * room; ignored, send() fails with EPIPE instead and we remove that one client. */
    signal(SIGPIPE, SIG_IGN);
    char limit_note[128] = "";
    fit_descriptor_limit(limit_note, sizeof limit_note);
    set_up_signals(); /* SIGINT/SIGTERM: poll() returns EINTR, and the loop ends */

    /* 1. The listening socket, as in lesson 03, but non-blocking (see listen_nonblocking).
     *    Python: s = socket.socket(...); s.bind(('', 12346)); s.listen(1024) */
    int server_socket = listen_nonblocking((int)port);
    log_line(stdout, "Listening on port %d\n%s", bound_port(server_socket), limit_note);

    /* 2. The room: clients[] in order of arrival, and the poll array: fds[0] is the
     *    listening socket, fds[1 + i] is clients[i]. */
    struct pollfd *fds = open_room();

    while (!stop_requested) {
        /* 3. Fill the array afresh: everyone may send us lines (POLLIN, unless a queue is
         *    long: Fix 8); those with output waiting want to hear when it can go (POLLOUT). */
        nfds_t nfds = fill_poll_array(fds, server_socket);

        /* 4. Wait until a socket has something for us; after a signal, go round (the loop
         *    condition decides).  Python: ready = select.select(readers, writers, []) */
        if (!wait_for_events(fds, nfds))
            continue;

        /* 5. Walk the array and serve whoever is ready. Nothing is added or removed during
         *    the walk: who leaves is only marked (removed in step 6), newcomers wait (step 7). */
        for (size_t i = 0; i < client_count; i++)
            serve_client(i, fds[1 + i].revents);

        /* 6. Hand the kernel what it will take now, then take out who left or was dropped
         *    (the array is rebuilt from clients[] at step 3). */
        flush_and_remove();

        /* 7. Let in whoever is waiting.  Python: conn, addr = s.accept() */
        if (fds[0].revents & POLLIN)
            accept_newcomers(server_socket);
    }

    /* 8. A signal: tell everyone, close everything (see close_room). */
    close(server_socket);
    close_room(fds);
    return 0;
}

/* The room's sizes and times (used by the steps below and the plumbing), and -h's text. */
#define DESCRIPTION                                                                          \
    "A chat room on one thread with poll(): every line a member sends reaches the others.\n"   \
    "PORT defaults to 12346 (0: the OS picks one); -m: at most MAX_CLIENTS connections (1000,\n" \
    "1 to 100000); -w: a nickname within SECONDS of connecting, or goodbye (30, 1 to 3600)."
#define DEFAULT_PORT "12346"
#define DEFAULT_MAX_CLIENTS 1000
#define MAX_MAX_CLIENTS 100000
#define DEFAULT_NICK_WAIT 30   /* -w: seconds a newcomer has to send a nickname (Fix 10) */
#define MAX_NICK_WAIT 3600
#define KEPT_DESCRIPTORS 16    /* not for clients: stdio, listening socket, spare, C library */
#define MAX_NICK 16            /* characters (valid_nick) */
#define MAX_NICK_BYTES (4 * MAX_NICK) /* a character is 1 to 4 bytes of UTF-8 */
#define NICK_COLUMNS (2 * MAX_NICK)   /* the widest nickname shown: 16 wide ones, 小 */
#define BAD_NICK "* bad nickname: use 1 to 16 letters or digits (any script), _ or -"
#define MAX_LINE 512           /* bytes before the newline (and a CR before it: Fix 11) */
#define MAX_QUEUE (64 * 1024)  /* other people's lines held for one client before we give up */
#define BUSY_QUEUE (16 * 1024) /* Fix 8: a queue this long, and the room reads from nobody */
#define NOT_READING_MS 1000    /* Fix 8: a queue over BUSY_QUEUE for this long: not reading */
#define NAMES_PER_PIECE 20     /* the room list is queued this many names at a time */
#define NAMES_PER_ROW 2        /* 15 + 32 + 1 + 32: two columns fill an 80-column terminal */

/* ---- The steps, one function each ---- */

/* What we know about one connected client. */
struct client {
    int fd;
    unsigned long arrival;   /* 1, 2, 3...: clients[] is sorted by it */
    char address[160];       /* "127.0.0.1 port 51528", for the server's log */
    char nick[MAX_NICK_BYTES + 1]; /* empty until the client has chosen one */
    int nick_width;          /* its columns on a terminal (display_width), for /who */
    char line[MAX_LINE + 1]; /* the line being received (no newline yet; Fix 11: a CR) */
    size_t line_len;
    int discarding;          /* 1: inside a line that was too long, skip to its newline */
    char *queue;             /* output not yet taken by the kernel: queue[0..queue_len) */
    size_t queue_len, queue_cap;
    unsigned long list_from, list_to; /* a room list in progress: arrivals still to list */
    int list_again;          /* /who while a list was in progress: another one after it */
    enum { ALIVE, LEFT, DROPPED } state; /* LEFT/DROPPED: removed after the poll walk */
    int announced;           /* LEFT/DROPPED: the others have been told */
    long long arrived_ms;    /* Fix 10: when it connected (monotonic_ms) */
    long long busy_since_ms; /* Fix 8: since when its queue is over BUSY_QUEUE; 0: it is not */
};

static unsigned long arrivals;        /* how many clients have come in so far */
static int spare_fd = -1;             /* kept open for out_of_descriptors() */
static struct timespec paused_until;  /* out of descriptors: don't accept before this */
static int room_busy;                 /* Fix 8: a queue is over BUSY_QUEUE: read from nobody */
static long nick_wait = DEFAULT_NICK_WAIT; /* -w: seconds to send a nickname (Fix 10) */

/* Step 1: the listening socket. Fix 5: one IPv6 socket with IPV6_V6ONLY off takes IPv4
 * clients too (seen as ::ffff:a.b.c.d); without IPv6 we fall back to IPv4. */
static int listen_nonblocking(int port)
{
    int family = AF_INET6, on = 1, off = 0;
    int fd = socket(AF_INET6, SOCK_STREAM, 0);   /* Python: s = socket.socket(...) */
    if (fd < 0 && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) {
        family = AF_INET;
        fd = socket(AF_INET, SOCK_STREAM, 0);
    }
    if (fd < 0)
        fail("socket", NULL);
    if (family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    /* Without SO_REUSEADDR a restart within a minute or two fails with "Address already in
     * use": the old connections linger in TIME_WAIT. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_storage address;
    socklen_t length = any_address(&address, family, port);
    char where[32];
    snprintf(where, sizeof where, "port %d", port);
    if (bind(fd, (struct sockaddr *)&address, length) < 0) /* Python: s.bind(('', PORT)) */
        fail("bind", where);
    /* The notes listen(128). A class joining at once, or chatroom_load's bots, can
     * overflow a queue of 128 while the loop is busy: the kernel then drops their SYNs
     * and they connect a second later, when it is retried. */
    if (listen(fd, 1024) < 0)                               /* Python: s.listen(1024) */
        fail("listen", where);
    /* Non-blocking: poll says "someone is waiting", but they may give up before our
     * accept(); a blocking accept would then stall the whole room. */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);  /* Python: s.setblocking(False) */
    return fd;
}

/* Step 2: room for max_clients clients and their poll entries (calloc: all zero), and the
 * spare descriptor that out_of_descriptors() gives up when accept() runs out. */
static struct pollfd *open_room(void)
{
    clients = calloc(max_clients, sizeof *clients);
    struct pollfd *fds = calloc(max_clients + 1, sizeof *fds);
    if (clients == NULL || fds == NULL) {
        fprintf(stderr, "%s: out of memory for %lu clients\n", PROGRAM, (unsigned long)max_clients);
        exit(1);
    }
    spare_fd = open("/dev/null", O_RDONLY);
    return fds;
}

/* Step 3: everyone may send us lines (POLLIN); those with output waiting also want to hear
 * when the kernel can take more (POLLOUT). The listening socket is left out (fd -1: poll
 * skips it) while accepting is paused. Returns the number of entries.
 * Fix 8: one member sending 2-byte lines non-stop filled the queues of the others faster
 * than any terminal reads, and they were dropped as "not reading" although they read. So
 * the room holds senders back: while anyone's queue is over BUSY_QUEUE, nobody is asked for
 * POLLIN; their lines wait in the kernel, TCP's flow control makes their send() wait, and
 * the room goes at the pace of its readers. A member who does not read holds it up for
 * NOT_READING_MS at most, then is dropped (step 6). */
static nfds_t fill_poll_array(struct pollfd *fds, int server_socket)
{
    fds[0] = (struct pollfd){.fd = listening_paused() ? -1 : server_socket, .events = POLLIN};
    room_busy = 0;
    for (size_t i = 0; i < client_count; i++)
        if (clients[i].queue_len >= BUSY_QUEUE)
            room_busy = 1;
    for (size_t i = 0; i < client_count; i++) {
        short events = room_busy ? 0 : POLLIN;
        if (clients[i].queue_len > 0)
            events |= POLLOUT;
        fds[1 + i] = (struct pollfd){.fd = clients[i].fd, .events = events};
    }
    return 1 + client_count;
}

/* Step 4: poll() until something is ready; while accepting is paused or the room is busy
 * (Fix 8), 100 ms at most; and no longer than the first newcomer without a nickname has
 * left (Fix 10: clients[] is in order of arrival, so that is the first one found).
 * Returns 1 to serve the sockets, 0 to go round: after a signal (EINTR), or when poll
 * fails (said on stderr; stop_requested is then set, so the room closes). */
static int wait_for_events(struct pollfd *fds, nfds_t nfds)
{
    long long timeout = listening_paused() || room_busy ? 100 : -1;
    for (size_t i = 0; i < client_count; i++) {
        if (clients[i].state == ALIVE && clients[i].nick[0] == '\0') {
            long long left = clients[i].arrived_ms + nick_wait * 1000 - monotonic_ms();
            if (timeout < 0 || left < timeout)
                timeout = left > 0 ? left : 0;
            break;
        }
    }
    if (poll(fds, nfds, (int)timeout) >= 0)
        return 1;
    if (errno != EINTR) {
        log_line(stderr, "%s: poll: %s\n", PROGRAM, strerror(errno));
        stop_requested = 1;
    }
    return 0;
}

/* Step 5, for clients[i]: send more of its queue if the kernel can take it (POLLOUT), read
 * what it sent (POLLIN). POLLHUP/POLLERR (the peer closed, the connection broke): recv()
 * tells us which, and still hands over any bytes that arrived before, so read anyway.
 * Fix 8: while the room is busy nobody is read (a broken connection is let go unread), and
 * 1024 bytes at a time, so that one read adds at most 11 KB to anyone's queue (2-byte lines
 * as "<NICK> x", 21 bytes each): a queue stays far below MAX_QUEUE while its reader reads. */
static void serve_client(size_t i, short revents)
{
    struct client *c = &clients[i];
    if (revents == 0 || c->state != ALIVE)
        return;
    if (revents & POLLNVAL) { /* not an open descriptor: cannot happen, but be safe */
        client_left(c);
        return;
    }
    if ((revents & POLLOUT) && flush_queue(c) < 0) {
        client_left(c);
        return;
    }
    if ((revents & (POLLHUP | POLLERR)) && room_busy)
        client_left(c);
    else if ((revents & (POLLIN | POLLHUP | POLLERR)) && !room_busy) {
        char data[1024];
        ssize_t n = recv(c->fd, data, sizeof data, 0);   /* Python: data = conn.recv(1024) */
        if (n > 0)
            handle_bytes(c, data, (size_t)n);
        if (n == 0 && c->line_len > 0) /* Fix 13: `printf 'bye' | nc -N`: its last line */
            handle_bytes(c, "\n", 1);   /* ended by the end of the stream, not a newline */
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
            client_left(c); /* end of stream or error: this client only */
    }
}

/* Step 6: hand the kernel what it will take now and go on with room lists as queues drain;
 * drop who holds the room up without reading (Fix 8) and close who has sent no nickname in
 * time (Fix 10); then announce the departures enqueue() could only mark, and remove every
 * client that is no longer ALIVE, keeping the order of the others. Only after the walk. */
static void flush_and_remove(void)
{
    long long now = monotonic_ms();
    for (size_t i = 0; i < client_count; i++) {
        struct client *c = &clients[i];
        if (c->state == ALIVE && c->queue_len > 0 && flush_queue(c) < 0)
            client_left(c);
        if (c->state == ALIVE && c->busy_since_ms != 0 && now - c->busy_since_ms >= NOT_READING_MS)
            c->state = DROPPED; /* Fix 8: a second over BUSY_QUEUE: it is not reading */
        if (c->state == ALIVE && c->nick[0] == '\0' && now - c->arrived_ms >= nick_wait * 1000) {
            /* Fix 10: five silent connections kept every newcomer of "-m 5" out for as long
             * as they stayed; now a slot without a nickname is held for -w SECONDS at most. */
            char text[64];
            snprintf(text, sizeof text, "* no nickname within %ld s, goodbye", nick_wait);
            tell(c, text);
            flush_queue(c);
            c->state = LEFT;
            log_line(stdout, "Closed %s: no nickname within %ld s\n", c->address, nick_wait);
        }
        continue_listing(c);
    }
    /* Announcing queues lines for others, which may overflow and drop them too: repeat. */
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < client_count; i++) {
            struct client *c = &clients[i];
            if (c->state == ALIVE || c->announced)
                continue;
            c->announced = 1;
            again = 1;
            if (c->nick[0] != '\0') {
                char text[MAX_NICK_BYTES + 32];
                snprintf(text, sizeof text, c->state == DROPPED ? "* %s dropped: not reading"
                                                                : "* %s left", c->nick);
                log_line(stdout, "%s\n", text);
                tell_room(c, text);
            }
        }
    }
    size_t kept = 0;
    for (size_t i = 0; i < client_count; i++) {
        if (clients[i].state == ALIVE) {
            clients[kept++] = clients[i];
        } else {
            close(clients[i].fd);
            free(clients[i].queue);
        }
    }
    client_count = kept;
}

/* Step 7: accept every waiting connection (up to 64 a round, so one busy round cannot
 * starve the members). The listening socket is non-blocking: EAGAIN means nobody is left. */
static void accept_newcomers(int server_socket)
{
    for (int k = 0; k < 64; k++) {
        struct sockaddr_storage client_address;
        socklen_t length = sizeof client_address;
        int fd = accept(server_socket, (struct sockaddr *)&client_address, &length);
        if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
            continue; /* a client gave up while waiting: try the next */
        if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM))
            out_of_descriptors(server_socket); /* Fix 6: turn away, never exit */
        else if (fd < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            log_line(stderr, "%s: accept: %s\n", PROGRAM, strerror(errno));
        if (fd < 0)
            return;
        /* Fix 1: non-blocking: a send() or recv() that would wait returns EAGAIN instead,
         * so one client that stops reading can never hold up the others. */
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        char address[160];
        format_address((struct sockaddr *)&client_address, length, address, sizeof address);
        if (client_count == max_clients) {
            turn_away(fd, address);
            continue;
        }
        /* Left alone, Linux grows a socket's send buffer up to 4 MB: megabytes could pile
         * up for a client that stopped reading before our own queue even started to fill.
         * A fixed 64 KiB (the kernel may double it for its bookkeeping) keeps "not
         * reading" visible. */
        int send_buffer = MAX_QUEUE;
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer);
        struct client *c = &clients[client_count++];
        memset(c, 0, sizeof *c);
        c->fd = fd;
        c->arrival = ++arrivals;
        c->arrived_ms = monotonic_ms();
        c->state = ALIVE;
        snprintf(c->address, sizeof c->address, "%s", address);
        tell(c, "* nickname? (1 to 16 letters, digits, _ or -)");
    }
}

/* Step 8, on SIGINT/SIGTERM: tell everyone, give the messages half a second at most to
 * leave (so the room ends well within a second of the signal, readers or not), close, free
 * the room. */
static void close_room(struct pollfd *fds)
{
    log_line(stdout, "* server closing\n");
    for (size_t i = 0; i < client_count; i++)
        tell(&clients[i], "* server closing");
    long long start = monotonic_ms();
    for (;;) {
        nfds_t n = 0;
        for (size_t i = 0; i < client_count; i++) {
            if (clients[i].state == ALIVE && clients[i].queue_len > 0) {
                if (flush_queue(&clients[i]) < 0)
                    clients[i].state = LEFT;
                else if (clients[i].queue_len > 0)
                    fds[n++] = (struct pollfd){.fd = clients[i].fd, .events = POLLOUT};
            }
        }
        long long elapsed_ms = monotonic_ms() - start;
        if (n == 0 || elapsed_ms >= 500)
            break;
        poll(fds, n, (int)(500 - elapsed_ms));
    }
    for (size_t i = 0; i < client_count; i++) {
        close(clients[i].fd);
        free(clients[i].queue);
    }
    client_count = 0;
    free(fds);
    free(clients);
}

/* Bytes arrived from c: cut them into lines, clean each, handle it. Fix 3: a line is
 * passed on only once its newline has come, whatever pieces recv() returned it in. */
static void handle_bytes(struct client *c, const char *data, size_t len)
{
    for (size_t i = 0; i < len && c->state == ALIVE; i++) {
        unsigned char byte = (unsigned char)data[i];
        if (byte == '\n') {
            if (c->discarding) { /* end of a too-long line: start afresh */
                c->discarding = 0;
                continue;
            }
            /* Fix 4: remove control bytes (ESC among them: "\e[2J" would clear the screen
             * of everyone who sees it) and DEL; keep tab and printable ASCII. Fix 9: and the
             * C1 controls, U+0080 to U+009F: in UTF-8 "\xc2\x9b" is CSI, which terminals
             * obey like ESC [. Above 0x7f only well-formed UTF-8 text (utf8_sequence) is
             * kept, so 中文 passes and a stray 0x9b (CSI to an 8-bit terminal) does not. */
            char clean[MAX_LINE + 2];
            size_t n = 0;
            for (size_t k = 0; k < c->line_len; k++) {
                const unsigned char *p = (const unsigned char *)c->line + k;
                size_t keep = *p >= 0x80 ? utf8_sequence(p, c->line_len - k)
                                         : (size_t)((*p >= 0x20 && *p != 0x7f) || *p == '\t');
                memcpy(clean + n, p, keep);
                n += keep;
                k += keep > 1 ? keep - 1 : 0;
            }
            clean[n] = '\0';
            /* A nickname is taken as it was typed or refused, never cleaned into another
             * name ("a\xffb" would become "ab"): only the CR of a CRLF may be removed. */
            size_t typed = c->line_len - (c->line_len > 0 && c->line[c->line_len - 1] == '\r');
            c->line_len = 0;
            if (c->nick[0] == '\0' && n != typed)
                tell(c, BAD_NICK);
            else
                handle_line(c, clean);
        } else if (c->discarding) {
            continue;
        } else if (c->line_len == MAX_LINE + 1 || (c->line_len == MAX_LINE && byte != '\r')) {
            /* The 513th byte without a newline. Fix 11: unless it is a CR, which may end the
             * line (CRLF, as telnet and nc -C send): 512 + "\r\n" passes like 512 + "\n". */
            tell(c, "* line too long (at most 512 bytes)");
            c->line_len = 0;
            c->discarding = 1;
        } else {
            c->line[c->line_len++] = (char)byte;
        }
    }
}

/* One complete line from c (newline removed, control bytes already removed). */
static void handle_line(struct client *c, const char *line)
{
    char text[MAX_LINE + MAX_NICK_BYTES + 8];
    if (strcmp(line, "/quit") == 0) {
        if (c->nick[0] != '\0') {
            snprintf(text, sizeof text, "* bye %s", c->nick);
            tell(c, text);
        }
        flush_queue(c); /* best effort: whatever the kernel takes now, the client gets */
        client_left(c);
        return;
    }
    if (c->nick[0] == '\0') { /* not in the room yet: this line is a nickname */
        if (!valid_nick(line)) {
            tell(c, BAD_NICK);
            return;
        }
        for (size_t i = 0; i < client_count; i++) {
            if (clients[i].state == ALIVE && strcmp(clients[i].nick, line) == 0) {
                snprintf(text, sizeof text, "* nickname taken: %s", line);
                tell(c, text);
                return;
            }
        }
        memcpy(c->nick, line, strlen(line) + 1); /* valid_nick: 64 bytes at most, it fits */
        c->nick_width = display_width(c->nick);
        snprintf(text, sizeof text, "* welcome %s", c->nick);
        tell(c, text);
        start_listing(c);
        snprintf(text, sizeof text, "* %s joined", c->nick);
        log_line(stdout, "%s (%s)\n", text, c->address);
        tell_room(c, text);
        return;
    }
    if (strcmp(line, "/who") == 0) {
        start_listing(c);
        return;
    }
    if (line[0] == '\0') /* nothing left after cleaning: nothing to pass on */
        return;
    snprintf(text, sizeof text, "<%s> %s", c->nick, line); /* Fix 3: who said it */
    tell_room(c, text);
}

/* The room list for c: everyone named, in order of arrival, in columns a terminal shows:
 *     * in the room: 小明                             José
 *     *              Ünal
 * Each name is padded to NICK_COLUMNS (32), the widest a nickname can be, counted in
 * terminal columns (display_width), not bytes: printf's "%-32s" counts bytes, and would
 * give 小明 (6 bytes, 4 columns) 26 spaces and José (5 bytes) 27, so no column would line
 * up. A big room's list does not fit one 64 KiB queue (3,700 nicknames of 16 letters make
 * 120 KB), and dropping a reader as "not reading" for lines the server itself made would be
 * wrong. So the list is queued NAMES_PER_PIECE names at a time, and only while the queue is
 * under half of BUSY_QUEUE (so the list alone never holds the room up: Fix 8):
 * continue_listing() queues more as it drains (step 6). A list shows who was in the room
 * when it was asked for, less whoever has left since. */
static void start_listing(struct client *c)
{
    if (c->list_from != 0) { /* a list is still on its way: send another after it */
        c->list_again = 1;
        return;
    }
    c->list_from = 1;
    c->list_to = arrivals;
    continue_listing(c);
}

/* The index of the first client that arrived as number `arrival` or later: a binary search,
 * since clients[] stays in order of arrival (appended at the end, compacted in order). */
static size_t first_arrived_since(unsigned long arrival)
{
    size_t low = 0, high = client_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (clients[middle].arrival < arrival)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

static void continue_listing(struct client *c)
{
    while (c->list_from != 0 && c->state == ALIVE && c->queue_len < BUSY_QUEUE / 2) {
        /* A piece: rows of 15 + 1 bytes (start and newline), names of 64 bytes at most and
         * the spaces that pad them to the next column (33 at most). */
        char piece[64 + NAMES_PER_PIECE * (16 + MAX_NICK_BYTES + NICK_COLUMNS + 1)];
        size_t used = 0;
        int names = 0, width = 0;
        size_t i = first_arrived_since(c->list_from);
        /* The list's first row says what it is; every other row, of this piece or the next,
         * starts with as many columns, so that the names line up under the first row's. */
        append(piece, &used, c->list_from == 1 ? "* in the room: " : "*              ");
        c->list_from = 0; /* done, unless another name is found after this piece's last */
        for (; i < client_count && clients[i].arrival <= c->list_to; i++) {
            if (clients[i].state != ALIVE || clients[i].nick[0] == '\0')
                continue;
            if (names == NAMES_PER_PIECE) { /* one more: the list goes on from it */
                c->list_from = clients[i].arrival;
                break;
            }
            if (names > 0 && names % NAMES_PER_ROW == 0) {
                append(piece, &used, "\n*              ");
            } else if (names > 0) { /* the previous name, padded to its full column, and a space */
                memset(piece + used, ' ', (size_t)(NICK_COLUMNS + 1 - width));
                used += (size_t)(NICK_COLUMNS + 1 - width);
            }
            append(piece, &used, clients[i].nick);
            width = clients[i].nick_width;
            names++;
        }
        if (names == 0) /* everyone still to list has left since the previous piece */
            append(piece, &used, "(the others have left)");
        append(piece, &used, "\n");
        enqueue(c, piece, used);
        if (c->list_from == 0 && c->list_again) {
            c->list_again = 0;
            c->list_from = 1;
            c->list_to = arrivals;
        }
    }
}

/* Append text to line at *used (the caller made line big enough). A lot faster than
 * snprintf, which matters here: each newcomer to a room of thousands gets the list. */
static void append(char *line, size_t *used, const char *text)
{
    size_t length = strlen(text);
    memcpy(line + *used, text, length);
    *used += length;
}

/* How many columns of a terminal NICK (a valid nickname) takes: one for most characters,
 * two for the wide ones of Chinese, Japanese and Korean (小明 takes 4), none for a mark
 * that combines with the letter before it (the vowel signs of Hindi). wcwidth knows, under
 * a Unicode locale: uselocale sets unicode_locale() for this thread, for this loop only.
 * With no Unicode locale, nicknames are ASCII: a column a byte. */
static int display_width(const char *nick)
{
    const unsigned char *s = (const unsigned char *)nick;
    size_t length = strlen(nick), n;
    int width = 0;
    locale_t unicode = unicode_locale();
    locale_t before = unicode != (locale_t)0 ? uselocale(unicode) : (locale_t)0;
    for (size_t i = 0; i < length; i += n) {
        n = s[i] < 0x80 ? 1 : utf8_sequence(s + i, length - i);
        if (n < 2) { /* ASCII (or a byte that is not UTF-8, which valid_nick refuses) */
            n = 1;
            width++;
            continue;
        }
        int w = wcwidth((wchar_t)code_point(s + i, n));
        width += w < 0 ? 1 : w; /* (-1: not printable, which valid_nick refuses) */
    }
    if (unicode != (locale_t)0)
        uselocale(before);
    return width < NICK_COLUMNS ? width : NICK_COLUMNS;
}

/* Queue one line (a newline is added) for c. */
static void tell(struct client *c, const char *text)
{
    enqueue(c, text, strlen(text));
    enqueue(c, "\n", 1);
}

/* Queue one line for everyone in the room (named, still here) except `except`. */
static void tell_room(const struct client *except, const char *text)
{
    char buf[MAX_LINE + MAX_NICK_BYTES + 8];
    int n = snprintf(buf, sizeof buf, "%s\n", text);
    if (n <= 0)
        return;
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    for (size_t i = 0; i < client_count; i++)
        if (&clients[i] != except && clients[i].nick[0] != '\0')
            enqueue(&clients[i], buf, len);
}

/* Queue len bytes for c. Fix 1: if the queue would pass MAX_QUEUE even after handing the
 * kernel all it will take, c is not reading: mark it DROPPED (announced in step 6). Never
 * blocks: a blocking send() to a member who stopped reading would stall the whole room.
 * (Since Fix 8 a reader's queue stops near BUSY_QUEUE: MAX_QUEUE only bounds memory.) */
static void enqueue(struct client *c, const char *data, size_t len)
{
    if (c->state != ALIVE)
        return;
    if (c->queue_len + len > MAX_QUEUE && flush_queue(c) < 0) {
        c->state = LEFT; /* broken connection: announced in step 6 */
        return;
    }
    if (c->queue_len + len > MAX_QUEUE) {
        c->state = DROPPED;
        return;
    }
    if (c->queue_len + len > c->queue_cap) { /* grow: double, up to MAX_QUEUE */
        size_t cap = c->queue_cap ? c->queue_cap : 1024;
        while (cap < c->queue_len + len)
            cap *= 2;
        if (cap > MAX_QUEUE)
            cap = MAX_QUEUE;
        char *bigger = realloc(c->queue, cap);
        if (bigger == NULL) { /* out of memory: treat like a client we cannot serve */
            c->state = DROPPED;
            return;
        }
        c->queue = bigger;
        c->queue_cap = cap;
    }
    memcpy(c->queue + c->queue_len, data, len);
    c->queue_len += len;
    if (c->queue_len >= BUSY_QUEUE) { /* Fix 8: the room waits for c now (see step 3) */
        room_busy = 1;
        if (c->busy_since_ms == 0)
            c->busy_since_ms = monotonic_ms();
    }
}

/* Send what the kernel will take of c's queue right now, without waiting. Returns 0, or -1
 * if the connection is broken (the caller then removes the client). */
static int flush_queue(struct client *c)
{
    size_t sent = 0;
    while (sent < c->queue_len) {
        ssize_t n = send(c->fd, c->queue + sent, c->queue_len - sent, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break; /* the kernel's buffer for this socket is full: try again on POLLOUT */
        if (n < 0)
            return -1;
        sent += (size_t)n;
    }
    if (sent > 0) { /* (with nothing queued, queue may still be NULL) */
        memmove(c->queue, c->queue + sent, c->queue_len - sent);
        c->queue_len -= sent;
    }
    if (c->queue_len < BUSY_QUEUE)
        c->busy_since_ms = 0; /* Fix 8: it reads */
    return 0;
}

/* Mark c as gone (it quit, closed, or broke); announce it if it had joined. */
static void client_left(struct client *c)
{
    if (c->state != ALIVE)
        return;
    c->state = LEFT;
    c->announced = 1;
    if (c->nick[0] != '\0') {
        char text[MAX_NICK_BYTES + 16];
        snprintf(text, sizeof text, "* %s left", c->nick);
        log_line(stdout, "%s\n", text);
        tell_room(c, text);
    }
}

/* Say "* room full, try again later" to a newcomer and close. Read what it already sent
 * (its nickname, usually) first: closing with unread data makes the kernel send a reset,
 * which could throw away our message before the newcomer reads it. */
static void turn_away(int fd, const char *address)
{
    char scrap[1024];
    while (recv(fd, scrap, sizeof scrap, 0) > 0) /* non-blocking: stops when nothing is left */
        ;
    static const char full[] = "* room full, try again later\n";
    ssize_t ignored = send(fd, full, sizeof full - 1, 0);
    (void)ignored; /* best effort: it fits in any socket buffer */
    shutdown(fd, SHUT_WR);
    close(fd);
    log_line(stdout, "Room full: turned away %s\n", address);
}

/* Fix 6: accept() failed for want of a descriptor (EMFILE: this process's limit, reached when
 * descriptors we inherited use up what MAX_CLIENTS did not count; ENFILE: the system's).
 * The newcomer stays in the listen queue, so poll() reports the listening socket ready
 * again at once: a plain retry spins at full speed, an error line each turn, while the
 * newcomers wait in silence. Two ways out: stop polling the listening socket for a moment
 * (the newcomers still wait, not knowing why), or the spare-descriptor technique: close a
 * descriptor kept for this, accept into it, turn the newcomer away, take the spare back.
 * We use the spare, so the newcomer gets an answer; with one thread nothing can take the
 * freed descriptor between close() and accept(). If there is no spare (the system is out,
 * or it was memory that failed), we stop polling the listening socket for 100 ms.
 * Either way, stderr hears of it at most once a second. */
static void out_of_descriptors(int server_socket)
{
    static struct timespec last_said;
    int saved_errno = errno;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long since_ms = (now.tv_sec - last_said.tv_sec) * 1000 +
                    (now.tv_nsec - last_said.tv_nsec) / 1000000;
    int descriptors = saved_errno == EMFILE || saved_errno == ENFILE;
    if (last_said.tv_sec == 0 || since_ms >= 1000) {
        log_line(stderr, "%s: accept: %s (%s; said at most once a second)\n", PROGRAM,
                strerror(saved_errno),
                descriptors ? "turning newcomers away" : "not accepting for 100 ms");
        last_said = now;
    }
    if (descriptors && spare_fd >= 0) {
        close(spare_fd);
        struct sockaddr_storage client_address;
        socklen_t length = sizeof client_address;
        int fd = accept(server_socket, (struct sockaddr *)&client_address, &length);
        if (fd >= 0) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
            char address[160];
            format_address((struct sockaddr *)&client_address, length, address, sizeof address);
            turn_away(fd, address);
        }
        spare_fd = open("/dev/null", O_RDONLY);
        if (fd >= 0 && spare_fd >= 0)
            return;
    }
    paused_until = now;
    paused_until.tv_nsec += 100 * 1000000L;
    if (paused_until.tv_nsec >= 1000000000L) {
        paused_until.tv_sec++;
        paused_until.tv_nsec -= 1000000000L;
    }
}

/* Is accepting paused (out_of_descriptors() could not turn a newcomer away)? Step 3 then
 * leaves the listening socket out of the poll array, and step 4 wakes up after 100 ms at
 * the latest to try again. */
static int listening_paused(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec < paused_until.tv_sec ||
           (now.tv_sec == paused_until.tv_sec && now.tv_nsec < paused_until.tv_nsec);
}

/* ---- begin canonical: valid_nick ---- */
/* A nickname is 1 to MAX_NICK (16) characters, not bytes (小明 is 2 characters in 6 bytes),
 * each a letter or a digit of any script (José, Ünal, 小明, Алёна), '_' or '-': the client
 * checks before it connects, the server when a newcomer sends one. Which characters are
 * letters or digits is Unicode's to say, in tables far too long to copy here; the C library
 * has them, and iswalnum_l answers for a locale whose characters are Unicode (unicode_locale).
 * Refused whatever those tables say, because with them one name can pass for another: the
 * spaces, the characters that take no room at all (zero-width space, joiners, the Hangul
 * fillers: letters that draw nothing), the bidirectional controls (U+202E, put before
 * "ecila", shows "alice"), the byte order mark, the C1 controls; and bytes that are not UTF-8
 * (utf8_sequence says 0). With no Unicode locale on the machine: ASCII letters and digits. */
static int valid_nick(const char *nick)
{
    static const unsigned long refused[][2] = {
        {0x0080, 0x00a0}, /* the C1 controls, the no-break space */
        {0x115f, 0x1160}, {0x3164, 0x3164}, {0xffa0, 0xffa0}, /* the Hangul fillers */
        {0x1680, 0x1680}, {0x180e, 0x180e}, /* Ogham space mark, Mongolian vowel separator */
        {0x2000, 0x200f}, /* spaces of every width, zero-width space and joiners, LRM, RLM */
        {0x2028, 0x202f}, /* line, paragraph separators; embeddings, overrides; a space */
        {0x205f, 0x206f}, /* a space, word joiner, invisible operators, isolates (U+2066) */
        {0x3000, 0x3000}, {0xfeff, 0xfeff}, /* ideographic space, byte order mark */
    };
    const unsigned char *s = (const unsigned char *)nick;
    size_t length = strlen(nick), characters = 0, n;
    for (size_t i = 0; i < length; i += n) {
        if (++characters > MAX_NICK)
            return 0;
        if (s[i] < 0x80) { /* ASCII: no space, control or punctuation but '_' and '-' */
            n = 1;
            if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                  (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
                return 0;
            continue;
        }
        n = utf8_sequence(s + i, length - i);
        if (n == 0)
            return 0;
        unsigned long c = code_point(s + i, n);
        for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++)
            if (c >= refused[k][0] && c <= refused[k][1])
                return 0;
        if (unicode_locale() == (locale_t)0 || !iswalnum_l((wint_t)c, unicode_locale()))
            return 0;
    }
    return characters > 0;
}

/* The code point (U+XXXX) of the N bytes of UTF-8 at S, N from 2 to 4 (utf8_sequence): the
 * first byte gives its low 7 - N bits, each byte after it 6 more. */
static unsigned long code_point(const unsigned char *s, size_t n)
{
    unsigned long c = s[0] & (0x7fu >> n);
    for (size_t i = 1; i < n; i++)
        c = c << 6 | (s[i] & 0x3fu);
    return c;
}

/* A locale whose characters are Unicode (its codeset is UTF-8), for iswalnum_l (and the
 * server's wcwidth): the first of "C.UTF-8" (Debian, Alpine, glibc 2.35 and later),
 * "en_US.UTF-8" (macOS, most other systems) and the user's own (LANG, LC_ALL: "") that is
 * UTF-8, or (locale_t)0 if none is. newlocale only makes the object, for the calls that are
 * given it: the program's own locale stays "C", so nothing else it prints changes, and while
 * C.UTF-8 exists, LANG and LC_ALL change no answer. Looked for once. */
static locale_t unicode_locale(void)
{
    static const char *const names[] = {"C.UTF-8", "en_US.UTF-8", ""};
    static locale_t found;
    static int looked;
    if (looked)
        return found;
    looked = 1;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && found == (locale_t)0; i++) {
        locale_t candidate = newlocale(LC_CTYPE_MASK, names[i], (locale_t)0);
        if (candidate == (locale_t)0)
            continue; /* not on this machine */
        if (strcmp(nl_langinfo_l(CODESET, candidate), "UTF-8") == 0)
            found = candidate;
        else
            freelocale(candidate);
    }
    return found;
}
/* ---- end canonical: valid_nick ---- */

/* ---- Plumbing: read after the lesson ---- */

/* Options first, then the operand (a plain getopt loop; "+": stop at the first operand).
 * Returns the port. */
static long parse_arguments(int argc, char *argv[])
{
    int opt;
    long max = DEFAULT_MAX_CLIENTS;
    opterr = 0; /* we print our own messages */
    while ((opt = next_option(argc, argv, "+hm:w:")) != -1) {
        if (opt == 'h') {
            printf("%s\n%s\n", USAGE, DESCRIPTION);
            exit(0);
        }
        if (opt == 'm')
            max = number_argument(optarg, "max clients", 1, MAX_MAX_CLIENTS);
        if (opt == 'w')
            nick_wait = number_argument(optarg, "nickname wait", 1, MAX_NICK_WAIT);
        if (opt == '?' && (optopt == 'm' || optopt == 'w'))
            usage_error("option '-%c' needs a value (try '%s -h')", optopt, PROGRAM);
        if (opt == '?')
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
    }
    if (argc - optind > 1)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    max_clients = (size_t)max;
    const char *port_text = optind < argc ? argv[optind] : DEFAULT_PORT;
    return number_argument(port_text, "port", 0, 65535);
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

/* Every client is a descriptor: raise the limit on open files (ulimit -n) towards what
 * max_clients needs (raise_descriptor_limit). If that is still too few, lower max_clients
 * to fit, so that the excess is told "* room full" rather than left waiting, and say so
 * in note (printed after "Listening on port N"). */
static void fit_descriptor_limit(char *note, size_t size)
{
    rlim_t needed = (rlim_t)max_clients + KEPT_DESCRIPTORS;
    rlim_t limit = raise_descriptor_limit(needed);
    if (limit >= needed)
        return;
    size_t fit = limit > KEPT_DESCRIPTORS + 1 ? (size_t)limit - KEPT_DESCRIPTORS : 1;
    snprintf(note, size, "Room limit %lu, not %lu: the open file limit is %lu (ulimit -n)\n",
             (unsigned long)fit, (unsigned long)max_clients, (unsigned long)limit);
    max_clients = fit;
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

/* Fix 12: one line of the log (or two: the first line and the limit note) on STREAM, written
 * only if it can be written now: "chatroom_server | sleep 300" fills the pipe after 64 KiB,
 * and a plain printf then blocked the whole room in write() (and a signal could not end it).
 * poll() says whether the stream takes more; a pipe with room for one more write of up to
 * 4 KiB takes it whole. A line that cannot go is counted, and the count goes out before the
 * next line that can. One write() per call: no stdio buffer keeps half a line for later. */
static void log_line(FILE *stream, const char *format, ...)
{
    static unsigned long unwritten;
    char text[768];
    int used = 0;
    struct pollfd out = {.fd = fileno(stream), .events = POLLOUT, .revents = 0};
    if (poll(&out, 1, 0) != 1 || !(out.revents & POLLOUT)) {
        unwritten++;
        return;
    }
    if (unwritten > 0)
        used = snprintf(text, sizeof text, "(%lu log lines not written: the output was full)\n",
                        unwritten);
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(text + used, sizeof text - (size_t)used, format, arguments);
    va_end(arguments);
    if (write(out.fd, text, strlen(text)) < 0) {
        unwritten++;
        return;
    }
    unwritten = 0;
}

/* Now, in milliseconds, on a clock that only goes forward (not the time of day, which may
 * jump): for timeouts. */
static long long monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
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
