/*
 * hello_http.c - the notes' "hello world to the browser": an iterative TCP server that
 * speaks just enough HTTP/1.1 for a browser or curl, and drops clients that stay silent.
 *
 * Usage: hello_http [-t SECONDS] [PORT]
 *
 * Mirrors the notes' "return Hello World to the browser" example, made safe: per
 * connection it reads the request head up to the blank line (at most 8 KiB: more gets
 * 431; a head that is not HTTP gets 400), logs the client and the request line, then
 * answers `GET /` with a small HTML page, `HEAD /` with the same head and no body, any
 * other path with 404 and any other method with 405. Every answer says
 * `Connection: close` and the server closes after it, one client at a time.
 * PORT defaults to 8080 (0: the OS picks). -t SECONDS (default 5) bounds the time a client
 * has to send its whole request head; a silent client is then dropped.
 *
 * What hello_http_basic.c gets wrong:
 *  1. One recv(1024) taken as the request: a longer head is cut, the close resets. Whole head.
 *  2. Closes with a request body unread: a reset, curl fails (exit 56). FIN first, then drain.
 *  3. A client that says nothing blocks it, and all after it, for ever. Dropped after -t.
 *  4. A client gone before the answer kills it by SIGPIPE: exit 141. Ignored: it is dropped.
 *  5. No SO_REUSEADDR, and it closes first: a restart right after a client fails. Set first.
 *  6. Bound to 127.0.0.1: ::1 and other machines are refused. Every interface, both families.
 *  7. Prints the request raw: ESC[2J in it clears the terminal. Request line only, checked.
 *  8. Port by atoi: "abc" listens on a random port. Refused (exit 2).
 *  9. Ctrl-C or SIGTERM kills it: status 130 or 143, no last line. "Server closing", exit 0.
 *
 * Try:
 *   terminal 1:  ./hello_http 8080
 *   terminal 2:  curl -i http://127.0.0.1:8080/     (or open http://localhost:8080/)
 *
 * See also: hello_http_basic.c (version 1), tcp_server.c and dict_server.c (the same steps
 * without HTTP), ../04-multithread-server/ (serving many clients at once).
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
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "hello_http"
#define DEFAULT_PORT 8080
#define DEFAULT_TIMEOUT 5
#define HEAD_MAX 8192 /* the longest request head we read, blank line included */
#define PAGE                                                                               \
    "<!DOCTYPE html>\n"                                                                    \
    "<html><head><meta charset=\"utf-8\"><title>Hello</title></head>\n"                    \
    "<body><h1>Hello World</h1><p>Served by hello_http, lesson 03.</p></body></html>\n"

static volatile sig_atomic_t stop_requested = 0; /* set by SIGINT/SIGTERM */

/* One parsed request line, pointing into the head (not NUL-terminated). */
struct request {
    const char *method, *target;
    size_t method_length, target_length, line_length;
};

static int parse_arguments(int argc, char **argv, int *timeout); /* port; exit 2 if bad */
static void set_up_signals(void);                 /* SIGINT/SIGTERM set stop_requested */
static void on_signal(int signal_number);         /* the handler: sets the flag */
static int listen_on(int port, int *bound_port);  /* steps 1-4, as in tcp_server.c */
static int accept_client(int server_socket, char *name, size_t size); /* step 5 */
static size_t receive_head(int client_socket, const char *name, char *head, int timeout);
                                                  /* step 6: the request, up to the blank line */
static void answer_request(int client_socket, const char *name, const char *head,
                           size_t length);        /* step 7: 200, 400, 404 or 405 */
static void finish_politely(int client_socket);   /* step 8: FIN first, then read the rest */
static size_t end_of_head(const char *data, size_t length); /* just past the blank line */
static bool parse_head(const char *head, size_t length, struct request *request);
static bool is_token_char(unsigned char c);       /* letters allowed in a method or header */
static void respond(int client_socket, const char *name, const char *status,
                    const char *extra_header, const char *content_type, const char *body,
                    bool send_body);              /* status line, headers, body */
static long milliseconds_since(const struct timespec *start); /* monotonic clock */
static void print_help(void);                     /* -h: Usage + description, exit 0 */
static int parse_number(const char *text, long min, long max, const char *message);
static void usage_error(const char *format, const char *text); /* bad command line: exit 2 */
static void fail(const char *call, const char *where); /* run-time error: exit 1 */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size);          /* "127.0.0.1 port 51528" */
static void print_escaped(const void *data, size_t length); /* bytes shown safely */
static int send_all(int socket_fd, const void *data, size_t length); /* loop over send */

int main(int argc, char **argv) {
    int timeout;
    int port = parse_arguments(argc, argv, &timeout); /* Fix 8: a strict port, or exit 2 */
    setvbuf(stdout, NULL, _IOLBF, 0); /* tests and pipes see each line at once */
    /* Fix 4: writing to a client that has gone raises SIGPIPE, which would kill us silently;
     * ignored, send() fails with EPIPE instead and only that client is dropped. */
    signal(SIGPIPE, SIG_IGN);
    /* Fix 9: Ctrl-C / SIGTERM: close everything, exit 0, at once: a client being served when
     * the signal comes is dropped without an answer. */
    set_up_signals();

    /* 1-4. Create the socket, set address reuse, bind, listen: tcp_server.c's steps, with
     *      Fix 5 (SO_REUSEADDR) and Fix 6 (every interface, IPv6 taking IPv4 too).
     *      Python: web.bind((host, port)); web.listen(5) */
    int server_socket = listen_on(port, &port);
    printf("Listening on port %d\n", port);

    /* Python: while True:   (here: until SIGINT/SIGTERM)
     * A signal landing after the stop_requested check but before accept() (or a recv())
     * starts waiting is only seen at the next connection (or request, or -t timeout). */
    while (!stop_requested) {
        /* 5. Accept the next browser connection. Python: conn, addr = s.accept() */
        char client_name[NI_MAXHOST + NI_MAXSERV + 8];
        int client_socket = accept_client(server_socket, client_name, sizeof client_name);
        if (client_socket < 0)
            continue; /* a signal, or a client that gave up while queued */

        /* 6. Receive the request. Python: data = conn.recv(1024)
         *    Fix 1: every piece until the blank line that ends the head; Fix 3: within -t
         *    seconds (a client that says nothing must not block this one-at-a-time server). */
        char head[HEAD_MAX];
        size_t length = receive_head(client_socket, client_name, head, timeout);

        /* 7. Send the response. Python: conn.send(b"HTTP/1.1 200 OK\r\n\r\nHello World") */
        if (length > 0)
            answer_request(client_socket, client_name, head, length);

        /* 8. Close this client's socket ("Connection: close"); keep listening.
         *    Python: conn.close(). Fix 2: our FIN first, then drain, so no reset. */
        if (length > 0)
            finish_politely(client_socket);
        close(client_socket);
    }

    printf("Server closing\n");
    close(server_socket);
    return 0;
}

/* Step 5: wait for the next client; -1 if accept was interrupted or that client is gone.
 * EINTR: a signal (main's loop checks the flag). ECONNABORTED: the client gave up while
 * queued. Neither is fatal, nor is anything else that concerns one client. */
static int accept_client(int server_socket, char *name, size_t size) {
    struct sockaddr_storage address;
    socklen_t length = sizeof address;
    int client_socket = accept(server_socket, (struct sockaddr *)&address, &length);
    if (client_socket < 0) {
        if (errno != EINTR && errno != ECONNABORTED)
            fprintf(stderr, "%s: accept: %s\n", PROGRAM, strerror(errno));
        return -1;
    }
    format_address((struct sockaddr *)&address, length, name, size);
    printf("Connection from %s\n", name);
    return client_socket;
}

/* Step 6, Fixes 1 and 3: read the request head into head[HEAD_MAX] until the blank line
 * that ends it. Returns its length, or 0 when there is nothing to answer (the client left,
 * was too slow, or the head was too long: that one gets 431 here).
 * TCP may deliver the head in any number of pieces, so we keep appending. The whole head
 * must arrive within `timeout` seconds: before each recv() we tell the kernel
 * (SO_RCVTIMEO) how much of that time is left, and recv() fails with EAGAIN when it runs
 * out. So neither a silent client nor one that dribbles a byte at a time can hold this
 * server for longer. */
static size_t receive_head(int client_socket, const char *name, char *head, int timeout) {
    size_t used = 0, head_length = 0;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (head_length == 0) {
        long left = timeout * 1000L - milliseconds_since(&start);
        struct timeval limit = {left / 1000, (left % 1000) * 1000};
        if (left <= 0 ||
            setsockopt(client_socket, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) < 0) {
            printf("Dropped %s: no complete request within %d s\n", name, timeout);
            return 0;
        }
        if (used == HEAD_MAX) {
            printf("Request head longer than %d bytes\n", HEAD_MAX);
            respond(client_socket, name, "431 Request Header Fields Too Large", "",
                    "text/plain", "431 Request Header Fields Too Large\n", true);
            finish_politely(client_socket); /* the rest of the head is still coming */
            return 0;
        }
        ssize_t count = recv(client_socket, head + used, HEAD_MAX - used, 0);
        if (count < 0) {
            if (errno == EINTR) {
                if (stop_requested)
                    return 0; /* SIGINT/SIGTERM: stop now, this client gets no answer */
                continue;
            }
            /* EAGAIN (EWOULDBLOCK on some systems): SO_RCVTIMEO ran out. */
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                printf("Dropped %s: no complete request within %d s\n", name, timeout);
            else
                fprintf(stderr, "%s: recv %s: %s\n", PROGRAM, name, strerror(errno));
            return 0;
        }
        if (count == 0) {
            printf("Client left before finishing its request: %s\n", name);
            return 0;
        }
        used += (size_t)count;
        head_length = end_of_head(head, used);
    }
    return head_length;
}

/* Step 7: check the head, log its request line, and send the one answer it deserves.
 * Fix 7: only a well-formed request line is logged (escaped); control bytes get 400. */
static void answer_request(int client_socket, const char *name, const char *head,
                           size_t length) {
    struct request request;
    if (!parse_head(head, length, &request)) {
        printf("Malformed request\n");
        respond(client_socket, name, "400 Bad Request", "", "text/plain", "400 Bad Request\n",
                true);
        return;
    }
    printf("Request: ");
    print_escaped(head, request.line_length);
    putchar('\n');

    bool is_get = request.method_length == 3 && memcmp(request.method, "GET", 3) == 0;
    bool is_head = request.method_length == 4 && memcmp(request.method, "HEAD", 4) == 0;
    /* The path is the target up to any "?query". */
    size_t path_length = 0;
    while (path_length < request.target_length && request.target[path_length] != '?')
        path_length++;
    bool is_root = path_length == 1 && request.target[0] == '/';

    if (!is_get && !is_head)
        respond(client_socket, name, "405 Method Not Allowed", "Allow: GET, HEAD\r\n",
                "text/plain", "405 Method Not Allowed\n", true);
    else if (!is_root)
        respond(client_socket, name, "404 Not Found", "", "text/plain", "404 Not Found\n",
                is_get);
    else
        respond(client_socket, name, "200 OK", "", "text/html; charset=utf-8", PAGE, is_get);
}

/* Step 8's first half, Fix 2, as in tcp_server.c: tell the client we are done sending
 * (our FIN, with shutdown) and read whatever it still sends until it closes too, for two
 * seconds at most. Closing a socket with unread bytes in it makes the kernel send a reset
 * (RST) instead of a FIN, which can destroy our response before the client has read it: a
 * 9 KiB head answered with 431 after reading 8 KiB would be lost. */
static void finish_politely(int client_socket) {
    char sink[4096];
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    shutdown(client_socket, SHUT_WR);
    for (;;) {
        long left = 2000L - milliseconds_since(&start);
        struct timeval limit = {left / 1000, (left % 1000) * 1000};
        if (stop_requested || left <= 0 ||
            setsockopt(client_socket, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) < 0)
            return;
        ssize_t count = recv(client_socket, sink, sizeof sink, 0);
        if (count == 0 || (count < 0 && errno != EINTR))
            return; /* the client closed (or reset, or the time ran out) */
    }
}

/* ---- Plumbing: read after the lesson ---- */

#define USAGE "Usage: hello_http [-t SECONDS] [PORT]"
#define DESCRIPTION                                                                        \
    "Serve a Hello World page over HTTP/1.1 (GET and HEAD /) to one client at a time.\n"   \
    "-t SECONDS: drop a client whose request head is not complete in time (default 5).\n"  \
    "PORT: default 8080; 0 lets the OS pick a free port (the first line says which).\n"
#define MAX_TIMEOUT 86400
#define BAD_PORT "bad port '%s': expected a number from 0 to 65535"
#define BAD_TIMEOUT "bad timeout '%s': expected a number of seconds from 1 to 86400"

/* Where the head ends: the index just past "\r\n\r\n" (or a bare "\n\n"), or 0. */
static size_t end_of_head(const char *data, size_t length) {
    for (size_t i = 1; i < length; i++) {
        if (data[i] != '\n')
            continue;
        if (data[i - 1] == '\n')
            return i + 1;
        if (i >= 3 && data[i - 1] == '\r' && data[i - 2] == '\n' && data[i - 3] == '\r')
            return i + 1;
    }
    return 0;
}

/* Characters allowed in a method name or a header name (RFC 9110 "tchar"). */
static bool is_token_char(unsigned char c) {
    return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Check the head's shape: "METHOD SP TARGET SP HTTP/d.d" then "Name: value" lines.
 * On success, point at the method and the target inside `head` (not NUL-terminated). */
static bool parse_head(const char *head, size_t length, struct request *request) {
    const char *line_end = memchr(head, '\n', length);
    if (line_end == NULL)
        return false;
    size_t line_length = (size_t)(line_end - head);
    if (line_length > 0 && head[line_length - 1] == '\r')
        line_length--;
    request->line_length = line_length;

    /* Request line: METHOD SP TARGET SP HTTP/1.1 */
    size_t i = 0;
    request->method = head;
    while (i < line_length && is_token_char((unsigned char)head[i]))
        i++;
    request->method_length = i;
    if (i == 0 || i >= line_length || head[i] != ' ')
        return false;
    request->target = head + ++i;
    while (i < line_length && head[i] > ' ' && head[i] < 0x7f)
        i++;
    request->target_length = (size_t)(head + i - request->target);
    if (request->target_length == 0 || i >= line_length || head[i] != ' ')
        return false;
    const char *version = head + i + 1;
    if (line_length - i - 1 != 8 || memcmp(version, "HTTP/", 5) != 0 ||
        !isdigit((unsigned char)version[5]) || version[6] != '.' ||
        !isdigit((unsigned char)version[7]))
        return false;

    /* Header lines: a token, a colon, then printable text (tabs allowed). */
    const char *next = line_end + 1, *end = head + length;
    while (next < end) {
        const char *eol = memchr(next, '\n', (size_t)(end - next));
        size_t n = (size_t)(eol - next); /* eol exists: the head ends with "\n" */
        if (n > 0 && next[n - 1] == '\r')
            n--;
        if (n == 0)
            break; /* the blank line: end of the head */
        size_t name = 0;
        while (name < n && is_token_char((unsigned char)next[name]))
            name++;
        if (name == 0 || name == n || next[name] != ':')
            return false;
        for (size_t k = name + 1; k < n; k++) {
            unsigned char c = (unsigned char)next[k];
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return false;
        }
        next = eol + 1;
    }
    return true;
}

/* Send a whole response: status line, our headers, then the body unless it is a HEAD. */
static void respond(int client_socket, const char *client_name, const char *status,
                    const char *extra_header, const char *content_type, const char *body,
                    bool send_body) {
    char head[512];
    size_t body_length = strlen(body);
    int head_length = snprintf(head, sizeof head,
                               "HTTP/1.1 %s\r\n"
                               "Content-Type: %s\r\n"
                               "Content-Length: %zu\r\n"
                               "%s"
                               "Connection: close\r\n"
                               "\r\n",
                               status, content_type, body_length, extra_header);
    if (send_all(client_socket, head, (size_t)head_length) < 0 ||
        (send_body && send_all(client_socket, body, body_length) < 0)) {
        fprintf(stderr, "%s: send %s: %s\n", PROGRAM, client_name, strerror(errno));
        return;
    }
    printf("Response: %s\n", status);
}

/* Milliseconds elapsed since `start` on the monotonic clock (immune to clock changes). */
static long milliseconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - start->tv_sec) * 1000L + (now.tv_nsec - start->tv_nsec) / 1000000L;
}

/* The SIGINT/SIGTERM handler: it only sets a flag (see set_up_signals). */
static void on_signal(int signal_number) {
    (void)signal_number;
    stop_requested = 1;
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

/* -h / --help: the Usage line and what the program does, on stdout; exit 0. */
static void print_help(void) {
    printf("%s\n%s", USAGE, DESCRIPTION);
    exit(0);
}

/* Options first (-t SECONDS), then at most one operand, the port. getopt would take "-1"
 * for an option: an argument that looks like a negative number is reported as a bad port. */
static int parse_arguments(int argc, char **argv, int *timeout) {
    *timeout = DEFAULT_TIMEOUT;
    opterr = 0; /* we print our own messages */
    for (;;) {
        const char *next = optind < argc ? argv[optind] : "";
        if (strcmp(next, "--help") == 0)
            print_help();
        if (strncmp(next, "--", 2) == 0 && next[2] != '\0')
            usage_error("unknown option '%s' (try '" PROGRAM " -h')", next);
        if (next[0] == '-' && isdigit((unsigned char)next[1]))
            usage_error(BAD_PORT, next);
        int option = getopt(argc, argv, "+:ht:"); /* "+": stop at the first operand */
        if (option == -1)
            break;
        if (option == 'h')
            print_help();
        else if (option == 't')
            *timeout = parse_number(optarg, 1, MAX_TIMEOUT, BAD_TIMEOUT);
        else if (option == ':')
            usage_error("option '-t' needs a value (try '%s -h')", PROGRAM);
        else {
            char unknown[3] = {'-', (char)optopt, '\0'};
            usage_error("unknown option '%s' (try '" PROGRAM " -h')", unknown);
        }
    }
    if (argc - optind > 1)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    return optind < argc ? parse_number(argv[optind], 0, 65535, BAD_PORT) : DEFAULT_PORT;
}

/* All digits, within min..max; anything else is a usage error with the given message. */
static int parse_number(const char *text, long min, long max, const char *message) {
    char *end;
    if (!isdigit((unsigned char)text[0]))
        usage_error(message, text);
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < min || value > max)
        usage_error(message, text);
    return (int)value;
}

/* Bad command line: one line on stderr naming the problem, exit 2. */
static void usage_error(const char *format, const char *text) {
    fprintf(stderr, "%s: ", PROGRAM);
    fprintf(stderr, format, text);
    fputc('\n', stderr);
    exit(2);
}

/* Run-time failure: one line naming the call, the address and the reason, exit 1. */
static void fail(const char *call, const char *where) {
    fprintf(stderr, "%s: %s%s%s: %s\n", PROGRAM, call, where[0] ? " " : "", where,
            strerror(errno));
    exit(1);
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

/* Print a peer's bytes so that they cannot clear or retitle the terminal: printable ASCII
 * as is, backslash as \\, tab/CR/LF as \t \r \n, every other byte as \xHH (like b'...'). */
static void print_escaped(const void *data, size_t length) {
    const unsigned char *bytes = data;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = bytes[i];
        if (c == '\\')
            fputs("\\\\", stdout);
        else if (c == '\n')
            fputs("\\n", stdout);
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
