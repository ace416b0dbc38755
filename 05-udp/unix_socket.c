/*
 * unix_socket: the notes' TCP exchange and a few datagrams, over a Unix-domain socket.
 *
 * Usage: unix_socket
 *
 * Mirrors the notes, "socket families": AF_INET and AF_INET6 reach other machines, AF_UNIX
 * only processes on the same machine. This program makes a new temporary directory
 * (mkdtemp), plays both ends of the notes' first exchange there (a client sends "Hello,
 * server, I'm client Xiaohei!", the server answers) with SOCK_STREAM, then sends three
 * datagrams with SOCK_DGRAM, and removes the directory. What changes from lessons 02-05:
 * the family (AF_UNIX) and the address, which is a path in the file system (no IP address,
 * no port, no getaddrinfo). What does not: socket, bind, listen, accept, connect, send,
 * recv, sendto, recvfrom, close, and that a stream keeps bytes, not message boundaries.
 *
 * Try:
 *   terminal 1:  ./unix_socket
 *   (one terminal is enough: both ends are in this program; TMPDIR picks where the
 *   directory is made, /tmp by default)
 *
 * See also: stream_vs_datagram.c, ../02-tcp-client/tcp_client.c, ../03-tcp-server/tcp_server.c.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#define PROGRAM "unix_socket"
#define USAGE "Usage: unix_socket"
#define DESCRIPTION                                                                          \
    "Runs the notes' client/server exchange over an AF_UNIX stream socket, then three\n"   \
    "datagrams over AF_UNIX SOCK_DGRAM, in a new temporary directory that it removes."
#define MESSAGE "Hello, server, I'm client Xiaohei!" /* the notes' client */
#define REPLY "ok, the problem is being handled..."  /* 03's tcp_server */
#define RECV_SIZE 1024                               /* Python: recv(1024) */

/* The temporary directory and the socket files made in it, removed at exit. */
static char directory[256];
static char stream_path[272], receiver_path[272], sender_path[272];

/* ---- Helpers, in the order main uses them (their code is below main) ---- */
static void parse_arguments(int argc, char *argv[]);  /* only -h; no operands */
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static void make_directory(void);                      /* mkdtemp, and cleanup at exit */
static struct sockaddr_un address_of(const char *path); /* the path in a sockaddr_un */
static void bind_to(int fd, const char *path);         /* bind, or fail naming the path */
static const char *path_of(const struct sockaddr_un *a, socklen_t length); /* or "" */
static ssize_t receive(int fd, char *buffer, struct sockaddr_un *from, socklen_t *from_length);
static int send_all(int fd, const void *data, size_t length);  /* send until all is taken */
static void remove_everything(void);                            /* unlink, rmdir (atexit) */
_Noreturn static void fail(const char *call, const char *where); /* one line, exit 1 */
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
static void check_stdout(void); /* at exit: all output written, or one line, exit 1 */
_Noreturn static void usage_error(const char *format, ...);      /* one line, exit 2 */
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* first: no socket may land on 0, 1 or 2 */
    atexit(check_stdout); /* at exit: output that could not be written is an error */
    setvbuf(stdout, NULL, _IOLBF, 0); /* tests and pipes see each line at once */
    /* Writing to a socket whose peer has gone raises SIGPIPE, which would kill us silently;
     * ignored, send fails with EPIPE instead and we report it. */
    signal(SIGPIPE, SIG_IGN);
    parse_arguments(argc, argv);
    char buffer[RECV_SIZE];
    ssize_t length;
    make_directory(); /* Python: directory = tempfile.mkdtemp() */

    printf("SOCK_STREAM, the calls of lessons 02 and 03:\n");
    /* 1. The server's socket: the family changes, nothing else.
     *    Python: server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) */
    int server_socket = socket(AF_UNIX, SOCK_STREAM, 0);
    if (server_socket < 0)
        fail("socket", "AF_UNIX");

    /* 2. Bind to a path: the address. Python: server.bind(directory + "/stream.sock")
     *    (TCP: server.bind(("", 8989)), an IP address and a port.) */
    bind_to(server_socket, stream_path);
    printf("server: socket(AF_UNIX, SOCK_STREAM), bind %s: a path, no IP address, no port\n",
           stream_path);
    struct stat status; /* bind made a file: ls -l shows its type as 's' */
    if (stat(stream_path, &status) == 0 && S_ISSOCK(status.st_mode))
        printf("server: bind made that file, of type socket ('s' in ls -l)\n");

    /* 3. Listen. Python: server.listen(128) */
    if (listen(server_socket, 128) < 0)
        fail("listen", stream_path);
    printf("server: listen\n");

    /* 4. The client connects to the same path. Python: client.connect(path)
     *    No getaddrinfo: there is no name to look up, the path is the address. */
    int client_socket = socket(AF_UNIX, SOCK_STREAM, 0);
    if (client_socket < 0)
        fail("socket", "AF_UNIX");
    struct sockaddr_un server_address = address_of(stream_path);
    if (connect(client_socket, (struct sockaddr *)&server_address, sizeof server_address) < 0)
        fail("connect", stream_path);
    printf("client: socket(AF_UNIX, SOCK_STREAM), connect %s\n", stream_path);

    /* 5. Accept. Python: conn, addr = server.accept()
     *    addr is '' in Python: a client that never called bind has no path, no name at all
     *    (a TCP client always has an address: its IP and the port the system chose). */
    struct sockaddr_un peer;
    socklen_t peer_length = sizeof peer;
    int connection_socket = accept(server_socket, (struct sockaddr *)&peer, &peer_length);
    if (connection_socket < 0)
        fail("accept", stream_path);
    const char *client_path = path_of(&peer, peer_length);
    printf("server: accept: the client's address: %s\n",
           client_path[0] != '\0' ? client_path : "no path (it never called bind)");
    peer_length = sizeof peer; /* and the client asks who it is connected to */
    if (getpeername(client_socket, (struct sockaddr *)&peer, &peer_length) < 0)
        fail("getpeername", stream_path);
    printf("client: getpeername: %s\n", path_of(&peer, peer_length));

    /* 6. The notes' exchange: send, recv, reply, recv, exactly as over TCP.
     *    Python: client.send(msg.encode()); data = conn.recv(1024); conn.send(reply) ... */
    if (send_all(client_socket, MESSAGE, strlen(MESSAGE)) < 0)
        fail("send", stream_path);
    printf("client: send %zu bytes: %s\n", strlen(MESSAGE), MESSAGE);
    length = receive(connection_socket, buffer, NULL, NULL);
    printf("server: recv %zd bytes: %.*s\n", length, (int)length, buffer);
    if (send_all(connection_socket, REPLY, strlen(REPLY)) < 0)
        fail("send", stream_path);
    printf("server: send %zu bytes: %s\n", strlen(REPLY), REPLY);
    length = receive(client_socket, buffer, NULL, NULL);
    printf("client: recv %zd bytes: %.*s\n", length, (int)length, buffer);

    /* 7. Close: the server's recv returns 0, end of the stream. Python: client.close() */
    close(client_socket);
    printf("client: close\n");
    length = receive(connection_socket, buffer, NULL, NULL);
    printf("server: recv %zd bytes: the client closed\n", length);
    close(connection_socket);
    close(server_socket);
    printf("server: close (the file stays until it is unlinked)\n");

    printf("SOCK_DGRAM, the calls of lesson 05:\n");
    /* 8. A datagram receiver bound to a path, and a sender that binds too: without a path
     *    of its own it could send, but nobody could answer it (a UDP sender is given a port
     *    by the system; here nothing is given). Python: receiver.bind(path) */
    int receiver_socket = socket(AF_UNIX, SOCK_DGRAM, 0);
    int sender_socket = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (receiver_socket < 0 || sender_socket < 0)
        fail("socket", "AF_UNIX");
    bind_to(receiver_socket, receiver_path);
    printf("receiver: socket(AF_UNIX, SOCK_DGRAM), bind %s\n", receiver_path);
    bind_to(sender_socket, sender_path);
    printf("sender: socket(AF_UNIX, SOCK_DGRAM), bind %s: so that it can be answered\n", sender_path);

    /* 9. Three sendto, three recvfrom: one datagram each, as over UDP.
     *    Python: sender.sendto(b"one", path); data, addr = receiver.recvfrom(1024) */
    static const char *const words[] = {"one", "two", "three"};
    struct sockaddr_un to = address_of(receiver_path), from;
    socklen_t from_length;
    for (int i = 0; i < 3; i++) {
        if (sendto(sender_socket, words[i], strlen(words[i]), 0, (struct sockaddr *)&to, sizeof to) < 0)
            fail("sendto", receiver_path);
        printf("sender: sendto %s %zu bytes: %s\n", receiver_path, strlen(words[i]), words[i]);
    }
    for (int i = 0; i < 3; i++) {
        length = receive(receiver_socket, buffer, &from, &from_length);
        printf("receiver: recvfrom %zd bytes from %s: %.*s\n", length, path_of(&from, from_length),
               (int)length, buffer);
    }

    /* 10. The answer goes to the address recvfrom gave: the sender's path.
     *     Python: receiver.sendto(b"got 3", addr) */
    if (sendto(receiver_socket, "got 3", 5, 0, (struct sockaddr *)&from, from_length) < 0)
        fail("sendto", sender_path);
    printf("receiver: sendto %s 5 bytes: got 3\n", sender_path);
    length = receive(sender_socket, buffer, &from, &from_length);
    printf("sender: recvfrom %zd bytes from %s: %.*s\n", length, path_of(&from, from_length),
           (int)length, buffer);
    close(receiver_socket);
    close(sender_socket);

    /* 11. Clean up: the socket files, then the directory (also at any exit, by atexit).
     *     Python: os.unlink(path) ...; os.rmdir(directory) */
    printf("Removing the socket files and the directory %s\n", directory);
    remove_everything();
    return 0;
}

/* ---- Plumbing: read after the lesson ---- */

/* Make a new, private directory: "$TMPDIR/unix_socket.XXXXXX" (/tmp when TMPDIR is unset
 * or empty), mkdtemp replacing the X's. Socket files go in there: no other program's file
 * can be in the way, and nobody else may create files in it (mode 0700). */
static void make_directory(void)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    int n = snprintf(directory, sizeof directory, "%s/unix_socket.XXXXXX", base);
    if (n < 0 || (size_t)n >= sizeof directory) {
        fprintf(stderr, "%s: mkdtemp %s/unix_socket.XXXXXX: TMPDIR is too long\n", PROGRAM, base);
        exit(1);
    }
    char template[sizeof directory];
    memcpy(template, directory, sizeof template);
    if (mkdtemp(directory) == NULL) {
        directory[0] = '\0'; /* nothing to remove */
        fail("mkdtemp", template);
    }
    atexit(remove_everything);
    printf("Made the directory %s (mkdtemp)\n", directory);
    snprintf(stream_path, sizeof stream_path, "%s/stream.sock", directory);
    snprintf(receiver_path, sizeof receiver_path, "%s/receiver.sock", directory);
    snprintf(sender_path, sizeof sender_path, "%s/sender.sock", directory);
}

/* A Unix-domain address: the family and a path, copied into sun_path. sun_path is a small
 * fixed array (108 bytes on Linux, 104 on macOS), so a long path is refused here rather than
 * cut: a cut path would name another file. */
static struct sockaddr_un address_of(const char *path)
{
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof address.sun_path) {
        fprintf(stderr, "%s: bind %s: longer than the %zu bytes sun_path holds\n", PROGRAM, path,
                sizeof address.sun_path - 1);
        exit(1); /* atexit removes the directory */
    }
    memcpy(address.sun_path, path, strlen(path) + 1);
    return address;
}

/* Bind FD to PATH. bind creates the file; it fails with "Address already in use" if the
 * path exists (a server left over from a crash: real servers unlink it first). */
static void bind_to(int fd, const char *path)
{
    struct sockaddr_un address = address_of(path);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0)
        fail("bind", path);
}

/* The path in an address that accept, getpeername or recvfrom filled in, or "" for a
 * socket that never called bind (Linux returns just the family; others an empty path). */
static const char *path_of(const struct sockaddr_un *a, socklen_t length)
{
    if (length <= offsetof(struct sockaddr_un, sun_path) || a->sun_path[0] == '\0')
        return "";
    return a->sun_path; /* the kernel ends it with '\0' (it fits: our paths are short) */
}

/* One recv (FROM NULL) or recvfrom of up to RECV_SIZE bytes, retried after signals. */
static ssize_t receive(int fd, char *buffer, struct sockaddr_un *from, socklen_t *from_length)
{
    ssize_t length;
    if (from_length != NULL)
        *from_length = sizeof *from;
    do
        length = recvfrom(fd, buffer, RECV_SIZE, 0, (struct sockaddr *)from, from_length);
    while (length < 0 && errno == EINTR);
    if (length < 0)
        fail(from != NULL ? "recvfrom" : "recv", directory);
    return length;
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

/* Remove the socket files (they stay after close, like any file) and the directory. Runs
 * at the end and, through atexit, after any failure; a second run finds nothing to do. */
static void remove_everything(void)
{
    const char *paths[] = {stream_path, receiver_path, sender_path};
    for (int i = 0; i < 3; i++)
        if (paths[i][0] != '\0')
            unlink(paths[i]); /* ENOENT for a file never made: fine */
    if (directory[0] != '\0' && rmdir(directory) == 0)
        directory[0] = '\0';
}

/* ---- begin canonical: parse_arguments_no_operands ---- */
/* No options but -h/--help, no operands. */
static void parse_arguments(int argc, char *argv[])
{
    int option;
    opterr = 0; /* we print our own messages; -1 is an operand (too many), not an option */
    while ((option = next_option(argc, argv, "+h")) != -1) {
        if (option != 'h')
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        printf("%s\n%s\n", USAGE, DESCRIPTION);
        exit(0);
    }
    if (optind < argc)
        usage_error("too many operands (try '%s -h')", PROGRAM);
}
/* ---- end canonical: parse_arguments_no_operands ---- */

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

/* ---- begin canonical: check_stdout ---- */
/* At exit, did everything we printed reach stdout? main registers this with atexit() at
 * its top, so it runs however the program ends: main's return, exit(0) after -h, fail().
 * A printf that cannot write (stdout on a full disk, or /dev/full) returns -1 and sets a
 * flag, ferror(stdout), and that is all: unchecked, the output is lost, the status is still
 * 0 and nothing is said (Python's print would raise an error). So we flush what is left,
 * and if that or an earlier write failed: "PROGRAM: write stdout: REASON", and status 1.
 * - stdio keeps THAT a write failed, not WHY (errno has changed since), so we write one
 *   newline more: a full disk or a bad descriptor refuses it again, and says why. (If it
 *   goes through, the trouble has passed, and we can only say that a write failed.)
 * - EPIPE, "Broken pipe", means the reader has left: `./resolve localhost | head -c1`
 *   stops reading after one byte. That is normal use of a pipe, and a line each time would
 *   be noise, so we end as GNU tools do there, quietly, by SIGPIPE: status 141, which shells
 *   do not report and `set -o pipefail` does. (The programs that ignore SIGPIPE do it for
 *   their sockets: a send() to a peer that has gone fails, and they can say so.)
 * - _exit(1) is the way to change the status from inside exit() (calling exit() again there
 *   is undefined); stdout is flushed already, stderr unbuffered. Registered first, this runs
 *   last, after any other atexit() clean-up. A failure keeps its status 1, and a usage
 *   error (2) comes before any output: then there is nothing to check. */
static void check_stdout(void)
{
    int failed_earlier = ferror(stdout), error = 0;

    if (fflush(stdout) != 0)
        error = errno; /* what was left could not be written */
    else if (!failed_earlier)
        return; /* everything reached stdout */
    else if (write(STDOUT_FILENO, "\n", 1) < 0)
        error = errno; /* a line was lost earlier: why, asked again */
    if (error == EPIPE) {
        signal(SIGPIPE, SIG_DFL);
        raise(SIGPIPE);
    }
    fprintf(stderr, "%s: write stdout: %s\n", PROGRAM,
            error != 0 ? strerror(error) : "an earlier write failed");
    _exit(1);
}
/* ---- end canonical: check_stdout ---- */

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
