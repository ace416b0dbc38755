/*
 * chatroom_client.c: join a chat room and talk: lines from the others appear while you type,
 * because one poll() waits on the keyboard and the socket at the same time.
 *
 * Usage: chatroom_client HOST PORT NICK
 *
 * Goes beyond the notes' chat client (chat_client.c), which waits for the keyboard, then for
 * the socket, then the keyboard again: there, a message cannot arrive while you are typing.
 * Here standard input and the socket sit in one poll() array, and whichever is ready is
 * served. NICK (1 to 16 letters or digits of any script, _ or -: alice, 小明, José) is sent
 * first; once the room answers "* welcome NICK" each line you type is sent, and each line
 * from the room is printed as it comes. "/who" lists the room (in columns); "/quit" or end
 * of input (Ctrl-D) leaves. If the room refuses the nickname, or is full, we print why (one
 * line) and exit 1. When the server closes the connection ("* server closing", or it just
 * goes) we say so and exit 0. What the room sends is printed escaped (print_escaped): a
 * hostile server cannot clear the screen, retitle the window or ring the bell (ESC, BEL, C1
 * controls), and a NUL shows as \x00; text, UTF-8 included, prints as it is. A stdin
 * that cannot be read (a directory: `< /`) is no end of input: we say so, leave, exit 1.
 *
 * Messages are lines, both ways: in a room many people send at once, and a newline is how
 * a reader finds where each message ends (chat_client's "one recv is one message", the
 * notes' model, only works while two people take turns).
 *
 * Try:
 *   terminal 1: ./chatroom_server 12346
 *   terminal 2: ./chatroom_client localhost 12346 alice
 *   terminal 3: ./chatroom_client localhost 12346 小明     (a nickname in any script)
 *
 * See also: chatroom_server.c (the protocol), chat_client.c (the turn-based version).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
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
#include <wctype.h>

#define PROGRAM "chatroom_client"
#define USAGE "Usage: chatroom_client HOST PORT NICK"
#define DESCRIPTION                                                                           \
    "Join chatroom_server's room as NICK (1 to 16 letters or digits of any script, _ or -):\n" \
    "lines from the room appear while you type; /who lists the room, /quit or Ctrl-D leaves."
#define MAX_NICK 16                   /* characters (valid_nick) */
#define MAX_NICK_BYTES (4 * MAX_NICK) /* a character is 1 to 4 bytes of UTF-8 */
#define BUFFER_SIZE 4096

/* Bytes read from one descriptor, not yet cut into lines. We use read()/recv() into our own
 * buffer for stdin too, not fgets(): stdio could read three lines ahead into its buffer,
 * and poll() (which only sees the descriptor) would never tell us they are there. */
struct pending {
    char buf[BUFFER_SIZE];
    size_t len;
};

static void parse_arguments(int argc, char *argv[], const char *operand[3]); /* HOST PORT NICK */
static int connect_to_first_address(const char *host, const char *port, char *server_text,
                                    size_t size); /* step 1: a connected socket, or exit 1 */
static int show_room_lines(int fd, const char *peer);  /* step 4: 0, or the exit status */
static int send_typed_lines(int fd, const char *peer); /* step 5: -1 to go on */
static long next_line(struct pending *p, char *line, size_t size); /* its length, or -1 */
static int send_all(int fd, const void *data, size_t length); /* send() until all is sent */
static int valid_nick(const char *nick);   /* 1 to 16 letters or digits (any script), _ or - */
static unsigned long code_point(const unsigned char *s, size_t n); /* UTF-8 to U+XXXX */
static locale_t unicode_locale(void);      /* for iswalnum_l: C.UTF-8, say */
static int next_option(int argc, char *argv[], const char *options); /* getopt, --help, -1 */
static long parse_number(const char *text, long min, long max); /* digits only, or -1 */
static long number_argument(const char *text, const char *what, long min, long max);
static void ensure_standard_descriptors(void); /* 0, 1 and 2 open: /dev/null if closed */
static void check_stdout(void); /* at exit: all output written, or one line, exit 1 */
_Noreturn static void usage_error(const char *format, ...); /* one line, exit 2 */
static void print_operand(const void *text, size_t length); /* escaped, 64 characters */
_Noreturn static void fail(const char *call, const char *where); /* one line, exit 1 */
_Noreturn static void fail_lookup(const char *host, int rc); /* getaddrinfo's, exit 1 */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t size);   /* "127.0.0.1 port 5000" */
static void print_escaped(const void *data, size_t length); /* text as is, ESC as \x1b... */
static size_t escape_bytes(char *out, size_t size, const void *data, size_t length); /* same */
static size_t escape_character(const unsigned char *s, size_t length, char piece[5]);
static size_t utf8_sequence(const unsigned char *s, size_t length); /* UTF-8 bytes at s */

/* The state of our one connection (one thread, so plain variables are fine). */
static char welcome[MAX_NICK_BYTES + 16]; /* "* welcome NICK": the room has let us in */
static int joined;   /* the room said "* welcome NICK": now we read the keyboard */
static int leaving;  /* we sent /quit: only wait for the server to close */
static int stdin_failed; /* stdin could not be read: we leave too, then exit 1 */

int main(int argc, char *argv[])
{
    ensure_standard_descriptors(); /* first: no socket may land on 0, 1 or 2 */
    atexit(check_stdout); /* at exit: output that could not be written is an error */
    const char *operand[3]; /* HOST PORT NICK */
    parse_arguments(argc, argv, operand);
    setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: tests and pipes see each line at once */
    /* Sending to a server that has gone raises SIGPIPE, which would kill us silently; ignored,
     * send() fails with EPIPE instead and we can say what happened. */
    signal(SIGPIPE, SIG_IGN);

    /* 1. Connect, trying each address of HOST in turn (as in lesson 02).
     *    Python: s = socket.socket(...); s.connect((HOST, PORT)) */
    char peer[160];
    int client_socket = connect_to_first_address(operand[0], operand[1], peer, sizeof peer);

    /* 2. Our first line is our nickname. (The socket stays blocking: the server reads every
     *    client all the time, so our sends never wait long.)  Python: s.sendall(b'alice\n') */
    char line[MAX_NICK_BYTES + 2];
    snprintf(line, sizeof line, "%s\n", operand[2]);
    snprintf(welcome, sizeof welcome, "* welcome %s", operand[2]);
    if (send_all(client_socket, line, strlen(line)) < 0)
        fail("send", peer);

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
            fail("poll", NULL);
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
    if (n < 0)
        fail("recv", peer);
    if (n == 0) { /* the server closed the connection */
        if (!joined) {
            fprintf(stderr, "%s: %s closed the connection before we joined\n", PROGRAM, peer);
            return 1;
        }
        if (!leaving)
            printf("Connection closed by the server\n");
        return stdin_failed; /* 0, or 1 when we left because stdin could not be read */
    }
    from_room.len += (size_t)n;
    for (;;) {
        long length = next_line(&from_room, line, sizeof line);
        if (length < 0) {
            if (from_room.len < sizeof from_room.buf)
                return -1; /* the rest of the line has not arrived yet */
            /* 4 KiB and no newline (not our server): show it as one line. */
            memcpy(line, from_room.buf, from_room.len);
            length = (long)from_room.len;
            from_room.len = 0;
        }
        size_t len = (size_t)length; /* (the line may hold a NUL: its length, not strlen) */
        if (!joined && len == strlen(welcome) && memcmp(line, welcome, len) == 0) {
            joined = 1;
        } else if (!joined && len >= 11 && memcmp(line, "* nickname?", 11) == 0) {
            continue;
        } else if (!joined) { /* a refusal, on stderr; escaped too, and cut to one line */
            char shown[256];
            size_t skip = len >= 2 && memcmp(line, "* ", 2) == 0 ? 2 : 0;
            escape_bytes(shown, sizeof shown, line + skip, len - skip);
            fprintf(stderr, "%s: %s\n", PROGRAM, shown);
            return 1;
        }
        /* Escaped: a server may send anything. chatroom_server removes control bytes, but
         * another server's "\e[2J" (or "\xc2\x9b2J", CSI in UTF-8) would clear the screen. */
        print_escaped(line, len);
        putchar('\n');
    }
}

/* Step 5: read what the user typed and send every complete line as it is, newline
 * included. A line of 4 KiB with no newline yet is passed on in parts (the server answers
 * "* line too long"). "/quit" or end of input: send /quit, then only wait for the server
 * to close. Returns -1 to go on; a failed send exits 1. */
static int send_typed_lines(int fd, const char *peer)
{
    static struct pending from_user;
    static int mid_line; /* we sent part of a long typed line; the rest follows */
    ssize_t n = read(STDIN_FILENO, from_user.buf + from_user.len,
                     sizeof from_user.buf - from_user.len);
    if (n < 0 && errno == EINTR)
        return -1;
    if (n < 0) { /* stdin cannot be read (a directory, say): not the end of input */
        fprintf(stderr, "%s: read stdin: %s\n", PROGRAM, strerror(errno));
        stdin_failed = 1; /* leave as below, and exit 1 once the server has closed */
    }
    if (n <= 0) { /* end of input (or the error above): leave politely */
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
    fail("send", peer);
}

/* Take the next complete line out of p (newline removed, and a "\r" before it, '\0'
 * added) into line. Returns its length (it may hold a NUL), or -1 if there is no complete
 * line yet. */
static long next_line(struct pending *p, char *line, size_t size)
{
    char *newline = memchr(p->buf, '\n', p->len);
    if (newline == NULL)
        return -1;
    size_t len = (size_t)(newline - p->buf);
    size_t keep = len < size - 1 ? len : size - 1;
    memcpy(line, p->buf, keep);
    if (keep > 0 && line[keep - 1] == '\r')
        keep--;
    line[keep] = '\0';
    p->len -= len + 1;
    memmove(p->buf, newline + 1, p->len);
    return (long)keep;
}

/* ---- Plumbing: read after the lesson ---- */

/* Options first, then HOST PORT NICK (a plain getopt loop; "+": stop at the first operand). */
static void parse_arguments(int argc, char *argv[], const char *operand[3])
{
    int opt;
    opterr = 0; /* we print our own messages */
    while ((opt = next_option(argc, argv, "+h")) != -1) {
        if (opt != 'h')
            usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
        printf("%s\n%s\n", USAGE, DESCRIPTION);
        exit(0);
    }
    if (argc - optind < 3)
        usage_error("missing operand (try '%s -h')", PROGRAM);
    if (argc - optind > 3)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    for (int i = 0; i < 3; i++)
        operand[i] = argv[optind + i];
    if (operand[0][0] == '\0')
        usage_error("bad host '': expected a name or an address");
    number_argument(operand[1], "port", 1, 65535); /* port 0 can never be connected to */
    if (!valid_nick(operand[2]))
        usage_error("bad nickname '%s': expected 1 to 16 letters or digits (any script), _ or -",
                    operand[2]);
}

/* ---- begin canonical: connect_to_first_address ---- */
/* Find HOST's addresses, create a socket and connect, for each address in turn until one
 * connects: getaddrinfo takes names, IPv4 and IPv6 addresses alike (AF_UNSPEC), and a name
 * may have several addresses; Python hides this inside connect(). The kernel picks our own
 * port (clients don't bind). Returns the connected socket, with "ADDRESS port N" of the
 * server in server_text; if every address fails, reports the last failure and exits 1. */
static int connect_to_first_address(const char *host, const char *port, char *server_text,
                                    size_t size)
{
    struct addrinfo hints, *results, *ai;
    int client_socket = -1, rc, saved_errno = 0;
    const char *failed_call = "connect";

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    rc = getaddrinfo(host, port, &hints, &results);
    if (rc != 0)
        fail_lookup(host, rc);

    server_text[0] = '\0';
    for (ai = results; ai != NULL; ai = ai->ai_next) {
        format_address(ai->ai_addr, ai->ai_addrlen, server_text, size);
        /* Create the socket: a TCP (SOCK_STREAM) socket of this address's family. */
        client_socket = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (client_socket == -1) {
            saved_errno = errno; /* close() below could change errno: keep the reason */
            failed_call = "socket";
            continue;
        }
        /* Connect: the three-way handshake; connect returns once it is done. */
        if (connect(client_socket, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        saved_errno = errno;
        failed_call = "connect";
        close(client_socket);
        client_socket = -1;
    }
    freeaddrinfo(results);
    if (client_socket == -1) { /* every address failed: report the last failure */
        errno = saved_errno;
        fail(failed_call, server_text);
    }
    return client_socket;
}
/* ---- end canonical: connect_to_first_address ---- */

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

/* ---- begin canonical: valid_nick ---- */
/* A nickname is 1 to MAX_NICK (16) characters, not bytes (小明 is 2 characters in 6 bytes),
 * each a letter or a digit of any script (José, Ünal, 小明, Алёна), '_' or '-': the client
 * checks before it connects, the server when a newcomer sends one. Which characters are
 * letters or digits is Unicode's to say, in tables far too long to copy here; the C library
 * has them, and iswalnum_l answers for a locale whose characters are Unicode (unicode_locale).
 * Refused whatever those tables say, because with them one name can pass for another: the
 * spaces, the characters that take no room at all (zero-width space, joiners, the Hangul
 * fillers: letters that draw nothing), the bidirectional controls (U+202E, put before
 * "ecila", shows "alice"), the byte order mark, the C1 controls; and bytes that are not UTF-8
 * (utf8_sequence says 0). With no Unicode locale on the machine: ASCII letters and digits. */
static int valid_nick(const char *nick)
{
    static const unsigned long refused[][2] = {
        {0x0080, 0x00a0}, /* the C1 controls, the no-break space */
        {0x115f, 0x1160}, {0x3164, 0x3164}, {0xffa0, 0xffa0}, /* the Hangul fillers */
        {0x1680, 0x1680}, {0x180e, 0x180e}, /* Ogham space mark, Mongolian vowel separator */
        {0x2000, 0x200f}, /* spaces of every width, zero-width space and joiners, LRM, RLM */
        {0x2028, 0x202f}, /* line, paragraph separators; embeddings, overrides; a space */
        {0x205f, 0x206f}, /* a space, word joiner, invisible operators, isolates (U+2066) */
        {0x3000, 0x3000}, {0xfeff, 0xfeff}, /* ideographic space, byte order mark */
    };
    const unsigned char *s = (const unsigned char *)nick;
    size_t length = strlen(nick), characters = 0, n;
    for (size_t i = 0; i < length; i += n) {
        if (++characters > MAX_NICK)
            return 0;
        if (s[i] < 0x80) { /* ASCII: no space, control or punctuation but '_' and '-' */
            n = 1;
            if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                  (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
                return 0;
            continue;
        }
        n = utf8_sequence(s + i, length - i);
        if (n == 0)
            return 0;
        unsigned long c = code_point(s + i, n);
        for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++)
            if (c >= refused[k][0] && c <= refused[k][1])
                return 0;
        if (unicode_locale() == (locale_t)0 || !iswalnum_l((wint_t)c, unicode_locale()))
            return 0;
    }
    return characters > 0;
}

/* The code point (U+XXXX) of the N bytes of UTF-8 at S, N from 2 to 4 (utf8_sequence): the
 * first byte gives its low 7 - N bits, each byte after it 6 more. */
static unsigned long code_point(const unsigned char *s, size_t n)
{
    unsigned long c = s[0] & (0x7fu >> n);
    for (size_t i = 1; i < n; i++)
        c = c << 6 | (s[i] & 0x3fu);
    return c;
}

/* A locale whose characters are Unicode (its codeset is UTF-8), for iswalnum_l (and the
 * server's wcwidth): the first of "C.UTF-8" (Debian, Alpine, glibc 2.35 and later),
 * "en_US.UTF-8" (macOS, most other systems) and the user's own (LANG, LC_ALL: "") that is
 * UTF-8, or (locale_t)0 if none is. newlocale only makes the object, for the calls that are
 * given it: the program's own locale stays "C", so nothing else it prints changes, and while
 * C.UTF-8 exists, LANG and LC_ALL change no answer. Looked for once. */
static locale_t unicode_locale(void)
{
    static const char *const names[] = {"C.UTF-8", "en_US.UTF-8", ""};
    static locale_t found;
    static int looked;
    if (looked)
        return found;
    looked = 1;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && found == (locale_t)0; i++) {
        locale_t candidate = newlocale(LC_CTYPE_MASK, names[i], (locale_t)0);
        if (candidate == (locale_t)0)
            continue; /* not on this machine */
        if (strcmp(nl_langinfo_l(CODESET, candidate), "UTF-8") == 0)
            found = candidate;
        else
            freelocale(candidate);
    }
    return found;
}
/* ---- end canonical: valid_nick ---- */

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

/* ---- begin canonical: fail_lookup ---- */
/* getaddrinfo found no address for HOST: "PROGRAM: getaddrinfo HOST: reason" on stderr, HOST
 * as print_operand shows it, the reason from gai_strerror(RC) (from errno when RC is
 * EAI_SYSTEM); exit 1. */
_Noreturn static void fail_lookup(const char *host, int rc)
{
    const char *reason = rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc);
    fprintf(stderr, "%s: getaddrinfo ", PROGRAM);
    print_operand(host, strlen(host));
    fprintf(stderr, ": %s\n", reason);
    exit(1);
}
/* ---- end canonical: fail_lookup ---- */

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

/* ---- begin canonical: escape_bytes ---- */
/* LENGTH bytes of DATA into OUT, each character as escape_character (and print_escaped)
 * shows it, for a line printed with one call. OUT holds SIZE bytes (4 or more) and always
 * ends with '\0'; what does not fit is cut, and "..." says so. Returns how many bytes of
 * DATA are shown. */
static size_t escape_bytes(char *out, size_t size, const void *data, size_t length)
{
    const unsigned char *bytes = data;
    size_t used = 0, i = 0;
    char piece[5];
    while (i < length) {
        size_t n = escape_character(bytes + i, length - i, piece), width = strlen(piece);
        if (used + width + 4 > size) { /* no room for this piece and a "..." after it */
            snprintf(out + used, size - used, "...");
            return i;
        }
        memcpy(out + used, piece, width);
        used += width;
        i += n;
    }
    out[used] = '\0';
    return i;
}
/* ---- end canonical: escape_bytes ---- */
