/*
 * dict_server.c - the notes' question-and-answer server: many lines per client, many
 * clients, but strictly ONE client at a time (an iterative server).
 *
 * Usage: dict_server [PORT]
 *
 * Mirrors the notes' "dictionary server" example: `how are u` -> `fine`, `how old are u`
 * -> `nicai`, anything else -> `no`, `bye` -> `bye` and that client is closed. Each
 * question is one line ending in "\n" (a "\r" before it is accepted); each answer is one
 * line. PORT defaults to 50007; 0 lets the OS pick. Ctrl-C (SIGINT) or SIGTERM: the server
 * says so and exits 0.
 *
 * What it gets wrong, on purpose: while one client is connected, a second one can connect
 * (the kernel finishes its handshake and parks it in the listen backlog) but gets no answer
 * until the first one leaves. Lesson 04 fixes that with one thread per client.
 *
 * Try:
 *   terminal 1:  ./dict_server 50007
 *   terminal 2:  ../02-tcp-client/tcp_client_loop 127.0.0.1 50007
 *                (type: how are u, how old are u, bye)
 *
 * See also: tcp_server.c (the single-shot version of the same steps), hello_http.c,
 * ../02-tcp-client/tcp_client_loop.c, ../04-multithread-server/.
 */
/* _DEFAULT_SOURCE (glibc) and _DARWIN_C_SOURCE (macOS) make NI_MAXHOST/NI_MAXSERV visible;
 * strict _POSIX_C_SOURCE alone hides them. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROGRAM "dict_server"
#define USAGE "Usage: dict_server [PORT]"
#define DEFAULT_PORT 50007
#define BAD_PORT "bad port '%s': expected a number from 0 to 65535"
#define LINE_SIZE 1024 /* the longest question we keep, in bytes, before its "\n" */

/* Set by the SIGINT/SIGTERM handler; the loops check it before every accept() and recv(). */
static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int signal_number) {
    (void)signal_number;
    stop_requested = 1;
}

/* Bad command line: one line on stderr naming the problem, exit 2. */
static void usage_error(const char *format, const char *text) {
    fprintf(stderr, "%s: ", PROGRAM);
    fprintf(stderr, format, text);
    fputc('\n', stderr);
    exit(2);
}

/* Runtime failure: one line naming the call, the address and the reason, exit 1. */
static void fail(const char *call, const char *where) {
    fprintf(stderr, "%s: %s%s%s: %s\n", PROGRAM, call, where[0] ? " " : "", where,
            strerror(errno));
    exit(1);
}

/* A port is all digits, 0..65535; "80x", "-1", "" and "99999" are refused. */
static int parse_port(const char *text) {
    char *end;
    long value;
    if (!isdigit((unsigned char)text[0]))
        usage_error(BAD_PORT, text);
    errno = 0;
    value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || value > 65535)
        usage_error(BAD_PORT, text);
    return (int)value;
}

/* The first argument that looks like a negative number (getopt took it for an option). */
static const char *negative_number(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' && isdigit((unsigned char)argv[i][1]))
            return argv[i];
    return NULL;
}

/* "127.0.0.1 port 51528" or "::1 port 40222", numeric; "::ffff:1.2.3.4" shown as "1.2.3.4". */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size) {
    char host[NI_MAXHOST], service[NI_MAXSERV];
    int rc = getnameinfo(address, length, host, sizeof host, service, sizeof service,
                         NI_NUMERICHOST | NI_NUMERICSERV);
    if (rc != 0) {
        snprintf(out, size, "(unknown address: %s)", gai_strerror(rc));
        return;
    }
    const char *shown = host;
    if (strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, '.') != NULL)
        shown = host + 7; /* an IPv4 client reaching our IPv6 socket */
    snprintf(out, size, "%s port %s", shown, service);
}

/* Print bytes as text, escaping what a terminal should not see raw (like Python's b'...'). */
static void print_escaped(const unsigned char *data, size_t length) {
    for (size_t i = 0; i < length; i++) {
        unsigned char c = data[i];
        if (c == '\\')
            fputs("\\\\", stdout);
        else if (c == '\r')
            fputs("\\r", stdout);
        else if (c == '\t')
            fputs("\\t", stdout);
        else if (c < 0x20 || c > 0x7e)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
}

/* send() may take only part of the buffer: keep going until all of it is handed over. */
static int send_all(int socket_fd, const void *data, size_t length) {
    const char *next = data;
    while (length > 0) {
        ssize_t sent = send(socket_fd, next, length, 0);
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

/* Catch SIGINT and SIGTERM. The handler only sets stop_requested; without SA_RESTART the
 * blocking accept() or recv() it interrupts returns -1 with errno EINTR, and the loop
 * around it sees the flag and ends. */
static void set_up_signals(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART */
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

/* Steps 1-4 of tcp_server.c: socket (IPv6 taking IPv4 too, or plain IPv4 where IPv6 is
 * missing), SO_REUSEADDR (so a restart does not trip over TIME_WAIT), bind to the wildcard,
 * listen. Returns the listening socket and stores the port it really got. */
static int listen_on(int port, int *bound_port) {
    char where[32];
    snprintf(where, sizeof where, "port %d", port);
    struct sockaddr_storage address;
    socklen_t length;
    memset(&address, 0, sizeof address);
    int family = AF_INET6;
    int server_socket = socket(AF_INET6, SOCK_STREAM, 0);
    if (server_socket < 0) {
        family = AF_INET;
        server_socket = socket(AF_INET, SOCK_STREAM, 0);
        if (server_socket < 0)
            fail("socket", "");
    } else {
        int off = 0;
        if (setsockopt(server_socket, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0)
            fail("setsockopt IPV6_V6ONLY", where);
    }
    int on = 1;
    if (setsockopt(server_socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0)
        fail("setsockopt SO_REUSEADDR", where);
    if (family == AF_INET6) {
        struct sockaddr_in6 *six = (struct sockaddr_in6 *)&address;
        six->sin6_family = AF_INET6;
        six->sin6_addr = in6addr_any;
        six->sin6_port = htons((uint16_t)port);
        length = sizeof *six;
    } else {
        struct sockaddr_in *four = (struct sockaddr_in *)&address;
        four->sin_family = AF_INET;
        four->sin_addr.s_addr = htonl(INADDR_ANY);
        four->sin_port = htons((uint16_t)port);
        length = sizeof *four;
    }
    if (bind(server_socket, (struct sockaddr *)&address, length) < 0)
        fail("bind", where);
    if (listen(server_socket, 128) < 0)
        fail("listen", where);
    length = sizeof address;
    if (getsockname(server_socket, (struct sockaddr *)&address, &length) < 0)
        fail("getsockname", where);
    *bound_port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&address)->sin6_port
                                          : ((struct sockaddr_in *)&address)->sin_port);
    return server_socket;
}

/* The dictionary itself. Python: if recv_data == "how are u": reply = "fine" ... */
static const char *answer(const unsigned char *line, size_t length) {
    static const char *const questions[][2] = {
        {"how are u", "fine"},
        {"how old are u", "nicai"},
        {"bye", "bye"},
    };
    for (size_t i = 0; i < sizeof questions / sizeof questions[0]; i++)
        if (length == strlen(questions[i][0]) && memcmp(line, questions[i][0], length) == 0)
            return questions[i][1];
    return "no";
}

/* Send one answer line; false if the client has gone (then we stop talking to it). */
static bool reply(int client_socket, const char *client_name, const char *text) {
    char message[64];
    int length = snprintf(message, sizeof message, "%s\n", text);
    if (send_all(client_socket, message, (size_t)length) < 0) {
        fprintf(stderr, "%s: send %s: %s\n", PROGRAM, client_name, strerror(errno));
        return false;
    }
    printf("Sent: %s\n", text);
    return true;
}

/* Steps 6-7, repeated: receive bytes, cut them into lines, answer each line, until the
 * client says bye, closes (recv returns 0), fails, or we are asked to stop.
 * TCP is a byte stream: one recv() may hold half a line or three lines, so we collect
 * bytes in `line` and act only when "\n" arrives. */
static void talk_to_client(int client_socket, const char *client_name) {
    unsigned char chunk[4096];
    unsigned char line[LINE_SIZE];
    size_t used = 0;         /* bytes of the current line kept so far */
    bool discarding = false; /* inside a line that was too long: drop bytes up to "\n" */

    while (!stop_requested) {
        /* Python: recv_data = client_socket.recv(1024) */
        ssize_t count = recv(client_socket, chunk, sizeof chunk, 0);
        if (count < 0) {
            if (errno == EINTR)
                continue; /* a signal: the loop checks stop_requested */
            fprintf(stderr, "%s: recv %s: %s\n", PROGRAM, client_name, strerror(errno));
            return;
        }
        if (count == 0) { /* the client closed its side: nothing more will come */
            if (used > 0 || discarding)
                printf("Client closed in the middle of a line: dropped it\n");
            return;
        }
        for (ssize_t i = 0; i < count; i++) {
            unsigned char c = chunk[i];
            if (discarding) {
                if (c == '\n')
                    discarding = false;
                continue;
            }
            if (c == '\n') {
                size_t length = used;
                if (length > 0 && line[length - 1] == '\r')
                    length--; /* "how are u\r\n" from telnet-style clients */
                used = 0;
                printf("Received: ");
                print_escaped(line, length);
                putchar('\n');
                const char *text = answer(line, length);
                if (!reply(client_socket, client_name, text))
                    return;
                if (strcmp(text, "bye") == 0)
                    return; /* the client said goodbye: the caller closes its socket */
                continue;
            }
            if (used == sizeof line) {
                /* Never overflow, never silently cut: say so, then skip to the next "\n". */
                printf("Received a line longer than %d bytes: discarding it\n", LINE_SIZE);
                if (!reply(client_socket, client_name, "line too long"))
                    return;
                discarding = true;
                used = 0;
                continue;
            }
            line[used++] = c;
        }
    }
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0); /* tests and pipes see each line at once */
    /* Writing to a client that has gone raises SIGPIPE, which would kill us silently;
     * ignored, send() fails with EPIPE instead and only that client is dropped. */
    signal(SIGPIPE, SIG_IGN);

    /* Options may come before or after the operand: getopt stops at the first operand
     * (always on macOS, here because of the "+"), so we take it by hand and carry on. */
    const char *port_text = NULL;
    opterr = 0;
    for (;;) {
        int option = getopt(argc, argv, "+h"); /* "+": stop at an operand, as macOS does */
        if (option == -1) {
            if (optind >= argc)
                break;
            /* After "--" everything left is an operand; otherwise take one, then go on. */
            bool rest_are_operands = strcmp(argv[optind - 1], "--") == 0;
            do {
                if (port_text != NULL)
                    usage_error("too many operands (try '%s -h')", PROGRAM);
                port_text = argv[optind++];
            } while (rest_are_operands && optind < argc);
            if (rest_are_operands)
                break; /* (glibc would hand back the same operands again) */
            continue;
        }
        if (option == 'h') {
            printf("%s\n", USAGE);
            return 0;
        }
        if (isdigit((unsigned char)optopt) && negative_number(argc, argv) != NULL)
            usage_error(BAD_PORT, negative_number(argc, argv));
        char unknown[3] = {'-', (char)optopt, '\0'};
        usage_error("unknown option '%s' (try '" PROGRAM " -h')", unknown);
    }
    int port = port_text != NULL ? parse_port(port_text) : DEFAULT_PORT;

    /* Ctrl-C / SIGTERM: stop waiting, close everything, exit 0. */
    set_up_signals();

    /* 1-4. Create the socket, set address reuse, bind, listen (see tcp_server.c).
     *      Python: server_socket.bind(("", 50007)); server_socket.listen(128) */
    int server_socket = listen_on(port, &port);
    printf("Listening on port %d\n", port);

    /* Python: while True:   (here: until SIGINT/SIGTERM)
     * A signal landing just after the check of stop_requested, before accept() (or recv())
     * starts waiting, is only seen at the next connection (or line). Real servers close
     * that tiny window with pselect()/ppoll() or a self-pipe; here we accept it. */
    while (!stop_requested) {
        /* 5. Accept the next client. Any others wait in the backlog meanwhile: connected
         *    as far as they can tell, but nobody reads what they send.
         *    Python: client_socket, client_address = server_socket.accept() */
        struct sockaddr_storage client_address;
        socklen_t client_length = sizeof client_address;
        int client_socket =
            accept(server_socket, (struct sockaddr *)&client_address, &client_length);
        if (client_socket < 0) {
            /* EINTR: a signal (the loop checks the flag). ECONNABORTED: that client gave
             * up while queued. Not fatal, nor is anything else that concerns one client. */
            if (errno != EINTR && errno != ECONNABORTED)
                fprintf(stderr, "%s: accept port %d: %s\n", PROGRAM, port, strerror(errno));
            continue;
        }
        char client_name[NI_MAXHOST + NI_MAXSERV + 8];
        format_address((struct sockaddr *)&client_address, client_length, client_name,
                       sizeof client_name);
        printf("Connection from %s\n", client_name);

        /* 6-7. Receive a line, send its answer, again and again, with THIS client only. */
        talk_to_client(client_socket, client_name);

        /* 8. Close the client's socket: that conversation is over (its recv() returns 0).
         *    The listening socket stays open for the next client. */
        close(client_socket);
        printf("Client left: %s\n", client_name);
    }

    /* 8. Close the listening socket: no new clients from here on. */
    printf("Server closing\n");
    close(server_socket);
    return 0;
}
