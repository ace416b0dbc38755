# The notes' TCP server ("7, TCP server program development", "2.TCP server program example
# code"), as the notes have it: their code lost its line breaks, restored here; nothing
# else changed but this, marked "the notes:" where it is:
# - PORT comes from the command line (the notes' 8989 without it; 0: the OS picks one);
# - the first line printed is "Listening on port N", flushed, so that a test (or you) knows
#   where to connect.
# One client, one recv(1024), the length and the text (gbk) printed, the reply
# "ok, The problem is being handled..." (gbk), then both sockets closed: it exits.
# Usage: python3 notes_tcp_server.py [PORT]
import socket
import sys  # (not in the notes: for PORT)
if __name__ == '__main__':
    # Create tcp server socket
    tcp_server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Set the port number reuse, let the program exit, and release the port number immediately
    tcp_server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True)
    # Bind port number to program
    tcp_server_socket.bind(("", int(sys.argv[1]) if len(sys.argv) > 1 else 8989))  # the notes: ("", 8989)
    # Set listening
    # 128: the maximum number of connections waiting to be established. Prompt: at present, it is a single task server, which can only serve one client at a time. The subsequent use of multitasking can enable the server to serve multiple clients at the same time,
    # There is no need for the client to wait to establish a connection
    # The socket after listen is only responsible for receiving client connection requests and cannot send and receive messages. The new socket returned is used to send and receive messages
    tcp_server_socket.listen(128)
    print("Listening on port", tcp_server_socket.getsockname()[1], flush=True)  # (not in the notes)
    # Wait for the client to establish a connection. The code will unblock and continue to execute only after the client and server establish a connection successfully
    # 1. Socket dedicated to communication with client: service_client_socket
    # 2. ip address and port number of the client: ip_port
    service_client_socket, ip_port = tcp_server_socket.accept()
    # This code indicates that the connection is established successfully
    print("Client ip Address and port number:", ip_port)
    # Receive the data sent by the client. The maximum number of bytes of data received this time is 1024
    recv_data = service_client_socket.recv(1024)
    # Gets the length of the data
    recv_data_length = len(recv_data)
    print("The length of the received data is:", recv_data_length)
    # Decoding binary data
    recv_content = recv_data.decode("gbk")
    print("The data received from the client is:", recv_content)
    # Ready to send data
    send_data = "ok, The problem is being handled...".encode("gbk")
    # Send data to client
    service_client_socket.send(send_data)
    # Close the socket between the service and the client, and terminate the service communicating with the client
    service_client_socket.close()
    # Close the socket of the server and terminate the service of establishing connection request with the client
    tcp_server_socket.close()
