#!/usr/bin/env bats
# Interop: our programs against real peers, both ways (issue 9, part 4). This file: the
# notes' Python programs. nc, curl and Chromium are in interop-tools.bats; the helpers of
# both files are in interop_helper.bash (split so the two halves run side by side).
#
# - tests/peers/notes_*.py: the notes' Python programs as the notes have them (a bare send,
#   one recv(1024) as one message, comparisons without strip, input() fed from a pipe, its
#   prompt printed all the same), only the host and port from the command line.
#   Every pairing runs both ways: the notes' client against our server, our client against
#   the notes' server. A control test runs the notes' programs against each other, so a
#   failure elsewhere is ours, not the peer's.
# Each test skips without python3; CI installs it (.ci/run), so none skips there.

load test_helper
load interop_helper

# ================================================================ the notes' own peers

@test "control: the notes' Python programs talk to each other (so a failure below is ours)" {
  need_python
  notes_server "$W/dict.log" notes_dict_server
  run -0 timeout "$T" "$PY" "$PEERS/notes_dict_client.py" 127.0.0.1 "$SERVER_PORT" \
    <<<$'how are u\nhow old are u\nwhere are u\nbye'
  assert_output $'sdata fine\nsdata nicai\nsdata no\nsdata no' # (its prompt is "s")
  expect_exit 0 "$SERVER_PID" "notes_dict_server" # (one client, then it exits)

  notes_server "$W/msg.log" notes_msg_server
  run -0 timeout "$T" "$PY" "$PEERS/notes_msg_client.py" 127.0.0.1 "$SERVER_PORT" <<<$'hi\nagain\n'
  assert_output "Msg>>$NOTES_MSG_OK
Msg>>$NOTES_MSG_OK
Msg>>"
  expect_exit 0 "$SERVER_PID" "notes_msg_server" # (one client, then it exits)

  notes_server "$W/mt.log" notes_mt_server
  run -0 timeout "$T" "$PY" "$PEERS/notes_loop_client.py" 127.0.0.1 "$SERVER_PORT" <<<$'hi\nexit'
  assert_output "${ASK}Received data: $NOTES_MT_OK
$ASK"

  notes_server "$W/tcp.log" notes_tcp_server
  run -0 timeout "$T" "$PY" "$PEERS/notes_tcp_client.py" 127.0.0.1 "$SERVER_PORT"
  assert_output "b'$NOTES_REPLY'
The data of the receiving server is: $NOTES_REPLY"
  expect_exit 0 "$SERVER_PID" "notes_tcp_server"

  printf 'hi client\nbyebye\n' >"$W/chat.typed"
  notes_server "$W/chat.log" notes_chat_server "$W/chat.typed" 127.0.0.1
  run -0 timeout "$T" "$PY" "$PEERS/notes_chat_client.py" 127.0.0.1 "$SERVER_PORT" <<<$'hello\nhow are you?'
  assert_output "Connected to server
${ASK}Data received from server: hi client
${ASK}Data received from server: byebye"
  expect_exit 0 "$SERVER_PID" "notes_chat_server"

  # The notes' UDP sender sends one message (its first operand); the receiver never stops.
  notes_server "$W/udp.log" notes_udp_receiver
  run -0 timeout "$T" "$PY" "$PEERS/notes_udp_sender.py" hello 127.0.0.1 "$SERVER_PORT"
  assert_equal "" "$output" "notes_udp_sender's output"
  wait_for_line "$SERVER_LOG" '^hello [0-9]+ 127\.0\.0\.1$'
}

# ================================================================ one shot: tcp_client, tcp_server

@test "notes' tcp client -> tcp_server: a bare message gets a bare reply; the server exits 0" {
  need_python
  start_server "$W/server.log" "$L03/tcp_server" 0
  run -0 timeout "$T" "$PY" "$PEERS/notes_tcp_client.py" 127.0.0.1 "$SERVER_PORT"
  assert_output "b'$REPLY'
The data of the receiving server is: $REPLY"
  expect_exit 0 "$SERVER_PID" "tcp_server"
  assert_file_line "$SERVER_LOG" "Received 34 bytes: $MESSAGE"
  assert_file_line "$SERVER_LOG" "Sent: $REPLY"
}

@test "tcp_client -> notes' tcp server: the message arrives bare (34 bytes), the reply is shown" {
  need_python
  notes_server "$W/notes.log" notes_tcp_server
  run -0 timeout "$T" "$L02/tcp_client" 127.0.0.1 "$SERVER_PORT"
  assert_line "Sent 34 bytes: $MESSAGE"
  assert_line "Received 35 bytes: b'$NOTES_REPLY'"
  assert_line "As text: $NOTES_REPLY"
  expect_exit 0 "$SERVER_PID" "notes_tcp_server"
  assert_file_line "$SERVER_LOG" "The length of the received data is: 34"
  assert_file_line "$SERVER_LOG" "The data received from the client is: $MESSAGE"
}

# ================================================================ dictionary: dict_server

@test "notes' dictionary client -> dict_server: fine, nicai, no, bye" {
  need_python
  start_server "$W/server.log" "$L03/dict_server" 0
  run -0 timeout "$T" "$PY" "$PEERS/notes_dict_client.py" 127.0.0.1 "$SERVER_PORT" \
    <<<$'how are u\nhow old are u\nwhere are u\nbye\nnever sent'
  assert_output $'sdata fine\nsdata nicai\nsdata no\nsdata bye' # (its prompt is "s")
  wait_for_line "$SERVER_LOG" '^Client left: '
  assert_file_line "$SERVER_LOG" "Received: where are u"
  assert_file_line "$SERVER_LOG" "Sent: no"
  kill -0 "$SERVER_PID" # still serving, ready for the next client
}

@test "notes' loop client -> dict_server: replies until it types exit" {
  need_python
  start_server "$W/server.log" "$L03/dict_server" 0
  run -0 timeout "$T" "$PY" "$PEERS/notes_loop_client.py" 127.0.0.1 "$SERVER_PORT" \
    <<<$'how are u\nhow old are u\nwhere are u\nexit\nnever sent'
  assert_output "${ASK}Received data: fine
${ASK}Received data: nicai
${ASK}Received data: no
$ASK"
  wait_for_line "$SERVER_LOG" '^Client left: '
  run grep -c '^Received: ' "$SERVER_LOG"
  assert_output 3
}

@test "tcp_client_loop -> notes' dictionary server: fine, nicai, no, and bye (answered no) ends it" {
  need_python
  notes_server "$W/notes.log" notes_dict_server
  run -0 timeout "$T" "$L02/tcp_client_loop" 127.0.0.1 "$SERVER_PORT" \
    <<<$'how are u\nhow old are u\nwhere are u\nbye\nnever sent'
  assert_output $'Connected to server\nServer: fine\nServer: nicai\nServer: no\nServer: no'
  # The notes' server compared each message as it is: so nothing extra came with them.
  # It serves one client: when ours has gone, it exits.
  expect_exit 0 "$SERVER_PID" "notes_dict_server"
  run grep '^data ' "$SERVER_LOG"
  assert_output $'data how are u\ndata how old are u\ndata where are u\ndata bye'
}

@test "tcp_client_loop -> notes' dictionary server: exit ends it without sending" {
  need_python
  notes_server "$W/notes.log" notes_dict_server
  run -0 timeout "$T" "$L02/tcp_client_loop" 127.0.0.1 "$SERVER_PORT" <<<$'how are u\nexit\nnever sent'
  assert_output $'Connected to server\nServer: fine'
  # The notes' server saw the client leave (recv returned nothing) and exited.
  expect_exit 0 "$SERVER_PID" "notes_dict_server"
  run grep '^data ' "$SERVER_LOG"
  assert_output 'data how are u'
}

# ================================================================ the Msg>> client and server

@test "notes' Msg>> client -> dict_server, mt_server and tcp_server: stops on an empty line" {
  need_python
  start_server "$W/dict.log" "$L03/dict_server" 0
  run -0 timeout "$T" "$PY" "$PEERS/notes_msg_client.py" 127.0.0.1 "$SERVER_PORT" \
    <<<$'how are u\nwhat?\n\nnever sent'
  assert_output $'Msg>>fine\nMsg>>no\nMsg>>'
  wait_for_line "$SERVER_LOG" '^Client left: '

  start_server "$W/mt.log" "$L04/mt_server" 0
  run -0 timeout "$T" "$PY" "$PEERS/notes_msg_client.py" 127.0.0.1 "$SERVER_PORT" \
    <<<$'hello\nmy printer is on fire\n\nnever sent'
  assert_output "Msg>>${MT_OK}hello
Msg>>${MT_OK}my printer is on fire
Msg>>"
  wait_for_line "$SERVER_LOG" '^Client offline: '

  start_server "$W/tcp.log" "$L03/tcp_server" 0
  run -0 timeout "$T" "$PY" "$PEERS/notes_msg_client.py" 127.0.0.1 "$SERVER_PORT" <<<$'hello\n\n'
  assert_output "Msg>>$REPLY
Msg>>"
  expect_exit 0 "$SERVER_PID" "tcp_server"
}

@test "tcp_client_loop -> notes' message server: every message answered; an empty line ends it" {
  need_python
  notes_server "$W/notes.log" notes_msg_server
  run -0 timeout "$T" "$L02/tcp_client_loop" 127.0.0.1 "$SERVER_PORT" <<<$'hello\nhow are u\n\nnever sent'
  assert_output "Connected to server
Server: $NOTES_MSG_OK
Server: $NOTES_MSG_OK"
  # The notes' server serves one client: when ours has gone, it exits.
  expect_exit 0 "$SERVER_PID" "notes_msg_server"
  run grep '^Receive \|^send ' "$SERVER_LOG"
  assert_output $'Receive hello\nsend 20\nReceive how are u\nsend 20'
  # and exit ends it too
  notes_server "$W/notes2.log" notes_msg_server
  run -0 timeout "$T" "$L02/tcp_client_loop" 127.0.0.1 "$SERVER_PORT" <<<$'one more\nexit\nnever sent'
  assert_output "Connected to server
Server: $NOTES_MSG_OK"
  expect_exit 0 "$SERVER_PID" "notes_msg_server"
}

# ================================================================ thread per client: mt_server

@test "tcp_client_loop -> notes' thread-per-client server: two clients served at once" {
  need_python
  notes_server "$W/notes.log" notes_mt_server
  start_typist alice "$L02/tcp_client_loop" 127.0.0.1 "$SERVER_PORT"
  local alice=$TYPIST_PID alice_fd=$TYPIST_FD
  start_typist bob "$L02/tcp_client_loop" 127.0.0.1 "$SERVER_PORT"
  local bob=$TYPIST_PID bob_fd=$TYPIST_FD
  type_line "$alice_fd" "alice 1"
  wait_for_line "$W/alice.out" "^Server: $NOTES_MT_OK\$"
  # Bob is answered while Alice is still connected: each has a thread.
  type_line "$bob_fd" "bob 1"
  wait_for_line "$W/bob.out" "^Server: $NOTES_MT_OK\$"
  type_line "$alice_fd" "alice 2"
  wait_for_count "$W/alice.out" "^Server: $NOTES_MT_OK\$" 2
  type_line "$alice_fd" "exit"
  type_line "$bob_fd" "exit"
  expect_exit 0 "$alice" "alice's tcp_client_loop"
  expect_exit 0 "$bob" "bob's tcp_client_loop"
  assert_file_bytes "$W/alice.out" "Connected to server
Server: $NOTES_MT_OK
Server: $NOTES_MT_OK
"
  assert_file_bytes "$W/bob.out" "Connected to server
Server: $NOTES_MT_OK
"
  # Both threads print "The client is offline:" at about the same time, and Python writes
  # each piece of a print() on its own (the text, a space, the address, the newline), so
  # the two lines can come out woven together: "The client is offline:The client is
  # offline:  ('127.0.0.1', 38886)". CI saw it. So count the pieces, not the lines.
  local msg offline
  deadline_in "$T"
  until offline=$(grep -o 'The client is offline:' "$SERVER_LOG" | wc -l); ((offline == 2)); do
    before_deadline || { echo "'The client is offline:' $offline times:" >&2; cat "$SERVER_LOG" >&2; return 1; }
    nap
  done
  for msg in "alice 1" "bob 1" "alice 2"; do
    grep -qF "$msg" "$SERVER_LOG" ||
      { echo "the notes' server did not log '$msg' as sent:" >&2; cat "$SERVER_LOG" >&2; return 1; }
  done
}

@test "notes' loop clients -> mt_server: two at once, each gets its own replies until exit" {
  need_python
  start_server "$W/server.log" "$L04/mt_server" 0
  start_typist alice "$PY" -u "$PEERS/notes_loop_client.py" 127.0.0.1 "$SERVER_PORT"
  local alice=$TYPIST_PID alice_fd=$TYPIST_FD
  start_typist bob "$PY" -u "$PEERS/notes_loop_client.py" 127.0.0.1 "$SERVER_PORT"
  local bob=$TYPIST_PID bob_fd=$TYPIST_FD
  type_line "$alice_fd" "alice 1"
  wait_for_line "$W/alice.out" "Received data: ${MT_OK}alice 1\$"
  type_line "$bob_fd" "bob 1"
  wait_for_line "$W/bob.out" "Received data: ${MT_OK}bob 1\$"
  type_line "$alice_fd" "alice 2"
  wait_for_line "$W/alice.out" "Received data: ${MT_OK}alice 2\$"
  type_line "$alice_fd" "exit"
  type_line "$bob_fd" "exit"
  expect_exit 0 "$alice" "alice's notes_loop_client"
  expect_exit 0 "$bob" "bob's notes_loop_client"
  assert_file_bytes "$W/alice.out" "${ASK}Received data: ${MT_OK}alice 1
${ASK}Received data: ${MT_OK}alice 2
$ASK"
  assert_file_bytes "$W/bob.out" "${ASK}Received data: ${MT_OK}bob 1
$ASK"
  wait_for_count "$SERVER_LOG" '^Client offline: ' 2
}

@test "notes' tcp client -> mt_server: the bare reply" {
  need_python
  start_server "$W/server.log" "$L04/mt_server" 0
  run -0 timeout "$T" "$PY" "$PEERS/notes_tcp_client.py" 127.0.0.1 "$SERVER_PORT"
  # (Python shows bytes that hold a ' between double quotes.)
  assert_output "b\"${MT_OK}$MESSAGE\"
The data of the receiving server is: ${MT_OK}$MESSAGE"
  wait_for_line "$SERVER_LOG" '^Client offline: '
}

# ================================================================ the 1:1 chat: chat_server, chat_client

@test "notes' chat client -> chat_server: the client says byebye, both stop" {
  need_python
  printf 'hi client\nfine, thanks\nnever sent\n' >"$W/server.typed"
  server_from "$W/server.typed" "$W/server.log" "$L06/chat_server" 0
  run -0 timeout "$T" "$PY" "$PEERS/notes_chat_client.py" 127.0.0.1 "$SERVER_PORT" \
    <<<$'hello server\nhow are you?\nbyebye\nnever sent'
  assert_output "Connected to server
${ASK}Data received from server: hi client
${ASK}Data received from server: fine, thanks
$ASK"
  expect_exit 0 "$SERVER_PID" "chat_server"
  assert_equal "Received: hello server
Received: how are you?
Received: byebye
The client said byebye: chat over" "$(tail -n +3 "$SERVER_LOG")" "chat_server's screen"
}

@test "notes' chat client -> chat_server: the server says byebye, both stop" {
  need_python
  printf 'hi client\nbyebye\nnever sent\n' >"$W/server.typed"
  server_from "$W/server.typed" "$W/server.log" "$L06/chat_server" 0
  run -0 timeout "$T" "$PY" "$PEERS/notes_chat_client.py" 127.0.0.1 "$SERVER_PORT" \
    <<<$'hello\nhow are you?\nnever sent'
  assert_output "Connected to server
${ASK}Data received from server: hi client
${ASK}Data received from server: byebye"
  expect_exit 0 "$SERVER_PID" "chat_server"
  assert_equal "Received: hello
Received: how are you?
You said byebye: chat over" "$(tail -n +3 "$SERVER_LOG")" "chat_server's screen"
}

@test "chat_client -> notes' chat server: the client says byebye, both stop" {
  need_python
  printf 'hi client\nfine, thanks\nnever sent\n' >"$W/server.typed"
  notes_server "$W/notes.log" notes_chat_server "$W/server.typed" 127.0.0.1
  run -0 timeout "$T" "$L06/chat_client" 127.0.0.1 "$SERVER_PORT" \
    <<<$'hello server\nhow are you?\nbyebye\nnever sent'
  assert_output "Connected to 127.0.0.1 port $SERVER_PORT
Received: hi client
Received: fine, thanks
You said byebye: chat over"
  expect_exit 0 "$SERVER_PID" "notes_chat_server"
  # (its loop ends on "byebye" without printing it)
  run grep -o 'Receive the message: .*' "$SERVER_LOG"
  assert_output $'Receive the message: hello server\nReceive the message: how are you?'
}

@test "chat_client -> notes' chat server: the server says byebye, both stop" {
  need_python
  printf 'hi client\nbyebye\nnever sent\n' >"$W/server.typed"
  notes_server "$W/notes.log" notes_chat_server "$W/server.typed" 127.0.0.1
  run -0 timeout "$T" "$L06/chat_client" 127.0.0.1 "$SERVER_PORT" <<<$'hello\nhow are you?\nnever sent'
  assert_output "Connected to 127.0.0.1 port $SERVER_PORT
Received: hi client
Received: byebye
The server said byebye: chat over"
  expect_exit 0 "$SERVER_PID" "notes_chat_server"
  run grep -o 'Receive the message: .*' "$SERVER_LOG"
  assert_output $'Receive the message: hello\nReceive the message: how are you?'
}

# ================================================================ UDP

@test "udp_sender -> notes' UDP receiver: each word one datagram, printed with the sender's port and address" {
  need_python
  notes_server "$W/notes.log" notes_udp_receiver
  run -0 timeout "$T" "$L05/udp_sender" 127.0.0.1 "$SERVER_PORT" hello world exit
  wait_for_count "$SERVER_LOG" ' 127\.0\.0\.1$' 3
  run sed -E 's/^([a-z]+) [0-9]+ /\1 N /' "$SERVER_LOG"
  assert_output "Listening on port $SERVER_PORT
hello N 127.0.0.1
world N 127.0.0.1
exit N 127.0.0.1"
  # "exit" is a message like any other to the notes' receiver: it never stops by itself.
  alive "$SERVER_PID"
}

@test "notes' UDP sender -> udp_receiver: one datagram per run; exit stops the receiver" {
  need_python
  start_server "$W/server.log" "$L05/udp_receiver" 0
  local word
  for word in hello world exit; do
    run -0 timeout "$T" "$PY" "$PEERS/notes_udp_sender.py" "$word" 127.0.0.1 "$SERVER_PORT"
    assert_equal "" "$output" "notes_udp_sender's output"
  done
  expect_exit 0 "$SERVER_PID" "udp_receiver"
  run sed -E 's/port [0-9]+ \(/port N (/' "$SERVER_LOG"
  assert_line "From 127.0.0.1 port N (5 bytes): hello"
  assert_line "From 127.0.0.1 port N (5 bytes): world"
  assert_line "Got 'exit', stopping"
}
