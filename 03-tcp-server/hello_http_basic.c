/* hello_http_basic.c - the notes' web page for the browser in C, line for line: for each
 * client, one recv(1024), print it, answer "Hello World, Michael!", close; for ever.
 * Usage: hello_http_basic [PORT]      (the notes' port, 8080, by default; on 127.0.0.1)
 * Mirrors notes 002, "4.1 create TCP server", and prints what it prints. One deviation:
 * the first line, "Listening on port N" (PORT 0: the OS picks a free one).
 * See also: hello_http.c (version 2: what this version gets wrong, fixed)
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* b'HTTP/1.1 200 OK\r\n\r\nHello World, Michael!': a status line, no header, the body */
static const char response[] = "HTTP/1.1 200 OK\r\n\r\nHello World, Michael!";

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* each line out at once, even into a pipe */
    /* host = "127.0.0.1"; port = 8080 */
    const char *host = "127.0.0.1";
    int port = argc > 1 ? atoi(argv[1]) : 8080;
    /* 1. web = socket.socket(socket.AF_INET, socket.SOCK_STREAM) */
    int web = socket(AF_INET, SOCK_STREAM, 0);
    if (web < 0) { perror("socket"); exit(1); }
    /* 2. web.bind((host, port))   (the notes set no SO_REUSEADDR here) */
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((in_port_t)port)};
    inet_pton(AF_INET, host, &address.sin_addr);
    if (bind(web, (struct sockaddr *)&address, sizeof address) < 0) { perror("bind"); exit(1); }
    /* 3. web.listen(5) */
    if (listen(web, 5) < 0) { perror("listen"); exit(1); }
    /* The one deviation from the notes: say which port we got (PORT 0: the OS picks). */
    socklen_t address_length = sizeof address;
    if (getsockname(web, (struct sockaddr *)&address, &address_length) < 0) {
        perror("getsockname"); exit(1);
    }
    printf("Listening on port %d\n", ntohs(address.sin_port));
    /*    print("The server started successfully, Waiting for client connection...") */
    printf("The server started successfully, Waiting for client connection...\n");
    /* 4. while True: */
    for (;;) {
        /* conn, addr = web.accept() */
        struct sockaddr_in addr;
        socklen_t addr_length = sizeof addr;
        int conn = accept(web, (struct sockaddr *)&addr, &addr_length);
        if (conn < 0) { perror("accept"); exit(1); }
        /* print("Client connection succeeded, address:", addr): a tuple, ('IP', PORT) */
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &addr.sin_addr, ip, sizeof ip);
        printf("Client connection succeeded, address: ('%s', %d)\n", ip, ntohs(addr.sin_port));
        /* data = conn.recv(1024): one recv, whatever part of the request it holds */
        char data[1024];
        ssize_t length = recv(conn, data, sizeof data, 0);
        if (length < 0) { perror("recv"); exit(1); }
        /* print("Received data sent by client:", data.decode())   (the bytes as they are) */
        printf("Received data sent by client: ");
        fwrite(data, 1, (size_t)length, stdout); putchar('\n'); /* NULs too */
        /* conn.sendall(b'HTTP/1.1 200 OK\r\n\r\nHello World, Michael!'): answered at once */
        if (send(conn, response, strlen(response), 0) < 0) { perror("send"); exit(1); }
        /* conn.close() */
        close(conn);
        /* print("Client connection closed") */
        printf("Client connection closed\n");
    }
}
