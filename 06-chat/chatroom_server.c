/*
 * chatroom_server.c: a chat room served by ONE thread that waits on every socket at once
 * with poll(): anyone may speak at any time and everyone else sees the line.
 *
 * Usage: chatroom_server [-m MAX_CLIENTS] [PORT]
 *
 * Beyond the notes' 1:1 chat: anyone may speak at any time, and one thread polls every
 * member (lesson 04's mt_server gives each a thread). Your first line is your nickname, then
 * each line (512 bytes at most) reaches the others as "<NICK> text". The README has them all.
 *
 * What chatroom_server_basic.c gets wrong:
 *  1. A member who stops reading stalls the room: send() blocks. Queued; dropped past 64 KiB.
 *  2. A member gone while we send to him: SIGPIPE ends the room (exit 141). Ignored: he leaves.
 *  3. Chunks pass as they come: half lines, two people's merged, no names. "<NICK> line".
 *  4. ESC[2J from one member clears everyone's terminal. Control bytes removed.
 *  5. IPv4 only: a member of ::1 is refused. One IPv6 socket takes both families.
 *  6. Out of descriptors, accept() fails and the room exits. "* room full", the room goes on.
 *  7. Port by atoi: "abc" listens on a random port. Refused (exit 2).
 *
 * Try:
 *   terminal 1: ./chatroom_server 12346
 *   terminals 2 and 3: ./chatroom_client localhost 12346 alice (and bob)
 *
 * See also: chatroom_server_basic.c (version 1), chatroom_client.c, chatroom_load.c,
 * ../04-multithread-server/mt_server.c (a thread per client instead of poll).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
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

#define PROG "chatroom_server"
#define USAGE "Usage: chatroom_server [-m MAX_CLIENTS] [PORT]"
#define DESCRIPTION                                                                        \
    "A chat room on one thread with poll(): every line a member sends reaches the others.\n" \
    "PORT defaults to 12346 (0: the OS picks one); -m: at most MAX_CLIENTS connections\n"    \
    "(default 1000, 1 to 100000), newcomers past it are told the room is full."
#define DEFAULT_PORT "12346"
#define DEFAULT_MAX_CLIENTS 1000
#define MAX_MAX_CLIENTS 100000
#define KEPT_DESCRIPTORS 16    /* not for clients: stdio, listening socket, spare, C library */
#define MAX_NICK 16
#define MAX_LINE 512           /* bytes before the newline */
#define MAX_QUEUE (64 * 1024)  /* other people's lines held for one client before we give up */
#define NAMES_PER_LINE 20      /* the room list is written this many names a line */

struct client;                          /* one member: see "The steps" below main */
static struct client *clients;          /* clients[0..client_count), in order of arrival */
static size_t client_count, max_clients;
static volatile sig_atomic_t stop_requested; /* set by SIGINT/SIGTERM */

static const char *parse_arguments(int argc, char *argv[]); /* -m, PORT: the port text */
static void fit_descriptor_limit(char *note, size_t size); /* max_clients vs ulimit -n */
static void catch_stop_signals(void);       /* SIGINT/SIGTERM set stop_requested */
static int listen_on(int port);             /* step 1: socket, bind, listen, non-blocking */
static int bound_port(int fd);              /* the port bind() really took */
static struct pollfd *open_room(void);      /* step 2: clients[], the poll array, the spare */
static int listening_paused(void);          /* out of descriptors: not accepting for 100 ms */
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
static int valid_nick(const char *nick);    /* 1 to 16 letters, digits, _ or - */
static size_t first_arrived_since(unsigned long arrival); /* index in clients[] */
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help */
static long parse_number(const char *text, long low, long high); /* digits only, or -1 */
_Noreturn static void usage_error(const char *format, ...); /* one line, exit 2 */
_Noreturn static void fail(const char *call, const char *address); /* one line, exit 1 */
static void on_stop_signal(int signal_number); /* the SIGINT/SIGTERM handler */
static socklen_t any_address(struct sockaddr_storage *address, int family, int port);
static void format_address(const struct sockaddr *a, socklen_t n, char *out, size_t size);

int main(int argc, char *argv[])
{
    long port = strtol(parse_arguments(argc, argv), NULL, 10); /* Fix 7: 0..65535, or exit 2 */
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: tests and pipes see each line at once */
    /* Fix 2: sending to a client that has gone raises SIGPIPE, which would kill the whole
     * room; ignored, send() fails with EPIPE instead and we remove that one client. */
    signal(SIGPIPE, SIG_IGN);
    char limit_note[128] = "";
    fit_descriptor_limit(limit_note, sizeof limit_note);
    catch_stop_signals();

    /* 1. The listening socket, as in lesson 03, but non-blocking (see listen_on).
     *    Python: s = socket.socket(...); s.bind(('', 12346)); s.listen(1024) */
    int server_socket = listen_on((int)port);
    printf("Listening on port %d\n%s", bound_port(server_socket), limit_note);

    /* 2. The room: clients[] in order of arrival, and the poll array: fds[0] is the
     *    listening socket, fds[1 + i] is clients[i]. */
    struct pollfd *fds = open_room();

    while (!stop_requested) {
        /* 3. Fill the array afresh: everyone may send us lines (POLLIN); those with output
         *    waiting also want to hear when they can take more (POLLOUT). */
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

/* ---- The steps, one function each ---- */

/* What we know about one connected client. */
struct client {
    int fd;
    unsigned long arrival;   /* 1, 2, 3...: clients[] is sorted by it */
    char address[160];       /* "127.0.0.1 port 51528", for the server's log */
    char nick[MAX_NICK + 1]; /* empty until the client has chosen one */
    char line[MAX_LINE];     /* the line being received (no newline yet) */
    size_t line_len;
    int discarding;          /* 1: inside a line that was too long, skip to its newline */
    char *queue;             /* output not yet taken by the kernel: queue[0..queue_len) */
    size_t queue_len, queue_cap;
    unsigned long list_from, list_to; /* a room list in progress: arrivals still to list */
    int list_again;          /* /who while a list was in progress: another one after it */
    enum { ALIVE, LEFT, DROPPED } state; /* LEFT/DROPPED: removed after the poll walk */
    int announced;           /* LEFT/DROPPED: the others have been told */
};

static unsigned long arrivals;        /* how many clients have come in so far */
static int spare_fd = -1;             /* kept open for out_of_descriptors() */
static struct timespec paused_until;  /* out of descriptors: don't accept before this */

/* Step 1: the listening socket. Fix 5: one IPv6 socket with IPV6_V6ONLY off takes IPv4
 * clients too (seen as ::ffff:a.b.c.d); without IPv6 we fall back to IPv4. */
static int listen_on(int port)
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
        fprintf(stderr, "%s: out of memory for %lu clients\n", PROG, (unsigned long)max_clients);
        exit(1);
    }
    spare_fd = open("/dev/null", O_RDONLY);
    return fds;
}

/* Step 3: everyone may send us lines (POLLIN); those with output waiting also want to hear
 * when the kernel can take more (POLLOUT). The listening socket is left out (fd -1: poll
 * skips it) while accepting is paused. Returns the number of entries. */
static nfds_t fill_poll_array(struct pollfd *fds, int server_socket)
{
    fds[0] = (struct pollfd){.fd = listening_paused() ? -1 : server_socket, .events = POLLIN};
    for (size_t i = 0; i < client_count; i++) {
        short events = POLLIN;
        if (clients[i].queue_len > 0)
            events |= POLLOUT;
        fds[1 + i] = (struct pollfd){.fd = clients[i].fd, .events = events};
    }
    return 1 + client_count;
}

/* Step 4: poll() until something is ready (or, while accepting is paused, 100 ms at most).
 * Returns 1 to serve the sockets, 0 to go round: after a signal (EINTR), or when poll
 * fails (said on stderr; stop_requested is then set, so the room closes). */
static int wait_for_events(struct pollfd *fds, nfds_t nfds)
{
    if (poll(fds, nfds, listening_paused() ? 100 : -1) >= 0)
        return 1;
    if (errno != EINTR) {
        fprintf(stderr, "%s: poll: %s\n", PROG, strerror(errno));
        stop_requested = 1;
    }
    return 0;
}

/* Step 5, for clients[i]: send more of its queue if the kernel can take it (POLLOUT), read
 * what it sent (POLLIN). POLLHUP/POLLERR (the peer closed, the connection broke): recv()
 * tells us which, and still hands over any bytes that arrived before, so read anyway. */
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
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        char data[4096];
        ssize_t n = recv(c->fd, data, sizeof data, 0);   /* Python: data = conn.recv(4096) */
        if (n > 0)
            handle_bytes(c, data, (size_t)n);
        else if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
            client_left(c); /* end of stream or error: this client only */
    }
}

/* Step 6: hand the kernel what it will take now and go on with room lists as queues drain;
 * then announce the departures enqueue() could only mark, and remove every client that is
 * no longer ALIVE, keeping the order of the others. Only ever called after the walk. */
static void flush_and_remove(void)
{
    for (size_t i = 0; i < client_count; i++) {
        struct client *c = &clients[i];
        if (c->state == ALIVE && c->queue_len > 0 && flush_queue(c) < 0)
            client_left(c);
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
                char text[MAX_NICK + 32];
                snprintf(text, sizeof text, c->state == DROPPED ? "* %s dropped: not reading"
                                                                : "* %s left", c->nick);
                printf("%s\n", text);
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
            fprintf(stderr, "%s: accept: %s\n", PROG, strerror(errno));
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
        c->state = ALIVE;
        snprintf(c->address, sizeof c->address, "%s", address);
        tell(c, "* nickname? (1 to 16 letters, digits, _ or -)");
    }
}

/* Step 8, on SIGINT/SIGTERM: tell everyone, give the messages up to a second to leave,
 * close, free the room. */
static void close_room(struct pollfd *fds)
{
    printf("* server closing\n");
    for (size_t i = 0; i < client_count; i++)
        tell(&clients[i], "* server closing");
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
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
        clock_gettime(CLOCK_MONOTONIC, &now);
        long elapsed_ms = (now.tv_sec - start.tv_sec) * 1000 +
                          (now.tv_nsec - start.tv_nsec) / 1000000;
        if (n == 0 || elapsed_ms >= 1000)
            break;
        poll(fds, n, (int)(1000 - elapsed_ms));
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
             * of everyone who sees it) and DEL; keep tab and everything from 0x20 up. */
            char clean[MAX_LINE + 1];
            size_t n = 0;
            for (size_t k = 0; k < c->line_len; k++) {
                unsigned char ch = (unsigned char)c->line[k];
                if ((ch >= 0x20 && ch != 0x7f) || ch == '\t')
                    clean[n++] = (char)ch;
            }
            clean[n] = '\0';
            c->line_len = 0;
            handle_line(c, clean);
        } else if (c->discarding) {
            continue;
        } else if (c->line_len == MAX_LINE) { /* 513th byte without a newline */
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
    char text[MAX_LINE + MAX_NICK + 8];
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
            tell(c, "* bad nickname: use 1 to 16 letters, digits, _ or -");
            return;
        }
        for (size_t i = 0; i < client_count; i++) {
            if (clients[i].state == ALIVE && strcmp(clients[i].nick, line) == 0) {
                snprintf(text, sizeof text, "* nickname taken: %s", line);
                tell(c, text);
                return;
            }
        }
        snprintf(c->nick, sizeof c->nick, "%s", line);
        snprintf(text, sizeof text, "* welcome %s", c->nick);
        tell(c, text);
        start_listing(c);
        snprintf(text, sizeof text, "* %s joined", c->nick);
        printf("%s (%s)\n", text, c->address);
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

/* "* in the room: a, b, c": everyone named, in order of arrival. A big room's list does not
 * fit one 64 KiB queue (3,700 nicknames of 16 letters make 66 KB), and dropping a reader as
 * "not reading" for a line the server itself made would be wrong. So the list is written
 * NAMES_PER_LINE names a line, every line but the last ending in ", ...", and only while
 * the queue is under half full: continue_listing() writes more as it drains (step 6). A
 * list shows who was in the room when it was asked for, less whoever has left since. */
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
    while (c->list_from != 0 && c->state == ALIVE && c->queue_len < MAX_QUEUE / 2) {
        char line[64 + NAMES_PER_LINE * (MAX_NICK + 2)];
        size_t used = 0;
        int names = 0;
        size_t i = first_arrived_since(c->list_from);
        c->list_from = 0; /* done, unless another name is found after this line's last */
        append(line, &used, "* in the room:");
        for (; i < client_count && clients[i].arrival <= c->list_to; i++) {
            if (clients[i].state != ALIVE || clients[i].nick[0] == '\0')
                continue;
            if (names == NAMES_PER_LINE) { /* one more: the list goes on from it */
                c->list_from = clients[i].arrival;
                append(line, &used, ", ...");
                break;
            }
            append(line, &used, names++ ? ", " : " ");
            append(line, &used, clients[i].nick);
        }
        if (names == 0) /* everyone still to list has left since the previous line */
            append(line, &used, " (the others have left)");
        append(line, &used, "\n");
        enqueue(c, line, used);
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

/* Queue one line (a newline is added) for c. */
static void tell(struct client *c, const char *text)
{
    enqueue(c, text, strlen(text));
    enqueue(c, "\n", 1);
}

/* Queue one line for everyone in the room (named, still here) except `except`. */
static void tell_room(const struct client *except, const char *text)
{
    char buf[MAX_LINE + MAX_NICK + 8];
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
 * blocks: a blocking send() to a member who stopped reading would stall the whole room. */
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
        char text[MAX_NICK + 16];
        snprintf(text, sizeof text, "* %s left", c->nick);
        printf("%s\n", text);
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
    printf("Room full: turned away %s\n", address);
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
        fprintf(stderr, "%s: accept: %s (%s; said at most once a second)\n", PROG,
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

/* A nickname is 1 to 16 letters, digits, '_' or '-'. */
static int valid_nick(const char *nick)
{
    size_t len = strlen(nick);
    if (len < 1 || len > MAX_NICK)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = nick[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
}

/* ---- Plumbing: read after the lesson ---- */

/* Options first, then the operand (a plain getopt loop; "+": stop at the first operand). */
static const char *parse_arguments(int argc, char *argv[])
{
    int opt;
    long max = DEFAULT_MAX_CLIENTS;
    opterr = 0; /* we print our own messages */
    while ((opt = next_option(argc, argv, "+hm:")) != -1) {
        if (opt == 'h') {
            printf("%s\n%s\n", USAGE, DESCRIPTION);
            exit(0);
        }
        if (opt == 'm' && (max = parse_number(optarg, 1, MAX_MAX_CLIENTS)) < 0)
            usage_error("bad max clients '%s': expected a number from 1 to %d", optarg,
                        MAX_MAX_CLIENTS);
        if (opt == '?' && optopt == 'm')
            usage_error("option '-m' needs a value (try '%s -h')", PROG);
        if (opt == '?')
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROG);
    }
    if (argc - optind > 1)
        usage_error("too many operands (try '%s -h')", PROG);
    max_clients = (size_t)max;
    const char *port_text = optind < argc ? argv[optind] : DEFAULT_PORT;
    if (parse_number(port_text, 0, 65535) < 0)
        usage_error("bad port '%s': expected a number from 0 to 65535", port_text);
    return port_text;
}

/* getopt, plus: "--help" is -h, any other "--word" is an unknown option, and "-1" (a minus
 * and a digit) is an operand, so that it is reported as a bad port. */
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
        usage_error("unknown option '%s' (try '%s -h')", arg, PROG);
    return getopt(argc, argv, options);
}

/* A number from low to high, in decimal digits only (no sign, no space, no "0x"), or -1. */
static long parse_number(const char *text, long low, long high)
{
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || digits > 9 || text[digits] != '\0')
        return -1;
    long value = strtol(text, NULL, 10);
    return value >= low && value <= high ? value : -1;
}

/* Print "chatroom_server: " and the message on stderr (a mistake on the command line);
 * exit 2. */
_Noreturn static void usage_error(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, "%s: ", PROG);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
    exit(2);
}

/* Print "chatroom_server: CALL ADDRESS: reason" (a failure at run time) and exit 1. */
_Noreturn static void fail(const char *call, const char *address)
{
    const char *reason = strerror(errno);
    if (address != NULL)
        fprintf(stderr, "%s: %s %s: %s\n", PROG, call, address, reason);
    else
        fprintf(stderr, "%s: %s: %s\n", PROG, call, reason);
    exit(1);
}

/* Every client is a descriptor. The soft limit on open files (ulimit -n) is often 1024
 * (256 on macOS): raise it towards what max_clients needs, up to the hard limit (the
 * ceiling an ordinary user may raise it to). If that is still too few, lower max_clients
 * to fit, so that the excess is told "* room full" rather than left waiting, and say so
 * in note (printed after "Listening on port N"). */
static void fit_descriptor_limit(char *note, size_t size)
{
    struct rlimit limit;
    rlim_t needed = (rlim_t)max_clients + KEPT_DESCRIPTORS;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= needed)
        return;
    limit.rlim_cur = limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed
                         ? limit.rlim_max : needed;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
        getrlimit(RLIMIT_NOFILE, &limit); /* keep what we had */
    if (limit.rlim_cur >= needed)
        return;
    size_t fit = limit.rlim_cur > KEPT_DESCRIPTORS + 1 ? (size_t)limit.rlim_cur - KEPT_DESCRIPTORS
                                                      : 1;
    snprintf(note, size, "Room limit %lu, not %lu: the open file limit is %lu (ulimit -n)\n",
             (unsigned long)fit, (unsigned long)max_clients, (unsigned long)limit.rlim_cur);
    max_clients = fit;
}

static void on_stop_signal(int signal_number)
{
    (void)signal_number;
    stop_requested = 1;
}

/* SIGINT/SIGTERM set a flag. No SA_RESTART: poll() returns EINTR and the loop sees it. */
static void catch_stop_signals(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

/* Fill in the wildcard address ("" in Python: every address of this machine) at port. */
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

/* Show an address as "<address> port <port>", numeric; "::ffff:1.2.3.4" is shown as 1.2.3.4. */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size)
{
    char host[128], port[16]; /* numeric: an IPv6 address with a scope name fits */
    if (getnameinfo(address, length, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(out, size, "(unknown address)");
        return;
    }
    const char *shown = host;
    if (strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, ':') == NULL)
        shown = host + 7;
    snprintf(out, size, "%s port %s", shown, port);
}
