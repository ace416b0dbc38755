/*
 * chatroom_client.c: join a chat room and talk: lines from the others appear while you type,
 * because one poll() waits on the keyboard and the socket at the same time.
 *
 * Usage: chatroom_client HOST PORT NICK
 *
 * Goes beyond the notes' chat client (chat_client.c), which waits for the keyboard, then for
 * the socket, then the keyboard again: there, a message cannot arrive while you are typing.
 * Here standard input and the socket sit in one poll() array, and whichever is ready is
 * served. NICK (1 to 16 letters, digits, _ or -) is sent first; once the room answers
 * "* welcome NICK" each line you type is sent, and each line from the room is printed as it
 * comes. "/who" lists the room; "/quit" or end of input (Ctrl-D) leaves. If the room refuses
 * the nickname, or is full, we print why (one line) and exit 1. When the server closes the
 * connection ("* server closing", or it just goes) we say so and exit 0.
 *
 * Try:
 *   terminal 1: ./chatroom_server 12346
 *   terminal 2: ./chatroom_client localhost 12346 alice
 *   terminal 3: ./chatroom_client localhost 12346 bob
 *
 * See also: chatroom_server.c (the protocol), chat_client.c (the turn-based version).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define PROG "chatroom_client"
#define USAGE "Usage: chatroom_client HOST PORT NICK"
#define MAX_NICK 16

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

/* A nickname is 1 to 16 letters, digits, '_' or '-' (the server checks too). */
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

/* Bytes read from one descriptor, not yet cut into lines. We use read()/recv() into our own
 * buffer for stdin too, not fgets(): stdio could read three lines ahead into its buffer,
 * and poll() (which only sees the descriptor) would never tell us they are there. */
struct pending {
    char buf[4096];
    size_t len;
};

/* Take the next complete line out of p (newline removed, '\0' added) into line. Returns 1,
 * or 0 if there is no complete line yet. */
static int next_line(struct pending *p, char *line, size_t size)
{
    char *newline = memchr(p->buf, '\n', p->len);
    if (newline == NULL)
        return 0;
    size_t len = (size_t)(newline - p->buf);
    size_t keep = len < size - 1 ? len : size - 1;
    memcpy(line, p->buf, keep);
    if (keep > 0 && line[keep - 1] == '\r')
        keep--;
    line[keep] = '\0';
    p->len -= len + 1;
    memmove(p->buf, newline + 1, p->len);
    return 1;
}

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: tests and pipes see each line at once */
    /* Sending to a server that has gone raises SIGPIPE, which would kill us silently; ignored,
     * send() fails with EPIPE instead and we can say what happened. */
    signal(SIGPIPE, SIG_IGN);

    const char *operand[3];
    int operands = 0, opt;
    opterr = 0; /* we print our own messages */
    while (optind < argc) {
        if ((opt = getopt(argc, argv, "h")) == -1) {
            /* An operand (macOS getopt stops at the first one): take it and go on. */
            if (operands == 3)
                usage_error("too many operands", NULL);
            operand[operands++] = argv[optind++];
            continue;
        }
        if (opt == 'h') {
            puts(USAGE);
            return 0;
        }
        char option[3] = {'-', (char)optopt, '\0'};
        usage_error("unknown option", option);
    }
    if (operands < 3) {
        fprintf(stderr, "%s: missing operand: HOST PORT NICK (try '%s -h')\n", PROG, PROG);
        return 2;
    }
    const char *host = operand[0], *port_text = operand[1], *nick = operand[2];
    if (parse_port(port_text) < 0) {
        fprintf(stderr, "%s: bad port '%s': expected a number from 0 to 65535\n", PROG,
                port_text);
        return 2;
    }
    if (!valid_nick(nick)) {
        fprintf(stderr, "%s: bad nickname '%s': use 1 to 16 letters, digits, _ or -\n", PROG,
                nick);
        return 2;
    }

    /* 1. Connect, trying each address of HOST in turn (as in lesson 02). */
    struct addrinfo hints, *results;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port_text, &hints, &results);
    if (rc != 0) {
        fprintf(stderr, "%s: getaddrinfo %s: %s\n", PROG, host, gai_strerror(rc));
        return 1;
    }
    int client_socket = -1, saved_errno = 0;
    char peer[160];
    for (struct addrinfo *ai = results; ai != NULL; ai = ai->ai_next) {
        format_address(ai->ai_addr, ai->ai_addrlen, peer, sizeof peer);
        client_socket = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (client_socket < 0) {
            saved_errno = errno;
            continue;
        }
        if (connect(client_socket, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        saved_errno = errno;
        close(client_socket);
        client_socket = -1;
    }
    freeaddrinfo(results);
    if (client_socket < 0) { /* report the last failure */
        fprintf(stderr, "%s: connect %s: %s\n", PROG, peer, strerror(saved_errno));
        return 1;
    }

    /* 2. Our first line is our nickname. (The socket stays blocking: the server reads every
     *    client all the time, so our sends never wait long.) */
    char line[4096 + 1]; /* as long as a full struct pending, plus the final '\0' */
    snprintf(line, sizeof line, "%s\n", nick);
    if (send_all(client_socket, line, strlen(line)) < 0) {
        fprintf(stderr, "%s: send to %s: %s\n", PROG, peer, strerror(errno));
        return 1;
    }
    char welcome[MAX_NICK + 16];
    snprintf(welcome, sizeof welcome, "* welcome %s", nick);

    struct pending from_room = {.len = 0}, from_user = {.len = 0};
    int joined = 0;       /* the room said "* welcome NICK": now we read the keyboard */
    int leaving = 0;      /* we sent /quit: only wait for the server to close */
    int mid_line = 0;     /* we sent part of a long typed line; the rest follows */
    int status = 0;
    for (;;) {
        /* 3. Wait for the room, and (once we are in, until we leave) for the keyboard.
         *    Python: select.select([sock, sys.stdin], [], []) */
        struct pollfd fds[2] = {
            {.fd = client_socket, .events = POLLIN, .revents = 0},
            {.fd = STDIN_FILENO, .events = POLLIN, .revents = 0},
        };
        nfds_t nfds = (joined && !leaving) ? 2 : 1;
        if (poll(fds, nfds, -1) < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "%s: poll: %s\n", PROG, strerror(errno));
            status = 1;
            break;
        }

        /* 4. Lines from the room: print each (POLLHUP/POLLERR: recv tells us what). */
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
            ssize_t n = recv(client_socket, from_room.buf + from_room.len,
                             sizeof from_room.buf - from_room.len, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                fprintf(stderr, "%s: recv from %s: %s\n", PROG, peer, strerror(errno));
                status = 1;
                break;
            }
            if (n == 0) { /* the server closed the connection */
                if (!joined) {
                    fprintf(stderr, "%s: %s closed the connection before we joined\n", PROG,
                            peer);
                    status = 1;
                } else if (!leaving) {
                    printf("Connection closed by the server\n");
                }
                break;
            }
            from_room.len += (size_t)n;
            int refused = 0;
            for (;;) {
                if (!next_line(&from_room, line, sizeof line)) {
                    if (from_room.len < sizeof from_room.buf)
                        break; /* the rest of the line has not arrived yet */
                    /* 4 KiB and no newline (not our server): show it as one line. */
                    memcpy(line, from_room.buf, from_room.len);
                    line[from_room.len] = '\0';
                    from_room.len = 0;
                }
                if (joined) {
                    printf("%s\n", line);
                } else if (strcmp(line, welcome) == 0) {
                    joined = 1;
                    printf("%s\n", line);
                } else if (strncmp(line, "* nickname?", 11) != 0) {
                    /* Refused: "* nickname taken: alice", "* room full, ...". */
                    fprintf(stderr, "%s: %s\n", PROG, strncmp(line, "* ", 2) == 0 ? line + 2 : line);
                    refused = 1;
                    break;
                }
            }
            if (refused) {
                status = 1;
                break;
            }
        }

        /* 5. Lines typed by the user: send each; "/quit" and end of input leave. */
        if (nfds == 2 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = read(STDIN_FILENO, from_user.buf + from_user.len,
                             sizeof from_user.buf - from_user.len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) { /* end of input (or an unreadable stdin): leave politely */
                const char *bye = (from_user.len > 0 || mid_line) ? "\n/quit\n" : "/quit\n";
                if (send_all(client_socket, from_user.buf, from_user.len) < 0 ||
                    send_all(client_socket, bye, strlen(bye)) < 0) {
                    fprintf(stderr, "%s: send to %s: %s\n", PROG, peer, strerror(errno));
                    status = 1;
                    break;
                }
                leaving = 1;
                continue;
            }
            from_user.len += (size_t)n;
            int failed = 0;
            for (;;) {
                char *newline = memchr(from_user.buf, '\n', from_user.len);
                if (newline == NULL && from_user.len < sizeof from_user.buf)
                    break; /* wait for the rest of the line */
                /* A whole line, or 4 KiB with no newline: pass that part on as it is (the
                 * server answers "* line too long"), and remember we are mid-line. */
                size_t len = newline ? (size_t)(newline - from_user.buf) + 1 : from_user.len;
                int is_quit = !mid_line && newline &&
                              ((len == 6 && memcmp(from_user.buf, "/quit\n", 6) == 0) ||
                               (len == 7 && memcmp(from_user.buf, "/quit\r\n", 7) == 0));
                if (send_all(client_socket, from_user.buf, len) < 0) {
                    failed = 1;
                    break;
                }
                mid_line = newline == NULL;
                from_user.len -= len;
                memmove(from_user.buf, from_user.buf + len, from_user.len);
                if (is_quit) {
                    leaving = 1; /* the server answers "* bye NICK" and closes */
                    break;
                }
            }
            if (failed) {
                fprintf(stderr, "%s: send to %s: %s\n", PROG, peer, strerror(errno));
                status = 1;
                break;
            }
        }
    }

    /* 6. Done: close the socket (the server tells the others we left). */
    close(client_socket);
    return status;
}
