# The notes' "simple chat tool", client side, copied as it is: connect, then take turns:
# input() is our message, sent bare, one recv(1024) is the server's; the chat ends when
# either side's message is exactly "byebye" (compared without strip).
# The one deviation: HOST and PORT come from the command line.
# Usage: python3 notes_chat_client.py HOST PORT      (type the messages, or pipe them in)
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((sys.argv[1], int(sys.argv[2])))
while True:
    msg = input()
    s.sendall(msg.encode())
    if msg == 'byebye':
        break
    info = s.recv(1024).decode()
    print('Received:', info)
    if info == 'byebye':
        break
s.close()
