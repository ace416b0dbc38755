/*
 * chat_server_basic.c: the notes' simple chat tool, server side, as the notes write it:
 * accept one client, then take turns with it until either side's message is "byebye".
 * Usage: chat_server_basic [PORT [HOST]]    (the notes': 12345, this machine's name)
 * Mirrors the notes' section 4.3 "simple chat tools", Server (notes 002), line for line.
 * See also: chat_server.c (version 2: what this version gets wrong, fixed)
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
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
    char hostname[256], info[1024 + 1], send_data[1024];
    /* 1. host = socket.gethostname(); port = 12345   (or PORT and HOST, if given) */
    if (gethostname(hostname, sizeof hostname) < 0) die("gethostname");
    const char *host = argc > 2 ? argv[2] : hostname;
    int port = argc > 1 ? atoi(argv[1]) : 12345;
    /* 2. s = socket.socket(socket.AF_INET, socket.SOCK_STREAM) */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) die("socket");
    /* 3. s.bind((host, port))   (the name's IPv4 address, from getaddrinfo) */
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *found;
    int rc = getaddrinfo(host, NULL, &hints, &found);
    if (rc != 0) { fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rc)); exit(1); }
    struct sockaddr_in address = *(struct sockaddr_in *)found->ai_addr;
    freeaddrinfo(found);
    address.sin_port = htons((uint16_t)port);
    socklen_t length = sizeof address;
    if (bind(s, (struct sockaddr *)&address, length) < 0) die("bind");
    /* 4. s.listen(1) */
    if (listen(s, 1) < 0) die("listen");
    /* Not in the notes: say the port (0 lets the OS pick one), so tests know where to go. */
    if (getsockname(s, (struct sockaddr *)&address, &length) < 0) die("getsockname");
    printf("Listening on port %d\n", ntohs(address.sin_port));
    /* 5. sock, addr = s.accept() */
    length = sizeof address;
    int sock = accept(s, (struct sockaddr *)&address, &length);
    if (sock < 0) die("accept");
    /* 6. print('Establish connection:', addr) */
    printf("Establish connection: ('%s', %d)\n", inet_ntoa(address.sin_addr),
           ntohs(address.sin_port));
    /* 7. info = sock.recv(1024).decode() */
    ssize_t n = recv(sock, info, 1024, 0);
    if (n < 0) die("recv");
    info[n] = '\0';
    /* 8. while info != "byebye": */
    while (strcmp(info, "byebye") != 0) {
        /* 9. if info: print("Receive the message:", info) */
        if (info[0] != '\0') printf("Receive the message: %s\n", info);
        /* 10. send_data = input("Please enter the information to send:")
         *     (at end of input Python raises EOFError; here: an empty line) */
        printf("Please enter the information to send:");
        fflush(stdout);
        if (fgets(send_data, sizeof send_data, stdin) == NULL) send_data[0] = '\0';
        send_data[strcspn(send_data, "\n")] = '\0';
        /* 11. sock.send(send_data.encode()) */
        if (send(sock, send_data, strlen(send_data), 0) < 0) die("send");
        /* 12. if send_data == "byebye": break */
        if (strcmp(send_data, "byebye") == 0) break;
        /* 13. info = sock.recv(1024).decode()   (the client gone without "byebye": 0 bytes,
         *     "", and round again for ever; typed lines used up, at full speed) */
        n = recv(sock, info, 1024, 0);
        if (n < 0) die("recv");
        info[n] = '\0';
    }
    /* 14. sock.close(); s.close() */
    close(sock); close(s);
    return 0;
}
