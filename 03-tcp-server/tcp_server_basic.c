/* tcp_server_basic.c - the notes' TCP server in C, line for line: one client, one
 * recv(1024), one reply, then both sockets are closed and the program ends.
 * Usage: tcp_server_basic [PORT]      (the notes' port, 8989, by default)
 * Mirrors notes 000, "TCP server program example code", and prints what it prints. One
 * deviation: the first line, "Listening on port N" (PORT 0: the OS picks a free one).
 * See also: tcp_server.c (version 2: what this version gets wrong, fixed)
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
    int port = argc > 1 ? atoi(argv[1]) : 8989;
    /* 1. tcp_server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM) */
    int tcp_server_socket = socket(AF_INET, SOCK_STREAM, 0);
    if (tcp_server_socket < 0) { perror("socket"); exit(1); }
    /* 2. tcp_server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True) */
    int on = 1;
    if (setsockopt(tcp_server_socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0) {
        perror("setsockopt"); exit(1);
    }
    /* 3. tcp_server_socket.bind(("", 8989)) */
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((in_port_t)port),
                                  .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(tcp_server_socket, (struct sockaddr *)&address, sizeof address) < 0) {
        perror("bind"); exit(1);
    }
    /* 4. tcp_server_socket.listen(128) */
    if (listen(tcp_server_socket, 128) < 0) { perror("listen"); exit(1); }
    /* The one deviation from the notes: say which port we got (PORT 0: the OS picks). */
    socklen_t address_length = sizeof address;
    if (getsockname(tcp_server_socket, (struct sockaddr *)&address, &address_length) < 0) {
        perror("getsockname"); exit(1);
    }
    printf("Listening on port %d\n", ntohs(address.sin_port));
    /* 5. service_client_socket, ip_port = tcp_server_socket.accept() */
    struct sockaddr_in ip_port;
    socklen_t ip_port_length = sizeof ip_port;
    int service_client_socket =
        accept(tcp_server_socket, (struct sockaddr *)&ip_port, &ip_port_length);
    if (service_client_socket < 0) { perror("accept"); exit(1); }
    /*    print("Client ip Address and port number:", ip_port): a tuple, ('IP', PORT) */
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &ip_port.sin_addr, ip, sizeof ip);
    printf("Client ip Address and port number: ('%s', %d)\n", ip, ntohs(ip_port.sin_port));
    /* 6. recv_data = service_client_socket.recv(1024) */
    char recv_data[1024];
    ssize_t recv_data_length = recv(service_client_socket, recv_data, sizeof recv_data, 0);
    if (recv_data_length < 0) { perror("recv"); exit(1); }
    /*    print("The length of the received data is:", recv_data_length) */
    printf("The length of the received data is: %d\n", (int)recv_data_length);
    /*    recv_content = recv_data.decode("gbk"): UTF-8 for the terminal; not GBK: exit */
    char recv_content[2 * sizeof recv_data], *in = recv_data, *out = recv_content;
    size_t in_left = (size_t)recv_data_length, out_left = sizeof recv_content;
    iconv_t gbk = iconv_open("UTF-8", "GBK");
    if (gbk == (iconv_t)-1) { perror("iconv_open"); exit(1); }
    if (iconv(gbk, &in, &in_left, &out, &out_left) == (size_t)-1) { perror("iconv"); exit(1); }
    iconv_close(gbk);
    /*    print("The data received from the client is:", recv_content) */
    printf("The data received from the client is: ");
    fwrite(recv_content, 1, (size_t)(out - recv_content), stdout); putchar('\n'); /* NULs too */
    /* 7. send_data = "ok, The problem is being handled...".encode("gbk")
     *    service_client_socket.send(send_data)   (ASCII: the same bytes in gbk and in C) */
    const char *send_data = "ok, The problem is being handled...";
    if (send(service_client_socket, send_data, strlen(send_data), 0) < 0) {
        perror("send"); exit(1);
    }
    /* 8. service_client_socket.close(); tcp_server_socket.close() */
    close(service_client_socket);
    close(tcp_server_socket);
    return 0;
}
