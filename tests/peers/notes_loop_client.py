# The notes' looping TCP client ("4.2 create TCP client", the article on TCP/IP and UDP), as
# the notes have it: their code lost its line breaks, restored here; nothing else changed
# but this, marked "the notes:" where it is:
# - HOST and PORT come from the command line (import sys for them).
# It prompts "Please enter the data to send:", sends what you type (utf-8, no line ending),
# prints one recv(1024) as "Received data: ..."; "exit" ends it, unsent. Fed from a pipe,
# each prompt is printed all the same, and the reply follows it on the same line.
# Usage: python3 notes_loop_client.py HOST PORT      (type the messages, or pipe them in)
import socket
import sys  # (not in the notes: for HOST and PORT)

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
host = sys.argv[1]  # the notes: "127.0.0.1"
port = int(sys.argv[2])  # the notes: 8080
s.connect((host, port))
while True:
    send_data = input("Please enter the data to send:")
    if send_data == "exit":
        break
    s.send(send_data.encode("utf-8"))
    recvData = s.recv(1024).decode("utf-8")  # Maximum receive 1024 bytes
    print("Received data:", recvData)
s.close()
