/*
 * udp_sender_basic: the notes' UDP sender in C: one sendto of one message, no connection,
 * and nothing printed.
 *
 * Usage: udp_sender_basic MESSAGE HOST PORT
 *
 * Mirrors the notes 003, "UDP programming", the sending end, line for line. MESSAGE is the
 * notes' sys.argv[1]; the notes write the address in, ('ip','port'): here HOST (an IPv4
 * address) and PORT follow MESSAGE on the command line.
 *
 * See also: udp_sender.c (version 2: what this version gets wrong, fixed)
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 4) { /* Python: IndexError on sys.argv[1] */
        fprintf(stderr, "Usage: udp_sender_basic MESSAGE HOST PORT\n");
        exit(1);
    }

    /* 1. s = socket.socket(socket.AF_INET,socket.SOCK_DGRAM) */
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) {
        perror("socket");
        exit(1);
    }

    /* 2. s.sendto(sys.argv[1].encode(),('ip','port')) */
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3]))};
    if (inet_pton(AF_INET, argv[2], &address.sin_addr) != 1) {
        fprintf(stderr, "inet_pton: not an IPv4 address: %s\n", argv[2]);
        exit(1);
    }
    if (sendto(s, argv[1], strlen(argv[1]), 0, (struct sockaddr *)&address, sizeof address) < 0) {
        perror("sendto");
        exit(1);
    }

    /* 3. s.close() */
    close(s);
    return 0;
}
