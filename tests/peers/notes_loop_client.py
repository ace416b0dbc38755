# The notes' "TCP client in a loop" section, copied as it is: input() for each message,
# "exit" ends it, a bare send, one recv(1024) printed as text.
# The one deviation: HOST and PORT come from the command line.
# Usage: python3 notes_loop_client.py HOST PORT      (type the messages, or pipe them in)
import socket
import sys

if __name__ == '__main__':
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.connect((sys.argv[1], int(sys.argv[2])))
    while True:
        data = input()
        if data == "exit":
            break
        client.send(data.encode())
        print(client.recv(1024).decode())
    client.close()
