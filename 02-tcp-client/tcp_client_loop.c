/*
 * tcp_client_loop.c - the notes' interactive TCP client: one connection, many lines.
 *
 * Usage: tcp_client_loop [-h] HOST PORT
 * Connect to HOST on PORT, then send each line read from standard input (plus a
 * newline) and print the server's one-line reply as "Server: <reply>".
 * Stops on "exit" (not sent), on "bye" (sent, reply printed), on an empty line or
 * at the end of input. If the server closes the connection, says so and exits 1.
 *
 * Mirrors the notes' "TCP client in a loop" section (the client of the question-and-answer
 * server): the same five steps as tcp_client.c, with step 3 and 4 repeated per line.
 * What tcp_client.c cannot do: it sends one message and then must read until the server
 * closes to know the reply is complete. Here the connection stays open for many replies,
 * so each reply ends with a newline and a buffered line reader finds that end.
 *
 * Try (two terminals):
 *   terminal 1:  ../03-tcp-server/dict_server 50007
 *   terminal 2:  ./tcp_client_loop localhost 50007     then type: how are u, how old are u, bye
 *
 * See also: tcp_client.c (one message, reply until close), ../03-tcp-server/dict_server.c (the
 * server it talks to).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define PROGRAM "tcp_client_loop"
/* The longest line we send (without its newline) and the longest reply we print. */
#define LINE_MAX_BYTES 1024
#define REPLY_MAX_BYTES 4096
/* A numeric address: 45 characters for the longest IPv6 text, plus a "%scope", plus room. */
#define HOST_TEXT_MAX 128

static const char usage_text[] =
    "Usage: tcp_client_loop [-h] HOST PORT\n"
    "Connect to HOST on PORT, then send each line read from standard input (plus a\n"
    "newline) and print the server's one-line reply as \"Server: <reply>\".\n"
    "Stops on \"exit\" (not sent), on \"bye\" (sent, reply printed), on an empty line or\n"
    "at the end of input. If the server closes the connection, says so and exits 1.\n";

/* Bytes received from the server but not yet handed out as a line. */
struct line_reader {
    char buffer[REPLY_MAX_BYTES + 1]; /* the longest reply and its '\n' */
    size_t length;
    int skipping; /* inside the tail of a line that was too long: drop it */
};

/* A usage error: one line on stderr naming the problem, exit 2. */
static void usage_error(const char *format, ...)
{
    va_list args;
    fprintf(stderr, "%s: ", PROGRAM);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(2);
}

/* A runtime failure: one line naming the call, the address (if any) and the reason, exit 1. */
static void fail(const char *call, const char *address, const char *reason)
{
    if (address != NULL)
        fprintf(stderr, "%s: %s %s: %s\n", PROGRAM, call, address, reason);
    else
        fprintf(stderr, "%s: %s: %s\n", PROGRAM, call, reason);
    exit(1);
}

/* The server went away (recv returned 0, or the kernel reports a reset or a broken pipe):
 * the one line the user sees, then exit 1. */
static void server_gone(const char *server_text, const char *detail)
{
    if (detail != NULL)
        fprintf(stderr, "%s: the server %s closed the connection (%s)\n", PROGRAM, server_text,
                detail);
    else
        fprintf(stderr, "%s: the server %s closed the connection\n", PROGRAM, server_text);
    exit(1);
}

/* Parse a port: decimal digits only, 0..65535 (strtol alone would accept " +80"). */
static int parse_port(const char *text)
{
    char *end;
    long value;

    errno = 0;
    value = strtol(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || value > 65535)
        usage_error("bad port '%s': expected a number from 0 to 65535", text);
    return (int)value;
}

/* Write "<address> port <port>" for a socket address, numeric (no DNS), like Python's
 * ('127.0.0.1', 51528). An IPv4-mapped IPv6 address "::ffff:1.2.3.4" is shown as 1.2.3.4. */
static void format_address(const struct sockaddr *address, socklen_t length, char *out,
                           size_t out_size)
{
    char host[HOST_TEXT_MAX], port[16];
    const char *shown = host;
    int rc = getnameinfo(address, length, host, sizeof host, port, sizeof port,
                         NI_NUMERICHOST | NI_NUMERICSERV);

    if (rc != 0) {
        snprintf(out, out_size, "(unknown address: %s)", gai_strerror(rc));
        return;
    }
    if (address->sa_family == AF_INET6 &&
        IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)(const void *)address)->sin6_addr) &&
        strncmp(host, "::ffff:", 7) == 0)
        shown = host + 7;
    snprintf(out, out_size, "%s port %s", shown, port);
}

/* Send all `length` bytes: send() may take only part of them, so go on until it took all. */
static int send_all(int fd, const char *data, size_t length)
{
    size_t sent = 0;

    while (sent < length) {
        ssize_t n = send(fd, data + sent, length - sent, 0);
        if (n == -1) {
            if (errno == EINTR)
                continue; /* a signal arrived before anything was sent: just try again */
            return -1;
        }
        sent += (size_t)n;
    }
    return 0;
}

/* Read one line from the server into `line` (without its "\n" or "\r\n"). Returns:
 *    1  a whole line;
 *    0  the server closed first: `line` holds what came of an unfinished line ("" if none);
 *   -1  recv failed (errno says why);
 *   -2  the line does not fit the buffer: `line` holds its start, the rest is skipped later.
 * recv() hands out whatever bytes have arrived: half a line, one line, a line and a half.
 * So we keep them in reader->buffer and cut at each '\n': a reply that arrives in pieces
 * is still one reply, and two replies in one recv() are still two. */
static int read_line(int fd, struct line_reader *reader, char *line, size_t line_size)
{
    for (;;) {
        char *newline = memchr(reader->buffer, '\n', reader->length);
        size_t used, keep;
        ssize_t n;

        if (newline != NULL || reader->length == sizeof reader->buffer) {
            size_t line_length = newline != NULL ? (size_t)(newline - reader->buffer)
                                                 : reader->length;
            int was_skipping = reader->skipping;
            used = newline != NULL ? line_length + 1 : line_length;
            reader->skipping = newline == NULL;
            if (newline != NULL && line_length > 0 && reader->buffer[line_length - 1] == '\r')
                line_length--;
            keep = line_length < line_size - 1 ? line_length : line_size - 1;
            memcpy(line, reader->buffer, keep);
            line[keep] = '\0';
            memmove(reader->buffer, reader->buffer + used, reader->length - used);
            reader->length -= used;
            if (was_skipping)
                continue; /* the end of an over-long line: already reported, drop it */
            if (reader->skipping)
                return -2;
            return 1;
        }
        n = recv(fd, reader->buffer + reader->length, sizeof reader->buffer - reader->length, 0);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            /* End of stream: hand out what is left of an unfinished line. */
            keep = reader->length < line_size - 1 ? reader->length : line_size - 1;
            memcpy(line, reader->buffer, keep);
            line[keep] = '\0';
            if (reader->skipping)
                line[0] = '\0';
            reader->length = 0;
            return 0;
        }
        reader->length += (size_t)n;
    }
}

int main(int argc, char *argv[])
{
    const char *operands[2];
    int operand_count = 0;
    char port_text[16], server_text[HOST_TEXT_MAX + 32] = "";
    char line[LINE_MAX_BYTES + 2]; /* a line, its '\n' and the terminating '\0' */
    char reply[REPLY_MAX_BYTES + 1];
    static struct line_reader reader;
    struct addrinfo hints, *results, *ai;
    int client_socket = -1, rc, saved_errno = 0, interactive;
    const char *failed_call = "connect";

    /* Tests and pipes see each line at once (stdout to a file is otherwise fully buffered). */
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* Sending to a server that has gone away raises SIGPIPE, whose default action kills us
     * silently; ignored, send() fails with EPIPE instead and we can say what happened. */
    signal(SIGPIPE, SIG_IGN);

    /* Options may come before, between or after the operands ("--" ends the options). */
    opterr = 0;
    while (optind < argc) {
        /* A negative number ("-1") is an operand, so it is reported as a bad port. */
        int negative = argv[optind][0] == '-' && argv[optind][1] >= '0' && argv[optind][1] <= '9';
        int option = negative ? -1 : getopt(argc, argv, "h");
        if (option == -1) {
            /* getopt stopped at an operand, or after "--" (then all the rest are operands). */
            int after_dashes = !negative && strcmp(argv[optind - 1], "--") == 0;
            while (optind < argc) {
                if (operand_count < 2)
                    operands[operand_count] = argv[optind];
                operand_count++;
                optind++;
                if (!after_dashes)
                    break;
            }
            continue;
        }
        if (option == 'h') {
            fputs(usage_text, stdout);
            return 0;
        }
        usage_error("unknown option '-%c' (try '%s -h')", optopt, PROGRAM);
    }
    if (operand_count < 2)
        usage_error("missing operand: %s (try '%s -h')", operand_count == 0 ? "HOST PORT" : "PORT",
                    PROGRAM);
    if (operand_count > 2)
        usage_error("too many operands (try '%s -h')", PROGRAM);
    snprintf(port_text, sizeof port_text, "%d", parse_port(operands[1]));

    /* Find the server's addresses (IPv4 and IPv6 alike) and try each in turn. */
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    rc = getaddrinfo(operands[0], port_text, &hints, &results);
    if (rc != 0)
        fail("getaddrinfo", operands[0], rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));

    for (ai = results; ai != NULL; ai = ai->ai_next) {
        format_address(ai->ai_addr, ai->ai_addrlen, server_text, sizeof server_text);

        /* 1. Create the socket. Python: tcp_client_socket = socket.socket(AF_INET, SOCK_STREAM) */
        client_socket = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (client_socket == -1) {
            saved_errno = errno;
            failed_call = "socket";
            continue;
        }

        /* 2. Connect (the three-way handshake; the OS picks our port: clients don't bind).
         *    Python: tcp_client_socket.connect((server_ip, server_port))
         *    (We set no signal handlers, so connect is never interrupted by EINTR here.) */
        if (connect(client_socket, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        saved_errno = errno;
        failed_call = "connect";
        close(client_socket);
        client_socket = -1;
    }
    freeaddrinfo(results);
    if (client_socket == -1)
        fail(failed_call, server_text, strerror(saved_errno)); /* the last address's failure */
    printf("Connected to server\n");

    /* A prompt helps a person at a keyboard; in a pipe or a test it would only be noise. */
    interactive = isatty(STDIN_FILENO);
    for (;;) {
        size_t length;
        int status;

        if (interactive) {
            fputs("> ", stdout);
            fflush(stdout); /* no newline after a prompt, so flush it by hand */
        }
        /* Python: send_data = input("...") */
        if (fgets(line, sizeof line, stdin) == NULL)
            break; /* end of input (Ctrl-D, or the end of a file or here-doc) */
        length = strlen(line);
        if (length > 0 && line[length - 1] == '\n') {
            line[--length] = '\0';
        } else if (!feof(stdin)) {
            /* No newline and not at the end: the line is longer than the buffer. Skip the rest
             * of it and tell the user, rather than sending a cut line. */
            int c;
            while ((c = getchar()) != EOF && c != '\n')
                ;
            fprintf(stderr, "%s: line longer than %d bytes, not sent\n", PROGRAM, LINE_MAX_BYTES);
            continue;
        }
        if (length > 0 && line[length - 1] == '\r')
            line[--length] = '\0'; /* a line typed on Windows ends in "\r\n" */

        /* "exit" and an empty line end the session without sending anything. */
        if (length == 0 || strcmp(line, "exit") == 0)
            break;

        /* 3. Send the line and a newline: the newline tells the server where the line ends
         *    (TCP itself keeps no message boundaries). Python: send(send_data.encode("utf-8")) */
        line[length] = '\n';
        if (send_all(client_socket, line, length + 1) == -1) {
            if (errno == EPIPE || errno == ECONNRESET)
                server_gone(server_text, strerror(errno));
            fail("send", server_text, strerror(errno));
        }
        line[length] = '\0';

        /* 4. Receive one reply: one line, however many recv() calls it takes.
         *    Python: recv_data = tcp_client_socket.recv(1024) */
        status = read_line(client_socket, &reader, reply, sizeof reply);
        if (status == -1) {
            /* A reset or a broken pipe: the server's kernel refused our data because the
             * server's socket no longer exists. */
            if (errno == EPIPE || errno == ECONNRESET)
                server_gone(server_text, strerror(errno));
            fail("recv", server_text, strerror(errno));
        }
        if (status == 0) {
            /* recv returned 0: the server closed its side. Show what came of an unfinished
             * reply (a server that ends its answer by closing, like tcp_server), then stop. */
            if (reply[0] != '\0')
                printf("Server: %s\n", reply);
            server_gone(server_text, NULL);
        }
        if (status == -2)
            printf("Server: %s [reply longer than %d bytes, cut]\n", reply, REPLY_MAX_BYTES);
        else
            printf("Server: %s\n", reply);

        /* "bye" is sent (the server answers it and closes its side), then we stop too. */
        if (strcmp(line, "bye") == 0)
            break;
    }

    /* 5. Close: our FIN tells the server we are done (the four-way close begins).
     *    Python: tcp_client_socket.close() */
    close(client_socket);
    return 0;
}
