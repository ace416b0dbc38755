# The notes' simple chat tool, client side ("4.3 simple chat tools", the article on TCP/IP
# and UDP), as the notes have it: their code lost its line breaks, restored here; nothing
# else changed but this, marked "the notes:" where it is:
# - HOST and PORT come from the command line (import sys for them).
# Turns: you type at the prompt "Please enter the data to send:", then one recv(1024) is the
# server's message, printed as "Data received from server: ...". "byebye" from either side
# ends it.
# Usage: python3 notes_chat_client.py HOST PORT      (type the messages, or pipe them in)
import socket
import sys  # (not in the notes: for HOST and PORT)

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
host = sys.argv[1]  # the notes: socket.gethostname()
port = int(sys.argv[2])  # the notes: 12345
s.connect((host, port))
print("Connected to server")
info = ''
while info != 'byebye':
    send_data = input("Please enter the data to send:")
    s.send(send_data.encode())
    if send_data == 'byebye':
        break
    info = s.recv(1024).decode()
    print("Data received from server:", info)
s.close()
