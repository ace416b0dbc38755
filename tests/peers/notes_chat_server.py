# The notes' "simple chat tool", server side, copied as it is: accept one client, then take
# turns: one recv(1024) is the client's message, input() is ours, sent bare; the chat ends
# when either side's message is exactly "byebye" (compared without strip).
# The one deviation: PORT comes from the command line (0: the OS picks one), and the first
# line printed is "Listening on port N", flushed, so a test knows where to connect.
# Usage: python3 notes_chat_server.py [PORT]      (type the replies, or pipe them in)
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(('', int(sys.argv[1]) if len(sys.argv) > 1 else 12345))
s.listen(1)
print('Listening on port', s.getsockname()[1], flush=True)
conn, addr = s.accept()
print('Connected by', addr)
while True:
    info = conn.recv(1024).decode()
    print('Received:', info)
    if info == 'byebye':
        break
    msg = input()
    conn.sendall(msg.encode())
    if msg == 'byebye':
        break
conn.close()
s.close()
