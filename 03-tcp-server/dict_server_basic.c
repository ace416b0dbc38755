/* dict_server_basic.c - the notes' dictionary server in C, line for line: one client, each
 * recv(1024) one question, looked up in words as it is, answered 'no' when it is not there.
 * Usage: dict_server_basic [PORT]     (the notes' port, 50007, by default)
 * Mirrors notes 003, "TCP programming", the server, and prints what it prints. One
 * deviation: the first line, "Listening on port N" (PORT 0: the OS picks a free one).
 * See also: dict_server.c (version 2: what this version gets wrong, fixed)
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* words = {'how are u':'fine', 'how old are u':'nicai'} */
static const char *const words[][2] = {{"how are u", "fine"}, {"how old are u", "nicai"}};

int main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* each line out at once, even into a pipe */
    int port = argc > 1 ? atoi(argv[1]) : 50007; /* HOST=''  PORT = 50007 */
    /* 1. s = socket.socket(socket.AF_INET,socket.SOCK_STREAM) */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) { perror("socket"); exit(1); }
    /* 2. s.bind((HOST,PORT))   (the notes set no SO_REUSEADDR here) */
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((in_port_t)port),
                                  .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(s, (struct sockaddr *)&address, sizeof address) < 0) { perror("bind"); exit(1); }
    /* 3. s.listen(1) */
    if (listen(s, 1) < 0) { perror("listen"); exit(1); }
    /* The one deviation from the notes: say which port we got (PORT 0: the OS picks). */
    socklen_t address_length = sizeof address;
    if (getsockname(s, (struct sockaddr *)&address, &address_length) < 0) {
        perror("getsockname"); exit(1);
    }
    printf("Listening on port %d\n", ntohs(address.sin_port));
    /*    print('port',PORT) */
    printf("port %d\n", port);
    /* 4. conn,addr = s.accept() */
    struct sockaddr_in addr;
    socklen_t addr_length = sizeof addr;
    int conn = accept(s, (struct sockaddr *)&addr, &addr_length);
    if (conn < 0) { perror("accept"); exit(1); }
    /*    print('addr',addr): a tuple, ('IP', PORT) */
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &addr.sin_addr, ip, sizeof ip);
    printf("addr ('%s', %d)\n", ip, ntohs(addr.sin_port));
    /* 5. while True: */
    for (;;) {
        /* data = conn.recv(1024); data = data.decode()   (C keeps the bytes as they are) */
        char data[1024];
        ssize_t length = recv(conn, data, sizeof data, 0);
        if (length < 0) { perror("recv"); exit(1); }
        /* if not data: break */
        if (length == 0) break;
        /* print('data',data) */
        printf("data "); fwrite(data, 1, (size_t)length, stdout); putchar('\n'); /* NULs too */
        /* conn.sendall(words.get(data,'no').encode()) */
        const char *answer = "no";
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
            size_t n = strlen(words[i][0]);
            if (n == (size_t)length && memcmp(words[i][0], data, n) == 0) answer = words[i][1];
        }
        if (send(conn, answer, strlen(answer), 0) < 0) { perror("send"); exit(1); }
    }
    /* 6. conn.close(); s.close() */
    close(conn);
    close(s);
    return 0;
}
