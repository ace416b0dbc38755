# The notes' "Msg>>" client, copied as it is: input("Msg>>") for each message, an empty
# line ends it, a bare send, one recv(1024) printed as text.
# The one deviation: HOST and PORT come from the command line.
# Usage: python3 notes_msg_client.py HOST PORT      (type the messages, or pipe them in)
import socket
import sys

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((sys.argv[1], int(sys.argv[2])))
while True:
    msg = input("Msg>>")
    if not msg:
        break
    client.send(msg.encode())
    data = client.recv(1024)
    print(data.decode())
client.close()
