# The notes' dictionary client (the "protocols, UDP, dictionary" article), copied as it
# is: each question is a bare sendall, each answer one recv(1024), "bye" ends it.
# The one deviation: HOST and PORT come from the command line.
# Usage: python3 notes_dict_client.py HOST PORT
import socket
import sys

HOST = sys.argv[1]
PORT = int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((HOST, PORT))
for c in ['how are u', 'how old are u', 'where are u', 'bye']:
    s.sendall(c.encode())
    data = s.recv(1024)
    data = data.decode()
    print('Received:', data)
    if c == 'bye':
        break
s.close()
