/*
 * hello_http.c - the notes' "hello world to the browser": an iterative TCP server that
 * speaks just enough HTTP/1.1 for a browser or curl, and drops clients that stay silent.
 *
 * Usage: hello_http [-t SECONDS] [PORT]
 *
 * Mirrors the notes' "return Hello World to the browser" example, made safe: it reads each
 * request head up to its blank line (8 KiB at most, or 431; not HTTP: 400; not HTTP/1.x:
 * 505), logs the client and the request line, answers `GET /` with a small page, `HEAD /`
 * with its head alone, another path 404, another method 405, and closes (`Connection:
 * close`). PORT defaults to 8080 (0: the OS picks). -t SECONDS (default 5) bounds the time
 * one client may hold this one-at-a-time server: its request head and its goodbye.
 *
 * What hello_http_basic.c gets wrong (10-16: found later, some only in this file's fixes):
 *  1. One recv(1024) taken as the request: a longer head is cut, the close resets. Whole head.
 *  2. Closes with a request body unread: a reset, curl fails (exit 56). FIN first, then drain.
 *  3. A client that says nothing blocks it, and all after it, for ever. Dropped after -t.
 *  4. A client gone before the answer kills it by SIGPIPE: exit 141. Ignored: it is dropped.
 *  5. No SO_REUSEADDR, and it closes first: a restart right after a client fails. Set first.
 *  6. Bound to 127.0.0.1: ::1 and other machines are refused. Every interface, both families.
 *  7. Prints the request raw: ESC[2J in it clears the terminal. Request line only, checked.
 *  8. Port by atoi: "abc" listens on a random port. Refused (exit 2).
 *  9. Ctrl-C or SIGTERM kills it: status 130 or 143, no last line. "Server closing", exit 0.
 * 10. A full stdout (a pipe nobody reads) stops it, SIGTERM too. Unwritable lines are counted.
 * 11. Slow clients: a slow goodbye held it 2 s, whatever -t said. -t bounds each client's stay.
 * 12. A head ending "\n\r\n" (a bare LF, then CRLF) never ended: dropped. Either ending ends it.
 * 13. Answers HTTP/9.9 with 200. 505 HTTP Version Not Supported for all but HTTP/1.x.
 * 14. An empty line before the request line got 400. Ignored, as RFC 9112 section 2.2 asks.
 * 15. GET http://host:port/ (absolute form) got 404. Served, as RFC 9112 section 3.2.2 asks.
 * 16. HTTP/1.1 with no Host, two, or a bad one, got 200. 400, as RFC 9112 section 3.2 asks.
 * 17. Stdout closed (>&-): the socket takes fd 1, its first line kills it (SIGPIPE). 0-2 open.
 *
 * Try: ./hello_http 8080, and in terminal 2: curl -i http://127.0.0.1:8080/ (or a browser)
 *
 * See also: hello_http_basic.c (version 1), tcp_server.c and dict_server.c (the same steps
 * without HTTP), ../04-multithread-server/ (serving many clients at once).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE  /* glibc: NI_MAXHOST, which strict POSIX hides */
#define _DARWIN_C_SOURCE /* the same on macOS */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "hello_http"
#define HEAD_MAX 8192 /* the longest request head we read, blank line included */
static volatile sig_atomic_t stop_requested = 0; /* set by SIGINT/SIGTERM */

struct request; /* one parsed request line (after main) */
static int parse_arguments(int argc, char **argv, int *timeout); /* port; exit 2 if bad */
static void set_up_signals(void);                 /* SIGINT/SIGTERM set stop_requested */
static int listen_on(int port);                   /* steps 1-4, as in tcp_server.c */
static int bound_port(int fd);                    /* the port bind really got */
static int accept_client(int fd, char *name, size_t size, struct timespec *arrived); /* step 5 */
static size_t receive_head(int client_socket, const char *name, char *head, int timeout,
                           const struct timespec *arrived); /* step 6: up to the blank line */
static void answer_request(int client_socket, const char *name, const char *head,
                           size_t length);        /* step 7: 200, 400, 404, 405 or 505 */
static void finish_politely(int client_socket, const char *name, int timeout,
                            const struct timespec *arrived); /* step 8: FIN, read the rest */
static bool time_left(int client_socket, const struct timespec *arrived, long limit); /* 1 s */
static void never_wait_on_output(void);           /* stdout, stderr: a full pipe fails at once */
static void log_line(FILE *stream, const char *format, ...); /* a line; counted if refused */
static size_t skip_empty_lines(char *data, size_t length); /* before the request line */
static size_t end_of_head(const char *data, size_t length); /* just past the blank line */
static bool parse_head(const char *head, size_t length, struct request *request);
static const char *target_path(const struct request *request, size_t *length); /* its path */
static bool valid_host(const char *text, size_t length); /* "name:port", "[::1]:80"... */
static void respond(int client_socket, const char *name, const char *status, const char *extra,
                    const char *type, const char *body, bool send_body); /* the answer */
static long milliseconds_since(const struct timespec *start); /* monotonic clock */
_Noreturn static void print_help(void);           /* -h: Usage + description, exit 0 */
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static long parse_number(const char *text, long min, long max); /* strict: digits, or -1 */
static long number_argument(const char *text, const char *what, long min, long max);
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
_Noreturn static void usage_error(const char *format, ...); /* bad command line: exit 2 */
_Noreturn static void fail(const char *call, const char *where); /* run-time error: exit 1 */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size);          /* "127.0.0.1 port 51528" */
static void print_escaped(const void *data, size_t length); /* bytes shown safely */
static int send_all(int fd, const void *data, size_t length); /* loop over send */

int main(int argc, char **argv) {
    ensure_standard_descriptors(); /* Fix 17: 0, 1 and 2 open before any socket */
    int timeout;
    int port = parse_arguments(argc, argv, &timeout); /* Fix 8: a strict port, or exit 2 */
    setvbuf(stdout, NULL, _IOLBF, 0); /* tests and pipes see each line at once */
    never_wait_on_output(); /* Fix 10: a full stdout pipe costs log lines, never the server */
    /* Fix 4: writing to a client that has gone raises SIGPIPE, which would kill us silently;
     * ignored, send() fails with EPIPE instead and only that client is dropped. */
    signal(SIGPIPE, SIG_IGN);
    /* Fix 9: Ctrl-C / SIGTERM: close everything, exit 0 (a client being served: no answer). */
    set_up_signals();

    /* 1-4. Create the socket, set address reuse, bind, listen: tcp_server.c's steps, with
     *      Fix 5 (SO_REUSEADDR) and Fix 6 (every interface, IPv6 taking IPv4 too).
     *      Python: web.bind((host, port)); web.listen(5) */
    int server_socket = listen_on(port);
    log_line(stdout, "Listening on port %d", bound_port(server_socket)); /* PORT 0: OS chose */

    /* Python: while True:   (here: until SIGINT/SIGTERM. Fix 10: no call below waits more
     * than a second at a time, so the flag is seen within a second of the signal.) */
    while (!stop_requested) {
        /* 5. Accept the next browser connection. Python: conn, addr = s.accept() */
        char client_name[NI_MAXHOST + NI_MAXSERV + 8];
        struct timespec arrived; /* Fix 11: its -t counts from here, for all it does */
        int client_socket =
            accept_client(server_socket, client_name, sizeof client_name, &arrived);
        if (client_socket < 0)
            continue; /* a signal, no client this second, or one that gave up while queued */

        /* 6. Receive the request. Python: data = conn.recv(1024)
         *    Fix 1: every piece until the blank line that ends the head; Fix 3: within -t
         *    seconds (a client that says nothing must not block this one-at-a-time server). */
        char head[HEAD_MAX];
        size_t length = receive_head(client_socket, client_name, head, timeout, &arrived);

        /* 7. Send the response. Python: conn.send(b"HTTP/1.1 200 OK\r\n\r\nHello World") */
        if (length > 0)
            answer_request(client_socket, client_name, head, length);

        /* 8. Close this client's socket ("Connection: close"); keep listening.
         *    Python: conn.close(). Fix 2: our FIN first, then drain, so no reset. */
        if (length > 0)
            finish_politely(client_socket, client_name, timeout, &arrived);
        close(client_socket);
    }

    log_line(stdout, "Server closing");
    close(server_socket);
    return 0;
}

/* Step 5: wait for the next client and note when it came; -1 if none came within a second,
 * or accept was interrupted, or that client is gone. Fix 10: poll() waits one second at
 * most, so main's loop looks at stop_requested at least once a second: a SIGINT/SIGTERM
 * that lands just before the wait begins (too early to interrupt it) still ends the server
 * within a second. EINTR: a signal. ECONNABORTED: the client gave up while queued. Neither
 * is fatal, nor is anything else that concerns one client. */
static int accept_client(int server_socket, char *name, size_t size, struct timespec *arrived) {
    struct pollfd listening = {.fd = server_socket, .events = POLLIN};
    if (poll(&listening, 1, 1000) <= 0)
        return -1; /* no client this second, or a signal */
    struct sockaddr_storage address;
    socklen_t length = sizeof address;
    int client_socket = accept(server_socket, (struct sockaddr *)&address, &length);
    if (client_socket < 0) {
        if (errno != EINTR && errno != ECONNABORTED)
            log_line(stderr, "%s: accept: %s", PROGRAM, strerror(errno));
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, arrived);
    format_address((struct sockaddr *)&address, length, name, size);
    log_line(stdout, "Connection from %s", name);
    return client_socket;
}

/* Step 6, Fixes 1 and 3: read the request head into head[HEAD_MAX] until the blank line
 * that ends it. Returns its length, or 0 when there is nothing to answer (the client left,
 * was too slow, or the head was too long: that one gets 431 here).
 * TCP may deliver the head in any number of pieces, so we keep appending. The whole head
 * must arrive within `timeout` seconds of the client's arrival: time_left tells the kernel
 * (SO_RCVTIMEO) how much of that time is left before each recv(), and recv() fails with
 * EAGAIN when it runs out. So neither a silent client nor one that dribbles a byte at a
 * time can hold this server for longer (Fix 11: for the goodbye, see finish_politely). */
static size_t receive_head(int client_socket, const char *name, char *head, int timeout,
                           const struct timespec *arrived) {
    size_t used = 0, head_length = 0;
    while (head_length == 0) {
        if (stop_requested)
            return 0; /* SIGINT/SIGTERM: stop now, this client gets no answer */
        if (!time_left(client_socket, arrived, timeout * 1000L)) {
            log_line(stdout, "Dropped %s: no complete request within %d s", name, timeout);
            return 0;
        }
        if (used == HEAD_MAX) {
            log_line(stdout, "Request head longer than %d bytes", HEAD_MAX);
            respond(client_socket, name, "431 Request Header Fields Too Large", "",
                    "text/plain", "431 Request Header Fields Too Large\n", true);
            finish_politely(client_socket, name, timeout, arrived); /* the rest is coming */
            return 0;
        }
        ssize_t count = recv(client_socket, head + used, HEAD_MAX - used, 0);
        if (count < 0) {
            /* EINTR: a signal. EAGAIN (EWOULDBLOCK on some systems): this SO_RCVTIMEO ran
             * out. Both: round again, where the flag and the time are checked. */
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            log_line(stderr, "%s: recv %s: %s", PROGRAM, name, strerror(errno));
            return 0;
        }
        if (count == 0) {
            log_line(stdout, "Client left before finishing its request: %s", name);
            return 0;
        }
        /* Fix 14: empty lines before the request line are skipped; Fix 12: where it ends. */
        used = skip_empty_lines(head, used + (size_t)count);
        head_length = end_of_head(head, used);
    }
    return head_length;
}

#define PAGE                                                                               \
    "<!DOCTYPE html>\n"                                                                    \
    "<html><head><meta charset=\"utf-8\"><title>Hello</title></head>\n"                    \
    "<body><h1>Hello World</h1><p>Served by hello_http, lesson 03.</p></body></html>\n"

/* One parsed request line, pointing into the head (not NUL-terminated), and its Host. */
struct request {
    const char *method, *target, *version; /* version: "HTTP/1.1" */
    size_t method_length, target_length, line_length;
    const char *host;  /* the Host line's value, without the spaces around it */
    size_t host_length;
    int host_lines;    /* how many Host lines the head has (Fix 16: 1, or 0 in HTTP/1.0) */
};

/* Step 7: check the head, log its request line, and send the one answer it deserves.
 * Fix 7: only a well-formed request line is logged (escaped); control bytes get 400. */
static void answer_request(int client_socket, const char *name, const char *head,
                           size_t length) {
    struct request request;
    if (!parse_head(head, length, &request)) {
        log_line(stdout, "Malformed request");
        respond(client_socket, name, "400 Bad Request", "", "text/plain", "400 Bad Request\n",
                true);
        return;
    }
    /* Fix 7 (the request line shown safely) also keeps it short, so no number of its own: at
     * most its first 200 characters, then its length (an 8,000-byte method made an 8 KB log
     * line). parse_head let only printable ASCII into it: 200 bytes are 200 characters. */
    size_t shown = request.line_length < 200 ? request.line_length : 200;
    printf("Request: ");
    print_escaped(head, shown);
    if (shown < request.line_length)
        log_line(stdout, "... (%zu bytes)", request.line_length);
    else
        log_line(stdout, ""); /* the end of that line */

    bool is_get = request.method_length == 3 && memcmp(request.method, "GET", 3) == 0;
    bool is_head = request.method_length == 4 && memcmp(request.method, "HEAD", 4) == 0;
    /* Fix 15: the path, up to any "?query", from "/path" or from "http://host/path". */
    size_t path_length = 0;
    const char *path = target_path(&request, &path_length);
    bool is_root = path != NULL && (path_length == 0 || (path_length == 1 && path[0] == '/'));

    /* Fix 16: RFC 9112 section 3.2: an HTTP/1.1 request (1.2 too) MUST name the site it
     * wants in one Host line, and a request with two Host lines, or a Host that is no host,
     * MUST get 400: two servers (a proxy and us, say) that each believed a different one
     * could be made to disagree about what was asked. HTTP/1.0 had no Host: it may omit it. */
    const char *problem = NULL; /* why a well-formed request line still gets 400 */
    if (request.host_lines > 1)
        problem = "more than one Host line";
    else if (request.host_lines == 1 && !valid_host(request.host, request.host_length))
        problem = "a Host that is not a host name or address, with an optional :port";
    else if (request.host_lines == 0 && request.version[7] != '0')
        problem = "no Host line, which HTTP/1.1 requires";
    else if ((is_get || is_head) && path == NULL) /* Fix 15 */
        problem = "a target neither /path nor http://host/path";

    /* Fix 13: we speak HTTP/1.x (1.0, 1.1, and a later 1.x as 1.1, as RFC 9110 section 2.5
     * says); any other major version gets 505, before anything else in it is believed. */
    if (request.version[5] != '1') {
        respond(client_socket, name, "505 HTTP Version Not Supported", "", "text/plain",
                "505 HTTP Version Not Supported\n", !is_head);
    } else if (problem != NULL) {
        log_line(stdout, "Bad request: %s", problem);
        respond(client_socket, name, "400 Bad Request", "", "text/plain", "400 Bad Request\n",
                true);
    } else if (!is_get && !is_head) {
        respond(client_socket, name, "405 Method Not Allowed", "Allow: GET, HEAD\r\n",
                "text/plain", "405 Method Not Allowed\n", true);
    } else if (!is_root) {
        respond(client_socket, name, "404 Not Found", "", "text/plain", "404 Not Found\n",
                is_get);
    } else {
        respond(client_socket, name, "200 OK", "", "text/html; charset=utf-8", PAGE, is_get);
    }
}

/* Step 8's first half, Fix 2, as in tcp_server.c: tell the client we are done sending
 * (our FIN, with shutdown) and read whatever it still sends until it closes too, for two
 * seconds at most. Closing a socket with unread bytes in it makes the kernel send a reset
 * (RST) instead of a FIN, which can destroy our response before the client has read it: a
 * 9 KiB head answered with 431 after reading 8 KiB would be lost.
 * Fix 11: and never past the client's -t. A client that keeps its connection open after the
 * answer holds up everyone queued behind it just as a slow head does: before, each such
 * client cost this one-at-a-time server two more seconds, whatever -t said. */
static void finish_politely(int client_socket, const char *name, int timeout,
                            const struct timespec *arrived) {
    char sink[4096];
    long limit = milliseconds_since(arrived) + 2000; /* two seconds from now... */
    if (limit > timeout * 1000L)
        limit = timeout * 1000L; /* ...or the end of its -t, if that comes first */
    shutdown(client_socket, SHUT_WR);
    while (!stop_requested) {
        if (!time_left(client_socket, arrived, limit)) {
            log_line(stdout, "Closed %s: still connected when its time ran out", name);
            return;
        }
        ssize_t count = recv(client_socket, sink, sizeof sink, 0);
        if (count == 0 || (count < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
            return; /* the client closed (or reset) */
    }
}

/* Fixes 3, 10 and 11: a client's time is LIMIT milliseconds from ARRIVED. Tell the kernel
 * (SO_RCVTIMEO) to end the next recv() when it is up, or in a second if that is sooner: then
 * recv() fails with EAGAIN, and the caller's loop sees the time, and a SIGINT/SIGTERM that
 * landed just before recv() began, within a second. Python: c.settimeout(left).
 * Returns false when the time is up (or the option cannot be set). */
static bool time_left(int client_socket, const struct timespec *arrived, long limit) {
    long left = limit - milliseconds_since(arrived);
    if (left > 1000)
        left = 1000;
    struct timeval wait = {left / 1000, (left % 1000) * 1000};
    return left > 0 &&
           setsockopt(client_socket, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait) == 0;
}

/* ---- Plumbing: read after the lesson ---- */

#define USAGE "Usage: hello_http [-t SECONDS] [PORT]"
#define DESCRIPTION                                                                        \
    "Serve a Hello World page over HTTP/1.1 (GET and HEAD /) to one client at a time.\n"   \
    "-t SECONDS: the most one client may take, request head and goodbye (default 5).\n"    \
    "PORT: default 8080; 0 lets the OS pick a free port (the first line says which).\n"
#define DEFAULT_PORT 8080
#define DEFAULT_TIMEOUT 5
#define MAX_TIMEOUT 86400
#define BAD_TIMEOUT "bad timeout '%s': expected a number of seconds from 1 to 86400"

/* Fix 14: RFC 9112 section 2.2: a server SHOULD ignore at least one empty line (CRLF)
 * received before the request line (some clients send one after a POST's body). Removes
 * every empty line, "\r\n" or "\n", from the start of DATA; returns the length left. A
 * lone "\r" at the end waits for the next piece: it may be the start of a "\r\n". */
static size_t skip_empty_lines(char *data, size_t length) {
    size_t skip = 0;
    while (skip < length && (data[skip] == '\n' || (data[skip] == '\r' && skip + 1 < length &&
                                                     data[skip + 1] == '\n')))
        skip += data[skip] == '\r' ? 2 : 1;
    memmove(data, data + skip, length - skip);
    return length - skip;
}

/* Where the head ends: the index just past the empty line that ends it, or 0. A line ends
 * with "\r\n" or, as RFC 9112 section 2.2 allows, a bare "\n": so the head ends at "\n\n"
 * or "\n\r\n", whichever way the line before it ended (Fix 12: "\n\r\n" was missed). */
static size_t end_of_head(const char *data, size_t length) {
    for (size_t i = 1; i < length; i++) {
        if (data[i] != '\n')
            continue;
        if (data[i - 1] == '\n')
            return i + 1;
        if (i >= 2 && data[i - 1] == '\r' && data[i - 2] == '\n')
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
    request->host = NULL;
    request->host_length = 0;
    request->host_lines = 0;

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
    const char *version = request->version = head + i + 1;
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
        if (name == 4 && strncasecmp(next, "Host", 4) == 0) { /* names ignore case: "host:" */
            size_t from = name + 1, to = n; /* the value, without spaces or tabs around it */
            while (from < to && (next[from] == ' ' || next[from] == '\t'))
                from++;
            while (to > from && (next[to - 1] == ' ' || next[to - 1] == '\t'))
                to--;
            request->host = next + from;
            request->host_length = to - from;
            request->host_lines++; /* Fix 16: counted, and judged by answer_request */
        }
        next = eol + 1;
    }
    return true;
}

/* Fix 15: the path a request's target asks for, up to any "?query" (its length in *LENGTH),
 * or NULL for a target we do not serve. "/path" is the origin form, what a browser sends a
 * server. "http://host:port/path" is the absolute form, what a client sends a proxy, and RFC
 * 9112 section 3.2.2 says a server MUST accept it too: the path is what follows the host
 * (nothing there means "/"). Another scheme (https://, ftp://) is not ours, and a malformed
 * target is not one at all: NULL for both, and the request gets 400. */
static const char *target_path(const struct request *request, size_t *length) {
    const char *path = request->target, *end = request->target + request->target_length;
    if (path[0] != '/') {
        /* "http://" in any case: RFC 3986 section 3.1 says a scheme ignores case */
        if (end - path < 7 || strncasecmp(path, "http://", 7) != 0)
            return NULL;
        const char *host = path + 7;
        for (path = host; path < end && *path != '/' && *path != '?'; path++)
            continue;
        if (!valid_host(host, (size_t)(path - host)))
            return NULL;
    }
    for (*length = 0; path + *length < end && path[*length] != '?'; (*length)++)
        continue;
    return path;
}

/* Fixes 15 and 16: a host as a Host line or an http:// target gives it: a name or an IPv4
 * address (letters, digits, "-._~" and %XX escapes), or an IPv6 address in brackets
 * ("[::1]"), then an optional ":port" of digits. Never empty: an http URI must name a host
 * (RFC 9110 section 4.2.1). RFC 3986 also lets a name hold !$&'()*+,;= which no real host
 * has; we refuse them, the comma above all: two Host values joined into one line have it.
 * So is "user@host" refused, which RFC 9110 section 4.2.4 asks a server to treat as an error. */
static bool valid_host(const char *text, size_t length) {
    size_t i = 0;
    if (length > 0 && text[0] == '[') { /* [IPv6]: hex digits, colons, dots (::ffff:1.2.3.4) */
        while (++i < length && text[i] != ']')
            if (!isxdigit((unsigned char)text[i]) && text[i] != ':' && text[i] != '.')
                return false;
        if (i == length || i == 1)
            return false; /* no "]", or nothing in the brackets */
        i++;
    } else {
        while (i < length) {
            unsigned char c = (unsigned char)text[i];
            if (c == '%' && i + 2 < length && isxdigit((unsigned char)text[i + 1]) &&
                isxdigit((unsigned char)text[i + 2]))
                i += 3;
            else if (isalnum(c) || (c != 0 && strchr("-._~", c) != NULL))
                i++;
            else
                break;
        }
        if (i == 0)
            return false; /* no name */
    }
    if (i < length && text[i] == ':') /* the port: digits (none at all is allowed too) */
        while (++i < length && isdigit((unsigned char)text[i]))
            continue;
    return i == length;
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
        log_line(stderr, "%s: send %s: %s", PROGRAM, client_name, strerror(errno));
        return;
    }
    log_line(stdout, "Response: %s", status);
}

/* Milliseconds elapsed since `start` on the monotonic clock (immune to clock changes). */
static long milliseconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - start->tv_sec) * 1000L + (now.tv_nsec - start->tv_nsec) / 1000000L;
}

/* ---- begin canonical: log_without_waiting ---- */
/* A pipe that nobody reads fills up (64 KiB on Linux), and then a write to it waits until
 * someone reads, perhaps for ever: the server stops serving, and stops hearing SIGTERM. So
 * when stdout or stderr is a pipe or a socket, never_wait_on_output makes it non-blocking: a
 * write that would wait fails at once (EAGAIN), the C library drops that line, and log_line
 * counts it. A terminal or a file is left as it is: a file does not fill up this way, and a
 * terminal's flags are shared with the shell. So are a pipe's, with whoever else writes to
 * it: they are put back at exit. */
static int output_flags[3] = {-1, -1, -1}; /* stdout's and stderr's flags before, or -1 */

static void put_output_back(void)
{
    for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++)
        if (output_flags[fd] >= 0)
            fcntl(fd, F_SETFL, output_flags[fd]);
}

static void never_wait_on_output(void)
{
    for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++) {
        struct stat info;
        if (fstat(fd, &info) == 0 && (S_ISFIFO(info.st_mode) || S_ISSOCK(info.st_mode)))
            output_flags[fd] = fcntl(fd, F_GETFL); /* both first: 2>&1 shares the flags */
    }
    for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++)
        if (output_flags[fd] >= 0)
            fcntl(fd, F_SETFL, output_flags[fd] | O_NONBLOCK);
    atexit(put_output_back);
}

/* One line on STREAM (stdout, or stderr for errors): FORMAT and its arguments, then the
 * newline, which makes the line-buffered stdout write it. A line the write refused (the
 * pipe was full) is counted, and the count is said after the next line that goes out. */
static void log_line(FILE *stream, const char *format, ...)
{
    static unsigned long unwritten_lines = 0; /* lines a full pipe refused, not yet said */
    va_list arguments;
    va_start(arguments, format);
    vfprintf(stream, format, arguments);
    va_end(arguments);
    fputc('\n', stream);
    if (ferror(stream)) {
        clearerr(stream);
        unwritten_lines++;
    } else if (unwritten_lines > 0 && stream == stdout) {
        printf("(%lu log lines not written: stdout was full)\n", unwritten_lines);
        if (ferror(stdout))
            clearerr(stdout);
        else
            unwritten_lines = 0;
    }
}
/* ---- end canonical: log_without_waiting ---- */

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

/* ---- begin canonical: listen_on ---- */
/* Steps 1-4 of tcp_server.c: socket (IPv6 taking IPv4 too, or plain IPv4 where IPv6 is
 * missing), SO_REUSEADDR (so a restart does not trip over TIME_WAIT), bind to the wildcard
 * address at PORT, listen(128). Returns the listening socket; bound_port tells its port. */
static int listen_on(int port)
{
    char where[32];
    snprintf(where, sizeof where, "port %d", port);
    int family = AF_INET6;
    int server_socket = socket(AF_INET6, SOCK_STREAM, 0);
    if (server_socket < 0) {
        family = AF_INET;
        server_socket = socket(AF_INET, SOCK_STREAM, 0);
        if (server_socket < 0)
            fail("socket", NULL);
    } else {
        int off = 0;
        if (setsockopt(server_socket, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0)
            fail("setsockopt IPV6_V6ONLY", where);
    }
    int on = 1;
    if (setsockopt(server_socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0)
        fail("setsockopt SO_REUSEADDR", where);
    struct sockaddr_storage address;
    socklen_t length = any_address(&address, family, port);
    if (bind(server_socket, (struct sockaddr *)&address, length) < 0)
        fail("bind", where);
    if (listen(server_socket, 128) < 0)
        fail("listen", where);
    return server_socket;
}
/* ---- end canonical: listen_on ---- */

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

/* ---- begin canonical: print_help ---- */
/* -h / --help: the Usage line and what the program does, on stdout; exit 0. */
_Noreturn static void print_help(void)
{
    printf("%s\n%s", USAGE, DESCRIPTION);
    exit(0);
}
/* ---- end canonical: print_help ---- */

/* Options first (-t SECONDS), then at most one operand, the port. getopt would take "-1"
 * for an option: an argument that looks like a negative number is reported as a bad port. */
static int parse_arguments(int argc, char **argv, int *timeout) {
    int option;
    *timeout = DEFAULT_TIMEOUT;
    opterr = 0; /* we print our own messages */
    while ((option = next_option(argc, argv, "+:ht:")) != -1) {
        if (option == 'h') {
            print_help();
        } else if (option == 't') {
            *timeout = (int)parse_number(optarg, 1, MAX_TIMEOUT);
            if (*timeout < 0)
                usage_error(BAD_TIMEOUT, optarg);
        } else if (option == ':') {
            usage_error("option '-t' needs a value (try '%s -h')", PROGRAM);
        } else {
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        }
    }
    if (argc - optind > 1)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    return optind < argc ? (int)number_argument(argv[optind], "port", 0, 65535) : DEFAULT_PORT;
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

/* ---- begin canonical: print_escaped ---- */
/* A peer's bytes on stdout, each character as escape_character shows it: text as text,
 * everything that could act on the terminal as \t \r \n \\ or \xHH. */
static void print_escaped(const void *data, size_t length)
{
    const unsigned char *next = data;
    char piece[5];
    while (length > 0) {
        size_t n = escape_character(next, length, piece);
        fputs(piece, stdout);
        next += n;
        length -= n;
    }
}
/* ---- end canonical: print_escaped ---- */

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
