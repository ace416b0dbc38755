/* mt_server_basic.c: the notes' multitask TCP server in C, line for line: a thread per client
 * prints each message it receives and answers it with the notes' fixed text.
 * Usage: mt_server_basic [PORT]      (the notes' port, 9090, by default)
 * Mirrors notes 000, "9, Case list - multitasking TCP server program" (001: 多任务版), and
 * prints what its Python prints, after one line of ours: "Listening on port N". See also:
 * mt_server.c (version 2: what this version gets wrong, fixed). */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#define CHECK(call, name) if ((call) < 0) { perror(name); exit(1); } /* where Python raises */
struct client { int service_client_socket; char ip_port[32]; }; /* a thread's args=(...) */
/* The notes define it first; C needs it declared before main, so it comes after main. */
static void *handle_client_request(void *args);
int main(int argc, char *argv[]) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int port = argc > 1 ? atoi(argv[1]) : 9090, on = 1;
    /* 1. tcp_server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM) */
    int tcp_server_socket = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(tcp_server_socket, "socket");
    /* 2. tcp_server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True) */
    CHECK(setsockopt(tcp_server_socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on), "setsockopt");
    /* 3. tcp_server_socket.bind(("", 9090)) */
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                  .sin_addr.s_addr = htonl(INADDR_ANY)};
    CHECK(bind(tcp_server_socket, (struct sockaddr *)&address, sizeof address), "bind");
    /* 4. tcp_server_socket.listen(128) */
    CHECK(listen(tcp_server_socket, 128), "listen");
    socklen_t length = sizeof address; /* which port we got (not in the notes): */
    CHECK(getsockname(tcp_server_socket, (struct sockaddr *)&address, &length), "getsockname");
    printf("Listening on port %d\n", ntohs(address.sin_port));
    for (;;) { /* 5. while True: (for ever: the notes never close tcp_server_socket) */
        /* 6. service_client_socket, ip_port = tcp_server_socket.accept() */
        struct sockaddr_in ip_port;
        socklen_t ip_port_length = sizeof ip_port;
        int service_client_socket =
            accept(tcp_server_socket, (struct sockaddr *)&ip_port, &ip_port_length);
        CHECK(service_client_socket, "accept");
        /* 7. print("Client connection succeeded:", ip_port): a tuple prints as ('IP', PORT) */
        struct client *args = malloc(sizeof *args); /* step 8's args; the thread frees it */
        if (args == NULL) { perror("malloc"); exit(1); }
        args->service_client_socket = service_client_socket;
        snprintf(args->ip_port, sizeof args->ip_port, "('%s', %d)", inet_ntoa(ip_port.sin_addr),
                 ntohs(ip_port.sin_port));
        printf("Client connection succeeded: %s\n", args->ip_port);
        /* 8. threading.Thread(target=handle_client_request, ...), 10. .start(): 9. daemon */
        pthread_t sub_thread;
        errno = pthread_create(&sub_thread, NULL, handle_client_request, args); /* 0, or why */
        if (errno != 0) { perror("pthread_create"); exit(1); }
        pthread_detach(sub_thread);
    }
}

/* def handle_client_request(service_client_socket, ip_port): steps 11-14, in its own thread */
static void *handle_client_request(void *args) {
    struct client *client = args;
    char recv_data[1024];
    for (;;) { /* 11. while True: */
        /* 12. recv_data = service_client_socket.recv(1024) */
        ssize_t n = recv(client->service_client_socket, recv_data, sizeof recv_data, 0);
        if (n < 0) { perror("recv"); break; } /* a Python exception: it ends this thread */
        if (n > 0) { /* 13. if recv_data: print(recv_data.decode("gbk"), ip_port) */
            printf("%.*s %s\n", (int)n, recv_data, client->ip_port);
            /* service_client_socket.send("ok,The problem is being handled...".encode("gbk")) */
            const char *send_content = "ok,The problem is being handled...";
            if (send(client->service_client_socket, send_content, strlen(send_content), 0) < 0)
                break; /* a Python exception: it ends this thread */
        } else { /* else: print("The client is offline:", ip_port); break */
            printf("The client is offline: %s\n", client->ip_port); break; }
    }
    close(client->service_client_socket); /* 14. service_client_socket.close() */
    free(client);
    return NULL;
}
