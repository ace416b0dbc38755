# The notes' UDP sender (the article on protocols, UDP and TCP: "UDP programming", the
# second half of its listing, which the notes label "Receiving end:"), as the notes have
# it: their code lost its line breaks, restored here; nothing else changed but this, marked
# "the notes:" where it is:
# - HOST and PORT come from the command line, after the message (the notes' sys.argv[1]):
#   the notes write ('ip','port') for you to fill in;
# - "import socket": the notes' sender shares one listing with the receiver above it and
#   uses the receiver's import.
# One datagram, MESSAGE, one sendto; it prints nothing and learns nothing of the receiver.
# Usage: python3 notes_udp_sender.py MESSAGE HOST PORT
"""
Receiving end:
"""
import socket  # (not in the notes' sender: see above)
import sys
s = socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
s.sendto(sys.argv[1].encode(),(sys.argv[2], int(sys.argv[3])))  # the notes: ('ip','port')
s.close()
