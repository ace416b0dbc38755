# The notes' thread-per-client server ("9, Case list - multitasking TCP server program",
# "3. Example code of multitasking TCP server program"), as the notes have it: their code
# lost its line breaks, restored here; nothing else changed but this, marked "the notes:"
# where it is:
# - PORT comes from the command line (the notes' 9090 without it; 0: the OS picks one);
# - the first line printed is "Listening on port N", flushed, so that a test (or you) knows
#   where to connect.
# Each client gets a daemon thread that answers every recv(1024) with the same fixed text,
# "ok,The problem is being handled..." (gbk, no line ending). Python 3.10 and later warn
# once on stderr that setDaemon() is deprecated: the notes' line, kept.
# Usage: python3 notes_mt_server.py [PORT]
import socket
import sys  # (not in the notes: for PORT)
import threading


# Handle the requested operation of the client
def handle_client_request(service_client_socket, ip_port):
    # Loop receiving data sent by the client
    while True:
        # Receive data sent by client
        recv_data = service_client_socket.recv(1024)
        # if statements can be directly used to judge whether there is data in the container type. if there is data in the container type, the condition is valid, otherwise the condition fails
        # Container type: list, dictionary, tuple, string, set, range, binary data
        if recv_data:
            print(recv_data.decode("gbk"), ip_port)
            # reply
            service_client_socket.send("ok,The problem is being handled...".encode("gbk"))
        else:
            print("The client is offline:", ip_port)
            break
    # Terminate communication with client
    service_client_socket.close()


if __name__ == '__main__':
    # Create tcp server socket
    tcp_server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Set the port number reuse, let the program exit, and release the port number immediately
    tcp_server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True)
    # Binding port number
    tcp_server_socket.bind(("", int(sys.argv[1]) if len(sys.argv) > 1 else 9090))  # the notes: ("", 9090)
    # Set listening. The socket after listening is a passive socket and is only responsible for receiving connection requests from clients
    tcp_server_socket.listen(128)
    print("Listening on port", tcp_server_socket.getsockname()[1], flush=True)  # (not in the notes)
    # Cycle waiting to receive the connection request from the client
    while True:
        # Waiting to receive the connection request from the client
        service_client_socket, ip_port = tcp_server_socket.accept()
        print("Client connection succeeded:", ip_port)
        # When the connection between the client and the server is successful, a sub thread needs to be created, and different sub threads are responsible for receiving messages from different clients
        sub_thread = threading.Thread(target=handle_client_request, args=(service_client_socket, ip_port))
        # Set daemon main thread
        sub_thread.setDaemon(True)
        # Start child thread
        sub_thread.start()
    # The tcp server socket does not need to be closed because the server program needs to be running all the time
    # tcp_server_socket.close()
