/*
 * repeat_client: many short conversations with a server, one after another, for
 * tests/leaks.bats. Not a lesson. It replaced a python3 loop that cost twice the CPU time
 * (10,000 connections: 1.5 s against 0.7 s here, most of it the kernel's in both).
 *
 * Usage: repeat_client PORT COUNT SECONDS REQUEST UNTIL CHECK
 *
 * COUNT times: connect to 127.0.0.1 PORT, send REQUEST, read until the reply holds UNTIL
 * (or the server closes), check the reply, close. CHECK's first character says how:
 *   =TEXT  the reply is TEXT      ^TEXT  it starts with TEXT
 *   $TEXT  it ends with TEXT      *TEXT  it holds TEXT
 * In REQUEST, UNTIL and CHECK, \n \r \\ are escapes and %d is the conversation's number
 * (0, 1, ...). Every recv waits 10 s at most, and the whole run SECONDS.
 * Prints "N connections" and exits 0, or one line saying what went wrong and exits 1.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define TEXT_MAX 256
#define REPLY_MAX 65536

/* Copy TEMPLATE into OUT (TEXT_MAX bytes) with its escapes decoded and %d replaced by
 * NUMBER; return the length. */
static size_t expand(const char *template, long number, char *out)
{
    size_t used = 0;
    for (const char *p = template; *p != '\0' && used < TEXT_MAX - 24; p++) {
        if (p[0] == '%' && p[1] == 'd') {
            used += (size_t)snprintf(out + used, 24, "%ld", number);
            p++;
        } else if (p[0] == '\\' && p[1] != '\0') {
            p++;
            out[used++] = *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p;
        } else {
            out[used++] = *p;
        }
    }
    out[used] = '\0';
    return used;
}

/* The first place NEEDLE (LENGTH bytes) occurs in HAYSTACK (SIZE bytes), or NULL. */
static const char *find(const char *haystack, size_t size, const char *needle, size_t length)
{
    for (size_t i = 0; length <= size && i <= size - length; i++)
        if (memcmp(haystack + i, needle, length) == 0)
            return haystack + i;
    return NULL;
}

static int send_all(int fd, const char *data, size_t size)
{
    while (size > 0) {
        ssize_t sent = send(fd, data, size, 0);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent <= 0)
            return -1;
        data += sent;
        size -= (size_t)sent;
    }
    return 0;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 7 || strchr("=^$*", argv[6][0]) == NULL || argv[6][0] == '\0') {
        fprintf(stderr, "usage: repeat_client PORT COUNT SECONDS REQUEST UNTIL CHECK\n");
        return 2;
    }
    struct sockaddr_in server = {.sin_family = AF_INET};
    server.sin_port = htons((unsigned short)atoi(argv[1]));
    inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
    long count = atol(argv[2]);
    double deadline = now() + atof(argv[3]);
    char mode = argv[6][0];
    static char reply[REPLY_MAX];

    for (long i = 0; i < count; i++) {
        if (now() > deadline) {
            printf("deadline passed after %ld connections\n", i);
            return 1;
        }
        char request[TEXT_MAX], until[TEXT_MAX], check[TEXT_MAX];
        size_t request_size = expand(argv[4], i, request);
        size_t until_size = expand(argv[5], i, until);
        size_t check_size = expand(argv[6] + 1, i, check);

        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct timeval wait = {10, 0};
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait) < 0 ||
            connect(fd, (struct sockaddr *)&server, sizeof server) < 0 ||
            send_all(fd, request, request_size) < 0) {
            printf("connection %ld: %s\n", i, strerror(errno));
            return 1;
        }
        size_t got = 0;
        while (find(reply, got, until, until_size) == NULL && got < sizeof reply) {
            ssize_t n = recv(fd, reply + got, sizeof reply - got, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break; /* closed, reset or timed out: the check below says so */
            got += (size_t)n;
        }
        close(fd);

        int ok = mode == '=' ? got == check_size && memcmp(reply, check, got) == 0
                 : mode == '^' ? got >= check_size && memcmp(reply, check, check_size) == 0
                 : mode == '$' ? got >= check_size &&
                                     memcmp(reply + got - check_size, check, check_size) == 0
                               : find(reply, got, check, check_size) != NULL;
        if (!ok) {
            printf("connection %ld: unexpected answer (%zu bytes): %.*s\n", i, got,
                   (int)(got < 60 ? got : 60), reply);
            return 1;
        }
    }
    printf("%ld connections\n", count);
    return 0;
}
