#!/usr/bin/env bats
# Interop: our programs against real peers, both ways (issue 9, part 4).
#
# - tests/peers/notes_*.py: the notes' Python programs in the notes' own style (a bare send,
#   one recv(1024) as one message, comparisons without strip, input() fed from a pipe).
#   Every pairing runs both ways: the notes' client against our server, our client against
#   the notes' server. A control test runs the notes' programs against each other, so a
#   failure elsewhere is ours, not the peer's.
# - OpenBSD nc as a client of every TCP server (lines ending in \n, and in \r\n), as a UDP
#   sender, and as a server (nc -l) for our clients.
# - curl and headless Chromium against hello_http.
# Each test skips when its tool is missing; CI installs them all (.ci/run), so none skips there.
#
# Why most \r\n tests type "line\r\n" into a plain nc instead of using `nc -C` against the
# notes' twins (the section "nc -C" below tests what `nc -C` itself does): nc -C writes a line's text and its "\r\n" with two write() calls (seen with
# strace: write(3, "how are u", 9) then write(3, "\r\n", 2)), so a server taking one recv as one
# message got "hello" alone in 12 of 40 connections to tcp_server (measured), answered it
# bare, and read the "\r\n" as a second message. Which one happens is a race, so a test of
# it could only be flaky (against dict_server, 13 of 30 `nc -C` sessions showed "fineno\r\n"
# for "how are u"). A line typed with its "\r\n" goes out in one write: the bytes of a
# telnet-style line, in one piece. The servers that frame their input (hello_http reads up to
# the blank line, chatroom_server reads lines) are tested with the real `nc -C`.

load test_helper

PEERS="$ROOT/tests/peers"
L02="$BIN_ROOT/02-tcp-client"
L03="$BIN_ROOT/03-tcp-server"
L04="$BIN_ROOT/04-multithread-server"
L05="$BIN_ROOT/05-udp"
L06="$BIN_ROOT/06-chat"

MESSAGE="Hello, server, I'm client Xiaohei!"  # the notes' one-shot client says this
REPLY="ok, the problem is being handled..."   # tcp_server's answer
MT_OK="ok, the problem is being handled: "    # mt_server's answer, then the message
NOTES_MT_OK="ok,The problem is being handled..." # the notes' thread-per-client server
NOTES_MSG_OK="Receive your message"           # the notes' message server

setup_file() {
  # The interpreter: test_helper's PYTHON3 (found once, started with -S), empty without it.
  PY=
  if command -v "$PYTHON3" >/dev/null 2>&1; then PY=$PYTHON3; fi
  HAVE_NC=
  if command -v nc >/dev/null 2>&1 && nc -h 2>&1 </dev/null 3>&- 4>&- | grep -q OpenBSD; then
    HAVE_NC=1
  fi
  export PY HAVE_NC
}

setup() {
  W=$BATS_TEST_TMPDIR
  OPEN_FDS=()
}

teardown() {
  local fd
  for fd in "${OPEN_FDS[@]}"; do eval "exec $fd>&-" 2>/dev/null || true; done
  stop_all
}

need_python() { [[ -n ${PY:-} ]] || skip "python3 not installed"; }
need_nc() { [[ -n ${HAVE_NC:-} ]] || skip "OpenBSD nc (netcat-openbsd) not installed"; }
need_ss() { command -v ss >/dev/null || skip "ss (iproute2) not installed"; }
need_curl() { command -v curl >/dev/null || skip "curl not installed"; }
need_chromium() {
  CHROMIUM=$(command -v chromium || command -v chromium-browser || command -v google-chrome) ||
    skip "chromium not installed"
}

# ---------------------------------------------------------------- helpers

# notes_server LOG PEER [INPUT]: start tests/peers/PEER.py on port 0 (stdin from INPUT,
# default /dev/null); sets SERVER_PID, SERVER_PORT, SERVER_LOG like start_server.
notes_server() {
  server_from "${3:-/dev/null}" "$1" "$PY" -u "$PEERS/$2.py" 0
}

# server_from INPUT LOG CMD...: start_server, with stdin from INPUT (what the server types).
server_from() {
  local input=$1
  SERVER_LOG=$2
  shift 2
  start_bg_from "$input" "$SERVER_LOG" "$@"
  SERVER_PID=$BG_PID
  wait_for_line "$SERVER_LOG" 'port [0-9]+$' "$READY_SECONDS" "$SERVER_PID" || return 1
  SERVER_PORT=$(head -n 1 "$SERVER_LOG" | grep -oE '[0-9]+$')
}

# open_fifo NAME: open the FIFO $W/NAME.in for writing (once its reader has been started:
# opening waits for it) and set FIFO_FD; teardown closes it.
open_fifo() {
  local fd
  exec {fd}>"$W/$1.in"
  OPEN_FDS+=("$fd")
  FIFO_FD=$fd
}

# start_typist NAME CMD...: the client CMD (under timeout) in the background reading the
# FIFO $W/NAME.in, its output (stdout and stderr) in $W/NAME.out; sets TYPIST_PID and
# TYPIST_FD (write a line there to "type" it; close it for end of input).
start_typist() {
  local name=$1
  shift
  mkfifo "$W/$name.in"
  start_bg_from "$W/$name.in" "$W/$name.out" timeout "$T" "$@"
  TYPIST_PID=$BG_PID
  open_fifo "$name"
  TYPIST_FD=$FIFO_FD
}

# type_line FD TEXT: write TEXT and a newline to FD (one write: a line is one read for nc).
type_line() {
  printf '%s\n' "$2" >&"$1"
}

# close_fd FD: end of input for whoever reads the FIFO behind FD.
close_fd() {
  eval "exec $1>&-"
}

# expect_exit STATUS PID [WHAT]: PID ends within the deadline with exit STATUS.
expect_exit() {
  local rc=0
  wait_for_exit "$2" || rc=$?
  assert_equal "$1" "$rc" "${3:-exit status of $2}"
}

# assert_file_bytes FILE EXPECTED: FILE holds exactly EXPECTED (use $'...' for \r and \n;
# a difference is shown with both sides quoted, so a stray \r is visible).
assert_file_bytes() {
  local got
  got=$(cat "$1"; printf .)
  assert_equal "$2" "${got%.}" "the bytes in $(basename "$1")"
}

# wait_for_bytes FILE EXPECTED: poll until FILE holds exactly EXPECTED: a reply is complete,
# its line ending included (a line-based wait would already match "fine" without "\r\n").
wait_for_bytes() { untraced _wait_for_bytes "$@"; } # a polling loop: see untraced in test_helper
_wait_for_bytes() {
  local got=
  deadline_in "$READY_SECONDS"
  while before_deadline; do
    IFS= read -r -d '' got 2>/dev/null <"$1" || true
    [[ $got == "$2" ]] && return 0
    nap
  done
  assert_file_bytes "$1" "$2"
}

# wait_for_recv_queue FILTER BYTES: poll ss until the connected TCP socket that FILTER picks
# ("sport = :N": the server's end of the connection to port N; "dport = :N": the client's end)
# has BYTES bytes in its receive queue (ss's Recv-Q): bytes that arrived and are not read yet.
wait_for_recv_queue() { untraced _wait_for_recv_queue "$@"; } # a polling loop: see untraced in test_helper
_wait_for_recv_queue() {
  local queued=
  deadline_in "$READY_SECONDS"
  while before_deadline; do
    queued=$(ss -Htn state established "( $1 )" | awk 'NR == 1 { print $1 }')
    [[ $queued == "$2" ]] && return 0
    nap
  done
  echo "the socket ($1) has '$queued' bytes unread, not $2" >&2
  return 1
}

# start_nc_server NAME [NC_OPTIONS...]: `nc -l` on 127.0.0.1, port 0, reading the FIFO
# $W/NAME.in (what "the server" types: write to NC_FD), what it receives in $W/NAME.out.
# OpenBSD nc with -v says "Listening on 127.0.0.1 PORT" (-n: no name lookup) on stderr, kept
# apart in $W/NAME.err; where an older nc says port 0, the port is read from ss instead.
start_nc_server() {
  local name=$1 line
  shift
  mkfifo "$W/$name.in"
  start_bg_from "$W/$name.in" "$W/$name.out" \
    bash -c 'exec nc "$@" 2>"$0"' "$W/$name.err" "$@" -n -v -l 127.0.0.1 0
  NC_PID=$BG_PID
  open_fifo "$name"
  NC_FD=$FIFO_FD
  wait_for_line "$W/$name.err" '^Listening on .* [0-9]+$' "$READY_SECONDS" "$NC_PID"
  line=$(grep -m 1 '^Listening on' "$W/$name.err")
  NC_PORT=${line##* }
  if [[ $NC_PORT == 0 ]] && command -v ss >/dev/null; then
    # (nc prints that line after listen(), so its socket is in ss's table by now)
    line=$(ss -Hltnp | grep -m 1 "pid=$NC_PID,")
    [[ $line =~ 127\.0\.0\.1:([0-9]+) ]] && NC_PORT=${BASH_REMATCH[1]}
  fi
  [[ $NC_PORT =~ ^[0-9]+$ && $NC_PORT != 0 ]] || {
    echo "could not find the port of nc -l: $(cat "$W/$name.err")" >&2
    return 1
  }
}

# ================================================================ the notes' own peers

@test "control: the notes' Python programs talk to each other (so a failure below is ours)" {
  need_python
  notes_server "$W/dict.log" notes_dict_server
  run -0 timeout "$T" "$PY" "$PEERS/notes_dict_client.py" 127.0.0.1 "$SERVER_PORT"
  assert_output $'Received: fine\nReceived: nicai\nReceived: no\nReceived: bye'

  notes_server "$W/msg.log" notes_msg_server
  run -0 timeout "$T" "$PY" "$PEERS/notes_msg_client.py" 127.0.0.1 "$SERVER_PORT" <<<$'hi\nagain\n'
  assert_output "Msg>>$NOTES_MSG_OK
Msg>>$NOTES_MSG_OK
Msg>>"

  notes_server "$W/mt.log" notes_mt_server
  run -0 timeout "$T" "$PY" "$PEERS/notes_loop_client.py" 127.0.0.1 "$SERVER_PORT" <<<$'hi\nexit'
  assert_output "$NOTES_MT_OK"

  notes_server "$W/tcp.log" notes_tcp_server
  run -0 timeout "$T" "$PY" "$PEERS/notes_tcp_client.py" 127.0.0.1 "$SERVER_PORT"
  assert_output "b'$REPLY'
Received from the server: $REPLY"
  expect_exit 0 "$SERVER_PID" "notes_tcp_server"

  printf 'hi client\nbyebye\n' >"$W/chat.typed"
  notes_server "$W/chat.log" notes_chat_server "$W/chat.typed"
  run -0 timeout "$T" "$PY" "$PEERS/notes_chat_client.py" 127.0.0.1 "$SERVER_PORT" <<<$'hello\nhow are you?'
  assert_output $'Received: hi client\nReceived: byebye'
  expect_exit 0 "$SERVER_PID" "notes_chat_server"

  notes_server "$W/udp.log" notes_udp_receiver
  run -0 timeout "$T" "$PY" "$PEERS/notes_udp_sender.py" 127.0.0.1 "$SERVER_PORT" hello exit
  assert_equal "" "$output" "notes_udp_sender's output"
  expect_exit 0 "$SERVER_PID" "notes_udp_receiver"
  wait_for_line "$SERVER_LOG" '^received message:exit from PORT [0-9]+ on 127\.0\.0\.1$'
}

# ================================================================ one shot: tcp_client, tcp_server

@test "notes' tcp client -> tcp_server: a bare message gets a bare reply; the server exits 0" {
  need_python
  start_server "$W/server.log" "$L03/tcp_server" 0
  run -0 timeout "$T" "$PY" "$PEERS/notes_tcp_client.py" 127.0.0.1 "$SERVER_PORT"
  assert_output "b'$REPLY'
Received from the server: $REPLY"
  expect_exit 0 "$SERVER_PID" "tcp_server"
  assert_file_line "$SERVER_LOG" "Received 34 bytes: $MESSAGE"
  assert_file_line "$SERVER_LOG" "Sent: $REPLY"
}

@test "tcp_client -> notes' tcp server: the message arrives bare (34 bytes), the reply is shown" {
  need_python
  notes_server "$W/notes.log" notes_tcp_server
  run -0 timeout "$T" "$L02/tcp_client" 127.0.0.1 "$SERVER_PORT"
  assert_line "Sent 34 bytes: $MESSAGE"
  assert_line "Received 35 bytes: b'$REPLY'"
  assert_line "As text: $REPLY"
  expect_exit 0 "$SERVER_PID" "notes_tcp_server"
  assert_file_line "$SERVER_LOG" "Length of the data received: 34"
  assert_file_line "$SERVER_LOG" "Received from the client: $MESSAGE"
}

# ================================================================ dictionary: dict_server

@test "notes' dictionary client -> dict_server: fine, nicai, no, bye" {
  need_python
  start_server "$W/server.log" "$L03/dict_server" 0
  run -0 timeout "$T" "$PY" "$PEERS/notes_dict_client.py" 127.0.0.1 "$SERVER_PORT"
  assert_output $'Received: fine\nReceived: nicai\nReceived: no\nReceived: bye'
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
  assert_output $'fine\nnicai\nno'
  wait_for_line "$SERVER_LOG" '^Client left: '
  run grep -c '^Received: ' "$SERVER_LOG"
  assert_output 3
}

@test "tcp_client_loop -> notes' dictionary server: fine, nicai, no, and bye ends it" {
  need_python
  notes_server "$W/notes.log" notes_dict_server
  run -0 timeout "$T" "$L02/tcp_client_loop" 127.0.0.1 "$SERVER_PORT" \
    <<<$'how are u\nhow old are u\nwhere are u\nbye\nnever sent'
  assert_output $'Connected to server\nServer: fine\nServer: nicai\nServer: no\nServer: bye'
  # The notes' server compared each message as it is: so nothing extra came with them.
  wait_for_count "$SERVER_LOG" '^Received message: ' 4
  run grep '^Received message: ' "$SERVER_LOG"
  assert_output $'Received message: how are u\nReceived message: how old are u\nReceived message: where are u\nReceived message: bye'
}

@test "tcp_client_loop -> notes' dictionary server: exit ends it without sending" {
  need_python
  notes_server "$W/notes.log" notes_dict_server
  run -0 timeout "$T" "$L02/tcp_client_loop" 127.0.0.1 "$SERVER_PORT" <<<$'how are u\nexit\nnever sent'
  assert_output $'Connected to server\nServer: fine'
  # The next client is served: the first one has gone (the notes' server takes one at a time).
  run -0 timeout "$T" "$PY" "$PEERS/notes_dict_client.py" 127.0.0.1 "$SERVER_PORT"
  assert_output $'Received: fine\nReceived: nicai\nReceived: no\nReceived: bye'
  run grep -c '^Received message: ' "$SERVER_LOG"
  assert_output 5
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
  wait_for_count "$SERVER_LOG" '^Message from the client: ' 2
  run grep '^Message from the client: ' "$SERVER_LOG"
  assert_output $'Message from the client: hello\nMessage from the client: how are u'
  # and exit ends it too
  run -0 timeout "$T" "$L02/tcp_client_loop" 127.0.0.1 "$SERVER_PORT" <<<$'one more\nexit\nnever sent'
  assert_output "Connected to server
Server: $NOTES_MSG_OK"
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
  wait_for_count "$SERVER_LOG" '^The client is offline: ' 2
  local msg
  for msg in "alice 1" "bob 1" "alice 2"; do
    grep -qE "^$msg \('127\.0\.0\.1', [0-9]+\)\$" "$SERVER_LOG" ||
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
  wait_for_line "$W/alice.out" "^${MT_OK}alice 1\$"
  type_line "$bob_fd" "bob 1"
  wait_for_line "$W/bob.out" "^${MT_OK}bob 1\$"
  type_line "$alice_fd" "alice 2"
  wait_for_line "$W/alice.out" "^${MT_OK}alice 2\$"
  type_line "$alice_fd" "exit"
  type_line "$bob_fd" "exit"
  expect_exit 0 "$alice" "alice's notes_loop_client"
  expect_exit 0 "$bob" "bob's notes_loop_client"
  assert_file_bytes "$W/alice.out" "${MT_OK}alice 1
${MT_OK}alice 2
"
  assert_file_bytes "$W/bob.out" "${MT_OK}bob 1
"
  wait_for_count "$SERVER_LOG" '^Client offline: ' 2
}

@test "notes' tcp client -> mt_server: the bare reply" {
  need_python
  start_server "$W/server.log" "$L04/mt_server" 0
  run -0 timeout "$T" "$PY" "$PEERS/notes_tcp_client.py" 127.0.0.1 "$SERVER_PORT"
  # (Python shows bytes that hold a ' between double quotes.)
  assert_output "b\"${MT_OK}$MESSAGE\"
Received from the server: ${MT_OK}$MESSAGE"
  wait_for_line "$SERVER_LOG" '^Client offline: '
}

# ================================================================ the 1:1 chat: chat_server, chat_client

@test "notes' chat client -> chat_server: the client says byebye, both stop" {
  need_python
  printf 'hi client\nfine, thanks\nnever sent\n' >"$W/server.typed"
  server_from "$W/server.typed" "$W/server.log" "$L06/chat_server" 0
  run -0 timeout "$T" "$PY" "$PEERS/notes_chat_client.py" 127.0.0.1 "$SERVER_PORT" \
    <<<$'hello server\nhow are you?\nbyebye\nnever sent'
  assert_output $'Received: hi client\nReceived: fine, thanks'
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
  assert_output $'Received: hi client\nReceived: byebye'
  expect_exit 0 "$SERVER_PID" "chat_server"
  assert_equal "Received: hello
Received: how are you?
You said byebye: chat over" "$(tail -n +3 "$SERVER_LOG")" "chat_server's screen"
}

@test "chat_client -> notes' chat server: the client says byebye, both stop" {
  need_python
  printf 'hi client\nfine, thanks\nnever sent\n' >"$W/server.typed"
  notes_server "$W/notes.log" notes_chat_server "$W/server.typed"
  run -0 timeout "$T" "$L06/chat_client" 127.0.0.1 "$SERVER_PORT" \
    <<<$'hello server\nhow are you?\nbyebye\nnever sent'
  assert_output "Connected to 127.0.0.1 port $SERVER_PORT
Received: hi client
Received: fine, thanks
You said byebye: chat over"
  expect_exit 0 "$SERVER_PID" "notes_chat_server"
  run grep -v '^Listening on port \|^Connected by ' "$SERVER_LOG"
  assert_output $'Received: hello server\nReceived: how are you?\nReceived: byebye'
}

@test "chat_client -> notes' chat server: the server says byebye, both stop" {
  need_python
  printf 'hi client\nbyebye\nnever sent\n' >"$W/server.typed"
  notes_server "$W/notes.log" notes_chat_server "$W/server.typed"
  run -0 timeout "$T" "$L06/chat_client" 127.0.0.1 "$SERVER_PORT" <<<$'hello\nhow are you?\nnever sent'
  assert_output "Connected to 127.0.0.1 port $SERVER_PORT
Received: hi client
Received: byebye
The server said byebye: chat over"
  expect_exit 0 "$SERVER_PID" "notes_chat_server"
  run grep -v '^Listening on port \|^Connected by ' "$SERVER_LOG"
  assert_output $'Received: hello\nReceived: how are you?'
}

# ================================================================ UDP

@test "udp_sender -> notes' UDP receiver: each word one datagram; exit stops it" {
  need_python
  notes_server "$W/notes.log" notes_udp_receiver
  run -0 timeout "$T" "$L05/udp_sender" 127.0.0.1 "$SERVER_PORT" hello world exit
  expect_exit 0 "$SERVER_PID" "notes_udp_receiver"
  run sed -E 's/PORT [0-9]+/PORT N/' "$SERVER_LOG"
  assert_output "Listening on port $SERVER_PORT
received message:hello from PORT N on 127.0.0.1
received message:world from PORT N on 127.0.0.1
received message:exit from PORT N on 127.0.0.1"
}

@test "notes' UDP sender -> udp_receiver: each word one datagram; exit stops it" {
  need_python
  start_server "$W/server.log" "$L05/udp_receiver" 0
  run -0 timeout "$T" "$PY" "$PEERS/notes_udp_sender.py" 127.0.0.1 "$SERVER_PORT" hello world exit
  assert_equal "" "$output" "notes_udp_sender's output"
  expect_exit 0 "$SERVER_PID" "udp_receiver"
  run sed -E 's/port [0-9]+ \(/port N (/' "$SERVER_LOG"
  assert_line "From 127.0.0.1 port N (5 bytes): hello"
  assert_line "From 127.0.0.1 port N (5 bytes): world"
  assert_line "Got 'exit', stopping"
}

# ================================================================ nc as a client

# nc_one_shot ENDING: what a student types: printf 'hello<ENDING>' | nc 127.0.0.1 PORT
# (ENDING, here and below, is the bytes: $'\n' or $'\r\n')
nc_one_shot() {
  local ending=$1 rc=0
  start_server "$W/server.log" "$L03/tcp_server" 0
  printf '%s%s' hello "$ending" | timeout "$T" nc 127.0.0.1 "$SERVER_PORT" >"$W/nc.out" || rc=$?
  assert_equal 0 "$rc" "nc's exit status"
  assert_file_bytes "$W/nc.out" "$REPLY$ending"
  expect_exit 0 "$SERVER_PID" "tcp_server"
}

@test "nc -> tcp_server, a line ending in \\n: the reply ends in \\n" {
  need_nc
  nc_one_shot $'\n'
}

@test "nc -> tcp_server, a line ending in \\r\\n (telnet): the reply ends in \\r\\n" {
  need_nc
  nc_one_shot $'\r\n'
}

# nc_dict ENDING: one line at a time through nc (waiting for each answer), then bye.
nc_dict() {
  local e=$1
  start_server "$W/server.log" "$L03/dict_server" 0
  start_typist nc nc 127.0.0.1 "$SERVER_PORT"
  local nc=$TYPIST_PID fd=$TYPIST_FD
  printf '%s%s' "how are u" "$e" >&"$fd"
  wait_for_line "$W/nc.out" '^fine'
  printf '%s%s' "how old are u" "$e" >&"$fd"
  wait_for_line "$W/nc.out" '^nicai'
  printf '%s%s' "where are u" "$e" >&"$fd"
  wait_for_line "$W/nc.out" '^no'
  printf '%s%s' "bye" "$e" >&"$fd"
  wait_for_line "$W/nc.out" '^bye'
  wait_for_line "$SERVER_LOG" '^Client left: '
  close_fd "$fd"
  expect_exit 0 "$nc" "nc's exit status"
  assert_file_bytes "$W/nc.out" "fine${e}nicai${e}no${e}bye${e}"
}

@test "nc -> dict_server, lines ending in \\n: fine, nicai, no, bye, each a line" {
  need_nc
  nc_dict $'\n'
}

@test "nc -> dict_server, lines ending in \\r\\n (telnet): each answer ends in \\r\\n" {
  need_nc
  nc_dict $'\r\n'
}

# nc_mt ENDING: two messages to mt_server, then nc leaves (-N: it closes its side).
nc_mt() {
  local e=$1
  start_server "$W/server.log" "$L04/mt_server" 0
  # -N: at the end of input nc closes its side, as a client that leaves does.
  start_typist nc nc -N 127.0.0.1 "$SERVER_PORT"
  local nc=$TYPIST_PID fd=$TYPIST_FD
  printf '%s%s' "hello" "$e" >&"$fd"
  wait_for_line "$W/nc.out" "^${MT_OK}hello"
  printf '%s%s' "my printer is on fire" "$e" >&"$fd"
  wait_for_line "$W/nc.out" "^${MT_OK}my printer"
  close_fd "$fd"
  wait_for_line "$SERVER_LOG" '^Client offline: '
  expect_exit 0 "$nc" "nc's exit status"
  assert_file_bytes "$W/nc.out" "${MT_OK}hello${e}${MT_OK}my printer is on fire${e}"
}

@test "nc -> mt_server, lines ending in \\n: each reply a line" {
  need_nc
  nc_mt $'\n'
}

@test "nc -> mt_server, lines ending in \\r\\n (telnet): each reply ends in \\r\\n" {
  need_nc
  nc_mt $'\r\n'
}

# nc_chat ENDING WHO: a chat through nc; WHO (client or server) says byebye.
nc_chat() {
  local e=$1 who=$2
  if [[ $who == server ]]; then
    printf 'hi nc\nbyebye\nnever sent\n' >"$W/server.typed"
  else
    printf 'hi nc\nnever sent\n' >"$W/server.typed"
  fi
  server_from "$W/server.typed" "$W/server.log" "$L06/chat_server" 0
  start_typist nc nc 127.0.0.1 "$SERVER_PORT"
  local nc=$TYPIST_PID fd=$TYPIST_FD
  printf '%s%s' "hello" "$e" >&"$fd"
  wait_for_line "$W/nc.out" '^hi nc'
  if [[ $who == server ]]; then
    printf '%s%s' "how are you?" "$e" >&"$fd"
    wait_for_line "$W/nc.out" '^byebye'
    expect_exit 0 "$SERVER_PID" "chat_server"
    assert_equal "Received: hello
Received: how are you?
You said byebye: chat over" "$(tail -n +3 "$SERVER_LOG")" "chat_server's screen"
    assert_file_bytes "$W/nc.out" "hi nc${e}byebye${e}"
  else
    printf '%s%s' "byebye" "$e" >&"$fd"
    expect_exit 0 "$SERVER_PID" "chat_server"
    assert_equal "Received: hello
Received: byebye
The client said byebye: chat over" "$(tail -n +3 "$SERVER_LOG")" "chat_server's screen"
    assert_file_bytes "$W/nc.out" "hi nc${e}"
  fi
  close_fd "$fd"
  expect_exit 0 "$nc" "nc's exit status"
}

@test "nc -> chat_server, lines ending in \\n: nc says byebye, the server stops" {
  need_nc
  nc_chat $'\n' client
}

@test "nc -> chat_server, lines ending in \\r\\n (telnet): nc says byebye, the server stops" {
  need_nc
  nc_chat $'\r\n' client
}

@test "nc -> chat_server, lines ending in \\n: the server says byebye" {
  need_nc
  nc_chat $'\n' server
}

@test "nc -> chat_server, lines ending in \\r\\n (telnet): the server says byebye, ending \\r\\n" {
  need_nc
  nc_chat $'\r\n' server
}

# nc_http [NC_OPTION]: a request typed with bare \n (nc -C turns each into \r\n).
nc_http() {
  local rc=0
  start_server "$W/server.log" "$L03/hello_http" 0
  printf 'GET / HTTP/1.0\nHost: 127.0.0.1\n\n' |
    timeout "$T" nc "$@" 127.0.0.1 "$SERVER_PORT" >"$W/nc.out" || rc=$?
  assert_equal 0 "$rc" "nc's exit status"
  run cat "$W/nc.out"
  assert_equal $'HTTP/1.1 200 OK\r' "${lines[0]}" "status line"
  assert_output_matches '<h1>Hello World</h1>'
  # The body is exactly Content-Length bytes.
  local length body
  length=$(grep -m 1 -i '^Content-Length:' "$W/nc.out" | tr -dc '0-9')
  body=$(sed "1,/^"$'\r'"\$/d" "$W/nc.out"; printf .)
  body=${body%.}
  assert_equal "$length" "${#body}" "body length against Content-Length"
  wait_for_line "$SERVER_LOG" '^Response: 200 OK$'
  assert_file_line "$SERVER_LOG" "Request: GET / HTTP/1.0"
}

@test "nc -> hello_http, a request with bare \\n line ends: 200 and the page" {
  need_nc
  nc_http
}

@test "nc -C -> hello_http, the request in \\r\\n lines: 200 and the page" {
  need_nc
  nc_http -C
}

@test "nc and nc -C -> chatroom_server: nicknames, lines both ways, /quit" {
  need_nc
  start_server "$W/server.log" "$L06/chatroom_server" 0
  # -N: at the end of input nc closes its side, as a client that leaves does.
  start_typist alice nc -N 127.0.0.1 "$SERVER_PORT"
  local alice=$TYPIST_PID alice_fd=$TYPIST_FD
  wait_for_line "$W/alice.out" '^\* nickname\?'
  type_line "$alice_fd" alice
  wait_for_line "$W/alice.out" '^\* in the room: alice'
  # Bob's nc sends \r\n line ends (-C): the room reads lines, so the split write is harmless.
  start_typist bob nc -N -C 127.0.0.1 "$SERVER_PORT"
  local bob=$TYPIST_PID bob_fd=$TYPIST_FD
  wait_for_line "$W/bob.out" '^\* nickname\?'
  type_line "$bob_fd" bob
  wait_for_line "$W/bob.out" '^\* in the room: alice, bob'
  wait_for_line "$W/alice.out" '^\* bob joined'
  type_line "$alice_fd" "hello bob"
  wait_for_line "$W/bob.out" '^<alice> hello bob'
  type_line "$bob_fd" "hi alice"
  wait_for_line "$W/alice.out" '^<bob> hi alice'
  type_line "$bob_fd" "/quit"
  wait_for_line "$W/bob.out" '^\* bye bob'
  wait_for_line "$W/alice.out" '^\* bob left'
  close_fd "$bob_fd"
  expect_exit 0 "$bob" "bob's nc"
  close_fd "$alice_fd"
  expect_exit 0 "$alice" "alice's nc"
  # The room frames with \n for everyone; bob's \r never reached alice.
  assert_file_bytes "$W/alice.out" "* nickname? (1 to 16 letters, digits, _ or -)
* welcome alice
* in the room: alice
* bob joined
<bob> hi alice
* bob left
"
  assert_file_bytes "$W/bob.out" "* nickname? (1 to 16 letters, digits, _ or -)
* welcome bob
* in the room: alice, bob
<alice> hello bob
* bye bob
"
}

@test "nc -u -> udp_receiver: one datagram per nc, exit stops it" {
  need_nc
  start_server "$W/server.log" "$L05/udp_receiver" 0
  printf 'hello\n' | timeout "$T" nc -u -q 0 127.0.0.1 "$SERVER_PORT"
  wait_for_line "$SERVER_LOG" '^From 127\.0\.0\.1 port [0-9]+ \(6 bytes\): hello\\n$'
  printf 'hi there' | timeout "$T" nc -u -q 0 127.0.0.1 "$SERVER_PORT"
  wait_for_line "$SERVER_LOG" '^From 127\.0\.0\.1 port [0-9]+ \(8 bytes\): hi there$'
  printf 'exit\n' | timeout "$T" nc -u -q 0 127.0.0.1 "$SERVER_PORT"
  expect_exit 0 "$SERVER_PID" "udp_receiver"
  assert_equal "Got 'exit', stopping" "$(tail -n 1 "$SERVER_LOG")" "udp_receiver's last line"
}

# ================================================================ nc -l as the server

# nc_l_tcp_client ENDING: nc -l answers tcp_client with a line ending in ENDING.
nc_l_tcp_client() {
  local e=$1
  start_nc_server srv
  start_bg "$W/client.out" timeout "$T" "$L02/tcp_client" 127.0.0.1 "$NC_PORT"
  local client=$BG_PID
  # tcp_client sends its message as it is, with no newline: nc shows exactly that.
  wait_for_line "$W/srv.out" "^$MESSAGE\$"
  printf '%s%s' "ok, got it" "$e" >&"$NC_FD"
  expect_exit 0 "$client" "tcp_client's exit status"
  close_fd "$NC_FD"
  expect_exit 0 "$NC_PID" "nc -l's exit status"
  assert_file_bytes "$W/srv.out" "$MESSAGE"
  run cat "$W/client.out"
  assert_line "Sent 34 bytes: $MESSAGE"
  local shown=${e//$'\r'/\\r}
  shown=${shown//$'\n'/\\n}
  assert_line "Received $((10 + ${#e})) bytes: b'ok, got it$shown'"
  assert_line "As text: ok, got it"
}

@test "nc -l -> tcp_client: its message arrives bare; a reply ending in \\n is shown" {
  need_nc
  nc_l_tcp_client $'\n'
}

@test "nc -l -> tcp_client: a reply ending in \\r\\n is shown without it" {
  need_nc
  nc_l_tcp_client $'\r\n'
}

# nc_l_loop ENDING: nc -l as the dictionary, answering tcp_client_loop by hand.
nc_l_loop() {
  local e=$1
  start_nc_server srv
  start_typist client "$L02/tcp_client_loop" 127.0.0.1 "$NC_PORT"
  local client=$TYPIST_PID fd=$TYPIST_FD
  wait_for_line "$W/client.out" '^Connected to server$'
  type_line "$fd" "how are u"
  wait_for_line "$W/srv.out" '^how are u$'
  printf '%s%s' "fine" "$e" >&"$NC_FD"
  wait_for_line "$W/client.out" '^Server: fine$'
  type_line "$fd" "how old are u"
  # The messages carry no newline, so nc prints them run together: what its user sees.
  wait_for_line "$W/srv.out" '^how are uhow old are u$'
  printf '%s%s' "nicai" "$e" >&"$NC_FD"
  wait_for_line "$W/client.out" '^Server: nicai$'
  type_line "$fd" "exit"
  expect_exit 0 "$client" "tcp_client_loop's exit status"
  close_fd "$NC_FD"
  expect_exit 0 "$NC_PID" "nc -l's exit status"
  assert_file_bytes "$W/srv.out" "how are uhow old are u"
  assert_file_bytes "$W/client.out" "Connected to server
Server: fine
Server: nicai
"
}

@test "nc -l -> tcp_client_loop: replies ending in \\n, one per message, until exit" {
  need_nc
  nc_l_loop $'\n'
}

@test "nc -l -> tcp_client_loop: replies ending in \\r\\n are shown without it" {
  need_nc
  nc_l_loop $'\r\n'
}

# nc_l_chat ENDING WHO: nc -l plays the chat server for chat_client; WHO says byebye.
nc_l_chat() {
  local e=$1 who=$2
  if [[ $who == client ]]; then
    printf 'hello\nbyebye\nnever sent\n' >"$W/client.typed"
  else
    printf 'hello\nhow are you?\nnever sent\n' >"$W/client.typed"
  fi
  start_nc_server srv
  start_bg_from "$W/client.typed" "$W/client.out" timeout "$T" "$L06/chat_client" 127.0.0.1 "$NC_PORT"
  local client=$BG_PID
  wait_for_line "$W/srv.out" '^hello$'
  printf '%s%s' "hi chat_client" "$e" >&"$NC_FD"
  if [[ $who == client ]]; then
    wait_for_line "$W/srv.out" '^hellobyebye$'
    expect_exit 0 "$client" "chat_client's exit status"
    assert_file_bytes "$W/client.out" "Connected to 127.0.0.1 port $NC_PORT
Received: hi chat_client
You said byebye: chat over
"
    assert_file_bytes "$W/srv.out" "hellobyebye"
  else
    wait_for_line "$W/srv.out" '^hellohow are you\?$'
    printf '%s%s' "byebye" "$e" >&"$NC_FD"
    expect_exit 0 "$client" "chat_client's exit status"
    assert_file_bytes "$W/client.out" "Connected to 127.0.0.1 port $NC_PORT
Received: hi chat_client
Received: byebye
The server said byebye: chat over
"
  fi
  close_fd "$NC_FD"
  expect_exit 0 "$NC_PID" "nc -l's exit status"
}

@test "nc -l -> chat_client, replies ending in \\n: chat_client says byebye" {
  need_nc
  nc_l_chat $'\n' client
}

@test "nc -l -> chat_client, replies ending in \\r\\n: chat_client says byebye" {
  need_nc
  nc_l_chat $'\r\n' client
}

@test "nc -l -> chat_client, replies ending in \\n: nc's byebye ends the chat" {
  need_nc
  nc_l_chat $'\n' server
}

@test "nc -l -> chat_client, replies ending in \\r\\n: nc's byebye\\r\\n ends the chat" {
  need_nc
  nc_l_chat $'\r\n' server
}

# ================================================================ nc -C: the text, then "\r\n"
#
# nc -C writes a line's text and its "\r\n" with two write() calls. The peer's one recv gets
# both, or the text alone and the "\r\n" on its own a moment later: a race (see the top of
# the file). The tests with the real `nc -C` assert only what holds either way; the others
# make the second case certain by typing the text, waiting for the answer, then the "\r\n".

@test "nc -C -> dict_server: whether \r\n comes with its line or alone, each answer ends in \r\n" {
  need_nc
  start_server "$W/server.log" "$L03/dict_server" 0
  start_typist nc nc -N -C 127.0.0.1 "$SERVER_PORT"
  local nc=$TYPIST_PID fd=$TYPIST_FD
  type_line "$fd" "how are u"
  wait_for_bytes "$W/nc.out" $'fine\r\n'
  type_line "$fd" "how old are u"
  wait_for_bytes "$W/nc.out" $'fine\r\nnicai\r\n'
  type_line "$fd" "where are u"
  wait_for_bytes "$W/nc.out" $'fine\r\nnicai\r\nno\r\n'
  close_fd "$fd"
  expect_exit 0 "$nc" "nc's exit status"
  wait_for_line "$SERVER_LOG" '^Client left: '
  assert_equal 3 "$(grep -c '^Sent: ' "$SERVER_LOG")" "answers dict_server sent"
}

@test "nc -C -> chat_server: whether \r\n comes with its line or alone, nc's byebye ends it" {
  need_nc
  printf 'hi nc\nnever sent\n' >"$W/server.typed"
  server_from "$W/server.typed" "$W/server.log" "$L06/chat_server" 0
  start_typist nc nc -N -C 127.0.0.1 "$SERVER_PORT"
  local nc=$TYPIST_PID fd=$TYPIST_FD
  type_line "$fd" "hello"
  wait_for_bytes "$W/nc.out" $'hi nc\r\n'
  type_line "$fd" "byebye"
  expect_exit 0 "$SERVER_PID" "chat_server"
  assert_equal "Received: hello
Received: byebye
The client said byebye: chat over" "$(tail -n +3 "$SERVER_LOG")" "chat_server's screen"
  close_fd "$fd"
  expect_exit 0 "$nc" "nc's exit status"
  assert_file_bytes "$W/nc.out" $'hi nc\r\n'
}

@test "nc -C's \r\n alone -> tcp_server: the reply to the bare text is bare; nc still gets it" {
  need_nc
  start_server "$W/server.log" "$L03/tcp_server" 0
  start_typist nc nc -N 127.0.0.1 "$SERVER_PORT"
  local nc=$TYPIST_PID fd=$TYPIST_FD
  printf 'hello' >&"$fd"
  wait_for_bytes "$W/nc.out" "$REPLY"
  # tcp_server has answered its one message: the "\r\n" comes too late to change that.
  printf '\r\n' >&"$fd"
  close_fd "$fd"
  expect_exit 0 "$nc" "nc's exit status"
  expect_exit 0 "$SERVER_PID" "tcp_server"
  assert_file_bytes "$W/nc.out" "$REPLY"
}

@test "nc -C's \r\n alone -> dict_server: it ends the last answer's line, bye's too" {
  need_nc
  start_server "$W/server.log" "$L03/dict_server" 0
  start_typist nc nc -N 127.0.0.1 "$SERVER_PORT"
  local nc=$TYPIST_PID fd=$TYPIST_FD
  printf 'how are u' >&"$fd"
  wait_for_bytes "$W/nc.out" 'fine'
  printf '\r\n' >&"$fd"
  wait_for_bytes "$W/nc.out" $'fine\r\n'
  printf 'where are u' >&"$fd"
  wait_for_bytes "$W/nc.out" $'fine\r\nno'
  printf '\r\n' >&"$fd"
  wait_for_bytes "$W/nc.out" $'fine\r\nno\r\n'
  printf 'bye' >&"$fd"
  wait_for_bytes "$W/nc.out" $'fine\r\nno\r\nbye'
  printf '\r\n' >&"$fd"
  close_fd "$fd"
  expect_exit 0 "$nc" "nc's exit status"
  wait_for_line "$SERVER_LOG" '^Client left: '
  # What nc -C's user sees: every answer on a line of its own, "bye" too.
  assert_file_bytes "$W/nc.out" $'fine\r\nno\r\nbye\r\n'
}

@test "nc -C's \r\n alone -> mt_server: it ends the last reply's line, not a message of its own" {
  need_nc
  start_server "$W/server.log" "$L04/mt_server" 0
  start_typist nc nc -N 127.0.0.1 "$SERVER_PORT"
  local nc=$TYPIST_PID fd=$TYPIST_FD
  printf 'hello' >&"$fd"
  wait_for_bytes "$W/nc.out" "${MT_OK}hello"
  printf '\r\n' >&"$fd"
  wait_for_bytes "$W/nc.out" "${MT_OK}hello"$'\r\n'
  printf 'again' >&"$fd"
  wait_for_bytes "$W/nc.out" "${MT_OK}hello"$'\r\n'"${MT_OK}again"
  printf '\r\n' >&"$fd"
  close_fd "$fd"
  expect_exit 0 "$nc" "nc's exit status"
  wait_for_line "$SERVER_LOG" '^Client offline: '
  assert_file_bytes "$W/nc.out" "${MT_OK}hello"$'\r\n'"${MT_OK}again"$'\r\n'
}

@test "nc -C's \r\n unread when chat_server says byebye: nc still gets the byebye" {
  need_nc
  need_ss
  # The server types through a FIFO, so it answers only when the test says.
  mkfifo "$W/server.in"
  start_bg_from "$W/server.in" "$W/server.log" "$L06/chat_server" 0
  SERVER_PID=$BG_PID
  open_fifo server
  local typed=$FIFO_FD
  wait_for_line "$W/server.log" 'port [0-9]+$' "$READY_SECONDS" "$SERVER_PID"
  SERVER_PORT=$(head -n 1 "$W/server.log" | grep -oE '[0-9]+$')
  start_typist nc nc -N 127.0.0.1 "$SERVER_PORT"
  local nc=$TYPIST_PID fd=$TYPIST_FD
  printf 'hello' >&"$fd"
  wait_for_line "$W/server.log" '^Received: hello$'
  type_line "$typed" "hi nc"
  wait_for_bytes "$W/nc.out" 'hi nc'
  printf '\r\n' >&"$fd"
  wait_for_bytes "$W/nc.out" $'hi nc\r\n'
  printf 'how are you?' >&"$fd"
  wait_for_line "$W/server.log" '^Received: how are you\?$'
  # nc -C's "\r\n" reaches the server while its user is still typing: 2 bytes unread...
  printf '\r\n' >&"$fd"
  wait_for_recv_queue "sport = :$SERVER_PORT" 2
  # ...when the user ends the chat.
  type_line "$typed" "byebye"
  expect_exit 0 "$SERVER_PID" "chat_server"
  assert_file_line "$W/server.log" "You said byebye: chat over"
  close_fd "$fd"
  expect_exit 0 "$nc" "nc's exit status"
  # A close() with unread bytes sends a reset, which can cost the peer the last message.
  run cat "$W/nc.out"
  [[ $output == $'hi nc\r\nbyebye'* ]] ||
    { printf 'nc did not get the byebye; it got: %q\n' "$output" >&2; return 1; }
}

@test "nc -l -C's \r\n alone -> tcp_client_loop: it is not the next reply" {
  need_nc
  need_ss
  start_nc_server srv
  start_typist client "$L02/tcp_client_loop" 127.0.0.1 "$NC_PORT"
  local client=$TYPIST_PID fd=$TYPIST_FD
  type_line "$fd" "how are u"
  wait_for_line "$W/srv.out" '^how are u$'
  printf 'fine' >&"$NC_FD"
  wait_for_line "$W/client.out" '^Server: fine$'
  printf '\r\n' >&"$NC_FD"
  wait_for_recv_queue "dport = :$NC_PORT" 2
  type_line "$fd" "how old are u"
  wait_for_line "$W/srv.out" '^how are uhow old are u$'
  # The client has read the lone "\r\n" by now (as the end of "fine"; nothing to show).
  wait_for_recv_queue "dport = :$NC_PORT" 0
  printf 'nicai\r\n' >&"$NC_FD"
  type_line "$fd" "exit"
  expect_exit 0 "$client" "tcp_client_loop's exit status"
  assert_file_bytes "$W/client.out" "Connected to server
Server: fine
Server: nicai
"
}

@test "nc -l -C's \r\n alone -> chat_client: it is not the server's next turn" {
  need_nc
  need_ss
  start_nc_server srv
  start_typist client "$L06/chat_client" 127.0.0.1 "$NC_PORT"
  local client=$TYPIST_PID fd=$TYPIST_FD
  type_line "$fd" "hello"
  wait_for_line "$W/srv.out" '^hello$'
  printf 'hi' >&"$NC_FD"
  wait_for_line "$W/client.out" '^Received: hi$'
  printf '\r\n' >&"$NC_FD"
  wait_for_recv_queue "dport = :$NC_PORT" 2
  type_line "$fd" "how are you?"
  wait_for_line "$W/srv.out" '^hellohow are you\?$'
  wait_for_recv_queue "dport = :$NC_PORT" 0
  printf 'byebye\r\n' >&"$NC_FD"
  close_fd "$fd" # (end of input: chat_client has no more to say either way)
  expect_exit 0 "$client" "chat_client's exit status"
  assert_file_bytes "$W/client.out" "Connected to 127.0.0.1 port $NC_PORT
Received: hi
Received: byebye
The server said byebye: chat over
"
}

# ================================================================ hello_http: curl and Chromium

# curl_page OPTION...: fetch / from hello_http with curl and check status, page and length.
curl_page() {
  run -0 timeout "$T" curl -sS "$@" -D "$W/head" -o "$W/body" \
    -w '%{http_code} %{size_download}' "http://127.0.0.1:$SERVER_PORT/"
  local code=${output% *} size=${output#* } length
  assert_equal 200 "$code" "status code"
  length=$(grep -i '^Content-Length:' "$W/head" | tr -dc '0-9')
  assert_equal "$length" "$size" "bytes downloaded against Content-Length"
  grep -q '<h1>Hello World</h1>' "$W/body" || { echo "no Hello World in: $(cat "$W/body")" >&2; return 1; }
}

@test "curl --http1.0 and --http1.1 -> hello_http: 200 and the page" {
  need_curl
  start_server "$W/server.log" "$L03/hello_http" 0
  curl_page --http1.0
  curl_page --http1.1
  wait_for_count "$SERVER_LOG" '^Response: 200 OK$' 2
  assert_file_line "$SERVER_LOG" "Request: GET / HTTP/1.0"
  assert_file_line "$SERVER_LOG" "Request: GET / HTTP/1.1"
}

@test "curl -I -> hello_http: the head alone, with the page's length" {
  need_curl
  start_server "$W/server.log" "$L03/hello_http" 0
  run -0 timeout "$T" curl -sS -I -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$SERVER_PORT/"
  assert_output "200 0"
  run -0 timeout "$T" curl -sS -I "http://127.0.0.1:$SERVER_PORT/"
  assert_equal $'HTTP/1.1 200 OK\r' "${lines[0]}" "status line"
  assert_output_matches '^Content-Length: [1-9][0-9]*'
  wait_for_line "$SERVER_LOG" '^Request: HEAD / HTTP/1.1$'
}

@test "headless Chromium -> hello_http: the browser shows Hello World" {
  need_chromium
  start_server "$W/server.log" "$L03/hello_http" 0
  mkdir "$W/profile"
  # In the background, in its own process group (start_bg), so that teardown also stops the
  # helper processes a browser starts; its stdout (the DOM) is kept apart from its chatter.
  start_bg "$W/dom.html" bash -c 'exec timeout "$0" "$1" --headless --no-sandbox --disable-gpu \
      --disable-quic --no-first-run --disable-background-networking --disable-component-update \
      --disable-sync --user-data-dir="$2" --dump-dom "$3" 2>"$4"' \
    "$((T * 6))" "$CHROMIUM" "$W/profile" "http://127.0.0.1:$SERVER_PORT/" "$W/chromium.err"
  local rc=0
  wait_for_exit "$BG_PID" "$((T * 6))" || rc=$?
  ((rc == 0)) || { echo "chromium exited $rc; stderr:" >&2; tail -n 20 "$W/chromium.err" >&2; return 1; }
  run cat "$W/dom.html"
  assert_output_matches '<title>Hello</title>'
  assert_output_matches '<h1>Hello World</h1>'
  wait_for_line "$SERVER_LOG" '^Request: GET / HTTP/1\.1$'
}
