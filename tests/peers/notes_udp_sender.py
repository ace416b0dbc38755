# The notes' "UDP" section, sender side, copied as it is: no connection, each message one
# bare sendto; nothing tells the sender whether anybody received it.
# The one deviation: HOST and PORT come from the command line (the notes write them in).
# Usage: python3 notes_udp_sender.py HOST PORT MESSAGE...
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for message in sys.argv[3:]:
    s.sendto(message.encode(), (sys.argv[1], int(sys.argv[2])))
s.close()
