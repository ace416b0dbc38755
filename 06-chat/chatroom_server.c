/*
 * chatroom_server.c: a chat room served by ONE thread that waits on every socket at once
 * with poll(): anyone may speak at any time and everyone else sees the line.
 *
 * Usage: chatroom_server [PORT] [-m MAX_CLIENTS]
 *
 * Goes beyond the notes' turn-based chat (chat_server.c), which can only wait on one thing at
 * a time: the keyboard OR the socket. The notes name group chat as a use of networking; this
 * is it. Lesson 04's mt_server answered "many clients" with a thread each; this is the other
 * answer: one thread, one poll() over the listening socket and all clients.
 *
 * The protocol (one line per message, at most 512 bytes before the newline):
 *   - on connecting you get "* nickname? (1 to 16 letters, digits, _ or -)";
 *   - your first line is your nickname. Refused with "* bad nickname: use 1 to 16 letters,
 *     digits, _ or -" or "* nickname taken: NICK", and you may try again. Accepted with
 *     "* welcome NICK" and "* in the room: a, b, NICK"; the others get "* NICK joined";
 *   - then each line you send reaches everyone else as "<NICK> text". Control bytes (below
 *     0x20 except tab, and 0x7f) are removed first, so nobody can send terminal escape
 *     sequences to other people's screens; a line that is empty after that is not passed on;
 *   - "/who" answers "* in the room: a, b, c" (in order of arrival) to you only;
 *   - "/quit" answers "* bye NICK" and closes; the others get "* NICK left" (also when you
 *     just disconnect);
 *   - a line over 512 bytes is answered "* line too long (at most 512 bytes)" and dropped up
 *     to its newline; you stay;
 *   - output waiting for you is held in a queue of at most 64 KiB: if you stop reading and it
 *     overflows, you are dropped and the others get "* NICK dropped: not reading". No one
 *     ever waits for a slow reader: all sockets are non-blocking;
 *   - with MAX_CLIENTS (default 1000) connections open, a newcomer gets "* room full, try
 *     again later" and is closed;
 *   - SIGINT/SIGTERM: everyone gets "* server closing", the server exits 0.
 * The server's own output: "Listening on port N", then joins, leaves and refusals.
 *
 * Try:
 *   terminal 1: ./chatroom_server 12346
 *   terminal 2: ./chatroom_client localhost 12346 alice
 *   terminal 3: ./chatroom_client localhost 12346 bob
 *
 * See also: chatroom_client.c, chatroom_load.c, chat_server.c (the notes' 1:1 version),
 * ../04-multithread-server/mt_server.c (a thread per client instead of poll).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define PROG "chatroom_server"
#define USAGE "Usage: chatroom_server [PORT] [-m MAX_CLIENTS]"
#define DEFAULT_PORT "12346"
#define DEFAULT_MAX_CLIENTS 1000
#define MAX_MAX_CLIENTS 100000
#define MAX_NICK 16
#define MAX_LINE 512              /* bytes before the newline */
#define MAX_QUEUE (64 * 1024)     /* output held for one client before we give up on it */
#define NICK_RULE "use 1 to 16 letters, digits, _ or -"

/* What we know about one connected client. */
struct client {
    int fd;
    char address[160];       /* "127.0.0.1 port 51528", for the server's log */
    char nick[MAX_NICK + 1]; /* empty until the client has chosen one */
    char line[MAX_LINE];     /* the line being received (no newline yet) */
    size_t line_len;
    int discarding;          /* 1: inside a line that was too long, skip to its newline */
    char *queue;             /* output not yet taken by the kernel: queue[0..queue_len) */
    size_t queue_len, queue_cap;
    enum { ALIVE, LEFT, DROPPED } state; /* LEFT/DROPPED: removed after the poll walk */
    int announced;           /* LEFT/DROPPED: the others have been told */
};

static struct client *clients; /* clients[0..client_count), in order of arrival */
static size_t client_count, max_clients;
static volatile sig_atomic_t stop_requested;

static void on_signal(int signo)
{
    (void)signo;
    stop_requested = 1;
}

/* Print one usage error line (program name first) and exit 2. */
static void usage_error(const char *what, const char *arg)
{
    if (arg != NULL)
        fprintf(stderr, "%s: %s '%s' (try '%s -h')\n", PROG, what, arg, PROG);
    else
        fprintf(stderr, "%s: %s (try '%s -h')\n", PROG, what, PROG);
    exit(2);
}

/* Parse a decimal number in [low, high]; anything else (letters, sign, junk) gives -1. */
static long parse_number(const char *text, long low, long high)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || value < low ||
        value > high)
        return -1;
    return value;
}

/* Show an address as "<address> port <port>", numeric; "::ffff:1.2.3.4" is shown as 1.2.3.4. */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size)
{
    char host[128], port[16]; /* numeric: an IPv6 address with a scope name fits */
    int rc = getnameinfo(address, length, host, sizeof host, port, sizeof port,
                         NI_NUMERICHOST | NI_NUMERICSERV);
    if (rc != 0) {
        snprintf(out, size, "(unknown address)");
        return;
    }
    const char *shown = host;
    if (strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, ':') == NULL)
        shown = host + 7;
    snprintf(out, size, "%s port %s", shown, port);
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
    memmove(c->queue, c->queue + sent, c->queue_len - sent);
    c->queue_len -= sent;
    return 0;
}

/* Queue len bytes for c. If the queue would pass MAX_QUEUE even after handing the kernel all
 * it will take, c is not reading: mark it DROPPED (announced after the walk). Never blocks. */
static void enqueue(struct client *c, const char *data, size_t len)
{
    if (c->state != ALIVE)
        return;
    if (c->queue_len + len > MAX_QUEUE && flush_queue(c) < 0) {
        c->state = LEFT; /* broken connection: announced after the walk */
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

/* Tell c "* in the room: a, b, c": everyone named, in order of arrival. */
static void tell_who(struct client *c)
{
    size_t size = 32 + client_count * (MAX_NICK + 2); /* room for everyone, whatever -m is */
    char *out = malloc(size);
    if (out == NULL)
        return;
    size_t used = (size_t)snprintf(out, size, "* in the room:");
    const char *sep = " ";
    for (size_t i = 0; i < client_count; i++) {
        if (clients[i].state != ALIVE || clients[i].nick[0] == '\0')
            continue;
        used += (size_t)snprintf(out + used, size - used, "%s%s", sep, clients[i].nick);
        sep = ", ";
    }
    tell(c, out);
    free(out);
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
            tell(c, "* bad nickname: " NICK_RULE);
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
        tell_who(c);
        snprintf(text, sizeof text, "* %s joined", c->nick);
        printf("%s (%s)\n", text, c->address);
        tell_room(c, text);
        return;
    }
    if (strcmp(line, "/who") == 0) {
        tell_who(c);
        return;
    }
    if (line[0] == '\0') /* nothing left after cleaning: nothing to pass on */
        return;
    snprintf(text, sizeof text, "<%s> %s", c->nick, line);
    tell_room(c, text);
}

/* Bytes arrived from c: cut them into lines, clean each, handle it. */
static void handle_bytes(struct client *c, const char *data, size_t len)
{
    for (size_t i = 0; i < len && c->state == ALIVE; i++) {
        unsigned char byte = (unsigned char)data[i];
        if (byte == '\n') {
            if (c->discarding) { /* end of a too-long line: start afresh */
                c->discarding = 0;
                continue;
            }
            /* Remove control bytes (ESC among them: "\e[2J" would clear the screen of
             * everyone who sees it) and DEL; keep tab and everything from 0x20 up. */
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

/* Accept one waiting connection (the listening socket is non-blocking). Returns 0 when
 * there was nobody left to accept. */
static int accept_one(int server_socket)
{
    struct sockaddr_storage client_address;
    socklen_t length = sizeof client_address;
    int client_socket = accept(server_socket, (struct sockaddr *)&client_address, &length);
    if (client_socket < 0) {
        if (errno == EINTR || errno == ECONNABORTED)
            return 1; /* a client gave up while waiting: try the next */
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            fprintf(stderr, "%s: accept: %s\n", PROG, strerror(errno));
        return 0;
    }
    /* Non-blocking: a send() or recv() that would wait returns EAGAIN instead, so one
     * client can never hold up the others. */
    fcntl(client_socket, F_SETFL, fcntl(client_socket, F_GETFL) | O_NONBLOCK);
    /* Left alone, Linux grows a socket's send buffer up to 4 MB: megabytes could pile up
     * for a client that stopped reading before our own queue even started to fill. A fixed
     * 64 KiB (the kernel may double it for its bookkeeping) keeps "not reading" visible. */
    int send_buffer = MAX_QUEUE;
    setsockopt(client_socket, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer);
    char address[160];
    format_address((struct sockaddr *)&client_address, length, address, sizeof address);

    if (client_count == max_clients) {
        /* Room full: say so and close. Read what the newcomer already sent (its nickname,
         * usually) first: closing with unread data makes the kernel send a reset, which
         * could throw away our message before the newcomer reads it. */
        char scrap[1024];
        while (recv(client_socket, scrap, sizeof scrap, 0) > 0)
            ;
        static const char full[] = "* room full, try again later\n";
        ssize_t ignored = send(client_socket, full, sizeof full - 1, 0);
        (void)ignored; /* best effort: it fits in any socket buffer */
        shutdown(client_socket, SHUT_WR);
        close(client_socket);
        printf("Room full: turned away %s\n", address);
        return 1;
    }
    struct client *c = &clients[client_count++];
    memset(c, 0, sizeof *c);
    c->fd = client_socket;
    c->state = ALIVE;
    snprintf(c->address, sizeof c->address, "%s", address);
    tell(c, "* nickname? (1 to 16 letters, digits, _ or -)");
    return 1;
}

/* Announce the departures enqueue() could only mark, then remove every client that is no
 * longer ALIVE, keeping the order of the others. Called only after the walk is finished. */
static void remove_departed(void)
{
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

/* Make sure the process may open a descriptor per client (plus a few for itself). */
static void raise_descriptor_limit(void)
{
    /* The default soft limit is often 1024 (256 on macOS): a full room of 1000 would hit it
     * and accept() would fail with EMFILE. The hard limit is the ceiling an ordinary user
     * may raise the soft limit to, so ask for what we need, up to that ceiling. */
    struct rlimit limit;
    rlim_t needed = (rlim_t)max_clients + 16;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= needed)
        return;
    rlim_t want = (limit.rlim_max == RLIM_INFINITY || limit.rlim_max >= needed)
                      ? needed : limit.rlim_max;
    limit.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0 || want < needed) {
        getrlimit(RLIMIT_NOFILE, &limit);
        size_t fit = limit.rlim_cur > 16 ? (size_t)(limit.rlim_cur - 16) : 1;
        fprintf(stderr, "%s: note: only %lu descriptors allowed, room limited to %lu\n", PROG,
                (unsigned long)limit.rlim_cur, (unsigned long)fit);
        max_clients = fit;
    }
}

/* On SIGINT/SIGTERM: tell everyone, give the messages up to a second to leave, close. */
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
}

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: tests and pipes see each line at once */
    /* Sending to a client that has gone raises SIGPIPE, which would kill the whole room;
     * ignored, send() fails with EPIPE instead and we remove that one client. */
    signal(SIGPIPE, SIG_IGN);

    const char *port_text = DEFAULT_PORT;
    long max = DEFAULT_MAX_CLIENTS;
    int operands = 0, opt;
    opterr = 0; /* we print our own messages */
    while (optind < argc) {
        if ((opt = getopt(argc, argv, "hm:")) == -1) {
            /* An operand (macOS getopt stops at the first one): take it and go on. */
            if (++operands > 1)
                usage_error("too many operands", NULL);
            port_text = argv[optind++];
            continue;
        }
        if (opt == 'h') {
            puts(USAGE);
            return 0;
        }
        if (opt == 'm') {
            max = parse_number(optarg, 1, MAX_MAX_CLIENTS);
            if (max < 0) {
                fprintf(stderr, "%s: bad max clients '%s': expected a number from 1 to %d\n",
                        PROG, optarg, MAX_MAX_CLIENTS);
                return 2;
            }
            continue;
        }
        char option[3] = {'-', (char)optopt, '\0'};
        usage_error(optopt == 'm' ? "missing value for option" : "unknown option", option);
    }
    long port = parse_number(port_text, 0, 65535);
    if (port < 0) {
        fprintf(stderr, "%s: bad port '%s': expected a number from 0 to 65535\n", PROG,
                port_text);
        return 2;
    }
    max_clients = (size_t)max;
    raise_descriptor_limit();

    /* SIGINT/SIGTERM set a flag. No SA_RESTART: poll() returns EINTR and the loop sees it. */
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);

    /* 1. The listening socket, as in lesson 03: one IPv6 socket with IPV6_V6ONLY off takes
     *    IPv4 clients too (seen as ::ffff:a.b.c.d); without IPv6 we fall back to IPv4. */
    int family = AF_INET6;
    int server_socket = socket(AF_INET6, SOCK_STREAM, 0);
    if (server_socket < 0 && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) {
        family = AF_INET;
        server_socket = socket(AF_INET, SOCK_STREAM, 0);
    }
    if (server_socket < 0) {
        fprintf(stderr, "%s: socket: %s\n", PROG, strerror(errno));
        return 1;
    }
    int on = 1, off = 0;
    /* Without SO_REUSEADDR a restart within a minute or two fails with "Address already in
     * use": the old connections linger in TIME_WAIT. */
    setsockopt(server_socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (family == AF_INET6)
        setsockopt(server_socket, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    struct sockaddr_storage address;
    memset(&address, 0, sizeof address);
    socklen_t address_length;
    if (family == AF_INET6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&address;
        a6->sin6_family = AF_INET6;
        a6->sin6_addr = in6addr_any;
        a6->sin6_port = htons((unsigned short)port);
        address_length = sizeof *a6;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&address;
        a4->sin_family = AF_INET;
        a4->sin_addr.s_addr = htonl(INADDR_ANY);
        a4->sin_port = htons((unsigned short)port);
        address_length = sizeof *a4;
    }
    if (bind(server_socket, (struct sockaddr *)&address, address_length) < 0) {
        fprintf(stderr, "%s: bind port %ld: %s\n", PROG, port, strerror(errno));
        return 1;
    }
    if (listen(server_socket, 128) < 0) {
        fprintf(stderr, "%s: listen: %s\n", PROG, strerror(errno));
        return 1;
    }
    /* Non-blocking too: poll says "someone is waiting", but they may give up before our
     * accept(); a blocking accept would then stall the whole room. */
    fcntl(server_socket, F_SETFL, fcntl(server_socket, F_GETFL) | O_NONBLOCK);
    address_length = sizeof address;
    if (getsockname(server_socket, (struct sockaddr *)&address, &address_length) < 0) {
        fprintf(stderr, "%s: getsockname: %s\n", PROG, strerror(errno));
        return 1;
    }
    printf("Listening on port %d\n", family == AF_INET6
                                         ? ntohs(((struct sockaddr_in6 *)&address)->sin6_port)
                                         : ntohs(((struct sockaddr_in *)&address)->sin_port));

    /* 2. The poll array: fds[0] is the listening socket, fds[1 + i] is clients[i]. */
    clients = calloc(max_clients, sizeof *clients);
    struct pollfd *fds = calloc(max_clients + 1, sizeof *fds);
    if (clients == NULL || fds == NULL) {
        fprintf(stderr, "%s: out of memory for %lu clients\n", PROG, (unsigned long)max_clients);
        return 1;
    }

    while (!stop_requested) {
        /* 3. Fill the array afresh: everyone may send us lines (POLLIN); those with output
         *    waiting also want to hear when they can take more (POLLOUT). */
        fds[0] = (struct pollfd){.fd = server_socket, .events = POLLIN};
        for (size_t i = 0; i < client_count; i++) {
            short events = POLLIN;
            if (clients[i].queue_len > 0)
                events |= POLLOUT;
            fds[1 + i] = (struct pollfd){.fd = clients[i].fd, .events = events};
        }
        nfds_t nfds = 1 + client_count;

        /* 4. Wait until at least one socket has something for us.
         *    Python: ready = select.select(readers, writers, [])  (or selectors) */
        if (poll(fds, nfds, -1) < 0) {
            if (errno == EINTR)
                continue; /* a signal: the loop condition decides */
            fprintf(stderr, "%s: poll: %s\n", PROG, strerror(errno));
            break;
        }

        /* 5. Walk the array. We never add or remove entries during the walk: clients who
         *    leave are only marked, and removed in step 6; newcomers wait for step 7. */
        for (size_t i = 0; i < client_count; i++) {
            struct client *c = &clients[i];
            short revents = fds[1 + i].revents;
            if (revents == 0 || c->state != ALIVE)
                continue;
            if (revents & POLLNVAL) { /* not an open descriptor: cannot happen, but be safe */
                client_left(c);
                continue;
            }
            if (revents & POLLOUT) {
                if (flush_queue(c) < 0) {
                    client_left(c);
                    continue;
                }
            }
            /* POLLHUP/POLLERR: the peer closed or the connection broke. recv() tells us
             * which, and still hands over any bytes that arrived before, so read anyway. */
            if (revents & (POLLIN | POLLHUP | POLLERR)) {
                char data[4096];
                ssize_t n = recv(c->fd, data, sizeof data, 0);
                if (n > 0)
                    handle_bytes(c, data, (size_t)n);
                else if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
                    client_left(c); /* end of stream or error: this client only */
            }
        }
        int newcomers = fds[0].revents & POLLIN;

        /* 6. Hand the kernel what it will take now, then take out who left or was dropped
         *    (the array is rebuilt from `clients` at step 3). */
        for (size_t i = 0; i < client_count; i++)
            if (clients[i].state == ALIVE && clients[i].queue_len > 0 &&
                flush_queue(&clients[i]) < 0)
                client_left(&clients[i]);
        remove_departed();

        /* 7. Let in whoever is waiting (they join the array at the next step 3). */
        if (newcomers)
            for (int k = 0; k < 64 && accept_one(server_socket); k++)
                ;
    }

    /* 8. A signal: tell everyone, close everything. */
    close(server_socket);
    close_room(fds);
    free(fds);
    free(clients);
    return 0;
}
