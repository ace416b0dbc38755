/*
 * chatroom_server_basic.c: a chat room on one thread, the classic way: poll() over the
 * listening socket and every member; whatever one member sends goes to all the others.
 * Usage: chatroom_server_basic [PORT]
 * Not in the notes (no Python twin): the classic poll() chat server (Beej's pollserver.c),
 * written the way the notes write theirs: IPv4, atoi, perror; PORT defaults to 12346.
 * See also: chatroom_server.c (version 2: what this version gets wrong, fixed)
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 1024 /* the listening socket and at most 1023 members */

static void die(const char *call) { perror(call); exit(1); }

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int port = argc > 1 ? atoi(argv[1]) : 12346;
    /* 1. The listening socket, as in chat_server_basic.c. Python:
     *    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
     *    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
     *    s.bind(("", 12346)); s.listen(10) */
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0) die("socket");
    int on = 1;
    if (setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0) die("setsockopt");
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                  .sin_addr.s_addr = htonl(INADDR_ANY)};
    socklen_t length = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, length) < 0) die("bind");
    if (listen(listener, 10) < 0) die("listen");
    /* Not in Beej's: say the port (0 lets the OS pick one), so tests know where to go. */
    if (getsockname(listener, (struct sockaddr *)&address, &length) < 0) die("getsockname");
    printf("Listening on port %d\n", ntohs(address.sin_port));

    /* 2. The poll array: fds[0] is the listening socket, fds[1..count) the members.
     *    Python: p = select.poll(); p.register(s, select.POLLIN) */
    struct pollfd fds[MAX_FDS];
    nfds_t count = 1;
    fds[0].fd = listener;
    fds[0].events = POLLIN;
    char buffer[1024];

    for (;;) {
        /* 3. Sleep until someone is ready. Python: events = p.poll() */
        if (poll(fds, count, -1) < 0) die("poll");

        /* 4. Walk the array; serve each socket poll() marked readable. */
        for (nfds_t i = 0; i < count; i++) {
            if (!(fds[i].revents & POLLIN)) continue;

            if (fds[i].fd == listener) {
                /* 5. A newcomer: accept it and add it at the end of the array.
                 *    Python: conn, addr = s.accept(); p.register(conn, select.POLLIN) */
                length = sizeof address;
                int fd = accept(listener, (struct sockaddr *)&address, &length);
                if (fd < 0) die("accept");
                if (count == MAX_FDS) { /* no room left in the array: hang up on it */
                    close(fd);
                    continue;
                }
                fds[count].fd = fd;
                fds[count].events = POLLIN;
                fds[count].revents = 0; /* not ready: poll() has not looked at it yet */
                count++;
                printf("New connection from %s port %d on socket %d\n",
                       inet_ntoa(address.sin_addr), ntohs(address.sin_port), fd);
                continue;
            }

            /* 6. A member sent something, or left. One recv() is one chunk: part of a
             *    line, a line, or several. Python: data = conn.recv(1024) */
            int sender = fds[i].fd;
            ssize_t n = recv(sender, buffer, sizeof buffer, 0);
            if (n <= 0) {
                /* 7. Gone (0: hung up; -1: an error): close it, and move the last entry
                 *    of the array into its place. Python: p.unregister(conn); conn.close() */
                if (n == 0)
                    printf("Socket %d hung up\n", sender);
                else
                    perror("recv");
                close(sender);
                fds[i] = fds[count - 1];
                count--;
                i--; /* look at this slot again: it holds the entry that was last */
                continue;
            }

            /* 8. Pass the chunk, as it came, to every other member.
             *    Python: for other in members: if other is not conn: other.send(data) */
            for (nfds_t j = 1; j < count; j++)
                if (fds[j].fd != sender && send(fds[j].fd, buffer, (size_t)n, 0) < 0)
                    perror("send");
        }
    }
}
