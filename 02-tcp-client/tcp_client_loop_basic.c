/*
 * tcp_client_loop_basic.c - the notes' loop client in C, line for line: one connection, each
 * line you type sent as one message and one recv(1024) printed as its reply, until "exit".
 *
 * Usage: tcp_client_loop_basic [HOST [PORT]]     (the notes' defaults: 127.0.0.1 8080)
 * Mirrors notes 002, "4.2 create TCP client" (tests/peers/notes_loop_client.py).
 * See also: tcp_client_loop.c (version 2: what this version gets wrong, fixed)
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* each line out at once, even into a pipe */
    /* host = "127.0.0.1"; port = 8080 */
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    int port = argc > 2 ? atoi(argv[2]) : 8080;

    /* 1. s = socket.socket(socket.AF_INET, socket.SOCK_STREAM) */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) { perror("socket"); exit(1); }

    /* 2. s.connect((host, port)) */
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((in_port_t)port)};
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
        fprintf(stderr, "inet_pton: not an IPv4 address: %s\n", host);
        exit(1);
    }
    if (connect(s, (struct sockaddr *)&address, sizeof address) < 0) {
        perror("connect");
        exit(1);
    }

    /* 3. while True: */
    char send_data[1024], recvData[1024];
    while (1) {
        /* send_data = input("Please enter the data to send:")   (no newline after it, so
         * flush it out by hand, as input() does; a longer line comes in 1023-byte pieces) */
        printf("Please enter the data to send:");
        fflush(stdout);
        if (fgets(send_data, sizeof send_data, stdin) == NULL) {
            fprintf(stderr, "EOFError: EOF when reading a line\n"); /* what input() raises */
            exit(1);
        }
        send_data[strcspn(send_data, "\n")] = '\0'; /* input() drops the newline */
        /* if send_data == "exit": break */
        if (strcmp(send_data, "exit") == 0) break;
        /* s.send(send_data.encode("utf-8"))   (a C string is bytes already) */
        if (send(s, send_data, strlen(send_data), 0) < 0) { perror("send"); exit(1); }
        /* recvData = s.recv(1024).decode("utf-8")   (C has no decode: a UTF-8 terminal
         * shows the bytes as the same text) */
        ssize_t n = recv(s, recvData, sizeof recvData, 0);
        if (n < 0) { perror("recv"); exit(1); }
        /* print("Received data:", recvData) */
        printf("Received data: ");
        fwrite(recvData, 1, (size_t)n, stdout);
        printf("\n");
    }

    /* 4. s.close() */
    close(s);
    return 0;
}
