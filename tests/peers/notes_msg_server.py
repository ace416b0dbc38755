# The notes' message server (the article on the OSI model, network protocols and TCP: the
# "Server:" that answers "Receive your message"), as the notes have it: their code lost
# its line breaks, restored here; nothing else changed but this, marked "the notes:" where
# it is:
# - PORT comes from the command line (the notes' 8888 without it; 0: the OS picks one);
# - the first line printed is "Listening on port N", flushed, so that a test (or you) knows
#   where to connect.
# One client: each recv(1024) is printed as "Receive TEXT" and answered with the bytes
# "Receive your message" ("send 20" printed); when the client leaves, it sends "Bey" to the
# closed connection, closes and exits. The comments are the notes' own, in Chinese.
# Usage: python3 notes_msg_server.py [PORT]
from socket import *
import sys  # (not in the notes: for PORT)
# 创建套接字
sockfd = socket(AF_INET, SOCK_STREAM)
# 绑定地址
sockfd.bind(("0.0.0.0", int(sys.argv[1]) if len(sys.argv) > 1 else 8888))  # the notes: ("0.0.0.0", 8888)
# 设置监听
sockfd.listen(5)
print("Listening on port", sockfd.getsockname()[1], flush=True)  # (not in the notes)
# 等待客户端链接
print("waiting for connect....")
conn, addr = sockfd.accept()
print("Connect from", addr)
print("Connect from", conn)
# 消息收发
while True:
    data = conn.recv(1024)
    if data.decode() == "":
        n = conn.send(b"Bey")
        break
    print("Receive", data.decode())
    n = conn.send(b"Receive your message")
    print("send %d" % n)
# 关闭套接字
conn.close()
sockfd.close()
