/*
 * tcp_server.c - the notes' single-task TCP server: accept one client, read once, answer once.
 *
 * Usage: tcp_server [PORT]
 *
 * Mirrors the notes' "TCP server" section, step by step: create socket -> set address
 * reuse -> bind -> listen -> accept -> receive -> send -> close. Each step is a numbered
 * comment in main, in that order, with the Python line from the notes beside it.
 * PORT defaults to 8989; 0 lets the OS pick a free port (the first line tells you which).
 *
 * Try:
 *   terminal 1:  ./tcp_server 8989
 *   terminal 2:  ../02-tcp-client/tcp_client 127.0.0.1 8989
 *            or  bash -c 'exec 3<>/dev/tcp/127.0.0.1/8989; printf hi >&3; cat <&3'
 *
 * See also: dict_server.c (many lines, many clients, one after another), hello_http.c
 * (the same loop speaking HTTP to a browser), send_recv_buffers.c, ../02-tcp-client/.
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
#include <unistd.h>

#define PROGRAM "tcp_server"
#define USAGE "Usage: tcp_server [PORT]"
#define DEFAULT_PORT 8989
#define BAD_PORT "bad port '%s': expected a number from 0 to 65535"
#define RECV_SIZE 1024 /* Python: client_socket.recv(1024) */
#define REPLY "ok, the problem is being handled..."

/* Bad command line: one line on stderr naming the problem, exit 2. */
static void usage_error(const char *format, const char *text) {
    fprintf(stderr, "%s: ", PROGRAM);
    fprintf(stderr, format, text);
    fputc('\n', stderr);
    exit(2);
}

/* Runtime failure: one line naming the call, the address and the reason, exit 1. */
static void fail(const char *call, const char *where) {
    fprintf(stderr, "%s: %s%s%s: %s\n", PROGRAM, call, where[0] ? " " : "", where,
            strerror(errno));
    exit(1);
}

/* A port is all digits, 0..65535; "80x", "-1", "" and "99999" are refused. */
static int parse_port(const char *text) {
    char *end;
    long value;
    if (!isdigit((unsigned char)text[0]))
        usage_error(BAD_PORT, text);
    errno = 0;
    value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || value > 65535)
        usage_error(BAD_PORT, text);
    return (int)value;
}

/* The first argument that looks like a negative number (getopt took it for an option). */
static const char *negative_number(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' && isdigit((unsigned char)argv[i][1]))
            return argv[i];
    return NULL;
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

/* Print bytes as text, escaping what a terminal should not see raw (like Python's b'...'). */
static void print_escaped(const unsigned char *data, size_t length) {
    for (size_t i = 0; i < length; i++) {
        unsigned char c = data[i];
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

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0); /* tests and pipes see each line at once */
    /* Writing to a client that has gone raises SIGPIPE, which would kill us silently;
     * ignored, send() fails with EPIPE instead and we can say what happened. */
    signal(SIGPIPE, SIG_IGN);

    /* Options may come before or after the operand: getopt stops at the first operand
     * (always on macOS, here because of the "+"), so we take it by hand and carry on. */
    const char *port_text = NULL;
    opterr = 0;
    for (;;) {
        int option = getopt(argc, argv, "+h"); /* "+": stop at an operand, as macOS does */
        if (option == -1) {
            if (optind >= argc)
                break;
            /* After "--" everything left is an operand; otherwise take one, then go on. */
            bool rest_are_operands = strcmp(argv[optind - 1], "--") == 0;
            do {
                if (port_text != NULL)
                    usage_error("too many operands (try '%s -h')", PROGRAM);
                port_text = argv[optind++];
            } while (rest_are_operands && optind < argc);
            if (rest_are_operands)
                break; /* (glibc would hand back the same operands again) */
            continue;
        }
        if (option == 'h') {
            printf("%s\n", USAGE);
            return 0;
        }
        if (isdigit((unsigned char)optopt) && negative_number(argc, argv) != NULL)
            usage_error(BAD_PORT, negative_number(argc, argv));
        char unknown[3] = {'-', (char)optopt, '\0'};
        usage_error("unknown option '%s' (try '" PROGRAM " -h')", unknown);
    }
    int port = port_text != NULL ? parse_port(port_text) : DEFAULT_PORT;
    char where[32];
    snprintf(where, sizeof where, "port %d", port);

    /* 1. Create the socket. Python: server_socket = socket.socket(AF_INET, SOCK_STREAM)
     *    We ask for IPv6 and switch IPV6_V6ONLY off, so this one socket takes IPv4 clients
     *    too (they show up as ::ffff:a.b.c.d). A machine without IPv6 gets plain IPv4. */
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

    /* 2. Set address reuse. Python: server_socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, True)
     *    After a server closes a connection, the port lingers in TIME_WAIT for a minute or
     *    two; without this, restarting the server right away fails with "Address already in
     *    use". It does NOT let two servers listen on the same port at once. */
    int on = 1;
    if (setsockopt(server_socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0)
        fail("setsockopt SO_REUSEADDR", where);

    /* 3. Bind: a server must, so clients know where to find it. Python:
     *    server_socket.bind(("", 8989)); "" is the wildcard address: every interface. */
    struct sockaddr_storage server_address;
    socklen_t server_length;
    memset(&server_address, 0, sizeof server_address);
    if (family == AF_INET6) {
        struct sockaddr_in6 *six = (struct sockaddr_in6 *)&server_address;
        six->sin6_family = AF_INET6;
        six->sin6_addr = in6addr_any;
        six->sin6_port = htons((uint16_t)port);
        server_length = sizeof *six;
    } else {
        struct sockaddr_in *four = (struct sockaddr_in *)&server_address;
        four->sin_family = AF_INET;
        four->sin_addr.s_addr = htonl(INADDR_ANY);
        four->sin_port = htons((uint16_t)port);
        server_length = sizeof *four;
    }
    if (bind(server_socket, (struct sockaddr *)&server_address, server_length) < 0)
        fail("bind", where);

    /* 4. Listen: from now on the kernel completes handshakes for us and queues up to 128
     *    connections until we accept them. This socket only ever accepts; it never carries
     *    data. Python: server_socket.listen(128) */
    if (listen(server_socket, 128) < 0)
        fail("listen", where);
    server_length = sizeof server_address;
    if (getsockname(server_socket, (struct sockaddr *)&server_address, &server_length) < 0)
        fail("getsockname", where);
    port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&server_address)->sin6_port
                                    : ((struct sockaddr_in *)&server_address)->sin_port);
    printf("Listening on port %d\n", port);

    /* 5. Accept: wait for a client, then get a NEW socket for talking to that one client.
     *    Python: client_socket, client_address = server_socket.accept() */
    struct sockaddr_storage client_address;
    socklen_t client_length;
    int client_socket;
    do {
        client_length = sizeof client_address;
        client_socket = accept(server_socket, (struct sockaddr *)&client_address, &client_length);
    } while (client_socket < 0 && errno == EINTR);
    if (client_socket < 0)
        fail("accept", where);
    char client_name[NI_MAXHOST + NI_MAXSERV + 8];
    format_address((struct sockaddr *)&client_address, client_length, client_name,
                   sizeof client_name);
    printf("Connection from %s\n", client_name);

    /* 6. Receive, once, at most 1024 bytes. Python: recv_data = client_socket.recv(1024)
     *    TCP is a byte stream: this returns whatever has arrived so far, which for one
     *    short message from a well-behaved client is the whole message. 0 means the client
     *    closed its side without sending anything. */
    unsigned char received[RECV_SIZE];
    ssize_t count;
    do {
        count = recv(client_socket, received, sizeof received, 0);
    } while (count < 0 && errno == EINTR);
    if (count < 0)
        fail("recv", client_name);
    if (count == 0) {
        printf("Client left without sending anything (recv returned 0)\n");
    } else {
        printf("Received %zd bytes: ", count);
        print_escaped(received, (size_t)count);
        putchar('\n');

        /* 7. Send the reply. Python: client_socket.send("ok, ...".encode("utf-8"))
         *    (send_all: one send() may take only part of the bytes). */
        if (send_all(client_socket, REPLY, strlen(REPLY)) < 0)
            fail("send", client_name);
        printf("Sent: %s\n", REPLY);
    }

    /* 8. Close: the client's socket ends this conversation (the client's recv() returns 0);
     *    closing the listening socket means no new client can connect.
     *    Python: client_socket.close(); server_socket.close() */
    close(client_socket);
    close(server_socket);
    return 0;
}
