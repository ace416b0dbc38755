/*
 * mt_server: a TCP line server that serves many clients at once, one thread per client.
 *
 * Usage: mt_server [PORT] [-m MAX_CLIENTS]
 *
 * Mirrors the notes' "multithreaded server" section: the main thread loops on accept() and
 * hands each connected client to a new thread, which loops on recv() until the client goes
 * offline (recv returns 0), answering every line it receives.
 *
 * What the previous version got wrong: 03-tcp-server/dict_server is iterative. While it
 * talks to one client, a second client's connect() succeeds (the kernel completes the
 * handshake and queues the connection) but nobody reads its lines until the first client
 * leaves. Here every client has its own thread, so nobody waits for anybody.
 *
 * Try:
 *   terminal 1: ./mt_server 9090
 *   terminal 2: ../02-tcp-client/tcp_client_loop localhost 9090   (type lines; also try a
 *               second and a third client at the same time)
 *   or:         ./load_client localhost 9090 -c 100 -n 100
 *
 * See also: load_client.c (puts this server under load), ../03-tcp-server/dict_server.c
 * (the one-client-at-a-time version), README.md (the notes, and `make bench`).
 */
#define _POSIX_C_SOURCE 200809L
/* NI_MAXHOST and NI_MAXSERV are not POSIX: glibc shows them with _DEFAULT_SOURCE, macOS
 * with _DARWIN_C_SOURCE. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "mt_server"
#define USAGE "Usage: mt_server [PORT] [-m MAX_CLIENTS]"
#define DEFAULT_PORT "9090"
#define DEFAULT_MAX_CLIENTS 1000
#define LINE_LIMIT 4096 /* longest line we answer, in bytes, without its '\n' */
#define REPLY_PREFIX "ok, the problem is being handled: "
#define TOO_LONG_REPLY "error: line too long\n"
#define BUSY_REPLY "server busy\n"
#define ADDRESS_SIZE (NI_MAXHOST + NI_MAXSERV + 8) /* room for "HOST port PORT" */
/* Each thread's own stack. The default is 8 MiB of address space per thread (Linux);
 * a client thread needs a few KiB (its buffers live in struct client, on the heap), so
 * 256 KiB is plenty, also under the sanitizers, and 1,000 threads reserve 256 MiB, not 8 GiB. */
#define THREAD_STACK_BYTES (256 * 1024)
/* How long shutdown waits for the client threads to notice their sockets were shut down. */
#define SHUTDOWN_WAIT_SECONDS 5

/* Everything one client's thread owns. main() allocates it, the thread frees it: the
 * thread is the only one that touches the buffers, so they need no lock. */
struct client {
    int socket;                                          /* Python: client_socket */
    char address[ADDRESS_SIZE];                          /* "127.0.0.1 port 51528" */
    char received[LINE_LIMIT];                           /* one recv() worth of bytes */
    char line[LINE_LIMIT];                               /* the line being assembled */
    size_t line_length;
    bool line_too_long;                                  /* discarding up to the next '\n' */
    char printable[LINE_LIMIT];                          /* the line as the log shows it */
    char replies[2 * (sizeof REPLY_PREFIX + LINE_LIMIT)]; /* replies waiting to be sent */
    size_t replies_length;
    struct client *previous, *next;                      /* in the list of connected clients */
};

/* Shared between main and the client threads, so only touched with `clients_lock` held:
 * the list of connected clients (so shutdown can reach their sockets), how many there are
 * (for the MAX_CLIENTS limit) and how many we served in all. */
static pthread_mutex_t clients_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t clients_gone = PTHREAD_COND_INITIALIZER; /* signalled as each leaves */
static struct client *connected_clients;
static long active_clients;
static long served_clients;

/* Set by the SIGINT/SIGTERM handler, read by the main thread only. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int signal_number)
{
    (void)signal_number;
    stop_requested = 1;
}

/* Print "mt_server: WHAT: reason" on stderr and exit 1. */
static void die(const char *what, const char *reason)
{
    fprintf(stderr, "%s: %s: %s\n", PROGRAM, what, reason);
    exit(1);
}

/* Print "mt_server: PROBLEM (try 'mt_server -h')" on stderr and exit 2. */
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

/* Write "ADDRESS port PORT" for a socket address, numerically, into OUT. An IPv4 client of
 * our IPv6 socket shows up as ::ffff:127.0.0.1; we print the plain 127.0.0.1 people expect. */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size)
{
    char host[NI_MAXHOST], port[NI_MAXSERV];
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

/* Raise our limit on open files to the most we are allowed: every client is a socket, and
 * the soft limit is often 1024 (256 on macOS), too few for MAX_CLIENTS = 1000. */
static void raise_open_file_limit(void)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == limit.rlim_max)
        return;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        limit.rlim_cur = 10240; /* macOS refuses "unlimited"; OPEN_MAX is its real ceiling */
        setrlimit(RLIMIT_NOFILE, &limit); /* best effort: we can live with the old limit */
    }
}

/* Queue TEXT (LENGTH bytes) to send to the client, sending what is queued first if it would
 * not fit. -1 if sending failed (the client is gone). */
static int queue_reply(struct client *client, const char *text, size_t length)
{
    if (client->replies_length + length > sizeof client->replies) {
        if (send_all(client->socket, client->replies, client->replies_length) != 0)
            return -1;
        client->replies_length = 0;
    }
    memcpy(client->replies + client->replies_length, text, length);
    client->replies_length += length;
    return 0;
}

/* One complete line arrived: print it with the client's address and queue the answer. */
static int answer_line(struct client *client)
{
    if (client->line_too_long) {
        printf("[%s] error: line too long\n", client->address);
        return queue_reply(client, TOO_LONG_REPLY, sizeof TOO_LONG_REPLY - 1);
    }
    size_t length = client->line_length;
    if (length > 0 && client->line[length - 1] == '\r') /* telnet and Windows end lines \r\n */
        length--;
    /* The log shows control bytes (NUL, escape sequences...) as '?', so a client cannot
     * scramble the terminal; the reply carries the bytes exactly as they came. */
    for (size_t i = 0; i < length; i++) {
        unsigned char byte = (unsigned char)client->line[i];
        client->printable[i] = (byte < 0x20 && byte != '\t') || byte == 0x7f ? '?' : (char)byte;
    }
    /* One printf per line: stdio locks stdout for the whole call, so lines printed by
     * different threads never mix mid-line (and stdout is line buffered: one write each). */
    printf("[%s] %.*s\n", client->address, (int)length, client->printable);

    /* Python: client_socket.send(("ok, the problem is being handled: " + line).encode()) */
    if (queue_reply(client, REPLY_PREFIX, sizeof REPLY_PREFIX - 1) != 0 ||
        queue_reply(client, client->line, length) != 0)
        return -1;
    return queue_reply(client, "\n", 1);
}

/* Add the RECEIVED bytes to the line being assembled; answer each line they complete.
 * A line over LINE_LIMIT is not overflowed: we stop storing it, skip to its '\n', and
 * answer "error: line too long". -1 if the client is gone. */
static int take_bytes(struct client *client, const char *received, size_t length)
{
    while (length > 0) {
        const char *newline = memchr(received, '\n', length);
        size_t piece = newline ? (size_t)(newline - received) : length;
        if (!client->line_too_long) {
            if (client->line_length + piece > LINE_LIMIT) {
                client->line_too_long = true;
            } else {
                memcpy(client->line + client->line_length, received, piece);
                client->line_length += piece;
            }
        }
        if (newline == NULL)
            return 0; /* the rest of this line comes in a later recv() */
        if (answer_line(client) != 0)
            return -1;
        client->line_length = 0;
        client->line_too_long = false;
        received += piece + 1;
        length -= piece + 1;
    }
    return 0;
}

/* 6. The client's thread: recv, answer every complete line, until the client goes offline.
 *    Python: def handle(client_socket, client_address): while True: data = recv(1024) ... */
static void *serve_client(void *argument)
{
    struct client *client = argument; /* ours now: main() will not touch it again */
    for (;;) {
        ssize_t received = recv(client->socket, client->received, sizeof client->received, 0);
        if (received < 0 && errno == EINTR)
            continue;
        if (received <= 0)
            break; /* 0: the client closed (Python: if not data: break); <0: reset etc. */
        /* Every line in this one recv() is answered with one send() below. */
        if (take_bytes(client, client->received, (size_t)received) != 0)
            break;
        if (client->replies_length > 0) {
            if (send_all(client->socket, client->replies, client->replies_length) != 0)
                break;
            client->replies_length = 0;
        }
    }
    printf("Client offline: %s\n", client->address);

    /* Leave the list first (under the lock), so shutdown never touches a closed socket. */
    pthread_mutex_lock(&clients_lock);
    if (client->previous)
        client->previous->next = client->next;
    else
        connected_clients = client->next;
    if (client->next)
        client->next->previous = client->previous;
    active_clients--;
    pthread_cond_signal(&clients_gone);
    pthread_mutex_unlock(&clients_lock);

    close(client->socket); /* Python: client_socket.close() */
    free(client);
    return NULL;
}

/* Tell a client we are full and hang up. shutdown(SHUT_WR) sends our FIN after the text, so
 * the client reads "server busy" and then end-of-file. */
static void turn_away(int client_socket, const char *address)
{
    printf("Server busy, turned away: %s\n", address);
    send_all(client_socket, BUSY_REPLY, sizeof BUSY_REPLY - 1); /* if it fails, so be it */
    shutdown(client_socket, SHUT_WR);
    close(client_socket);
}

int main(int argc, char *argv[])
{
    /* Line-buffer stdout: tests and pipes see each line at once. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    const char *port = DEFAULT_PORT;
    long max_clients = DEFAULT_MAX_CLIENTS;
    int operands = 0;
    bool only_operands = false; /* after "--" everything is an operand, even "-1" */
    opterr = 0; /* we print our own message for an unknown option */
    while (optind < argc) {
        int option = only_operands ? -1 : getopt(argc, argv, ":hm:");
        if (option == -1) { /* an operand: take it and go on (macOS getopt stops here) */
            if (optind >= argc)
                break;
            if (strcmp(argv[optind - 1], "--") == 0)
                only_operands = true;
            if (++operands > 1)
                usage_error("too many operands");
            port = argv[optind++];
            continue;
        }
        if (option == 'h') {
            printf("%s\n"
                   "A line server that answers many clients at once, one thread each.\n"
                   "  PORT            port to listen on (default %s, 0: the OS picks one)\n"
                   "  -m MAX_CLIENTS  clients served at once; more are told 'server busy'\n"
                   "                  (default %d)\n",
                   USAGE, DEFAULT_PORT, DEFAULT_MAX_CLIENTS);
            return 0;
        }
        if (option == 'm') {
            max_clients = parse_number(optarg, 1, 100000, "client limit");
        } else if (option == ':') {
            char problem[64];
            snprintf(problem, sizeof problem, "option '-%c' needs a value", optopt);
            usage_error(problem);
        } else {
            char problem[64];
            snprintf(problem, sizeof problem, "unknown option '-%c'", optopt);
            usage_error(problem);
        }
    }
    long port_number = parse_number(port, 0, 65535, "port");

    /* Writing to a client that has gone would raise SIGPIPE and kill the whole server;
     * ignored, send() fails with EPIPE instead and only that client's thread ends. */
    signal(SIGPIPE, SIG_IGN);
    raise_open_file_limit();

    /* SIGINT/SIGTERM only set a flag; no SA_RESTART, so the accept() main is blocked in
     * returns EINTR and the loop below sees the flag. A process-wide signal goes to any
     * thread that does not block it, so client threads are started with both blocked
     * (see pthread_create below): the signal always lands in main, in accept(). */
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    sigset_t stop_signals, main_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);

    /* 1. Create the socket: IPv6 with IPV6_V6ONLY off accepts IPv4 clients too (they appear
     *    as ::ffff:a.b.c.d). Where IPv6 is missing, fall back to a plain IPv4 socket.
     *    Python: server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM) */
    int family = AF_INET6;
    int server_socket = socket(AF_INET6, SOCK_STREAM, 0);
    if (server_socket < 0) {
        family = AF_INET;
        server_socket = socket(AF_INET, SOCK_STREAM, 0);
        if (server_socket < 0)
            die("socket", strerror(errno));
    }
    int on = 1, off = 0;
    if (family == AF_INET6)
        setsockopt(server_socket, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);

    /* 2. Allow reusing the address: after a restart our old connections sit in TIME_WAIT
     *    and bind() would fail with "Address already in use" for a minute or so.
     *    Python: server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1) */
    if (setsockopt(server_socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0)
        die("setsockopt SO_REUSEADDR", strerror(errno));

    /* 3. Bind to every address of this machine, on PORT. Python: server_socket.bind(("", PORT)) */
    struct sockaddr_storage bound;
    memset(&bound, 0, sizeof bound);
    socklen_t bound_length;
    if (family == AF_INET6) {
        struct sockaddr_in6 *any6 = (struct sockaddr_in6 *)&bound;
        any6->sin6_family = AF_INET6;
        any6->sin6_addr = in6addr_any;
        any6->sin6_port = htons((unsigned short)port_number);
        bound_length = sizeof *any6;
    } else {
        struct sockaddr_in *any4 = (struct sockaddr_in *)&bound;
        any4->sin_family = AF_INET;
        any4->sin_addr.s_addr = htonl(INADDR_ANY);
        any4->sin_port = htons((unsigned short)port_number);
        bound_length = sizeof *any4;
    }
    if (bind(server_socket, (struct sockaddr *)&bound, bound_length) != 0) {
        char what[64];
        snprintf(what, sizeof what, "bind port %ld", port_number);
        die(what, strerror(errno));
    }

    /* 4. Listen. The notes use 128; we queue up to 1024 connections because a load test
     *    opens 1,000 at once, and a full queue makes the kernel drop the extra handshakes
     *    (those clients retry a second later). Python: server_socket.listen(128) */
    if (listen(server_socket, 1024) != 0)
        die("listen", strerror(errno));
    bound_length = sizeof bound;
    if (getsockname(server_socket, (struct sockaddr *)&bound, &bound_length) != 0)
        die("getsockname", strerror(errno));
    printf("Listening on port %d\n",
           ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                    : ((struct sockaddr_in *)&bound)->sin_port));

    /* Client threads are detached (nobody joins them: like Python's daemon=True, they end
     * on their own) and get a small stack. */
    pthread_attr_t thread_attributes;
    pthread_attr_init(&thread_attributes);
    pthread_attr_setdetachstate(&thread_attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&thread_attributes, THREAD_STACK_BYTES);

    /* 5. Accept clients in a loop, one thread each, until SIGINT/SIGTERM.
     *    (A signal arriving just after the check and before accept() starts waiting would
     *    only be seen at the next connection; closing that gap takes pselect() or a pipe
     *    the handler writes to. The window is a few instructions wide; we accept it.) */
    while (!stop_requested) {
        /* Python: client_socket, client_address = server_socket.accept() */
        struct sockaddr_storage client_address;
        socklen_t address_length = sizeof client_address;
        int client_socket =
            accept(server_socket, (struct sockaddr *)&client_address, &address_length);
        if (client_socket < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue; /* a signal (the loop checks the flag), or a client that gave up
                             before we accepted it: not our error */
            /* Out of file descriptors or memory: say so, breathe 100 ms, try again. */
            fprintf(stderr, "%s: accept: %s\n", PROGRAM, strerror(errno));
            struct timespec pause = {0, 100 * 1000 * 1000};
            nanosleep(&pause, NULL);
            continue;
        }
        /* Replies are small and sent whole: send them at once, not after Nagle's wait for
         * the previous reply's ACK (harmless if it fails: only slower). */
        setsockopt(client_socket, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);

        char address[ADDRESS_SIZE];
        format_address((struct sockaddr *)&client_address, address_length, address,
                       sizeof address);

        /* The limit: without it, every client costs a thread (stack, kernel task) and
         * enough of them exhaust memory or the thread limit; see the README. */
        pthread_mutex_lock(&clients_lock);
        bool full = active_clients >= max_clients;
        pthread_mutex_unlock(&clients_lock);
        if (full) {
            turn_away(client_socket, address);
            continue;
        }

        /* Hand the client over in memory of its own. Passing &client_socket (a variable of
         * this loop) would be a bug: the next accept() overwrites it, maybe before the new
         * thread has read it, and two threads would serve the same socket. */
        struct client *client = calloc(1, sizeof *client);
        if (client == NULL) {
            fprintf(stderr, "%s: calloc: %s\n", PROGRAM, strerror(errno));
            turn_away(client_socket, address);
            continue;
        }
        client->socket = client_socket;
        snprintf(client->address, sizeof client->address, "%s", address);

        pthread_mutex_lock(&clients_lock);
        client->next = connected_clients;
        if (connected_clients)
            connected_clients->previous = client;
        connected_clients = client;
        active_clients++;
        served_clients++;
        pthread_mutex_unlock(&clients_lock);

        /* Python: threading.Thread(target=handle, args=(client_socket,), daemon=True).start() */
        pthread_t thread;
        pthread_sigmask(SIG_BLOCK, &stop_signals, &main_signals); /* the thread inherits it */
        int rc = pthread_create(&thread, &thread_attributes, serve_client, client);
        pthread_sigmask(SIG_SETMASK, &main_signals, NULL);
        if (rc != 0) {
            /* Too many threads for the system: undo, and tell this client we are full. */
            fprintf(stderr, "%s: pthread_create: %s\n", PROGRAM, strerror(rc));
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

    /* 7. Stop: accept nobody new, hang up on the clients still connected (shutdown() makes
     *    their thread's recv() return 0, so each thread says "Client offline" and cleans up
     *    after itself), wait for them to finish, then say how many we served. Waiting
     *    matters: a thread still running when main returns could be cut off mid-line. */
    close(server_socket);
    pthread_attr_destroy(&thread_attributes);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += SHUTDOWN_WAIT_SECONDS;
    pthread_mutex_lock(&clients_lock);
    for (struct client *client = connected_clients; client; client = client->next)
        shutdown(client->socket, SHUT_RDWR);
    while (active_clients > 0 &&
           pthread_cond_timedwait(&clients_gone, &clients_lock, &deadline) != ETIMEDOUT) {
    }
    long served = served_clients;
    pthread_mutex_unlock(&clients_lock);
    printf("Served %ld client%s\n", served, served == 1 ? "" : "s");
    return 0;
}
