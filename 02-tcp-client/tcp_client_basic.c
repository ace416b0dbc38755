/*
 * tcp_client_basic.c - the notes' TCP client in C, line for line: connect, send one
 * message, print the reply twice, as Python's bytes (b'...') and as gbk-decoded text.
 *
 * Usage: tcp_client_basic [HOST [PORT]]     (the notes' defaults: 192.168.131.62 8080)
 * Mirrors notes 000, "TCP client program example code" (001 has it in Chinese, utf-8).
 * See also: tcp_client.c (version 2: what this version gets wrong, fixed)
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <iconv.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* each line out at once, even into a pipe */
    const char *host = argc > 1 ? argv[1] : "192.168.131.62";
    int port = argc > 2 ? atoi(argv[2]) : 8080;
    /* 1. tcp_client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM) */
    int tcp_client_socket = socket(AF_INET, SOCK_STREAM, 0);
    if (tcp_client_socket < 0) { perror("socket"); exit(1); }

    /* 2. tcp_client_socket.connect(("192.168.131.62", 8080)) */
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((in_port_t)port)};
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
        fprintf(stderr, "inet_pton: not an IPv4 address: %s\n", host);
        exit(1);
    }
    if (connect(tcp_client_socket, (struct sockaddr *)&address, sizeof address) < 0) {
        perror("connect");
        exit(1);
    }

    /* 3. send_data = "Hello, server, I'm client Xiaohei!".encode("gbk")  (ASCII: no change) */
    const char *send_data = "Hello, server, I'm client Xiaohei!";
    /* 4. tcp_client_socket.send(send_data) */
    if (send(tcp_client_socket, send_data, strlen(send_data), 0) < 0) { perror("send"); exit(1); }

    /* 5. recv_data = tcp_client_socket.recv(1024) */
    unsigned char recv_data[1024];
    ssize_t n = recv(tcp_client_socket, recv_data, sizeof recv_data, 0);
    if (n < 0) { perror("recv"); exit(1); }
    /* 6. print(recv_data): Python's repr of bytes: b'...', or b"..." if it has ' but no " */
    int has_single = memchr(recv_data, '\'', (size_t)n) != NULL;
    char quote = has_single && !memchr(recv_data, '"', (size_t)n) ? '"' : '\'';
    printf("b%c", quote);
    for (ssize_t i = 0; i < n; i++) {
        unsigned char c = recv_data[i];
        if (c == quote || c == '\\') printf("\\%c", c);
        else if (c == '\t') printf("\\t");
        else if (c == '\n') printf("\\n");
        else if (c == '\r') printf("\\r");
        else if (c < 0x20 || c >= 0x7f) printf("\\x%02x", c);
        else putchar(c);
    }
    printf("%c\n", quote);

    /* 7. recv_content = recv_data.decode("gbk"): GBK bytes to UTF-8 text for the terminal;
     *    bytes that are not GBK stop the program, as Python's UnicodeDecodeError does */
    char recv_content[2 * sizeof recv_data], *in = (char *)recv_data, *out = recv_content;
    size_t in_left = (size_t)n, out_left = sizeof recv_content;
    iconv_t gbk = iconv_open("UTF-8", "GBK");
    if (gbk == (iconv_t)-1) { perror("iconv_open"); exit(1); }
    if (iconv(gbk, &in, &in_left, &out, &out_left) == (size_t)-1) { perror("iconv"); exit(1); }
    iconv_close(gbk);
    /* 8. print("The data of the receiving server is:", recv_content) */
    printf("The data of the receiving server is: ");
    fwrite(recv_content, 1, (size_t)(out - recv_content), stdout); /* NUL bytes too */
    printf("\n");

    /* 9. tcp_client_socket.close() */
    close(tcp_client_socket);
    return 0;
}
