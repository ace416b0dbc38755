/*
 * chat_server.c: the notes' "simple chat tool", server side: accept one client, then take
 * turns with it, one line per message, until either side says "byebye".
 *
 * Usage: chat_server [PORT]
 *
 * Mirrors the notes' closing example (the chat server: bind, listen, accept one client, then
 * loop: receive a message, print it, type a reply, send it; "byebye" ends the chat). The
 * client speaks first. End of input (Ctrl-D) counts as typing "byebye". If the client goes
 * away without "byebye" we say so and exit 1. Like the notes, the server serves ONE client
 * and exits when that chat ends (the listening socket is closed right after accept, so a
 * second client is refused rather than left waiting).
 *
 * Try:
 *   terminal 1: ./chat_server 12345
 *   terminal 2: ./chat_client localhost 12345
 *
 * See also: chat_client.c (the other side), chatroom_server.c (many people, any order).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define PROG "chat_server"
#define USAGE "Usage: chat_server [PORT]"
#define DEFAULT_PORT "12345"
#define MAX_LINE 1024 /* longest message we keep, newline excluded; longer ones are cut */

/* Print one usage error line (program name first) and exit 2. */
static void usage_error(const char *what, const char *arg)
{
    if (arg != NULL)
        fprintf(stderr, "%s: %s '%s' (try '%s -h')\n", PROG, what, arg, PROG);
    else
        fprintf(stderr, "%s: %s (try '%s -h')\n", PROG, what, PROG);
    exit(2);
}

/* Parse a port number 0..65535; anything else (letters, sign, trailing junk) gives -1. */
static int parse_port(const char *text)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || value > 65535)
        return -1;
    return (int)value;
}

/* Send all len bytes; send() may take fewer than asked. Returns 0, or -1 with errno set. */
static int send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A buffered line reader for a socket: TCP delivers a byte stream, not messages, so one
 * recv() may hold half a line or three lines. We keep what recv() gave us and hand out one
 * line at a time. */
struct line_reader {
    int fd;
    char buf[4096];
    size_t start, end; /* the bytes not handed out yet are buf[start..end) */
};

/* Read one line into line (size bytes), without the newline (and without a '\r' before it).
 * Returns its length, -1 at end of stream (a last unterminated line still counts as a line),
 * -2 on a receive error (errno set). A line longer than size - 1 is cut and *cut set to 1;
 * the rest of it is read and thrown away, so the next call starts at the next line. */
static long read_line(struct line_reader *r, char *line, size_t size, int *cut)
{
    size_t len = 0;
    *cut = 0;
    for (;;) {
        if (r->start == r->end) { /* buffer empty: ask the kernel for more */
            ssize_t n = recv(r->fd, r->buf, sizeof r->buf, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return -2;
            if (n == 0) /* the peer closed its side */
                return (len > 0 || *cut) ? (long)len : -1;
            r->start = 0;
            r->end = (size_t)n;
        }
        char c = r->buf[r->start++];
        if (c == '\n')
            break;
        if (len + 1 < size)
            line[len++] = c;
        else
            *cut = 1;
    }
    if (len > 0 && line[len - 1] == '\r') /* tolerate "\r\n" from telnet-like clients */
        len--;
    line[len] = '\0';
    return (long)len;
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

/* Read one line the user typed (stdin is a buffered FILE: fgets is fine here because this
 * program only ever waits on one thing at a time). Returns 1, or 0 at end of input. A line
 * longer than the buffer is refused and the user asked again. */
static int read_typed_line(char *line, size_t size, int interactive)
{
    for (;;) {
        if (interactive) {
            fputs("> ", stdout);
            fflush(stdout);
        }
        if (fgets(line, (int)size, stdin) == NULL)
            return 0;
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\n') {
            line[--len] = '\0';
            if (len > 0 && line[len - 1] == '\r')
                line[--len] = '\0';
            return 1;
        }
        if (feof(stdin)) /* a last line without a newline is still a line */
            return 1;
        int c; /* too long: skip the rest of it and ask again */
        while ((c = getchar()) != EOF && c != '\n')
            ;
        printf("(line too long: at most %d bytes; not sent, type it again)\n", MAX_LINE);
        if (c == EOF)
            return 0;
    }
}

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: tests and pipes see each line at once */
    /* Sending to a client that has gone raises SIGPIPE, which would kill us silently; ignored,
     * send() fails with EPIPE instead and we can say what happened. */
    signal(SIGPIPE, SIG_IGN);

    const char *port_text = DEFAULT_PORT;
    int operands = 0, opt;
    opterr = 0; /* we print our own messages */
    while (optind < argc) {
        if ((opt = getopt(argc, argv, "h")) == -1) {
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
        char option[3] = {'-', (char)optopt, '\0'};
        usage_error("unknown option", option);
    }
    int port = parse_port(port_text);
    if (port < 0) {
        fprintf(stderr, "%s: bad port '%s': expected a number from 0 to 65535\n", PROG,
                port_text);
        return 2;
    }

    /* 1. Create a TCP socket. One IPv6 socket with IPV6_V6ONLY off takes IPv4 clients too
     *    (they appear as ::ffff:a.b.c.d); where IPv6 is missing we fall back to IPv4.
     *    Python: s = socket.socket(socket.AF_INET, socket.SOCK_STREAM) */
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

    /* 2. Bind to every address of this machine, at PORT.  Python: s.bind(('', PORT)) */
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
        fprintf(stderr, "%s: bind port %d: %s\n", PROG, port, strerror(errno));
        return 1;
    }

    /* 3. Listen. We only ever take one client, so a queue of 1 is enough.
     *    Python: s.listen(1) */
    if (listen(server_socket, 1) < 0) {
        fprintf(stderr, "%s: listen: %s\n", PROG, strerror(errno));
        return 1;
    }
    address_length = sizeof address;
    if (getsockname(server_socket, (struct sockaddr *)&address, &address_length) < 0) {
        fprintf(stderr, "%s: getsockname: %s\n", PROG, strerror(errno));
        return 1;
    }
    int bound_port = family == AF_INET6
                         ? ntohs(((struct sockaddr_in6 *)&address)->sin6_port)
                         : ntohs(((struct sockaddr_in *)&address)->sin_port);
    printf("Listening on port %d\n", bound_port);

    /* 4. Accept one client, then close the listening socket: this chat is for two.
     *    Python: conn, addr = s.accept() */
    struct sockaddr_storage client_address;
    socklen_t client_length = sizeof client_address;
    int client_socket;
    do
        client_socket = accept(server_socket, (struct sockaddr *)&client_address, &client_length);
    while (client_socket < 0 && errno == EINTR);
    if (client_socket < 0) {
        fprintf(stderr, "%s: accept: %s\n", PROG, strerror(errno));
        return 1;
    }
    close(server_socket);
    char peer[160];
    format_address((struct sockaddr *)&client_address, client_length, peer, sizeof peer);
    printf("Connected by %s\n", peer);

    /* 5. Take turns: the client speaks first, we answer, and so on. */
    struct line_reader reader = {.fd = client_socket, .start = 0, .end = 0};
    char line[MAX_LINE + 2]; /* a message, its newline, and the final '\0' */
    int interactive = isatty(STDIN_FILENO);
    int status = 0;
    for (;;) {
        /* 5a. Receive the client's message and print it.  Python: data = conn.recv(1024) */
        int cut;
        long len = read_line(&reader, line, MAX_LINE + 1, &cut);
        if (len == -2) {
            fprintf(stderr, "%s: recv from %s: %s\n", PROG, peer, strerror(errno));
            status = 1;
            break;
        }
        if (len == -1) {
            fprintf(stderr, "%s: the client (%s) went away without saying byebye\n", PROG, peer);
            status = 1;
            break;
        }
        printf("Received: %s%s\n", line, cut ? " [cut: line too long]" : "");
        if (strcmp(line, "byebye") == 0) {
            printf("The client said byebye: chat over\n");
            break;
        }

        /* 5b. Type a reply and send it, with its newline: the newline is what tells the
         *     other side where the message ends.  Python: conn.sendall(msg.encode()) */
        int have_line = read_typed_line(line, sizeof line, interactive);
        if (!have_line) {
            snprintf(line, sizeof line, "byebye");
            printf("End of input: sending byebye\n");
        }
        size_t n = strlen(line);
        line[n] = '\n'; /* room for it: fgets stopped at sizeof line - 1 bytes */
        if (send_all(client_socket, line, n + 1) < 0) {
            fprintf(stderr, "%s: send to %s: %s\n", PROG, peer, strerror(errno));
            status = 1;
            break;
        }
        line[n] = '\0';
        if (strcmp(line, "byebye") == 0) {
            printf("You said byebye: chat over\n");
            break;
        }
    }

    /* 6. Close the connection.  Python: conn.close() */
    close(client_socket);
    return status;
}
