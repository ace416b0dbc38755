# The notes' TCP client ("6, TCP client program development", "2.TCP client program example
# code"), as the notes have it: their code lost its line breaks, restored here; nothing
# else changed but this, marked "the notes:" where it is:
# - HOST and PORT come from the command line (import sys for them).
# It sends "Hello, server, I'm client Xiaohei!" encoded with gbk, prints the reply's bytes,
# then "The data of the receiving server is: " and the reply decoded with gbk.
# Usage: python3 notes_tcp_client.py HOST PORT
import socket
import sys  # (not in the notes: for HOST and PORT)
if __name__ == '__main__':
    # Create tcp client socket
    # 1. AF_INET: indicates ipv4
    # 2. SOCK_STREAM: tcp transport protocol
    tcp_client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Establish connection with server application
    tcp_client_socket.connect((sys.argv[1], int(sys.argv[2])))  # the notes: ("192.168.131.62", 8080)
    # When the code is executed to this point, the connection is established successfully
    # Ready to send data
    send_data = "Hello, server, I'm client Xiaohei!".encode("gbk")
    # send data
    tcp_client_socket.send(send_data)
    # Receive data. The maximum number of bytes of data received this time is 1024
    recv_data = tcp_client_socket.recv(1024)
    # The returned data is directly the binary data sent by the server program
    print(recv_data)
    # Decode data
    recv_content = recv_data.decode("gbk")
    print("The data of the receiving server is:", recv_content)
    # Close socket
    tcp_client_socket.close()
