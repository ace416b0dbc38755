/*
 * dict_server.c - the notes' question-and-answer server: many messages per client, many
 * clients, but strictly ONE client at a time (an iterative server).
 *
 * Usage: dict_server [PORT]
 *
 * Mirrors the notes' "dictionary server": `how are u` -> `fine`, `how old are u` ->
 * `nicai`, `bye` -> `bye` (and that client is closed), anything else -> `no`. PORT
 * defaults to 50007; 0 lets the OS pick. Ctrl-C or SIGTERM: "Server closing", then exit 0.
 *
 * The notes' message model: one recv(1024) is one message. One trailing "\r\n" or "\n" is
 * stripped before the lookup, and the answer gets the same ending: the notes' Python client
 * (bare `how are u`) gets a bare `fine`, nc and telnet (lines) get lines. It holds for one
 * short message per turn on a quiet connection; it breaks when bytes arrive in pieces or
 * merged (two questions sent at once are ONE message, answered `no`; a slow network may
 * split one): ../05-udp/stream_vs_datagram measures the merge. A recv that fills all 1024
 * bytes is answered as a message, and the rest of the bytes arrives as the next message,
 * as in the notes; the log says so. One patch the model needs for line tools: `nc -C`
 * writes a line's text and its "\r\n" with two write() calls, so the "\r\n" often
 * arrives alone. A message that is only a line ending is therefore not a question: it is
 * the end of the previous one, and is answered with the same ending, which finishes the
 * previous answer's line on the client's screen.
 *
 * What dict_server_basic.c gets wrong:
 *  1. Serves one client, then exits: the next client is refused. accept() in a loop.
 *  2. Lines from nc or telnet ("how are u\n") are not words: "no", and no line end. Stripped.
 *  3. No SO_REUSEADDR: restarted right after Ctrl-C with a client on, bind fails. Set first.
 *  4. A client that leaves with a reset kills it: SIGPIPE (exit 141) or exit 1. Only it goes.
 *  5. IPv4 only: a client of ::1 is refused. One IPv6 socket takes both families.
 *  6. Prints the peer's bytes raw: ESC[2J in a question clears the terminal. Shown escaped.
 *  7. Port by atoi: "abc" listens on a random port. Refused (exit 2).
 *  8. Ctrl-C or SIGTERM kills it: status 130 or 143, no last line. "Server closing", exit 0.
 *  9. Stdout closed (>&-): the socket takes fd 1, its first line kills it (SIGPIPE). 0-2 open.
 * 10. A full stdout (a pipe nobody reads) stops it after ~64 questions. Unwritable lines counted.
 * What this version still gets wrong, on purpose: while one client is connected, a second
 * one can connect (the kernel queues it) but gets no answer until the first leaves. Lesson
 * 04 gives every client a thread.
 *
 * Try:
 *   terminal 1:  ./dict_server 50007
 *   terminal 2:  nc 127.0.0.1 50007        (type: how are u, how old are u, bye)
 *            or  ../02-tcp-client/tcp_client_loop 127.0.0.1 50007
 *
 * See also: dict_server_basic.c (version 1), tcp_server.c (the same steps, once),
 * ../04-multithread-server/mt_server.c.
 */
/* _DEFAULT_SOURCE (glibc), _DARWIN_C_SOURCE (macOS): NI_MAXHOST, which strict POSIX hides */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define PROGRAM "dict_server"
#define DEFAULT_PORT 50007
#define RECV_SIZE 1024 /* Python: data = conn.recv(1024) */

static volatile sig_atomic_t stop_requested = 0; /* set by SIGINT/SIGTERM */

static int parse_arguments(int argc, char **argv);  /* the port, or exit 2 */
static void set_up_signals(void);                   /* SIGINT/SIGTERM set stop_requested */
static int listen_on(int port);                     /* steps 1-4, as in tcp_server.c */
static int bound_port(int fd);                      /* the port bind really got */
static int accept_client(int server_socket, char *name, size_t size); /* step 5 */
static void talk_to_client(int client_socket, const char *name); /* steps 6-7, repeated */
static const char *answer(const unsigned char *message, size_t length); /* the dictionary */
static size_t strip_ending(const void *data, size_t *length); /* "\n", "\r\n" */
static void say_goodbye(int client_socket, bool bare); /* after "bye": a FIN, not a RST */
static void never_wait_on_output(void);             /* stdout, stderr: a full pipe fails at once */
static void log_line(FILE *stream, const char *format, ...); /* a line; counted if refused */
_Noreturn static void print_help(void);             /* -h: Usage + description, exit 0 */
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
                           size_t size);            /* "127.0.0.1 port 51528" */
static void print_escaped(const void *data, size_t length); /* bytes shown safely */
static int send_all(int fd, const void *data, size_t length); /* loop over send */

int main(int argc, char **argv) {
    ensure_standard_descriptors(); /* Fix 9: 0, 1 and 2 open before any socket */
    int port = parse_arguments(argc, argv); /* Fix 7: digits only, 0..65535, or exit 2 */
    setvbuf(stdout, NULL, _IOLBF, 0);       /* tests and pipes see each line at once */
    never_wait_on_output(); /* Fix 10: a full stdout pipe costs log lines, never the server */
    /* Fix 4: writing to a client that has gone raises SIGPIPE, which would kill us silently;
     * ignored, send() fails with EPIPE instead and only that client is dropped. */
    signal(SIGPIPE, SIG_IGN);
    set_up_signals(); /* Fix 8: Ctrl-C (Python: KeyboardInterrupt) ends us cleanly, exit 0 */

    /* 1-4. Create the socket, set address reuse, bind, listen: tcp_server.c's steps, with
     *      Fix 5 (IPv6 taking IPv4 too), Fix 3 (SO_REUSEADDR). Python: s.bind((HOST,PORT)) */
    int server_socket = listen_on(port);
    log_line(stdout, "Listening on port %d", bound_port(server_socket)); /* PORT 0: OS chose */

    /* Python: while True:   (here: until SIGINT/SIGTERM). Fix 1: the notes' server has no
     * loop around accept; this one takes the next client when one leaves.
     * A signal landing just after the check of stop_requested, before accept() (or recv())
     * starts waiting, is only seen at the next connection (or message). Real servers close
     * that tiny window with pselect()/ppoll() or a self-pipe; here we accept it. */
    while (!stop_requested) {
        /* 5. Accept the next client. Any others wait in the backlog meanwhile: connected
         *    as far as they can tell, but nobody reads what they send.
         *    Python: conn, addr = s.accept() */
        char client_name[NI_MAXHOST + NI_MAXSERV + 8];
        int client_socket = accept_client(server_socket, client_name, sizeof client_name);
        if (client_socket < 0)
            continue; /* a signal, or a client that gave up while queued */

        /* 6-7. Receive a message, send its answer, again and again, with THIS client only,
         *      until it says bye or leaves. */
        talk_to_client(client_socket, client_name);

        /* 8. Close the client's socket: that conversation is over. The listening socket
         *    stays open for the next client. Python: conn.close() */
        close(client_socket);
        log_line(stdout, "Client left: %s", client_name);
    }

    /* 8. Close the listening socket: no new clients from here on. Python: s.close() */
    log_line(stdout, "Server closing");
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
            log_line(stderr, "%s: accept: %s", PROGRAM, strerror(errno));
        return -1;
    }
    format_address((struct sockaddr *)&address, length, name, size);
    log_line(stdout, "Connection from %s", name);
    return client_socket;
}

/* Steps 6-7, repeated until the client says bye, closes (recv returns 0), fails, or we
 * are asked to stop. One recv is one message (the notes' model, see the top). */
static void talk_to_client(int client_socket, const char *name) {
    unsigned char message[RECV_SIZE];
    while (!stop_requested) {
        /* 6. Receive one message. Python: data = conn.recv(1024) */
        ssize_t count = recv(client_socket, message, sizeof message, 0);
        if (count < 0) {
            if (errno == EINTR)
                continue; /* a signal: the loop checks stop_requested */
            log_line(stderr, "%s: recv %s: %s", PROGRAM, name, strerror(errno));
            return; /* Fix 4: a reset ends this client, not the server */
        }
        if (count == 0)
            return; /* the client closed its side. Python: if not data: break */
        printf("Received: ");
        print_escaped(message, (size_t)count); /* Fix 6: never raw to the terminal */
        log_line(stdout, ""); /* the end of that line (Fix 10: counted if the pipe is full) */
        if (count == RECV_SIZE)
            log_line(stdout, "(1024 bytes: the buffer was full, the rest arrives as the next "
                             "message)");

        /* 7. Look the message up (without its line ending) and send the answer WITH that
         *    ending (Fix 2). Python: conn.send(words.get(data, "no").encode()) */
        size_t length = (size_t)count;
        size_t ending = strip_ending(message, &length);
        if (length == 0) {
            /* Only a line ending: the tail of the last message (nc -C sends "\r\n" on its
             * own). Echo it, so the last answer ends its line too. Not a question. */
            if (send_all(client_socket, message, ending) < 0)
                return;
            log_line(stdout, "(a line ending alone: the end of the last message, echoed)");
            continue;
        }
        const char *text = answer(message, length);
        char reply[16];
        memcpy(reply, text, strlen(text));
        memcpy(reply + strlen(text), message + length, ending);
        if (send_all(client_socket, reply, strlen(text) + ending) < 0) {
            log_line(stderr, "%s: send %s: %s", PROGRAM, name, strerror(errno));
            return;
        }
        printf("Sent: ");
        print_escaped(reply, strlen(text) + ending);
        log_line(stdout, "");
        if (strcmp(text, "bye") == 0) {
            say_goodbye(client_socket, ending == 0);
            return; /* main closes the socket */
        }
    }
}

/* The dictionary itself. Python: words.get(data, "no") */
static const char *answer(const unsigned char *message, size_t length) {
    static const char *const words[][2] = {
        {"how are u", "fine"},
        {"how old are u", "nicai"},
        {"bye", "bye"},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (length == strlen(words[i][0]) && memcmp(message, words[i][0], length) == 0)
            return words[i][1];
    return "no";
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

/* After "bye". Main closes the socket next, and close() with unread bytes in it sends a
 * reset (RST) instead of a FIN, which can cost the client the "bye". Bytes may well be on
 * their way: nc -C sends a line's "\r\n" after its text. So: if "bye" came bare, wait up
 * to half a second for a lone line ending and echo it (it ends the "bye" line); then send
 * our FIN (shutdown) and read and drop what still comes until the client closes, at most a
 * second and 64 KiB. The notes' client and tcp_client_loop close at once: no waiting. */
static void say_goodbye(int client_socket, bool bare) {
    unsigned char tail[RECV_SIZE];
    ssize_t count = 1;
    struct timeval wait = {0, 500000};
    if (bare) {
        setsockopt(client_socket, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
        count = recv(client_socket, tail, sizeof tail, 0);
        size_t length = count > 0 ? (size_t)count : 0;
        size_t ending = strip_ending(tail, &length);
        if (count > 0 && length == 0)
            send_all(client_socket, tail, ending);
    }
    shutdown(client_socket, SHUT_WR);
    wait.tv_sec = 1;
    wait.tv_usec = 0;
    setsockopt(client_socket, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    for (ssize_t dropped = 0; count > 0 && dropped < 65536; dropped += count)
        count = recv(client_socket, tail, sizeof tail, 0);
}

/* ---- Plumbing: read after the lesson ---- */

#define USAGE "Usage: dict_server [PORT]"
#define DESCRIPTION                                                                        \
    "Answer one client at a time, one message (one recv of up to 1024 bytes) at a time:\n" \
    "how are u -> fine, how old are u -> nicai, bye -> bye (then close), else no.\n"       \
    "PORT: default 50007; 0 lets the OS pick a free port (the first line says which).\n"

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

/* Options first, then at most one operand, the port. An argument that looks like a negative
 * number ("-1") is the operand, reported as a bad port (next_option). */
static int parse_arguments(int argc, char **argv) {
    int option;
    opterr = 0; /* we print our own messages */
    while ((option = next_option(argc, argv, "+h")) != -1) {
        if (option != 'h')
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        print_help();
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
