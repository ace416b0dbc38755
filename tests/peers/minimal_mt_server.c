/*
 * minimal_mt_server: the least a thread-per-client line server can do, kept only to measure
 * lesson 04's mt_server against (`make -C 04-multithread-server bench-minimal`). Not a
 * lesson: no limit, no log, no shutdown, no IPv6, few checks.
 *
 * Usage: minimal_mt_server [PORT]      (default 0: the OS picks; prints "Listening on port N")
 *
 * accept(), one detached thread per client, a buffered line reader, one write per reply:
 * "ok, the problem is being handled: LINE\n", mt_server's reply to a line. Like mt_server:
 * TCP_NODELAY on each client and listen(1024), so the two differ only in what mt_server
 * adds (the notes' message model, the client list and limit, its log lines).
 */
#define _POSIX_C_SOURCE 200809L

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PREFIX "ok, the problem is being handled: "

static void *serve(void *argument)
{
    int client = *(int *)argument;
    free(argument);
    char in[4096], out[sizeof PREFIX + sizeof in];
    size_t have = 0;
    for (;;) {
        ssize_t got = read(client, in + have, sizeof in - have);
        if (got <= 0)
            break;
        have += (size_t)got;
        char *start = in, *newline;
        while ((newline = memchr(start, '\n', have - (size_t)(start - in))) != NULL) {
            size_t length = (size_t)(newline - start) + 1;
            memcpy(out, PREFIX, sizeof PREFIX - 1);
            memcpy(out + sizeof PREFIX - 1, start, length);
            if (write(client, out, sizeof PREFIX - 1 + length) < 0)
                goto done;
            start = newline + 1;
        }
        have -= (size_t)(start - in);
        memmove(in, start, have);
        if (have == sizeof in)
            break; /* a line longer than the buffer: not this server's business */
    }
done:
    close(client);
    return NULL;
}

int main(int argc, char *argv[])
{
    signal(SIGPIPE, SIG_IGN);
    int server = socket(AF_INET, SOCK_STREAM, 0), on = 1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    address.sin_port = htons((unsigned short)(argc > 1 ? atoi(argv[1]) : 0));
    socklen_t length = sizeof address;
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(server, (struct sockaddr *)&address, sizeof address) != 0 ||
        listen(server, 1024) != 0 ||
        getsockname(server, (struct sockaddr *)&address, &length) != 0) {
        perror("minimal_mt_server");
        return 1;
    }
    printf("Listening on port %d\n", ntohs(address.sin_port));
    fflush(stdout);
    for (;;) {
        int client = accept(server, NULL, NULL);
        int *handed = malloc(sizeof *handed);
        if (client < 0 || handed == NULL) {
            if (client >= 0)
                close(client);
            free(handed);
            continue;
        }
        setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        *handed = client;
        pthread_t thread;
        if (pthread_create(&thread, NULL, serve, handed) != 0) {
            close(client);
            free(handed);
            continue;
        }
        pthread_detach(thread);
    }
}
