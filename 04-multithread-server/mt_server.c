/*
 * mt_server: the notes' multithreaded server: one thread per client, every message answered.
 *
 * Usage: mt_server [-q] [-e ENCODING] [-m MAX_CLIENTS] [-w SECONDS] [PORT]
 *
 * The notes' "multitask server": the main thread loops on accept() and starts a thread per
 * client (Python: threading.Thread(target=handle, ..., daemon=True)); each thread loops on
 * recv(1024) until its client goes offline and answers every message with
 * "ok, the problem is being handled: MESSAGE". -e: the encoding the clients' text arrives in
 * (default utf-8; the notes' server decodes gbk); the reply echoes the message's own bytes.
 * The notes' message model: one recv(1024) is one message, answered with its own ending
 * (README, "One recv(1024), one message").
 *
 * What mt_server_basic.c gets wrong:
 *  1. A client gone before its replies: SIGPIPE kills it (exit 141), every client with it. Ignored.
 *  2. No client limit: past ulimit -n of them, accept fails: exit 1. A fitted limit: "server busy".
 *  3. Out of descriptors anyway (inherited ones): EMFILE ends it too. A spare one: "server busy".
 *  4. Prints a client's bytes raw: ESC[2J in a message clears the terminal. Shown escaped (-e).
 *  5. Replies end without a newline: a line client's replies run together. The message, its ending.
 *  6. IPv4 only: a client of ::1 is refused. One IPv6 socket takes both families.
 *  7. Port by atoi: 65536 listens on a port the OS picks. Refused (exit 2).
 *  8. Ctrl-C or SIGTERM kills it: status 130 or 143, no last line. Hang up, wait, "Served N".
 *  9. A full stdout (a pipe nobody reads) stops it: no more answers. A log thread; the rest queue.
 * 10. A silent client keeps its thread for ever (fix 2: silent ones fill -m). Hung up after -w s.
 * 11. A failing pthread_create ends it (exit 1). Turned away (fix 2), said once a second, not each.
 * 12. A client that sends but never reads holds its thread in send() for ever. -w bounds sends too.
 * 13. (Fix 9's queue) a fast client's lines were left out of a log file. Wait while stdout moves.
 * 14. Stdout closed (>&-): the socket takes fd 1, its first line kills it (SIGPIPE). 0-2 open.
 *
 * Try: ./mt_server 9090, then ../02-tcp-client/tcp_client_loop localhost 9090 (a 3rd, a 4th)
 * See also: mt_server_basic.c (version 1), load_client.c, ../03-tcp-server/dict_server.c,
 * ../06-chat/chatroom_server.c (every client in one thread, with poll), README.md.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE  /* NI_MAXHOST, NI_MAXSERV (glibc) */
#define _DARWIN_C_SOURCE /* the same on macOS */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct client; /* what one client's thread owns: defined after main */

/* Shared by all threads, touched only with `clients_lock` held. */
static pthread_mutex_t clients_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t clients_gone = PTHREAD_COND_INITIALIZER; /* signalled as each leaves */
static struct client *connected_clients;                        /* for shutdown */
static long active_clients, served_clients, max_clients = 1000;
static bool quiet;                          /* -q: no line per message (set before threads) */
static long silent_seconds = 60;  /* -w: a client silent this long is hung up on; 0: never */
static const char *encoding;      /* -e: the clients' text encoding; NULL: UTF-8 */
static volatile sig_atomic_t stop_requested; /* set by SIGINT/SIGTERM */
static char limit_note[128]; /* "Client limit ..." when the descriptor limit is low */
static int spare_fd = -1;    /* closed when accept() runs out of descriptors */

static void accept_client(int server_socket);      /* 5. accept, start its thread */
static int start_thread(void *(*function)(void *), void *argument, pthread_t *joinable);
static void *handle_client(void *argument);        /* 6. the client's thread: recv, answer */
static int answer_message(struct client *client, size_t length); /* log it, send reply */
static void stop_serving(int server_socket);       /* 7. close it, hang up on everyone, wait */
static void log_line(const char *format, ...);     /* Fix 9: queue a line for stdout */
static void *write_log(void *unused);              /* Fix 9: the thread that writes the queue */
static void finish_log(long milliseconds);         /* Fix 9: the last lines out, or give up */
/* Plumbing, after the lesson (each comment at the definition): */
static long parse_arguments(int argc, char *argv[]);
static int next_option(int argc, char *argv[], const char *options);
static void prepare_process(void); static void set_up_signals(void);
static void turn_away(int client_socket, const char *address);
static void accept_failed(int server_socket); static bool once_a_second(struct timespec *last);
static void write_out(const char *data, size_t length); static struct timespec realtime_in(long ms);
static void format_address(const struct sockaddr *a, socklen_t n, char *out, size_t size);
static void log_message(const struct client *client, size_t length, bool full);
static int send_all(int fd, const void *data, size_t length);
_Noreturn static void fail(const char *call, const char *where);
static void print_operand(const void *text, size_t length);
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length);
static iconv_t open_encoding(const char *name, iconv_t *to_peer);
static size_t escape_from_peer(iconv_t from_peer, char *out, size_t size, const void *d, size_t n);
static socklen_t any_address(struct sockaddr_storage *address, int family, int port);
static int bound_port(int fd); static void ensure_standard_descriptors(void);

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* Fix 14: 0, 1 and 2 open before any socket */
    setvbuf(stdout, NULL, _IOLBF, 0); /* line by line, also into a pipe (-h; the log: fix 9) */
    long port = parse_arguments(argc, argv); /* Fix 7: digits only, 0-65535, or exit 2 */
    prepare_process(); /* Fix 1: SIGPIPE ignored. Fix 2: the client limit fits ulimit -n. */

    /* 1. Create the socket. Python: server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
     *    Fix 6: IPv6 with IPV6_V6ONLY off takes IPv4 clients too (as ::ffff:a.b.c.d); where
     *    IPv6 is missing, a plain IPv4 socket. */
    int family = AF_INET6, on = 1, off = 0;
    int server_socket = socket(AF_INET6, SOCK_STREAM, 0);
    if (server_socket < 0) /* no IPv6 on this machine */
        server_socket = socket(family = AF_INET, SOCK_STREAM, 0);
    if (server_socket < 0)
        fail("socket", NULL);
    if (family == AF_INET6)
        setsockopt(server_socket, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);

    /* 2. Reuse the address: after a restart, old connections in TIME_WAIT would make bind
     *    fail for a minute. Python: server.setsockopt(SOL_SOCKET, SO_REUSEADDR, True) */
    if (setsockopt(server_socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0)
        fail("setsockopt SO_REUSEADDR", NULL);

    /* 3. Bind to every address of this machine. Python: server.bind(("", 9090)) */
    struct sockaddr_storage any;
    socklen_t any_length = any_address(&any, family, (int)port);
    char where[32]; /* "port 9090": where bind failed, if it does */
    snprintf(where, sizeof where, "port %ld", port);
    if (bind(server_socket, (struct sockaddr *)&any, any_length) != 0)
        fail("bind", where);

    /* 4. Listen. Python: server.listen(128); 1024 here: a load test opens 1,000 connections
     *    at once, and a full queue drops handshakes (those clients retry a second later). */
    if (listen(server_socket, 1024) != 0)
        fail("listen", NULL);
    log_line("Listening on port %d%s", bound_port(server_socket),
             limit_note); /* limit_note: "\nClient limit ..." when the descriptor limit is low */

    /* 5. Accept clients in a loop, one thread each, until SIGINT or SIGTERM.
     *    Python: while True: client_socket, client_address = server.accept()
     *                threading.Thread(target=handle, args=(...), daemon=True).start() */
    while (!stop_requested)
        accept_client(server_socket);
    stop_serving(server_socket); /* 7. Fix 8: nobody new, hang up on everyone, wait, count */
    return 0;
}

#define MESSAGE_BYTES 1024 /* Python: recv(1024) */
#define REPLY_PREFIX "ok, the problem is being handled: "
#define ADDRESS_SIZE (NI_MAXHOST + NI_MAXSERV + 8) /* "HOST port PORT" */

/* What one client's thread owns: main() allocates it, the thread frees it. Nobody else
 * touches the buffers, so they need no lock. */
struct client {
    int socket;                                      /* Python: client_socket */
    char address[ADDRESS_SIZE];                      /* Python: client_address */
    char message[MESSAGE_BYTES];                     /* one recv(1024) */
    char reply[sizeof REPLY_PREFIX + MESSAGE_BYTES]; /* prefix + message + ending */
    struct client *previous, *next;                  /* the list of connected clients */
    iconv_t from_peer; /* -e's converter, the thread's own (iconv keeps state: not shared) */
};

/* Sizes and limits used by the steps below and the plumbing. */
#define PROGRAM "mt_server"
#define USAGE "Usage: mt_server [-q] [-e ENCODING] [-m MAX_CLIENTS] [-w SECONDS] [PORT]"
#define BUSY_REPLY "server busy\n"
#define SHOWN_BYTES 64     /* the log shows a longer message's first 64 bytes and its length */
#define RESERVED_FDS 8     /* stdin/out/err, the listening socket, the spare, the C library */
#define LOG_BYTES 65536    /* Fix 9: log lines waiting for stdout, at most (what a pipe holds) */

/* 5. Accept one client and start its thread, or tell it we are full. */
static void accept_client(int server_socket)
{
    struct sockaddr_storage peer;
    socklen_t peer_length = sizeof peer;
    int client_socket = accept(server_socket, (struct sockaddr *)&peer, &peer_length);
    if (client_socket < 0) { /* Fix 3: out of descriptors, accept_failed turns it away */
        if (errno != EINTR && errno != ECONNABORTED) /* a signal, or a client that gave up */
            accept_failed(server_socket);
        return;
    }
    char address[ADDRESS_SIZE];
    format_address((struct sockaddr *)&peer, peer_length, address, sizeof address);

    /* Fix 2: the limit. Every client costs a thread and a descriptor; see the README. */
    pthread_mutex_lock(&clients_lock);
    bool full = active_clients >= max_clients;
    pthread_mutex_unlock(&clients_lock);
    /* Hand the client over in memory of its own. Passing &client_socket (a variable of this
     * loop) would be the classic bug: the next accept() overwrites it, maybe before the new
     * thread has read it, and two threads serve one socket (README: the loop-variable bug). */
    struct client *client = full ? NULL : calloc(1, sizeof *client);
    if (client == NULL) {
        turn_away(client_socket, address);
        return;
    }
    /* Replies are small and sent whole: no waiting for Nagle's algorithm (only speed). */
    setsockopt(client_socket, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
    /* Fix 10: a client silent for -w seconds gives up its slot: recv() then fails (EAGAIN).
     * Fix 12: so does one that has not read for -w seconds: send() fails the same way. */
    struct timeval silence = {.tv_sec = silent_seconds};
    if (silent_seconds > 0) {
        setsockopt(client_socket, SOL_SOCKET, SO_RCVTIMEO, &silence, sizeof silence);
        setsockopt(client_socket, SOL_SOCKET, SO_SNDTIMEO, &silence, sizeof silence);
    }
    client->socket = client_socket;
    memcpy(client->address, address, sizeof address);
    log_line("Client online: %s", address);

    pthread_mutex_lock(&clients_lock);
    client->next = connected_clients;
    if (connected_clients)
        connected_clients->previous = client;
    connected_clients = client;
    active_clients++;
    served_clients++;
    pthread_mutex_unlock(&clients_lock);

    /* Python: threading.Thread(target=handle, args=(client_socket, client_address)).start() */
    int rc = start_thread(handle_client, client, NULL);
    if (rc != 0) { /* Fix 2: too many threads for the system: undo, say we are full */
        static struct timespec last_said; /* Fix 11: once a second, not a line per client */
        if (once_a_second(&last_said))
            fprintf(stderr, "%s: pthread_create: %s (newcomers are told 'server busy'; said at "
                    "most once a second)\n", PROGRAM, strerror(rc));
        pthread_mutex_lock(&clients_lock);
        if (client->next)
            client->next->previous = NULL;
        connected_clients = client->next;
        active_clients--;
        served_clients--;
        pthread_mutex_unlock(&clients_lock);
        free(client);
        turn_away(client_socket, address);
    }
}

/* Start FUNCTION(ARGUMENT) in a thread of its own. Detached: nobody joins it, it ends on its
 * own (the notes' daemon=True is not quite this: see the README); unless JOINABLE is given,
 * for the thread's id. A small stack: a client's buffers are in struct client, on the heap.
 * SIGINT/SIGTERM are blocked while it starts, so the thread never takes them: they always
 * reach main, in accept(), which returns EINTR. Returns 0, or pthread_create's error number. */
static int start_thread(void *(*function)(void *), void *argument, pthread_t *joinable)
{
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    if (joinable == NULL)
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attributes, 256 * 1024);
    sigset_t stop_signals, saved;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &saved);
    pthread_t thread;
    int rc = pthread_create(joinable ? joinable : &thread, &attributes, function, argument);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    pthread_attr_destroy(&attributes);
    return rc;
}

/* 6. One client's thread. Python: def handle(client_socket, client_address): while True: */
static void *handle_client(void *argument)
{
    struct client *client = argument; /* ours now: main will not touch it again */
    /* -e: a converter of its own (open_encoding checked the name; if this one cannot be
     * had, the log shows the bytes as UTF-8 would, escaped where they are not). */
    client->from_peer = encoding ? iconv_open("UTF-8", encoding) : (iconv_t)-1;
    for (;;) {
        /* Python: data = client_socket.recv(1024) */
        ssize_t received = recv(client->socket, client->message, MESSAGE_BYTES, 0);
        if (received < 0 && errno == EINTR)
            continue;
        if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* Fix 10: silent for -w seconds: say why, and free the slot for someone else */
            int n = snprintf(client->reply, sizeof client->reply, "hung up: silent for %ld s\n",
                             silent_seconds);
            send_all(client->socket, client->reply, (size_t)n); /* if it fails, so be it */
            log_line("Client silent for %ld s, hung up: %s", silent_seconds, client->address);
            break;
        }
        if (received <= 0) /* 0: the client closed (Python: if not data: break); -1: reset */
            break;
        if (answer_message(client, (size_t)received) != 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) /* Fix 12: no room for -w seconds */
                log_line("Client not reading for %ld s, hung up: %s", silent_seconds,
                         client->address);
            break; /* Fix 1: the client is gone (EPIPE, no SIGPIPE): only its thread ends */
        }
    }
    /* Leave: out of the list first (so shutdown never touches a closed socket), close,
     * say so, and only then count out (so that "Served N clients" comes last). */
    pthread_mutex_lock(&clients_lock);
    if (client->previous)
        client->previous->next = client->next;
    else
        connected_clients = client->next;
    if (client->next)
        client->next->previous = client->previous;
    pthread_mutex_unlock(&clients_lock);
    close(client->socket); /* Python: client_socket.close() */
    if (client->from_peer != (iconv_t)-1)
        iconv_close(client->from_peer);
    log_line("Client offline: %s", client->address);
    pthread_mutex_lock(&clients_lock);
    active_clients--;
    pthread_cond_signal(&clients_gone);
    pthread_mutex_unlock(&clients_lock);
    free(client);
    return NULL;
}

/* One message of LENGTH bytes is in client->message: strip one "\r\n" or "\n", log it,
 * and send the reply with the same ending (Fix 5: a line gets a line back, so a line
 * client's replies never run together). -1 if the client is gone. */
static int answer_message(struct client *client, size_t length)
{
    /* A full buffer may hold only the start of a longer message: the rest is the next
     * recv(), so the next message. That is the notes' model; we keep it and say so. */
    bool full = length == MESSAGE_BYTES;
    const char *ending = "";
    if (length >= 2 && client->message[length - 2] == '\r' && client->message[length - 1] == '\n')
        ending = "\r\n"; /* telnet, nc -C, Windows */
    else if (length >= 1 && client->message[length - 1] == '\n')
        ending = "\n"; /* nc, load_client, a shell's printf */
    length -= strlen(ending);
    if (length == 0) {
        /* Only a line ending: the tail of the last message (nc -C writes a line's text and
         * its "\r\n" with two writes). Not a message: echo it, so the last reply ends its
         * line too (as 03-tcp-server/dict_server does). */
        if (!quiet)
            log_line("[%s] (a line ending alone: the end of the last message, echoed)",
                     client->address);
        return send_all(client->socket, ending, strlen(ending));
    }
    if (!quiet) /* Fix 4: escaped. Python: print(client_address, data.decode()) */
        log_message(client, length, full);

    /* Python: client_socket.send(("ok, the problem is being handled: " + data).encode())
     * One send for the whole reply: prefix, the message's bytes exactly, the ending. */
    size_t prefix = sizeof REPLY_PREFIX - 1, ending_length = strlen(ending);
    memcpy(client->reply, REPLY_PREFIX, prefix);
    memcpy(client->reply + prefix, client->message, length);
    memcpy(client->reply + prefix + length, ending, ending_length);
    return send_all(client->socket, client->reply, prefix + length + ending_length);
}

/* 7. Close the listening socket (nobody new), then hang up on the clients still connected:
 *    shutdown() makes each thread's recv() return 0, so it says "Client offline" and cleans
 *    up after itself. Wait for them, but not long: returning from main ends every thread at
 *    once, maybe before its last line; a stop must not wait on anybody (fix 9: nor stdout). */
static void stop_serving(int server_socket)
{
    close(server_socket);
    struct timespec deadline = realtime_in(500);
    pthread_mutex_lock(&clients_lock);
    for (struct client *client = connected_clients; client; client = client->next)
        shutdown(client->socket, SHUT_RDWR);
    while (active_clients > 0 &&
           pthread_cond_timedwait(&clients_gone, &clients_lock, &deadline) != ETIMEDOUT) {
    }
    long served = served_clients;
    pthread_mutex_unlock(&clients_lock);
    log_line("Served %ld client%s", served, served == 1 ? "" : "s");
    finish_log(200); /* Fix 9: with stdout full, the last lines are lost: ending comes first */
}

/* Fix 9: the log. Nothing but write_log writes to stdout. When stdout is full (a pipe nobody
 * reads, a terminal stopped by Ctrl-S, `| less` waiting at its prompt), a write waits until
 * there is room, maybe for ever; with printf, every other thread that wanted to print waited
 * behind it for stdout's lock, main too: nobody new was answered, and SIGTERM could not end
 * the server. So a thread only queues its line, with log_line, and write_log's thread writes
 * the queue out: it alone waits. A line that finds the queue full waits for room while
 * stdout takes what it is given (Fix 13: a log file, a terminal that keeps up), and is left
 * out and counted once write_log has been stuck in one write for LOG_STUCK_MS; the count
 * follows the lines before it as soon as stdout takes them. */
static pthread_t log_writer;      /* write_log's thread (main's to join) */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t log_queued = PTHREAD_COND_INITIALIZER; /* a line, or the end, for it */
static pthread_cond_t log_ended = PTHREAD_COND_INITIALIZER;  /* it wrote all and ended */
static char log_queue[LOG_BYTES]; /* whole lines, in order, not yet taken by write_log */
static size_t log_length;         /* bytes in log_queue */
static long log_left_out;         /* lines that found the queue full, not yet reported */
static bool log_ending, log_ended_all; /* finish_log asked it to end; it did */
static pthread_cond_t log_room = PTHREAD_COND_INITIALIZER; /* write_log took the queue */
static struct timespec log_write_began;  /* when write_log's write began; 0: not in one */
#define LOG_STUCK_MS 100 /* Fix 13: a write this long means stdout is full, not slow */

/* Fix 13: is write_log stuck in a write (stdout full), rather than busy or about to take the
 * queue? Called with log_lock held. */
static bool log_writer_stuck(void)
{
    if (log_write_began.tv_sec == 0 && log_write_began.tv_nsec == 0)
        return false;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - log_write_began.tv_sec) * 1000 +
           (now.tv_nsec - log_write_began.tv_nsec) / 1000000 >= LOG_STUCK_MS;
}

/* One line for stdout: FORMAT and its arguments as printf takes them, without the "\n". One
 * call, one whole line: lines of different threads never mix. */
static void log_line(const char *format, ...)
{
    char line[1024]; /* a line of ours is shorter; a longer one is cut */
    va_list arguments;
    va_start(arguments, format);
    int length = vsnprintf(line, sizeof line - 1, format, arguments);
    va_end(arguments);
    if (length < 0)
        return;
    if (length > (int)sizeof line - 2)
        length = (int)sizeof line - 2;
    line[length++] = '\n';
    pthread_mutex_lock(&log_lock);
    /* Fix 13: no room yet, but stdout is moving: wait for write_log to take the queue (it
     * signals log_room), at most LOG_STUCK_MS at a time, unless it is stuck in a write. */
    while (log_length + (size_t)length > sizeof log_queue && !log_writer_stuck()) {
        struct timespec deadline = realtime_in(LOG_STUCK_MS);
        pthread_cond_timedwait(&log_room, &log_lock, &deadline);
    }
    if (log_length + (size_t)length <= sizeof log_queue) {
        if (log_length == 0) /* (otherwise write_log knows: it takes all there is) */
            pthread_cond_signal(&log_queued);
        memcpy(log_queue + log_length, line, (size_t)length);
        log_length += (size_t)length;
    } else {
        log_left_out++; /* no waiting for room: counted instead */
    }
    pthread_mutex_unlock(&log_lock);
}

/* The log's thread: takes everything queued, adds how many lines were left out (if any), and
 * writes it to stdout, as long as that takes; then the next batch, until finish_log asks it
 * to end and nothing is left. */
static void *write_log(void *unused)
{
    static char batch[LOG_BYTES + 80]; /* this thread's alone: no lock needed */
    (void)unused;
    pthread_mutex_lock(&log_lock);
    for (;;) {
        while (log_length == 0 && log_left_out == 0 && !log_ending)
            pthread_cond_wait(&log_queued, &log_lock);
        if (log_length == 0 && log_left_out == 0)
            break; /* the end, and everything written */
        /* A millisecond for more lines to come: under load, one wake-up and one write()
         * then take the lines of many requests, not one each (measured with 100 clients:
         * 1.2 context switches per request instead of 1.6, and a quarter less CPU). */
        pthread_mutex_unlock(&log_lock);
        nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
        pthread_mutex_lock(&log_lock);
        size_t length = log_length;
        memcpy(batch, log_queue, length);
        if (log_left_out > 0)
            length += (size_t)snprintf(batch + length, sizeof batch - length,
                                       "(%ld log lines left out: stdout was full)\n",
                                       log_left_out);
        log_length = 0;
        log_left_out = 0;
        pthread_cond_broadcast(&log_room); /* Fix 13: room for the lines that wait */
        clock_gettime(CLOCK_MONOTONIC, &log_write_began);
        pthread_mutex_unlock(&log_lock);
        write_out(batch, length); /* the one call that may wait for stdout */
        pthread_mutex_lock(&log_lock);
        log_write_began = (struct timespec){0, 0};
    }
    log_ended_all = true;
    pthread_cond_signal(&log_ended);
    pthread_mutex_unlock(&log_lock);
    return NULL;
}

/* At the end: ask write_log to write what is left and end, and wait MILLISECONDS at most. If
 * stdout is full, the rest is lost: returning from main ends write_log, in write() or not.
 * (Joined when it did end: ThreadSanitizer pauses a second at exit while a thread runs.) */
static void finish_log(long milliseconds)
{
    struct timespec deadline = realtime_in(milliseconds);
    pthread_mutex_lock(&log_lock);
    log_ending = true;
    pthread_cond_signal(&log_queued);
    while (!log_ended_all &&
           pthread_cond_timedwait(&log_ended, &log_lock, &deadline) != ETIMEDOUT) {
    }
    bool ended = log_ended_all;
    pthread_mutex_unlock(&log_lock);
    if (ended)
        pthread_join(log_writer, NULL);
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

/* [-q] [-e ENCODING] [-m MAX_CLIENTS] [-w SECONDS] [PORT]: options first, then the port. */
static long parse_arguments(int argc, char *argv[])
{
    int option;
    opterr = 0; /* our own messages, below */
    while ((option = next_option(argc, argv, "+:hqe:m:w:")) != -1) {
        if (option == 'h') {
            printf("%s\nAnswers each message of many clients, a thread each, on PORT (default "
                   "9090; 0: any free).\n-m: clients at once (default 1000; more: 'server busy'). "
                   "-q: log connections only. -w: hang\nup on a client silent that long (default "
                   "60 s; 0: never). -e: the clients' text encoding.\n", USAGE);
            exit(0);
        } else if (option == 'q') {
            quiet = true;
        } else if (option == 'e') { /* checked here, then each thread opens its own */
            iconv_t checked = open_encoding(optarg, NULL);
            encoding = checked == (iconv_t)-1 ? NULL : optarg;
            if (checked != (iconv_t)-1)
                iconv_close(checked);
        } else if (option == 'm') {
            max_clients = number_argument(optarg, "client limit", 1, 100000);
        } else if (option == 'w') { /* Fix 10 */
            silent_seconds = number_argument(optarg, "silence limit", 0, 86400);
        } else if (option == ':' || optopt == 'e' || optopt == 'm' || optopt == 'w') {
            /* (a value missing: ':' from glibc's "+:", '?' and optopt from others) */
            usage_error("option '-%c' needs a value (try '%s -h')", optopt, PROGRAM);
        } else {
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        }
    }
    if (argc - optind > 1)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    return optind < argc ? number_argument(argv[optind], "port", 0, 65535) : 9090;
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

/* Signals, a client limit that fits in the descriptor limit, the log's thread. */
static void prepare_process(void)
{
    /* Writing to a client that left raises SIGPIPE, which would end the whole server;
     * ignored, send() fails with EPIPE and only that client's thread ends. */
    signal(SIGPIPE, SIG_IGN);
    /* SIGINT/SIGTERM only set a flag. No SA_RESTART, so the accept() main is blocked in
     * returns EINTR and the loop sees the flag. (A signal between the check and accept()
     * is only seen at the next connection: a window of a few instructions we accept.) */
    set_up_signals();

    /* Every client is a socket. Raise the soft limit on descriptors as far as it goes,
     * then serve at most as many clients as fit, keeping a few descriptors for ourselves:
     * client 1,001 of a 1,024 limit gets "server busy", not a silent wait in the queue. */
    rlim_t limit = raise_descriptor_limit(RLIM_INFINITY);
    rlim_t room = limit > RESERVED_FDS ? limit - RESERVED_FDS : 1;
    if (limit != RLIM_INFINITY && (rlim_t)max_clients > room) {
        long fitting = (long)room;
        snprintf(limit_note, sizeof limit_note, "\nClient limit %ld, not %ld: the open file "
                 "limit is %ld (ulimit -n)", fitting, max_clients, (long)limit);
        max_clients = fitting;
    }
    spare_fd = open("/dev/null", O_RDONLY);
    /* Fix 9: from here on, only write_log's thread writes to stdout. */
    int rc = start_thread(write_log, NULL, &log_writer);
    if (rc != 0) {
        errno = rc;
        fail("pthread_create", NULL);
    }
}

/* Tell a client we are full and hang up. shutdown(SHUT_WR) sends our FIN after the text,
 * so the client reads "server busy" and then the end of the connection. */
static void turn_away(int client_socket, const char *address)
{
    log_line("Server busy, turned away: %s", address);
    send_all(client_socket, BUSY_REPLY, sizeof BUSY_REPLY - 1); /* if it fails, so be it */
    shutdown(client_socket, SHUT_WR);
    close(client_socket);
}

/* accept() failed. Out of descriptors (EMFILE: ours, ENFILE: the system's), accept fails
 * at once whether a client waits or not, and the waiting ones stay in the queue: retrying
 * at once is a busy loop that floods stderr while those clients wait in silence. Instead,
 * the spare-descriptor trick: if a client waits, close the descriptor kept for this, accept
 * the client into it, tell it "server busy", take the spare back; if nobody waits, sleep in
 * poll() until somebody does (main then tries a normal accept first: a client may have
 * left meanwhile). Not accepting at all for a moment would leave the clients unanswered.
 * Said on stderr at most once a second. Other failures (no memory...): wait 100 ms. */
static void accept_failed(int server_socket)
{
    static struct timespec last_said;
    int saved_errno = errno;
    if (once_a_second(&last_said))
        fprintf(stderr, "%s: accept: %s (newcomers are told 'server busy'; said at most once a "
                "second)\n", PROGRAM, strerror(saved_errno));
    struct pollfd listening = {.fd = server_socket, .events = POLLIN};
    if ((saved_errno != EMFILE && saved_errno != ENFILE) || spare_fd < 0) {
        nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    } else if (poll(&listening, 1, 0) == 1) { /* a client waits */
        close(spare_fd);
        int flags = fcntl(server_socket, F_GETFL);
        fcntl(server_socket, F_SETFL, flags | O_NONBLOCK); /* (it may have left: no waiting) */
        struct sockaddr_storage peer;
        socklen_t peer_length = sizeof peer;
        int client_socket = accept(server_socket, (struct sockaddr *)&peer, &peer_length);
        fcntl(server_socket, F_SETFL, flags);
        if (client_socket >= 0) {
            char address[ADDRESS_SIZE];
            format_address((struct sockaddr *)&peer, peer_length, address, sizeof address);
            turn_away(client_socket, address);
        }
        spare_fd = open("/dev/null", O_RDONLY);
    } else {
        poll(&listening, 1, -1); /* until a client waits, or a signal (EINTR) */
    }
}

/* Fix 11: true if LAST (when this last said yes; zero: never) is a second ago or more, and
 * then LAST becomes now. A failure that repeats for every client is said once a second, not
 * once per client. (Whole seconds, tv_sec alone, could say it twice in a few microseconds.) */
static bool once_a_second(struct timespec *last)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long since_ms = (long)(now.tv_sec - last->tv_sec) * 1000 +
                    (now.tv_nsec - last->tv_nsec) / 1000000;
    if (last->tv_sec != 0 && since_ms < 1000)
        return false;
    *last = now;
    return true;
}

/* Fix 9: all LENGTH bytes of DATA to stdout, waiting for room as long as it takes (only
 * write_log's thread calls this). A stdout set non-blocking by someone else is waited for in
 * poll(); one nobody will read again (EPIPE: the reader is gone) loses them. */
static void write_out(const char *data, size_t length)
{
    while (length > 0) {
        ssize_t written = write(STDOUT_FILENO, data, length);
        if (written > 0) {
            data += written;
            length -= (size_t)written;
        } else if (written < 0 && errno == EAGAIN) {
            poll(&(struct pollfd){.fd = STDOUT_FILENO, .events = POLLOUT}, 1, -1);
        } else if (written == 0 || errno != EINTR) {
            return;
        }
    }
}

/* The time MILLISECONDS from now on CLOCK_REALTIME, the clock pthread_cond_timedwait reads. */
static struct timespec realtime_in(long milliseconds)
{
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_sec += milliseconds / 1000;
    at.tv_nsec += milliseconds % 1000 * 1000000;
    if (at.tv_nsec >= 1000000000) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000;
    }
    return at;
}

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

/* "[ADDRESS] MESSAGE" on stdout, escaped: a client must not be able to clear or retitle
 * the terminal (printable ASCII as is; \\ \t \r \n; other bytes as \xHH). A message longer
 * than SHOWN_BYTES shows its start and its length. One log_line per line: lines of
 * different threads never mix. */
static void log_message(const struct client *client, size_t length, bool full)
{
    char shown[8 * SHOWN_BYTES + 4], note[96] = ""; /* 4: room for "..." (never needed) */
    size_t part = length > SHOWN_BYTES ? SHOWN_BYTES : length;
    escape_from_peer(client->from_peer, shown, sizeof shown, client->message, part);
    if (full)
        snprintf(note, sizeof note, "... (%d bytes: the buffer was full, any rest arrives as the "
                 "next message)", MESSAGE_BYTES);
    else if (length > SHOWN_BYTES)
        snprintf(note, sizeof note, "... (%zu bytes)", length);
    log_line("[%s] %s%s", client->address, shown, note);
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

/* ---- begin canonical: open_encoding ---- */
/* -e ENCODING: how the peer writes its text (the notes' first programs use gbk, the later
 * ones utf-8). Returns iconv(3)'s converter from ENCODING to UTF-8, for showing what arrives
 * on our UTF-8 terminal; when TO_PEER is not NULL, puts there the one from UTF-8 to
 * ENCODING, for what the user types. UTF-8 itself needs none: (iconv_t)-1 for both. A name
 * iconv does not know is a usage error, exit 2; so is an encoding in which ASCII's bytes are
 * not ASCII (in UTF-16 "A" is two bytes, and no line would end with the byte \n). */
static iconv_t open_encoding(const char *name, iconv_t *to_peer)
{
    static const char ascii[] = "Hi, 0-9 ~\n";
    char back[sizeof ascii], *in = (char *)ascii, *next = back;
    size_t left = sizeof ascii - 1, room = sizeof back;

    if (to_peer != NULL)
        *to_peer = (iconv_t)-1;
    if (strcasecmp(name, "utf-8") == 0 || strcasecmp(name, "utf8") == 0)
        return (iconv_t)-1;
    iconv_t from_peer = iconv_open("UTF-8", name);
    if (from_peer == (iconv_t)-1)
        usage_error("unknown encoding '%s' (try utf-8 or gbk)", name);
    if (iconv(from_peer, &in, &left, &next, &room) == (size_t)-1 ||
        (size_t)(next - back) != sizeof ascii - 1 || memcmp(back, ascii, sizeof ascii - 1) != 0)
        usage_error("encoding '%s' does not write ASCII as ASCII (try utf-8 or gbk)", name);
    if (to_peer != NULL && (*to_peer = iconv_open(name, "UTF-8")) == (iconv_t)-1)
        usage_error("encoding '%s': this C library's iconv reads it but cannot write it", name);
    return from_peer;
}
/* ---- end canonical: open_encoding ---- */

/* ---- begin canonical: escape_from_peer ---- */
/* Add PIECE to OUT (SIZE bytes, USED of them taken) if it fits with room for a "..." after
 * it; if not, end OUT with "..." and return 0. */
static int add_piece(char *out, size_t size, size_t *used, const char *piece)
{
    size_t width = strlen(piece);
    if (*used + width + 4 > size) {
        snprintf(out + *used, size - *used, "...");
        *used += strlen(out + *used);
        return 0;
    }
    memcpy(out + *used, piece, width + 1);
    *used += width;
    return 1;
}

/* What a peer sent (LENGTH bytes of DATA, in its encoding: open_encoding) as a line of text
 * in OUT (SIZE bytes; 8 * LENGTH + 4 always holds all of it; less is cut, "..." says so):
 * converted to UTF-8, then each character as escape_character shows it. A byte that is not
 * the encoding (gbk has no character starting with \xff) is shown as \xHH and the rest goes
 * on: never dropped. With UTF-8 there is nothing to convert. Returns the length of OUT. */
static size_t escape_from_peer(iconv_t from_peer, char *out, size_t size, const void *data,
                               size_t length)
{
    char *in = (char *)data, converted[64], piece[5]; /* (iconv's prototype: char **) */
    size_t left = length, used = 0;

    out[0] = '\0';
    if (from_peer != (iconv_t)-1)
        iconv(from_peer, NULL, NULL, NULL, NULL); /* start afresh: each message alone */
    while (left > 0) {
        const unsigned char *text = (const unsigned char *)in;
        size_t text_length = left;
        int bad_byte = 0;
        if (from_peer == (iconv_t)-1) {
            in += left;
            left = 0;
        } else { /* as many characters as fit in converted[]; E2BIG: more to come */
            char *next = converted;
            size_t room = sizeof converted;
            size_t rc = iconv(from_peer, &in, &left, &next, &room);
            text = (const unsigned char *)converted;
            text_length = (size_t)(next - converted);
            bad_byte = (rc == (size_t)-1 && errno != E2BIG) || text_length == 0;
        }
        for (size_t i = 0, n; i < text_length; i += n) {
            n = escape_character(text + i, text_length - i, piece);
            if (!add_piece(out, size, &used, piece))
                return used;
        }
        if (bad_byte && left > 0) { /* EILSEQ, or EINVAL: a character cut short at the end */
            snprintf(piece, sizeof piece, "\\x%02x", (unsigned char)*in);
            if (!add_piece(out, size, &used, piece))
                return used;
            in++;
            left--;
        }
    }
    return used;
}
/* ---- end canonical: escape_from_peer ---- */
