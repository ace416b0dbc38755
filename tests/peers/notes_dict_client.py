# The notes' dictionary client (the article on protocols, UDP and TCP: "TCP programming",
# "# client"), as the notes have it: their code lost its line breaks, restored here;
# nothing else changed but this, marked "the notes:" where it is:
# - HOST and PORT come from the command line;
# - "import socket" and "import sys": the notes' client shares one listing with the server
#   above it and uses the server's imports.
# Each question is typed at the prompt "s" (fed from a pipe, the prompt is printed all the
# same and the answer follows it on the same line), sent bare; one recv(1024) is printed as
# "data ..."; "bye" (any case) ends it after its answer. A refused connection exits
# quietly (status 0), as the notes' except clause does.
# Usage: python3 notes_dict_client.py HOST PORT      (type the questions, or pipe them in)
import socket  # (not in the notes' client: see above)
import sys  # (the same)

# client
HOST=sys.argv[1] # Server host (the notes: HOST='')
PORT=int(sys.argv[2]) # Server port (the notes: PORT=50007)
s = socket.socket(socket.AF_INET,socket.SOCK_STREAM)
try:
    s.connect((HOST,PORT))  # Connect server
except Exception as e:
    sys.exit()
while True:
    c = input('s')
    s.sendall(c.encode())
    data = s.recv(1024)
    data = data.decode()
    print('data',data)
    if c.lower() == 'bye':
        break
s.close()
