# The notes' "TCP server" section (socket -> SO_REUSEADDR -> bind -> listen -> accept ->
# recv -> send -> close), copied as it is: one client, one recv(1024), a bare reply.
# The one deviation: PORT comes from the command line (0: the OS picks one), and the first
# line printed is "Listening on port N", flushed, so a test knows where to connect.
# Usage: python3 notes_tcp_server.py [PORT]
import socket
import sys

if __name__ == '__main__':
    # 1. Create the socket
    tcp_server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # 2. Reuse the port at once when the program exits
    tcp_server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True)
    # 3. Bind the port
    tcp_server_socket.bind(("", int(sys.argv[1]) if len(sys.argv) > 1 else 8989))
    # 4. Listen
    tcp_server_socket.listen(128)
    print("Listening on port", tcp_server_socket.getsockname()[1], flush=True)
    # 5. Wait for a client: a new socket for this client, and its address
    service_client_socket, ip_port = tcp_server_socket.accept()
    print("Client address:", ip_port)
    # 6. Receive the client's data: at most 1024 bytes
    recv_data = service_client_socket.recv(1024)
    print("Length of the data received:", len(recv_data))
    recv_content = recv_data.decode("utf-8")
    print("Received from the client:", recv_content)
    # 7. Send the reply
    send_content = "ok, the problem is being handled..."
    service_client_socket.send(send_content.encode("utf-8"))
    # 8. Close the sockets
    service_client_socket.close()
    tcp_server_socket.close()
