# The notes' "UDP" section, receiver side, copied as it is: bind, then recvfrom(1024) in a
# loop, each datagram printed with the sender's port and address; "exit" ends it.
# The one deviation: PORT comes from the command line (0: the OS picks one; the notes use
# 5000), and the first line printed is "Listening on port N", flushed.
# Usage: python3 notes_udp_receiver.py [PORT]
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('', int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
print('Listening on port', s.getsockname()[1], flush=True)
while True:
    data, addr = s.recvfrom(1024)
    print('received message:{0} from PORT {1} on {2}'.format(data.decode(), addr[1], addr[0]))
    if data.decode() == 'exit':
        break
s.close()
