# The notes' dictionary server (the article on protocols, UDP and TCP: "TCP programming",
# "# Server"), as the notes have it: their code lost its line breaks, restored here;
# nothing else changed but this, marked "the notes:" where it is:
# - PORT comes from the command line (the notes' 50007 without it; 0: the OS picks one, and
#   the notes' print('port',PORT) then says "port 0");
# - the first line printed is "Listening on port N", flushed, so that a test (or you) knows
#   where to connect.
# One client only: each recv(1024), compared as it is, is answered with
# words.get(data,'no'): "fine", "nicai" or "no" (so "bye" gets "no"); when that client
# leaves, the server closes and exits.
# Usage: python3 notes_dict_server.py [PORT]
"""
use TCP Protocol communication needs to first establish a connection between the client and the server, and close the connection after the communication is completed to release resources
TCP The agreement can provide more than UDP The protocol has better service quality and the communication reliability has been essentially improved
connect: Connect to remote computer
sendall: send data
recv: Sister search data
bind: Binding address
listen: Listening port
accept: Request from corresponding client
"""
# Server
import socket
import sys
words = {
    'how are u':'fine',
    'how old are u':'nicai'
}
HOST=''
PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 50007  # the notes: PORT = 50007
# SOCK_STREAM:TCP
s = socket.socket(socket.AF_INET,socket.SOCK_STREAM)
# Bind socket
s.bind((HOST,PORT))
# Start listening
s.listen(1)
print('Listening on port', s.getsockname()[1], flush=True)  # (not in the notes)
print('port',PORT)
conn,addr = s.accept()
print('addr',addr)
while True:
    data = conn.recv(1024)
    data = data.decode()
    if not data:
        break
    print('data',data)
    conn.sendall(words.get(data,'no').encode())
conn.close()
s.close()
