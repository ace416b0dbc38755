# The notes' message server ("Receive your message"), copied as it is: one client at a
# time, one recv(1024) is one message, every message answered with a bare reply.
# The one deviation: PORT comes from the command line (0: the OS picks one), and the first
# line printed is "Listening on port N", flushed, so a test knows where to connect.
# Usage: python3 notes_msg_server.py [PORT]
import socket
import sys

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('', int(sys.argv[1]) if len(sys.argv) > 1 else 8080))
server.listen(5)
print('Listening on port', server.getsockname()[1], flush=True)
while True:
    conn, addr = server.accept()
    print('Connected by', addr)
    while True:
        data = conn.recv(1024)
        if not data:
            break
        print('Message from the client:', data.decode())
        conn.send('Receive your message'.encode())
    conn.close()
