/*
 * mt_server: the notes' multithreaded server: one thread per client, every message answered.
 *
 * Usage: mt_server [-q] [-m MAX_CLIENTS] [PORT]
 *
 * The notes' "multitask server": the main thread loops on accept() and starts a thread per
 * client (Python: threading.Thread(target=handle, ..., daemon=True)); each thread loops on
 * recv(1024) until its client goes offline and answers every message with
 * "ok, the problem is being handled: MESSAGE".
 * The notes' message model: one recv(1024) is one message. One trailing "\r\n" or "\n" is
 * stripped and the reply ends the same way: bare for the notes' Python, a line for nc,
 * telnet and load_client. Bytes that arrive in pieces or merged (over 1024 bytes, two sends
 * in a row) make other messages: README, "One recv(1024), one message".
 *
 * What mt_server_basic.c gets wrong:
 *  1. A client gone before its replies: SIGPIPE kills it (exit 141), every client with it. Ignored.
 *  2. No client limit: past ulimit -n of them, accept fails: exit 1. A fitted limit: "server busy".
 *  3. Out of descriptors anyway (inherited ones): EMFILE ends it too. A spare one: "server busy".
 *  4. Prints a client's bytes raw: ESC[2J in a message clears the terminal. Shown escaped.
 *  5. Replies end without a newline: a line client's replies run together. The message, its ending.
 *  6. IPv4 only: a client of ::1 is refused. One IPv6 socket takes both families.
 *  7. Port by atoi: 65536 listens on a port the OS picks. Refused (exit 2).
 *  8. Ctrl-C or SIGTERM kills it: status 130 or 143, no last line. Hang up, wait, "Served N".
 *
 * Try:  terminal 1: ./mt_server 9090
 *       terminal 2: ../02-tcp-client/tcp_client_loop localhost 9090   (and a 3rd, a 4th)
 *       or:         ./load_client -c 100 -n 100 localhost 9090
 * See also: mt_server_basic.c (version 1), load_client.c, ../03-tcp-server/dict_server.c,
 * ../06-chat/chatroom_server.c (every client in one thread, with poll), README.md.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE  /* NI_MAXHOST, NI_MAXSERV (glibc) */
#define _DARWIN_C_SOURCE /* the same on macOS */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "mt_server"
#define USAGE "Usage: mt_server [-q] [-m MAX_CLIENTS] [PORT]"
#define MESSAGE_BYTES 1024 /* Python: recv(1024) */
#define REPLY_PREFIX "ok, the problem is being handled: "
#define BUSY_REPLY "server busy\n"
#define SHOWN_BYTES 64     /* the log shows a longer message's first 64 bytes and its length */
#define RESERVED_FDS 8     /* stdin/out/err, the listening socket, the spare, the C library */
#define ADDRESS_SIZE (NI_MAXHOST + NI_MAXSERV + 8) /* "HOST port PORT" */

/* What one client's thread owns: main() allocates it, the thread frees it. Nobody else
 * touches the buffers, so they need no lock. */
struct client {
    int socket;                                      /* Python: client_socket */
    char address[ADDRESS_SIZE];                      /* Python: client_address */
    char message[MESSAGE_BYTES];                     /* one recv(1024) */
    char reply[sizeof REPLY_PREFIX + MESSAGE_BYTES]; /* prefix + message + ending */
    struct client *previous, *next;                  /* the list of connected clients */
};

/* Shared by all threads, touched only with `clients_lock` held. */
static pthread_mutex_t clients_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t clients_gone = PTHREAD_COND_INITIALIZER; /* signalled as each leaves */
static struct client *connected_clients;                        /* for shutdown */
static long active_clients, served_clients, max_clients = 1000;
static bool quiet;                          /* -q: no line per message (set before threads) */
static volatile sig_atomic_t stop_requested; /* set by SIGINT/SIGTERM */
static char limit_note[128]; /* "Client limit ..." when the descriptor limit is low */
static int spare_fd = -1;    /* closed when accept() runs out of descriptors */

static void accept_client(int server_socket);      /* 5. accept, start its thread */
static void *handle_client(void *argument);        /* 6. the client's thread: recv, answer */
static int answer_message(struct client *client, size_t length); /* log it, send reply */
static void stop_serving(int server_socket);       /* 7. close it, hang up on everyone, wait */
/* Plumbing, after the lesson: */
static long parse_arguments(int argc, char *argv[]); /* options; returns the port */
static void prepare_process(void);  /* SIGPIPE, SIGINT/SIGTERM, descriptor limit */
static void turn_away(int client_socket, const char *address); /* "server busy", close */
static void accept_failed(int server_socket);      /* EMFILE & co: turn away, back off */
static void format_address(const struct sockaddr *address, socklen_t length, char *out);
static void log_message(const struct client *client, size_t length, bool full);
static int send_all(int socket, const char *data, size_t length);
static void die(const char *what);                 /* "mt_server: WHAT: reason", exit 1 */

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* each log line leaves at once, also into a pipe */
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
        die("socket");
    if (family == AF_INET6)
        setsockopt(server_socket, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);

    /* 2. Reuse the address: after a restart, old connections in TIME_WAIT would make bind
     *    fail for a minute. Python: server.setsockopt(SOL_SOCKET, SO_REUSEADDR, True) */
    if (setsockopt(server_socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0)
        die("setsockopt SO_REUSEADDR");

    /* 3. Bind to every address of this machine. Python: server.bind(("", 9090)) */
    struct sockaddr_in6 any6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
    struct sockaddr_in any4 = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    any6.sin6_port = any4.sin_port = htons((unsigned short)port);
    struct sockaddr *bound =
        family == AF_INET6 ? (struct sockaddr *)&any6 : (struct sockaddr *)&any4;
    socklen_t bound_length = family == AF_INET6 ? sizeof any6 : sizeof any4;
    char what[32]; /* "bind port 9090": what failed, if it does */
    snprintf(what, sizeof what, "bind port %ld", port);
    if (bind(server_socket, bound, bound_length) != 0)
        die(what);

    /* 4. Listen. Python: server.listen(128); 1024 here: a load test opens 1,000 connections
     *    at once, and a full queue drops handshakes (those clients retry a second later). */
    if (listen(server_socket, 1024) != 0 || getsockname(server_socket, bound, &bound_length) != 0)
        die("listen");
    printf("Listening on port %d\n%s", ntohs(family == AF_INET6 ? any6.sin6_port : any4.sin_port),
           limit_note); /* limit_note: "Client limit ..." when the descriptor limit is low */

    /* 5. Accept clients in a loop, one thread each, until SIGINT or SIGTERM.
     *    Python: while True: client_socket, client_address = server.accept()
     *                threading.Thread(target=handle, args=(...), daemon=True).start() */
    while (!stop_requested)
        accept_client(server_socket);
    stop_serving(server_socket); /* 7. Fix 8: nobody new, hang up on everyone, wait, count */
    return 0;
}

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
    format_address((struct sockaddr *)&peer, peer_length, address);

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
    client->socket = client_socket;
    memcpy(client->address, address, sizeof address);
    printf("Client online: %s\n", address);

    pthread_mutex_lock(&clients_lock);
    client->next = connected_clients;
    if (connected_clients)
        connected_clients->previous = client;
    connected_clients = client;
    active_clients++;
    served_clients++;
    pthread_mutex_unlock(&clients_lock);

    /* Detached: nobody joins it, it ends on its own (the notes' daemon=True is not quite
     * this: see the README). A small stack: the buffers are in struct client, on the heap.
     * SIGINT/SIGTERM are blocked while it starts, so the thread never takes them: they
     * always reach main, in accept(), which returns EINTR. */
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attributes, 256 * 1024);
    sigset_t stop_signals, saved;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &saved);
    pthread_t thread;
    int rc = pthread_create(&thread, &attributes, handle_client, client);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    pthread_attr_destroy(&attributes);
    if (rc != 0) { /* Fix 2: too many threads for the system: undo, say we are full */
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

/* 6. One client's thread. Python: def handle(client_socket, client_address): while True: */
static void *handle_client(void *argument)
{
    struct client *client = argument; /* ours now: main will not touch it again */
    for (;;) {
        /* Python: data = client_socket.recv(1024) */
        ssize_t received = recv(client->socket, client->message, MESSAGE_BYTES, 0);
        if (received < 0 && errno == EINTR)
            continue;
        if (received <= 0) /* 0: the client closed (Python: if not data: break); -1: reset */
            break;
        if (answer_message(client, (size_t)received) != 0)
            break; /* Fix 1: the client is gone (EPIPE, no SIGPIPE): only its thread ends */
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
    printf("Client offline: %s\n", client->address);
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
            printf("[%s] (a line ending alone: the end of the last message, echoed)\n",
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
 *    up after itself. Wait up to 5 s for them: returning from main ends every thread at once,
 *    maybe in the middle of a line. */
static void stop_serving(int server_socket)
{
    close(server_socket);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    pthread_mutex_lock(&clients_lock);
    for (struct client *client = connected_clients; client; client = client->next)
        shutdown(client->socket, SHUT_RDWR);
    while (active_clients > 0 &&
           pthread_cond_timedwait(&clients_gone, &clients_lock, &deadline) != ETIMEDOUT) {
    }
    long served = served_clients;
    pthread_mutex_unlock(&clients_lock);
    printf("Served %ld client%s\n", served, served == 1 ? "" : "s");
}

/* ---- Plumbing: read after the lesson ---- */

/* "mt_server: PROBLEM (try 'mt_server -h')" on stderr, exit 2. */
static void usage_error(const char *problem)
{
    fprintf(stderr, "%s: %s (try '%s -h')\n", PROGRAM, problem, PROGRAM);
    exit(2);
}

/* TEXT as a number from MIN to MAX, digits only (no sign, space or "0x"), or exit 2 with
 * "mt_server: bad NAME 'TEXT': expected a number from MIN to MAX". */
static long parse_number(const char *text, long min, long max, const char *name)
{
    long value = 0;
    const char *digit = text;
    for (; *digit >= '0' && *digit <= '9' && value <= max; digit++)
        value = value * 10 + (*digit - '0');
    if (*digit != '\0' || digit == text || value < min || value > max) {
        fprintf(stderr, "%s: bad %s '%s': expected a number from %ld to %ld\n", PROGRAM, name,
                text, min, max);
        exit(2);
    }
    return value;
}

/* mt_server [-q] [-m MAX_CLIENTS] [PORT]: options first, then at most one operand. */
static long parse_arguments(int argc, char *argv[])
{
    int option;
    char problem[48];
    opterr = 0; /* our own messages, below */
    for (int i = 1; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0)
            argv[i] = "-h";
    while ((option = getopt(argc, argv, "+:hqm:")) != -1) {
        if (option == 'h') {
            printf("%s\nAnswers every message of many clients at once, one thread per client,\n"
                   "on PORT (default 9090; 0: the OS picks). -m: clients served at once\n"
                   "(default 1000; more are told 'server busy'); -q: log connections only.\n",
                   USAGE);
            exit(0);
        } else if (option == 'q') {
            quiet = true;
        } else if (option == 'm') {
            max_clients = parse_number(optarg, 1, 100000, "client limit");
        } else if (option == ':' || optopt == 'm') { /* (':' needs glibc's "+:" reading) */
            snprintf(problem, sizeof problem, "option '-%c' needs a value", optopt);
            usage_error(problem);
        } else if (optopt >= '0' && optopt <= '9') { /* "-1" is a bad port, not an option */
            bool here = optind < argc && argv[optind][0] == '-' && argv[optind][1] == optopt;
            parse_number(here ? argv[optind] : argv[optind - 1], 0, 65535, "port");
        } else {
            snprintf(problem, sizeof problem, "unknown option '-%c'", optopt);
            usage_error(problem);
        }
    }
    if (argc - optind > 1)
        usage_error("too many operands");
    return optind < argc ? parse_number(argv[optind], 0, 65535, "port") : 9090;
}

static void on_stop_signal(int signal_number)
{
    (void)signal_number;
    stop_requested = 1;
}


/* Signals, and a client limit that fits in the descriptor limit. */
static void prepare_process(void)
{
    /* Writing to a client that left raises SIGPIPE, which would end the whole server;
     * ignored, send() fails with EPIPE and only that client's thread ends. */
    signal(SIGPIPE, SIG_IGN);
    /* SIGINT/SIGTERM only set a flag. No SA_RESTART, so the accept() main is blocked in
     * returns EINTR and the loop sees the flag. (A signal between the check and accept()
     * is only seen at the next connection: a window of a few instructions we accept.) */
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);

    /* Every client is a socket. Raise the soft limit on descriptors to the hard one (the
     * soft one is often 1024, 256 on macOS), then serve at most as many clients as fit,
     * keeping a few descriptors for ourselves: client 1,001 of a 1,024 limit gets
     * "server busy", not a silent wait in the listen queue. */
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        if (limit.rlim_cur < limit.rlim_max) {
            rlim_t wanted = limit.rlim_max;
            limit.rlim_cur = wanted;
            if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
                limit.rlim_cur = 10240; /* macOS refuses "unlimited"; OPEN_MAX is its ceiling */
                if (wanted < 10240 || setrlimit(RLIMIT_NOFILE, &limit) != 0)
                    getrlimit(RLIMIT_NOFILE, &limit); /* keep what we had */
            }
        }
        rlim_t room = limit.rlim_cur > RESERVED_FDS ? limit.rlim_cur - RESERVED_FDS : 1;
        if (limit.rlim_cur != RLIM_INFINITY && (rlim_t)max_clients > room) {
            long fitting = (long)room;
            snprintf(limit_note, sizeof limit_note, "Client limit %ld, not %ld: the open file "
                     "limit is %ld (ulimit -n)\n", fitting, max_clients, (long)limit.rlim_cur);
            max_clients = fitting;
        }
    }
    spare_fd = open("/dev/null", O_RDONLY);
}

/* Tell a client we are full and hang up. shutdown(SHUT_WR) sends our FIN after the text,
 * so the client reads "server busy" and then the end of the connection. */
static void turn_away(int client_socket, const char *address)
{
    printf("Server busy, turned away: %s\n", address);
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
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long since_ms = (long)(now.tv_sec - last_said.tv_sec) * 1000 +
                    (now.tv_nsec - last_said.tv_nsec) / 1000000;
    if (last_said.tv_sec == 0 || since_ms >= 1000) { /* whole seconds could say it twice */
        fprintf(stderr, "%s: accept: %s (newcomers are told 'server busy'; said at most once a "
                "second)\n", PROGRAM, strerror(saved_errno));
        last_said = now;
    }
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
            format_address((struct sockaddr *)&peer, peer_length, address);
            turn_away(client_socket, address);
        }
        spare_fd = open("/dev/null", O_RDONLY);
    } else {
        poll(&listening, 1, -1); /* until a client waits, or a signal (EINTR) */
    }
}

/* "ADDRESS port PORT", numerically, into OUT (ADDRESS_SIZE bytes). An IPv4 client of our
 * IPv6 socket shows as ::ffff:127.0.0.1; we print the 127.0.0.1 people expect. */
static void format_address(const struct sockaddr *address, socklen_t length, char *out)
{
    char host[NI_MAXHOST], port[NI_MAXSERV];
    int rc = getnameinfo(address, length, host, sizeof host, port, sizeof port,
                         NI_NUMERICHOST | NI_NUMERICSERV);
    if (rc != 0) {
        snprintf(out, ADDRESS_SIZE, "(unknown address: %s)", gai_strerror(rc));
        return;
    }
    bool mapped = strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, ':') == NULL;
    snprintf(out, ADDRESS_SIZE, "%s port %s", mapped ? host + 7 : host, port);
}

/* "[ADDRESS] MESSAGE" on stdout, escaped: a client must not be able to clear or retitle
 * the terminal (printable ASCII as is; \\ \t \r \n; other bytes as \xHH). A message longer
 * than SHOWN_BYTES shows its start and its length. One printf per line: stdio locks
 * stdout for the whole call, so lines of different threads never mix. */
static void log_message(const struct client *client, size_t length, bool full)
{
    char shown[4 * SHOWN_BYTES + 1], *out = shown, note[96] = "";
    size_t count = length > SHOWN_BYTES ? SHOWN_BYTES : length;
    for (size_t i = 0; i < count; i++) {
        unsigned char byte = (unsigned char)client->message[i];
        const char *escape = byte == '\\' ? "\\\\" : byte == '\t' ? "\\t" : byte == '\r' ? "\\r"
                           : byte == '\n' ? "\\n" : NULL;
        if (escape)
            out += sprintf(out, "%s", escape);
        else if (byte < 0x20 || byte >= 0x7f)
            out += sprintf(out, "\\x%02x", byte);
        else
            *out++ = (char)byte;
    }
    *out = '\0';
    if (full)
        snprintf(note, sizeof note, "... (%d bytes: the buffer was full, any rest arrives as the "
                 "next message)", MESSAGE_BYTES);
    else if (length > SHOWN_BYTES)
        snprintf(note, sizeof note, "... (%zu bytes)", length);
    printf("[%s] %s%s\n", client->address, shown, note);
}

/* Send all LENGTH bytes (send may take fewer), retrying on EINTR. 0, or -1 on error. */
static int send_all(int socket, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t sent = send(socket, data, length, 0);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0)
            return -1;
        data += sent;
        length -= (size_t)sent;
    }
    return 0;
}

/* "mt_server: WHAT: reason" on stderr, exit 1. */
static void die(const char *what)
{
    fprintf(stderr, "%s: %s: %s\n", PROGRAM, what, strerror(errno));
    exit(1);
}
