# The notes' "multitask TCP server" section, copied as it is: the main thread accepts,
# every client gets a thread (daemon=True) that answers each recv(1024) with a bare
# "ok,The problem is being handled..." until the client goes offline.
# The one deviation: PORT comes from the command line (0: the OS picks one), and the first
# line printed is "Listening on port N", flushed, so a test knows where to connect.
# Usage: python3 notes_mt_server.py [PORT]
import socket
import sys
import threading


def handle_client_request(service_client_socket, ip_port):
    while True:
        recv_data = service_client_socket.recv(1024)
        if recv_data:
            print(recv_data.decode(), ip_port)
            send_content = "ok,The problem is being handled..."
            service_client_socket.send(send_content.encode())
        else:
            print("The client is offline:", ip_port)
            break
    service_client_socket.close()


if __name__ == '__main__':
    tcp_server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp_server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True)
    tcp_server_socket.bind(("", int(sys.argv[1]) if len(sys.argv) > 1 else 9090))
    tcp_server_socket.listen(128)
    print("Listening on port", tcp_server_socket.getsockname()[1], flush=True)
    while True:
        service_client_socket, ip_port = tcp_server_socket.accept()
        sub_thread = threading.Thread(target=handle_client_request,
                                      args=(service_client_socket, ip_port), daemon=True)
        sub_thread.start()
