# The notes' UDP receiver (the article on protocols, UDP and TCP: "UDP programming", the
# first half of its listing), as the notes have it: their code lost its line breaks,
# restored here; nothing else changed but this, marked "the notes:" where it is:
# - PORT comes from the command line (the notes' 5000 without it; 0: the OS picks one);
# - the first line printed is "Listening on port N", flushed, so that a test (or you) knows
#   where to send.
# Each datagram (recvfrom(1024)) is printed as "TEXT PORT ADDRESS": the text, the sender's
# port and address. It never stops by itself (the notes' docstring says a string ends it;
# the code has no such test): stop it with Ctrl-C.
# Usage: python3 notes_udp_receiver.py [PORT]
"""
The sending end sends a string, and the receiving end listens on the local port 5000 and displays the received content. If the string is received, the listening ends
"""
import socket
import sys  # (not in the notes: for PORT)
# Use IPv4 protocol and udp protocol to transmit data_ INET:ipv4 AF_ INET6:ipv6 SOCK_ DGRAM:udp
s = socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
# Bind port and port number. An empty string indicates any available ip address of the machine
s.bind(('',int(sys.argv[1]) if len(sys.argv) > 1 else 5000))  # the notes: s.bind(('',5000))
print('Listening on port', s.getsockname()[1], flush=True)  # (not in the notes)
while True:
    data,addr = s.recvfrom(1024)
    # Display received content
    print(data.decode(),addr[1],addr[0])
s.close()
