# The notes' "Msg>>" client (the article on the OSI model, network protocols and TCP:
# "Client:", "# tcp_client.py"), as the notes have it: their code lost its line breaks,
# restored here; nothing else changed but this, marked "the notes:" where it is:
# - HOST and PORT come from the command line (import sys for them).
# Each message is typed at the prompt "Msg>>" (fed from a pipe, the prompt is printed all
# the same and the reply follows it on the same line), sent bare; one recv(1024) is
# printed as it is; an empty line ends it.
# Usage: python3 notes_msg_client.py HOST PORT      (type the messages, or pipe them in)
# tcp_client.py
from socket import *
import sys  # (not in the notes: for HOST and PORT)
sockfd = socket()
sockfd.connect((sys.argv[1], int(sys.argv[2])))  # the notes: ("172.18.32.31", 8888)
while True:
    msg = input("Msg>>")
    if msg == "":
        break
    sockfd.send(msg.encode())
    data = sockfd.recv(1024)
    # if msg == "Bye":
    #     break
    print(data.decode())
sockfd.close()
