# The notes' simple chat tool, server side ("4.3 simple chat tools", the article on TCP/IP
# and UDP), as the notes have it: their code lost its line breaks, restored here; nothing
# else changed but this, marked "the notes:" where it is:
# - PORT comes from the command line (the notes' 12345 without it; 0: the OS picks one), and
#   HOST after it (without it the notes' socket.gethostname(): the address your host name
#   resolves to, which may not be 127.0.0.1; give 127.0.0.1 to be sure);
# - the first line printed is "Listening on port N", flushed, so that a test (or you) knows
#   where to connect.
# One client; turns: its message (one recv(1024)), then yours, typed at the prompt "Please
# enter the information to send:". "byebye" from either side ends it. A client that leaves
# without "byebye" is not noticed: recv returns "" for ever and the loop goes on prompting.
# Usage: python3 notes_chat_server.py [PORT [HOST]]      (type the replies, or pipe them in)
import socket
import sys  # (not in the notes: for HOST and PORT)

host = sys.argv[2] if len(sys.argv) > 2 else socket.gethostname()  # the notes: socket.gethostname()
port = int(sys.argv[1]) if len(sys.argv) > 1 else 12345  # the notes: 12345
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind((host, port))
s.listen(1)
print("Listening on port", s.getsockname()[1], flush=True)  # (not in the notes)
sock, addr = s.accept()
print('Establish connection:', addr)
info = sock.recv(1024).decode()
while info != "byebye":
    if info:
        print("Receive the message:", info)
    send_data = input("Please enter the information to send:")
    sock.send(send_data.encode())
    if send_data == "byebye":
        break
    info = sock.recv(1024).decode()
sock.close()
s.close()
