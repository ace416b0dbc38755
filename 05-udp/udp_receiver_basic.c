/*
 * udp_receiver_basic: the notes' UDP receiver in C: bind, then print every datagram with the
 * sender's port and address, for ever.
 *
 * Usage: udp_receiver_basic [PORT]
 *
 * Mirrors the notes 003, "UDP programming", the receiving end, line for line. As there,
 * PORT is 5000 by default and the loop has no way out: Ctrl-C ends it.
 *
 * See also: udp_receiver.c (version 2: what this version gets wrong, fixed)
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int port = argc > 1 ? atoi(argv[1]) : 5000;

    /* 1. s = socket.socket(socket.AF_INET,socket.SOCK_DGRAM) */
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) {
        perror("socket");
        exit(1);
    }

    /* 2. s.bind(('',5000)) */
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                  .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(s, (struct sockaddr *)&address, sizeof address) < 0) {
        perror("bind");
        exit(1);
    }

    /* The one deviation from the notes: say which port we got (PORT 0: the system picks). */
    socklen_t address_length = sizeof address;
    if (getsockname(s, (struct sockaddr *)&address, &address_length) < 0) {
        perror("getsockname");
        exit(1);
    }
    printf("Listening on port %d\n", ntohs(address.sin_port));

    /* 3. while True: */
    for (;;) {
        /* 4. data,addr = s.recvfrom(1024) */
        char data[1024];
        struct sockaddr_in addr;
        socklen_t addr_length = sizeof addr;
        ssize_t length = recvfrom(s, data, sizeof data, 0, (struct sockaddr *)&addr, &addr_length);
        if (length < 0) {
            perror("recvfrom");
            exit(1);
        }

        /* 5. print(data.decode(),addr[1],addr[0]) */
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &addr.sin_addr, ip, sizeof ip);
        fwrite(data, 1, (size_t)length, stdout);
        printf(" %d %s\n", ntohs(addr.sin_port), ip);
    }

    /* 6. s.close(): never reached, as in the notes (nothing leaves "while True") */
    close(s);
    return 0;
}
