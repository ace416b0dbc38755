/*
 * tcp_server.c - the notes' single-task TCP server: accept one client, take one message,
 * answer it, close.
 *
 * Usage: tcp_server [-e ENCODING] [PORT]
 *
 * Mirrors the notes' "TCP server" section, step by step: create socket -> set address
 * reuse -> bind -> listen -> accept -> receive -> send -> close, each a numbered comment in
 * main with the Python line beside it. PORT defaults to 8989; 0 lets the OS pick. -e: the
 * encoding the client's text arrives in (default utf-8; the notes' client uses gbk).
 *
 * The notes' message model: one recv(1024) is one message. One trailing "\r\n" or "\n" is
 * stripped and the reply gets the same ending (bare message, bare reply; a line, a line),
 * so the notes' Python client, nc and telnet all work. It holds for one short message on a
 * quiet connection; it breaks when bytes arrive in pieces or merged (a long message, two
 * sends in a row, a slow network): ../05-udp/stream_vs_datagram measures the merge. A recv
 * that fills all 1024 bytes is answered like any message, and the log says so.
 *
 * What tcp_server_basic.c gets wrong:
 *  1. Closes with a long message's rest unread: a reset, the client's recv fails. Drained.
 *  2. A client gone before the reply kills it by SIGPIPE: exit 141, no word. Ignored: says so.
 *  3. IPv4 only: a client of ::1 is refused. One IPv6 socket takes both families.
 *  4. Decodes as GBK: a UTF-8 client's 你 ends it before the reply (exit 1). -e, escapes.
 *  5. Prints the peer's bytes raw: ESC[2J in a message clears the terminal. Shown escaped.
 *  6. Port by atoi: "abc" listens on a random port. Refused (exit 2).
 *  7. Ctrl-C or SIGTERM kills it: status 130 or 143, no last line. "Server closing", exit 0.
 *  8. Stdout closed (>&-): the socket takes fd 1, its first line kills it (SIGPIPE). 0-2 open.
 *
 * Try:
 *   terminal 1:  ./tcp_server 8989
 *   terminal 2:  ../02-tcp-client/tcp_client 127.0.0.1 8989
 *   or  printf 'hello\n' | nc 127.0.0.1 8989;  ./tcp_server -e gbk for the notes' gbk client
 *
 * See also: tcp_server_basic.c (version 1), dict_server.c (many messages, many clients),
 * hello_http.c, ../02-tcp-client/.
 */
/* _DEFAULT_SOURCE (glibc) and _DARWIN_C_SOURCE (macOS) make NI_MAXHOST/NI_MAXSERV visible;
 * strict _POSIX_C_SOURCE alone hides them. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "tcp_server"
#define DEFAULT_PORT 8989
#define RECV_SIZE 1024 /* Python: client_socket.recv(1024) */
#define REPLY "ok, the problem is being handled..."
#define DRAIN_MAX_BYTES (1024L * 1024) /* step 8 reads at most this much after the reply */
#define DRAIN_MAX_MS 1000L             /* ... for at most this long */

static volatile sig_atomic_t stop_requested = 0; /* set by SIGINT/SIGTERM */
static iconv_t from_peer = (iconv_t)-1; /* -e ENCODING to UTF-8; (iconv_t)-1: UTF-8 */

static int parse_arguments(int argc, char **argv);     /* the port, or exit 2 */
static int open_socket(int *family, const char *where); /* step 1: IPv6 taking IPv4 too */
static void bind_every_interface(int server_socket, int family, int port, const char *where);
static socklen_t any_address(struct sockaddr_storage *address, int family, int port);
static int accept_client(int server_socket, const char *where, char *name, size_t size);
static size_t receive_message(int server_socket, int client_socket, unsigned char *message,
                              const char *name);      /* step 6: one recv, logged */
static void send_reply(int client_socket, const unsigned char *message, size_t count,
                       const char *name); /* step 7 */
static void drain_until_closed(int client_socket); /* step 8 */ static int bound_port(int fd);
static void set_up_signals(void); static void on_signal(int signal_number); /* a flag */
static void stop_if_requested(int server_socket); _Noreturn static void print_help(void);
static void show_peer(int client_socket, const char *accepted); /* getpeername vs accept */
static size_t strip_ending(const void *data, size_t *length); /* "\n", "\r\n" */
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static long parse_number(const char *text, long min, long max); /* strict: digits, or -1 */
static long number_argument(const char *text, const char *what, long min, long max);
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
_Noreturn static void usage_error(const char *format, ...); /* bad command line: exit 2 */
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */
_Noreturn static void fail(const char *call, const char *where); /* run-time error: exit 1 */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size);               /* "127.0.0.1 port 51528" */
static void print_escaped(const void *data, size_t length); /* bytes shown safely */
static iconv_t open_encoding(const char *name, iconv_t *to_peer); /* -e, or exit 2 */
static size_t escape_from_peer(iconv_t from_peer, char *out, size_t size, const void *d, size_t n);
static int send_all(int fd, const void *data, size_t length); /* loop over send */

int main(int argc, char **argv) {
    ensure_standard_descriptors(); /* Fix 8: 0, 1 and 2 open before any socket */
    int port = parse_arguments(argc, argv); /* Fix 6: digits only, 0..65535, or exit 2 */
    setvbuf(stdout, NULL, _IOLBF, 0);       /* tests and pipes see each line at once */
    /* Fix 2: send() to a client that has gone raises SIGPIPE, which kills without a word;
     * ignored, send() fails with EPIPE instead and we can say what happened. */
    signal(SIGPIPE, SIG_IGN);
    set_up_signals(); /* Fix 7: Ctrl-C (Python: KeyboardInterrupt) ends us cleanly, exit 0 */
    char where[32];
    snprintf(where, sizeof where, "port %d", port);

    /* 1. Create the socket. Python: server_socket = socket.socket(AF_INET, SOCK_STREAM) */
    int family;
    int server_socket = open_socket(&family, where);
    /* 2. Set address reuse. Python: server_socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, True)
     *    Without it, a restart fails with "Address already in use" while the last connection
     *    waits in TIME_WAIT (a minute). It does NOT let two servers share a port at once. */
    int on = 1;
    if (setsockopt(server_socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0)
        fail("setsockopt SO_REUSEADDR", where);
    /* 3. Bind: a server must, so clients know where to find it. Python:
     *    server_socket.bind(("", 8989)); "" is the wildcard address: every interface. */
    bind_every_interface(server_socket, family, port, where);
    /* 4. Listen: the kernel now completes handshakes and queues up to 128 connections until
     *    we accept them; this socket never carries data. Python: server_socket.listen(128) */
    if (listen(server_socket, 128) < 0)
        fail("listen", where);
    printf("Listening on port %d\n", bound_port(server_socket)); /* PORT 0: which? */

    /* 5. Accept: wait for a client, then get a NEW socket for talking to that one client.
     *    Python: client_socket, client_address = server_socket.accept() */
    char client_name[NI_MAXHOST + NI_MAXSERV + 8];
    int client_socket = accept_client(server_socket, where, client_name, sizeof client_name);
    show_peer(client_socket, client_name); /* Python: client_socket.getpeername() */
    /* 6. Receive ONE message. Python: recv_data = client_socket.recv(1024) */
    unsigned char message[RECV_SIZE];
    size_t count = receive_message(server_socket, client_socket, message, client_name);
    /* 7. Send the reply. Python: client_socket.send("ok, ...".encode("utf-8")) */
    if (count > 0)
        send_reply(client_socket, message, count, client_name);

    /* 8. Close. Python: client_socket.close(); server_socket.close()
     *    Fix 1: our FIN first (shutdown), then read what the client still sends until it
     *    closes: close() with unread bytes would send a reset instead of a FIN. */
    shutdown(client_socket, SHUT_WR);
    drain_until_closed(client_socket);
    close(client_socket);
    close(server_socket); /* no new client can connect from here on */
    return 0;
}

/* Step 1. Fix 3: we ask for IPv6 and switch IPV6_V6ONLY off, so this one socket takes IPv4
 * clients too (they show up as ::ffff:a.b.c.d). A machine without IPv6 gets plain IPv4. */
static int open_socket(int *family, const char *where) {
    *family = AF_INET6;
    int server_socket = socket(AF_INET6, SOCK_STREAM, 0);
    if (server_socket < 0) {
        *family = AF_INET;
        server_socket = socket(AF_INET, SOCK_STREAM, 0);
        if (server_socket < 0)
            fail("socket", "");
        return server_socket;
    }
    int off = 0;
    if (setsockopt(server_socket, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0)
        fail("setsockopt IPV6_V6ONLY", where);
    return server_socket;
}

/* Step 3: the wildcard address of the socket's family (:: or 0.0.0.0), port PORT. */
static void bind_every_interface(int server_socket, int family, int port, const char *where) {
    struct sockaddr_storage address;
    socklen_t length = any_address(&address, family, port);
    if (bind(server_socket, (struct sockaddr *)&address, length) < 0)
        fail("bind", where);
}

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

/* Step 5, retried while a signal interrupts accept (EINTR; Ctrl-C then ends us) or the
 * client gave up while queued (ECONNABORTED). Logs who connected. */
static int accept_client(int server_socket, const char *where, char *name, size_t size) {
    struct sockaddr_storage address;
    socklen_t length;
    int client_socket;
    do {
        length = sizeof address;
        client_socket = accept(server_socket, (struct sockaddr *)&address, &length);
        stop_if_requested(server_socket); /* Ctrl-C while we wait: accept fails with EINTR */
    } while (client_socket < 0 && (errno == EINTR || errno == ECONNABORTED));
    if (client_socket < 0)
        fail("accept", where);
    format_address((struct sockaddr *)&address, length, name, size);
    printf("Connection from %s\n", name);
    return client_socket;
}

/* Step 6: ONE recv of at most 1024 bytes, logged. TCP is a byte stream: this returns
 * whatever has arrived so far, which for one short message on a quiet connection is the
 * whole message (the notes' assumption). Returns 0 when the client closed without a word. */
static size_t receive_message(int server_socket, int client_socket, unsigned char *message,
                              const char *name) {
    ssize_t count;
    do {
        count = recv(client_socket, message, RECV_SIZE, 0);
        stop_if_requested(server_socket);
    } while (count < 0 && errno == EINTR);
    if (count < 0)
        fail("recv", name);
    if (count == 0) {
        printf("Client left without sending anything (recv returned 0)\n");
        return 0;
    }
    /* Fix 4: decoded from -e's encoding (Python: recv_data.decode("gbk")) by a step that
     * cannot fail: what does not convert shows as \xhh. Fix 5: never on the terminal raw:
     * text shows as text, every control byte as an escape. */
    char shown[8 * RECV_SIZE + 4];
    escape_from_peer(from_peer, shown, sizeof shown, message, (size_t)count);
    printf("Received %zd bytes: %s\n", count, shown);
    if (count == RECV_SIZE)
        printf("(1024 bytes: the buffer was full; this server reads once, so the rest "
               "is not read as a message)\n");
    return (size_t)count;
}

/* Step 7: the reply, with the message's line ending ("", "\n" or "\r\n"), through
 * send_all: one send() may take only part of the bytes. */
static void send_reply(int client_socket, const unsigned char *message, size_t count,
                       const char *name) {
    size_t length = count;
    size_t ending = strip_ending(message, &length);
    char reply[sizeof REPLY + 2];
    memcpy(reply, REPLY, strlen(REPLY));
    memcpy(reply + strlen(REPLY), message + length, ending);
    if (send_all(client_socket, reply, strlen(REPLY) + ending) < 0)
        fail("send", name); /* Fix 2: "Broken pipe" (EPIPE) said, not a silent death */
    printf("Sent: ");
    print_escaped(reply, strlen(REPLY) + ending);
    putchar('\n');
}

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

/* After a signal: say so, close the listening socket, exit 0 (a client being served at
 * that moment gets no answer). */
static void stop_if_requested(int server_socket) {
    if (!stop_requested)
        return;
    printf("Server closing\n");
    close(server_socket);
    exit(0);
}

/* accept() told us who connected; getpeername() asks the connected socket the same
 * question at any later time (Python: client_socket.getpeername()). They agree. */
static void show_peer(int client_socket, const char *accepted) {
    struct sockaddr_storage address;
    socklen_t length = sizeof address;
    if (getpeername(client_socket, (struct sockaddr *)&address, &length) < 0) {
        fprintf(stderr, "%s: getpeername %s: %s\n", PROGRAM, accepted, strerror(errno));
        return; /* (the client may already have reset the connection) */
    }
    char name[NI_MAXHOST + NI_MAXSERV + 8];
    format_address((struct sockaddr *)&address, length, name, sizeof name);
    printf("getpeername: %s (%s)\n", name,
           strcmp(name, accepted) == 0 ? "the same as accept's" : "NOT the same as accept's");
}

/* ---- begin canonical: strip_ending ---- */
/* The notes' model, both ways: remove ONE trailing "\r\n" or "\n" from a message (the
 * notes' peers send none, nc sends "\n", telnet "\r\n") by shortening *LENGTH, and return
 * how many bytes the ending had: 0, 1 or 2. */
static size_t strip_ending(const void *data, size_t *length)
{
    const unsigned char *bytes = data;
    if (*length >= 2 && bytes[*length - 2] == '\r' && bytes[*length - 1] == '\n') {
        *length -= 2;
        return 2;
    }
    if (*length >= 1 && bytes[*length - 1] == '\n') {
        *length -= 1;
        return 1;
    }
    return 0;
}
/* ---- end canonical: strip_ending ---- */

/* Step 8's second half. Our FIN is out (shutdown); read and drop whatever the client still
 * sends until it closes (recv returns 0). Bounded, because a client may never close or
 * never stop sending: after DRAIN_MAX_BYTES or DRAIN_MAX_MS we close anyway and say so. */
static void drain_until_closed(int client_socket) {
    unsigned char sink[4096];
    long dropped = 0;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left = DRAIN_MAX_MS - ((long)(now.tv_sec - start.tv_sec) * 1000L +
                                    (now.tv_nsec - start.tv_nsec) / 1000000L);
        struct timeval limit = {left / 1000, (left % 1000) * 1000};
        if (stop_requested)
            break; /* Ctrl-C: close now */
        if (left <= 0 ||
            setsockopt(client_socket, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) < 0) {
            printf("The client did not close within %ld ms: closing anyway\n", DRAIN_MAX_MS);
            break;
        }
        ssize_t count = recv(client_socket, sink, sizeof sink, 0);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            printf("The client did not close within %ld ms: closing anyway\n", DRAIN_MAX_MS);
            break; /* SO_RCVTIMEO ran out */
        }
        if (count <= 0)
            break; /* 0: the client closed (the normal end); -1: a reset */
        dropped += count;
        if (dropped >= DRAIN_MAX_BYTES) {
            printf("Still receiving after %ld unread bytes: closing anyway (the client may "
                   "see a reset)\n", dropped);
            return;
        }
    }
    if (dropped > 0)
        printf("Dropped %ld unread byte%s before closing, so that the client gets a FIN, "
               "not a reset\n", dropped, dropped == 1 ? "" : "s");
}

/* ---- Plumbing: read after the lesson ---- */

#define USAGE "Usage: tcp_server [-e ENCODING] [PORT]"
#define DESCRIPTION                                                                        \
    "Accept one client, take one message (one recv of up to 1024 bytes), answer it with\n" \
    "\"" REPLY "\" (its line ending kept) and exit. PORT: default 8989;\n"                   \
    "0: the OS picks (the first line says which). -e: the client's encoding (default utf-8).\n"

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

/* ---- begin canonical: print_help ---- */
/* -h / --help: the Usage line and what the program does, on stdout; exit 0. */
_Noreturn static void print_help(void)
{
    printf("%s\n%s", USAGE, DESCRIPTION);
    exit(0);
}
/* ---- end canonical: print_help ---- */

/* Options first, then at most one operand, the port. An argument that looks like a negative
 * number ("-1") is the operand, reported as a bad port (next_option). */
static int parse_arguments(int argc, char **argv) {
    int option;
    opterr = 0; /* we print our own messages */
    while ((option = next_option(argc, argv, "+:he:")) != -1) {
        if (option == 'h')
            print_help();
        else if (option == 'e')
            from_peer = open_encoding(optarg, NULL); /* our reply is ASCII: nothing to encode */
        else if (option == ':' || optopt == 'e') /* (':': glibc's "+:") */
            usage_error("option '-%c' needs a value (try '%s -h')", optopt, PROGRAM);
        else
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
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
