# The notes' "TCP client" section (create socket -> connect -> send -> receive -> close),
# copied as it is: a bare send, one recv(1024), the reply printed as bytes and as text.
# The one deviation: HOST and PORT come from the command line.
# Usage: python3 notes_tcp_client.py HOST PORT
import socket
import sys

if __name__ == '__main__':
    # 1. Create the socket
    tcp_client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # 2. Connect to the server
    tcp_client_socket.connect((sys.argv[1], int(sys.argv[2])))
    # 3. Send data
    send_content = "Hello, server, I'm client Xiaohei!"
    send_data = send_content.encode("utf-8")
    tcp_client_socket.send(send_data)
    # 4. Receive data: at most 1024 bytes
    recv_data = tcp_client_socket.recv(1024)
    print(recv_data)
    recv_content = recv_data.decode("utf-8")
    print("Received from the server:", recv_content)
    # 5. Close the socket
    tcp_client_socket.close()
