# The notes' dictionary server (the "protocols, UDP, dictionary" article), copied as it
# is: one client at a time, one recv(1024) is one question, compared as it is (no strip),
# answered with words.get(data, 'no').
# The one deviation: PORT comes from the command line (0: the OS picks one), and the first
# line printed is "Listening on port N", flushed, so a test knows where to connect.
# Usage: python3 notes_dict_server.py [PORT]
import socket
import sys

words = {'how are u': 'fine', 'how old are u': 'nicai', 'bye': 'bye'}
HOST = ''
PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 50007
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((HOST, PORT))
s.listen(1)
print('Listening on port', s.getsockname()[1], flush=True)
while True:
    conn, addr = s.accept()
    print('Connected by', addr)
    while True:
        data = conn.recv(1024)
        if not data:
            break
        data = data.decode()
        print('Received message:', data)
        conn.sendall(words.get(data, 'no').encode())
    conn.close()
