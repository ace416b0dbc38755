# The notes' "multitask TCP server" (notes_mt_server.py) as lesson 04's `make bench` measures
# it against `mt_server -q`. Not a lesson: a measuring stick, in the notes' style.
# Usage: python3 bench_mt_server.py [PORT]      (0: the OS picks; first line "Listening on port N")
#
# As the notes: the main thread accepts, every client gets a thread (daemon=True) that
# answers each recv(1024) with one bare send until the client goes offline.
# What differs, and why:
# - The reply is "ok, the problem is being handled: " + the message as received, so it
#   carries the message's own "\n" and load_client can check it (mt_server answers so).
# - No print per message, like `mt_server -q`: the bench compares the designs, not logs.
# - listen(1024) instead of 128: the bench opens 1,000 connections at once.
# - PORT from the command line, and "Listening on port N" first, flushed.
import socket
import sys
import threading


def handle_client_request(service_client_socket, ip_port):
    while True:
        recv_data = service_client_socket.recv(1024)
        if recv_data:
            service_client_socket.send(b"ok, the problem is being handled: " + recv_data)
        else:
            print("The client is offline:", ip_port)
            break
    service_client_socket.close()


if __name__ == '__main__':
    tcp_server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp_server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True)
    tcp_server_socket.bind(("", int(sys.argv[1]) if len(sys.argv) > 1 else 9090))
    tcp_server_socket.listen(1024)
    print("Listening on port", tcp_server_socket.getsockname()[1], flush=True)
    while True:
        service_client_socket, ip_port = tcp_server_socket.accept()
        sub_thread = threading.Thread(target=handle_client_request,
                                      args=(service_client_socket, ip_port), daemon=True)
        sub_thread.start()
