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
 * Messages are lines, both ways: in a room many people send at once, and a newline is how
 * a reader finds where each message ends (chat_client's "one recv is one message", the
 * notes' model, only works while two people take turns).
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define PROG "chatroom_client"
#define USAGE "Usage: chatroom_client HOST PORT NICK"
#define DESCRIPTION                                                                           \
    "Join the chat room of chatroom_server as NICK (1 to 16 letters, digits, _ or -): lines\n" \
    "from the room appear while you type; /who lists the room, /quit or Ctrl-D leaves."
#define MAX_NICK 16
#define BUFFER_SIZE 4096

/* Bytes read from one descriptor, not yet cut into lines. We use read()/recv() into our own
 * buffer for stdin too, not fgets(): stdio could read three lines ahead into its buffer,
 * and poll() (which only sees the descriptor) would never tell us they are there. */
struct pending {
    char buf[BUFFER_SIZE];
    size_t len;
};

static void parse_arguments(int argc, char *argv[], const char *operand[3]); /* HOST PORT NICK */
static int connect_to(const char *host, const char *port, char *peer, size_t size);
static int show_room_lines(int fd, const char *peer);  /* step 4: 0, or the exit status */
static int send_typed_lines(int fd, const char *peer); /* step 5: 0, or the exit status */
static int next_line(struct pending *p, char *line, size_t size); /* 1: a line was taken */
static int send_all(int fd, const char *data, size_t length); /* send() until all is sent */
static int valid_nick(const char *nick);   /* 1 to 16 letters, digits, _ or - */
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help */
static int parse_port(const char *text);   /* "12345" -> 12345, or -1 */
_Noreturn static void usage_error(const char *format, ...); /* one line, exit 2 */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size);   /* "127.0.0.1 port 5000" */

/* The state of our one connection (one thread, so plain variables are fine). */
static char welcome[MAX_NICK + 16]; /* "* welcome NICK": the room has let us in */
static int joined;   /* the room said "* welcome NICK": now we read the keyboard */
static int leaving;  /* we sent /quit: only wait for the server to close */

int main(int argc, char *argv[])
{
    const char *operand[3]; /* HOST PORT NICK */
    parse_arguments(argc, argv, operand);
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: tests and pipes see each line at once */
    /* Sending to a server that has gone raises SIGPIPE, which would kill us silently; ignored,
     * send() fails with EPIPE instead and we can say what happened. */
    signal(SIGPIPE, SIG_IGN);

    /* 1. Connect, trying each address of HOST in turn (as in lesson 02).
     *    Python: s = socket.socket(...); s.connect((HOST, PORT)) */
    char peer[160];
    int client_socket = connect_to(operand[0], operand[1], peer, sizeof peer);
    if (client_socket < 0)
        return 1;

    /* 2. Our first line is our nickname. (The socket stays blocking: the server reads every
     *    client all the time, so our sends never wait long.)  Python: s.sendall(b'alice\n') */
    char line[MAX_NICK + 2];
    snprintf(line, sizeof line, "%s\n", operand[2]);
    snprintf(welcome, sizeof welcome, "* welcome %s", operand[2]);
    if (send_all(client_socket, line, strlen(line)) < 0) {
        fprintf(stderr, "%s: send %s: %s\n", PROG, peer, strerror(errno));
        return 1;
    }

    int status = -1;
    while (status < 0) {
        /* 3. Wait for the room, and (once we are in, until we leave) for the keyboard.
         *    Python: ready, _, _ = select.select([s, sys.stdin], [], []) */
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

        /* 4. Lines from the room: print each (POLLHUP/POLLERR: recv tells us what).
         *    Python: if s in ready: print(s.recv(4096).decode(), end='') */
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
            status = show_room_lines(client_socket, peer);

        /* 5. Lines typed by the user: send each; "/quit" and end of input leave.
         *    Python: if sys.stdin in ready: s.sendall(sys.stdin.readline().encode()) */
        if (status < 0 && nfds == 2 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
            status = send_typed_lines(client_socket, peer);
    }

    /* 6. Done: close the socket (the server tells the others we left).  Python: s.close() */
    close(client_socket);
    return status;
}

/* ---- The steps ---- */

/* Step 4: read what the room sent and print every complete line. Before "* welcome NICK",
 * any other line but the "* nickname?" prompt is a refusal ("* nickname taken: alice",
 * "* room full, try again later"): print it on stderr and exit 1. Returns -1 to go on, or
 * the exit status. */
static int show_room_lines(int fd, const char *peer)
{
    static struct pending from_room;
    char line[BUFFER_SIZE + 1];
    ssize_t n = recv(fd, from_room.buf + from_room.len, sizeof from_room.buf - from_room.len, 0);
    if (n < 0 && errno == EINTR)
        return -1;
    if (n < 0) {
        fprintf(stderr, "%s: recv %s: %s\n", PROG, peer, strerror(errno));
        return 1;
    }
    if (n == 0) { /* the server closed the connection */
        if (!joined) {
            fprintf(stderr, "%s: %s closed the connection before we joined\n", PROG, peer);
            return 1;
        }
        if (!leaving)
            printf("Connection closed by the server\n");
        return 0;
    }
    from_room.len += (size_t)n;
    for (;;) {
        if (!next_line(&from_room, line, sizeof line)) {
            if (from_room.len < sizeof from_room.buf)
                return -1; /* the rest of the line has not arrived yet */
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
            fprintf(stderr, "%s: %s\n", PROG, strncmp(line, "* ", 2) == 0 ? line + 2 : line);
            return 1;
        }
    }
}

/* Step 5: read what the user typed and send every complete line as it is, newline
 * included. A line of 4 KiB with no newline yet is passed on in parts (the server answers
 * "* line too long"). "/quit" or end of input: send /quit, then only wait for the server
 * to close. Returns -1 to go on, or the exit status. */
static int send_typed_lines(int fd, const char *peer)
{
    static struct pending from_user;
    static int mid_line; /* we sent part of a long typed line; the rest follows */
    ssize_t n = read(STDIN_FILENO, from_user.buf + from_user.len,
                     sizeof from_user.buf - from_user.len);
    if (n < 0 && errno == EINTR)
        return -1;
    if (n <= 0) { /* end of input (or an unreadable stdin): leave politely */
        const char *bye = (from_user.len > 0 || mid_line) ? "\n/quit\n" : "/quit\n";
        leaving = 1;
        if (send_all(fd, from_user.buf, from_user.len) == 0 && send_all(fd, bye, strlen(bye)) == 0)
            return -1;
    } else {
        from_user.len += (size_t)n;
    }
    while (!leaving) {
        char *newline = memchr(from_user.buf, '\n', from_user.len);
        if (newline == NULL && from_user.len < sizeof from_user.buf)
            return -1; /* wait for the rest of the line */
        size_t len = newline ? (size_t)(newline - from_user.buf) + 1 : from_user.len;
        leaving = !mid_line && newline &&
                  ((len == 6 && memcmp(from_user.buf, "/quit\n", 6) == 0) ||
                   (len == 7 && memcmp(from_user.buf, "/quit\r\n", 7) == 0));
        if (send_all(fd, from_user.buf, len) < 0)
            break;
        mid_line = newline == NULL;
        from_user.len -= len;
        memmove(from_user.buf, from_user.buf + len, from_user.len);
        if (leaving)
            return -1; /* the server answers "* bye NICK" and closes */
    }
    fprintf(stderr, "%s: send %s: %s\n", PROG, peer, strerror(errno));
    return 1;
}

/* Take the next complete line out of p (newline removed, and a "\r" before it, '\0'
 * added) into line. Returns 1, or 0 if there is no complete line yet. */
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

/* ---- Plumbing: read after the lesson ---- */

/* Options first, then HOST PORT NICK (a plain getopt loop; "+": stop at the first operand). */
static void parse_arguments(int argc, char *argv[], const char *operand[3])
{
    int opt;
    opterr = 0; /* we print our own messages */
    while ((opt = next_option(argc, argv, "+h")) != -1) {
        if (opt != 'h')
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROG);
        printf("%s\n%s\n", USAGE, DESCRIPTION);
        exit(0);
    }
    if (argc - optind < 3)
        usage_error("missing operand (try '%s -h')", PROG);
    if (argc - optind > 3)
        usage_error("too many operands (try '%s -h')", PROG);
    for (int i = 0; i < 3; i++)
        operand[i] = argv[optind + i];
    if (operand[0][0] == '\0')
        usage_error("bad host '': expected a name or an address");
    if (parse_port(operand[1]) < 1) /* port 0 can never be connected to */
        usage_error("bad port '%s': expected a number from 1 to 65535", operand[1]);
    if (!valid_nick(operand[2]))
        usage_error("bad nickname '%s': expected 1 to 16 letters, digits, _ or -", operand[2]);
}

/* Connect to HOST PORT, trying each address getaddrinfo gives (IPv4 and IPv6). Returns the
 * socket and the address it reached in peer, or -1 after printing one line
 * ("chatroom_client: connect 127.0.0.1 port 1: reason", for the last address tried). */
static int connect_to(const char *host, const char *port, char *peer, size_t size)
{
    struct addrinfo hints, *results;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &results);
    if (rc != 0) {
        fprintf(stderr, "%s: getaddrinfo %s: %s\n", PROG, host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, saved_errno = 0;
    for (struct addrinfo *ai = results; ai != NULL && fd < 0; ai = ai->ai_next) {
        format_address(ai->ai_addr, ai->ai_addrlen, peer, size);
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            saved_errno = errno;
            close(fd);
            fd = -1;
        } else if (fd < 0) {
            saved_errno = errno;
        }
    }
    freeaddrinfo(results);
    if (fd < 0)
        fprintf(stderr, "%s: connect %s: %s\n", PROG, peer, strerror(saved_errno));
    return fd;
}

/* Send all length bytes; send() may take fewer than asked. Returns 0, or -1 with errno set.
 * Python: s.sendall(data) */
static int send_all(int fd, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t n = send(fd, data, length, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        length -= (size_t)n;
    }
    return 0;
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

/* A port is 1 to 5 decimal digits, at most 65535: no sign, no space, no "0x". */
static int parse_port(const char *text)
{
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || digits > 5 || text[digits] != '\0')
        return -1;
    long value = strtol(text, NULL, 10);
    return value <= 65535 ? (int)value : -1;
}

/* Print "chatroom_client: " and the message on stderr (a mistake on the command line);
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
