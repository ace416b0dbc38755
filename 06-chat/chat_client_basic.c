/*
 * chat_client_basic.c: the notes' simple chat tool, client side, as the notes write it:
 * connect, then take turns with the server until either side's message is "byebye".
 * Usage: chat_client_basic [HOST [PORT]]    (the notes': this machine's name, 12345)
 * Mirrors the notes' section 4.3 "simple chat tools", client (notes 002), line for line.
 * See also: chat_client.c (version 2: what this version gets wrong, fixed)
 */
#define _POSIX_C_SOURCE 200809L
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *call) { perror(call); exit(1); }

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    char hostname[256], info[1024 + 1] = "", send_data[1024];
    /* 1. s = socket.socket(socket.AF_INET, socket.SOCK_STREAM) */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) die("socket");
    /* 2. host = socket.gethostname(); port = 12345   (or HOST and PORT if given) */
    if (gethostname(hostname, sizeof hostname) < 0) die("gethostname");
    const char *host = argc > 1 ? argv[1] : hostname;
    int port = argc > 2 ? atoi(argv[2]) : 12345;
    /* 3. s.connect((host, port))   (the name's IPv4 address, from getaddrinfo) */
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *found;
    int rc = getaddrinfo(host, NULL, &hints, &found);
    if (rc != 0) { fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rc)); exit(1); }
    struct sockaddr_in address = *(struct sockaddr_in *)found->ai_addr;
    freeaddrinfo(found);
    address.sin_port = htons((uint16_t)port);
    if (connect(s, (struct sockaddr *)&address, sizeof address) < 0) die("connect");
    /* 4. print("Connected to server") */
    printf("Connected to server\n");
    /* 5. info = ''; while info != 'byebye': */
    while (strcmp(info, "byebye") != 0) {
        /* 6. send_data = input("Please enter the data to send:")
         *     (at end of input Python raises EOFError; here: an empty line) */
        printf("Please enter the data to send:");
        fflush(stdout);
        if (fgets(send_data, sizeof send_data, stdin) == NULL) send_data[0] = '\0';
        send_data[strcspn(send_data, "\n")] = '\0';
        /* 7. s.send(send_data.encode()) */
        if (send(s, send_data, strlen(send_data), 0) < 0) die("send");
        /* 8. if send_data == 'byebye': break */
        if (strcmp(send_data, "byebye") == 0) break;
        /* 9. info = s.recv(1024).decode() */
        ssize_t n = recv(s, info, 1024, 0);
        if (n < 0) die("recv");
        info[n] = '\0';
        /* 10. print("Data received from server:", info) */
        printf("Data received from server: %s\n", info);
    }
    /* 11. s.close() */
    close(s);
    return 0;
}
