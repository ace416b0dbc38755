#!/usr/bin/env bats
# Lesson 06: the notes' 1:1 chat (chat_server, chat_client) and the poll() chat room
# (chatroom_server, chatroom_client, chatroom_load).

load test_helper

setup() {
  D="$BIN_ROOT/06-chat"
  W="$BATS_TEST_TMPDIR"
}

# stop_pid (test_helper) returns 1 when the process died of the TERM already (its last
# `kill -KILL` fails), which under bats' errexit would end stop_all at the first such PID;
# called with `|| true`, stop_all goes through all of them.
teardown() {
  stop_all || true
}

# ---------------------------------------------------------------------------------------
# Local helpers

# start_chat_server INPUT [LOG]: chat_server on port 0 reading its typed lines from INPUT (a
# file, or a FIFO: then our write fd on it is in SERVER_IN). Sets SERVER_PID, SERVER_PORT,
# SERVER_LOG ($W/LOG, default server.log).
start_chat_server() {
  SERVER_LOG="$W/${2:-server.log}"
  start_bg_from "$1" "$SERVER_LOG" "$D/chat_server" 0
  SERVER_PID=$BG_PID
  if [[ -p $1 ]]; then exec {SERVER_IN}>"$1"; fi
  wait_for_line "$SERVER_LOG" '^Listening on port [0-9]+$' "$READY_SECONDS" "$SERVER_PID" || return 1
  SERVER_PORT=$(head -n 1 "$SERVER_LOG" | grep -oE '[0-9]+$')
}

# expect_exit STATUS PID [WHAT]: wait for PID (started by this test) to exit with STATUS.
expect_exit() {
  local got=0
  wait_for_exit "$2" || got=$?
  assert_equal "$1" "$got" "${3:-exit status}"
}

# start_room [OPTIONS...]: chatroom_server on port 0 (log $W/room.log).
start_room() {
  start_server "$W/room.log" "$D/chatroom_server" 0 "$@"
}

# join NICK [HOST]: a chatroom_client for NICK reading the FIFO $W/NICK.in (we keep a write
# fd on it, in FD_NICK), output in $W/NICK.log; waits until the room has welcomed it.
join() {
  local nick=$1 host=${2:-127.0.0.1} fd
  mkfifo "$W/$nick.in"
  start_bg_from "$W/$nick.in" "$W/$nick.log" "$D/chatroom_client" "$host" "$SERVER_PORT" "$nick"
  printf -v "PID_$nick" %s "$BG_PID"
  exec {fd}>"$W/$nick.in"
  printf -v "FD_$nick" %s "$fd"
  wait_for_line "$W/$nick.log" "^\\* welcome $nick\$" "$READY_SECONDS" "$BG_PID"
}

# say NICK LINE...: NICK types these lines.
say() {
  local var="FD_$1"
  shift
  printf '%s\n' "$@" >&"${!var}"
}

# hang_up NICK: end of input for NICK's client (it leaves), and wait for it to exit 0.
hang_up() {
  local fd="FD_$1" pid="PID_$1"
  eval "exec ${!fd}>&-"
  expect_exit 0 "${!pid}" "exit status of $1's chatroom_client"
}

# raw_connect VAR: a bare TCP connection to the room (bash /dev/tcp); its fd goes in VAR.
raw_connect() {
  exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
  printf -v "$1" %s "$fd"
}

# ---------------------------------------------------------------------------------------
# The notes' chat: chat_server and chat_client take turns

@test "chat_client and chat_server take turns through FIFOs until the client says byebye" {
  mkfifo "$W/server.in" "$W/client.in"
  start_chat_server "$W/server.in"
  start_bg_from "$W/client.in" "$W/client.log" "$D/chat_client" 127.0.0.1 "$SERVER_PORT"
  client=$BG_PID
  exec {client_in}>"$W/client.in"
  wait_for_line "$W/client.log" "^Connected to 127.0.0.1 port $SERVER_PORT\$"

  echo "hello server" >&"$client_in"
  wait_for_line "$SERVER_LOG" '^Received: hello server$'
  echo "hi client" >&"$SERVER_IN"
  wait_for_line "$W/client.log" '^Received: hi client$'
  echo "how are you?" >&"$client_in"
  wait_for_line "$SERVER_LOG" '^Received: how are you\?$'
  echo "fine, thanks" >&"$SERVER_IN"
  wait_for_line "$W/client.log" '^Received: fine, thanks$'
  echo "byebye" >&"$client_in"

  expect_exit 0 "$client" "chat_client exit status"
  expect_exit 0 "$SERVER_PID" "chat_server exit status"
  run cat "$W/client.log"
  assert_output "Connected to 127.0.0.1 port $SERVER_PORT
Received: hi client
Received: fine, thanks
You said byebye: chat over"
  run cat "$SERVER_LOG"
  assert_equal "Listening on port $SERVER_PORT" "${lines[0]}"
  [[ ${lines[1]} =~ ^Connected\ by\ 127\.0\.0\.1\ port\ [0-9]+$ ]]
  assert_equal "Received: hello server
Received: how are you?
Received: byebye
The client said byebye: chat over" "$(tail -n +3 "$SERVER_LOG")"
}

@test "chat_server says byebye and both sides stop" {
  printf 'hi client\nbyebye\nnever sent\n' >"$W/server.in"
  start_chat_server "$W/server.in"
  run -0 timeout "$T" "$D/chat_client" 127.0.0.1 "$SERVER_PORT" <<<$'hello\nhow are you?\nnever sent'
  assert_output "Connected to 127.0.0.1 port $SERVER_PORT
Received: hi client
Received: byebye
The server said byebye: chat over"
  expect_exit 0 "$SERVER_PID" "chat_server exit status"
  assert_equal "Received: hello
Received: how are you?
You said byebye: chat over" "$(tail -n +3 "$SERVER_LOG")"
}

@test "end of input on chat_client counts as byebye" {
  printf 'hi client\n' >"$W/server.in"
  start_chat_server "$W/server.in"
  run -0 timeout "$T" "$D/chat_client" 127.0.0.1 "$SERVER_PORT" <<<'hello'
  assert_output "Connected to 127.0.0.1 port $SERVER_PORT
Received: hi client
End of input: sending byebye
You said byebye: chat over"
  expect_exit 0 "$SERVER_PID" "chat_server exit status"
  assert_equal "Received: hello
Received: byebye
The client said byebye: chat over" "$(tail -n +3 "$SERVER_LOG")"
}

@test "end of input on chat_server counts as byebye" {
  start_chat_server /dev/null
  run -0 timeout "$T" "$D/chat_client" 127.0.0.1 "$SERVER_PORT" <<<$'hello\nanyone?'
  assert_output "Connected to 127.0.0.1 port $SERVER_PORT
Received: byebye
The server said byebye: chat over"
  expect_exit 0 "$SERVER_PID" "chat_server exit status"
  assert_equal "Received: hello
End of input: sending byebye
You said byebye: chat over" "$(tail -n +3 "$SERVER_LOG")"
}

@test "chat_client talks to chat_server over ::1 and localhost" {
  printf 'byebye\n' >"$W/server.in"
  start_chat_server "$W/server.in"
  run -0 timeout "$T" "$D/chat_client" ::1 "$SERVER_PORT" <<<'hello'
  assert_line "Connected to ::1 port $SERVER_PORT"
  assert_line "Received: byebye"
  expect_exit 0 "$SERVER_PID"
  assert_file_line "$SERVER_LOG" "Received: hello"
  grep -qE '^Connected by ::1 port [0-9]+$' "$SERVER_LOG"

  start_chat_server "$W/server.in" server2.log
  run -0 timeout "$T" "$D/chat_client" localhost "$SERVER_PORT" <<<'hello'
  assert_line "Connected to 127.0.0.1 port $SERVER_PORT"
  assert_line "Received: byebye"
}

@test "chat_server reports a client that goes away without byebye and exits 1" {
  printf 'hi\n' >"$W/server.in"
  start_chat_server "$W/server.in"
  exec {raw}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
  echo hello >&"$raw"
  read -r -t "$T" -u "$raw" reply
  assert_equal "hi" "$reply" "the server's reply"
  exec {raw}>&-
  expect_exit 1 "$SERVER_PID" "chat_server exit status"
  grep -qE '^chat_server: the client \(127\.0\.0\.1 port [0-9]+\) went away without saying byebye$' "$SERVER_LOG"
}

@test "chat_client reports a server that goes away without byebye and exits 1" {
  mkfifo "$W/server.in" "$W/client.in"
  start_chat_server "$W/server.in"
  start_bg_from "$W/client.in" "$W/client.log" "$D/chat_client" 127.0.0.1 "$SERVER_PORT"
  client=$BG_PID
  exec {client_in}>"$W/client.in"
  echo hello >&"$client_in"
  wait_for_line "$SERVER_LOG" '^Received: hello$'
  stop_pid "$SERVER_PID" || true
  expect_exit 1 "$client" "chat_client exit status"
  assert_equal "chat_client: the server (127.0.0.1 port $SERVER_PORT) went away without saying byebye" "$(tail -n 1 "$W/client.log")"
}

@test "chat_server serves one client: a second one is refused" {
  mkfifo "$W/server.in"
  start_chat_server "$W/server.in"
  exec {raw}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
  wait_for_line "$SERVER_LOG" '^Connected by '
  run -1 --separate-stderr timeout "$T" "$D/chat_client" 127.0.0.1 "$SERVER_PORT" </dev/null
  assert_equal "chat_client: connect 127.0.0.1 port $SERVER_PORT: Connection refused" "$stderr"
}

@test "chat_client reports a refused connection and an unknown host" {
  start_chat_server /dev/null
  port=$SERVER_PORT
  stop_pid "$SERVER_PID" || true
  run -1 --separate-stderr timeout "$T" "$D/chat_client" 127.0.0.1 "$port" </dev/null
  assert_equal "chat_client: connect 127.0.0.1 port $port: Connection refused" "$stderr"
  run -1 --separate-stderr timeout "$T" "$D/chat_client" no..such..host 80 </dev/null
  assert_equal "chat_client: getaddrinfo no..such..host: Name or service not known" "$stderr"
}

# ---------------------------------------------------------------------------------------
# The chat room

@test "three people in the room see each other's lines, joins, /who and leaves" {
  start_room
  join alice
  join bob ::1
  join carol localhost
  wait_for_line "$W/alice.log" '^\* carol joined$'

  say alice "hello everyone"
  wait_for_line "$W/bob.log" '^<alice> hello everyone$'
  wait_for_line "$W/carol.log" '^<alice> hello everyone$'
  say bob "hi alice" "/who"
  wait_for_line "$W/bob.log" '^\* in the room: alice, bob, carol$'
  wait_for_line "$W/alice.log" '^<bob> hi alice$'
  say carol "/quit"
  expect_exit 0 "$PID_carol" "carol's exit status"
  wait_for_line "$W/alice.log" '^\* carol left$'
  hang_up bob
  wait_for_line "$W/alice.log" '^\* bob left$'
  hang_up alice

  run cat "$W/alice.log"
  assert_output "* welcome alice
* in the room: alice
* bob joined
* carol joined
<bob> hi alice
* carol left
* bob left
* bye alice"
  run cat "$W/bob.log"
  assert_output "* welcome bob
* in the room: alice, bob
* carol joined
<alice> hello everyone
* in the room: alice, bob, carol
* carol left
* bye bob"
  run cat "$W/carol.log"
  assert_output "* welcome carol
* in the room: alice, bob, carol
<alice> hello everyone
<bob> hi alice
* bye carol"
  grep -qE '^\* alice joined \(127\.0\.0\.1 port [0-9]+\)$' "$W/room.log"
  grep -qE '^\* bob joined \(::1 port [0-9]+\)$' "$W/room.log"
  assert_equal "* carol left
* bob left
* alice left" "$(grep ' left$' "$W/room.log")"
}

@test "a taken nickname is refused; chatroom_client says so and exits 1" {
  start_room
  join alice
  run -1 --separate-stderr timeout "$T" "$D/chatroom_client" 127.0.0.1 "$SERVER_PORT" alice </dev/null
  assert_equal "" "$output"
  assert_equal "chatroom_client: nickname taken: alice" "$stderr"
}

@test "a bad or taken nickname gets an error line and another try" {
  start_room
  join alice
  raw_connect raw
  printf '%s\n' 'bad nick!' '' 'seventeen_chars_x' 'alice' 'zed' >&"$raw"
  got=()
  for i in 1 2 3 4 5 6 7; do read -r -t "$T" -u "$raw" line; got+=("$line"); done
  assert_equal "* nickname? (1 to 16 letters, digits, _ or -)
* bad nickname: use 1 to 16 letters, digits, _ or -
* bad nickname: use 1 to 16 letters, digits, _ or -
* bad nickname: use 1 to 16 letters, digits, _ or -
* nickname taken: alice
* welcome zed
* in the room: alice, zed" "$(printf '%s\n' "${got[@]}")"
  wait_for_line "$W/alice.log" '^\* zed joined$'
}

@test "chatroom_client refuses a bad nickname itself" {
  run --separate-stderr "$D/chatroom_client" 127.0.0.1 1 'a b'
  assert_usage_error chatroom_client
  assert_equal "chatroom_client: bad nickname 'a b': use 1 to 16 letters, digits, _ or -" "$stderr"
  run --separate-stderr "$D/chatroom_client" 127.0.0.1 1 abcdefghijklmnopq
  assert_usage_error chatroom_client
}

@test "a line over 512 bytes gets '* line too long' and the sender stays" {
  start_room
  join alice
  join bob
  long=$(printf 'x%.0s' {1..2048})
  exact=$(printf 'y%.0s' {1..512})
  say alice "$long" "$exact" "still here"
  wait_for_line "$W/bob.log" '^<alice> still here$'
  assert_file_line "$W/alice.log" "* line too long (at most 512 bytes)"
  assert_file_line "$W/bob.log" "<alice> $exact"
  run grep -c x "$W/bob.log"
  assert_equal 0 "$output" "lines of x that reached bob"
  say alice "/who"
  wait_for_line "$W/alice.log" '^\* in the room: alice, bob$'
}

@test "control bytes and escape sequences are removed before a line is passed on" {
  start_room
  join alice
  join bob
  printf 'a\e[2Jb\x01\x07c\x7fd\te\x1b]0;owned\x07f\r\n' >&"$FD_alice"
  say alice "after"
  wait_for_line "$W/bob.log" '^<alice> after$'
  assert_file_line "$W/bob.log" $'<alice> a[2Jbcd\te]0;ownedf'
  # Not one control byte besides the newlines and the tab arrived.
  run bash -c "tr -d '\\n\\t' <'$W/bob.log' | tr -d '\\040-\\176' | wc -c"
  assert_equal 0 "$output" "control bytes in bob's output"
}

@test "a client that never reads is dropped while two others keep chatting" {
  start_room
  join alice
  join bob
  raw_connect sleepy
  echo sleepy >&"$sleepy"
  raw_connect flood
  echo flood >&"$flood"
  wait_for_line "$W/room.log" '^\* flood joined'
  # Flood the room (100 KiB at a time, at most 8 MiB) until the server gives up on sleepy,
  # whose queue fills because it never reads.
  line=$(printf 'z%.0s' {1..499})
  for ((k = 0; k < 80; k++)); do
    for ((j = 0; j < 200; j++)); do echo "$line"; done >&"$flood"
    grep -q '^\* sleepy dropped: not reading$' "$W/room.log" && break
  done
  wait_for_line "$W/room.log" '^\* sleepy dropped: not reading$'
  wait_for_line "$W/alice.log" '^\* sleepy dropped: not reading$'
  say alice "still chatting"
  wait_for_line "$W/bob.log" '^<alice> still chatting$' 20
  say bob "me too"
  wait_for_line "$W/alice.log" '^<bob> me too$' 20
  say bob "/who"
  wait_for_line "$W/bob.log" '^\* in the room: alice, bob, flood$' 20
  refute_line "* sleepy left" <<<"$(cat "$W/alice.log")"
}

@test "chatroom_load: 50 clients x 20 lines, nothing lost" {
  start_room
  run -0 timeout 60 "$D/chatroom_load" 127.0.0.1 "$SERVER_PORT" -c 50 -n 20
  assert_output_matches '^50 clients x 20 lines: 49000 deliveries in [0-9]+\.[0-9]+ s, [0-9]+ per second, 0 missing, 0 out of order, 0 own lines$'
  run -0 timeout 60 "$D/chatroom_load" -n 5 -c 3 ::1 "$SERVER_PORT"
  assert_output_matches '^3 clients x 5 lines: 30 deliveries in .* 0 missing, 0 out of order, 0 own lines$'
}

@test "random binary bytes do not disturb the room" {
  start_room
  join alice
  join bob
  raw_connect noise
  head -c 65536 /dev/urandom >&"$noise"
  raw_connect junk
  echo junk >&"$junk"
  head -c 65536 /dev/urandom >&"$junk"
  printf '\0\0\0\n' >&"$junk"
  exec {noise}>&- {junk}>&-
  wait_for_line "$W/alice.log" '^\* junk left$'
  say alice "still fine"
  wait_for_line "$W/bob.log" '^<alice> still fine$'
  kill -0 "$SERVER_PID"
  # Whatever junk's noise became, it reached bob without control bytes.
  run bash -c "tr -d '\\n\\t' <'$W/bob.log' | tr -d '\\040-\\176\\200-\\377' | wc -c"
  assert_equal 0 "$output" "control bytes in bob's output"
}

@test "a full room turns the newcomer away; room is made when someone leaves" {
  start_room -m 2
  join alice
  join bob
  run -1 --separate-stderr timeout "$T" "$D/chatroom_client" 127.0.0.1 "$SERVER_PORT" carol </dev/null
  assert_equal "chatroom_client: room full, try again later" "$stderr"
  grep -qE '^Room full: turned away 127\.0\.0\.1 port [0-9]+$' "$W/room.log"
  hang_up alice
  wait_for_line "$W/room.log" '^\* alice left$'
  join carol
  assert_file_line "$W/carol.log" "* in the room: bob, carol"
  run -1 --separate-stderr timeout "$T" "$D/chatroom_load" 127.0.0.1 "$SERVER_PORT" -c 2 -n 1
  [[ $stderr =~ ^chatroom_load:\ bot\ b[0-9]+-[01]\ was\ turned\ away:\ room\ full,\ try\ again\ later$ ]] || {
    echo "unexpected stderr: $stderr" >&2; false; }
  assert_output_matches '^2 clients x 1 lines: 0 deliveries in .*, 2 missing, '
}

@test "SIGTERM and SIGINT: everyone is told the server is closing, exit 0" {
  for signal in TERM INT; do
    rm -f "$W"/*.in "$W"/*.log
    start_room
    join alice
    join bob
    kill -"$signal" "$SERVER_PID"
    expect_exit 0 "$SERVER_PID" "chatroom_server exit status after SIG$signal"
    for nick in alice bob; do
      pid="PID_$nick"
      expect_exit 0 "${!pid}" "$nick's exit status"
      assert_equal "* server closing
Connection closed by the server" "$(tail -n 2 "$W/$nick.log")"
    done
    assert_equal "* server closing" "$(tail -n 1 "$W/room.log")"
  done
}

@test "chat_server reports a port already in use" {
  start_chat_server /dev/null
  run -1 --separate-stderr timeout "$T" "$D/chat_server" "$SERVER_PORT" </dev/null
  assert_equal "chat_server: bind port $SERVER_PORT: Address already in use" "$stderr"
}

@test "chatroom_server reports a port already in use" {
  start_room
  run -1 --separate-stderr timeout "$T" "$D/chatroom_server" "$SERVER_PORT"
  assert_equal "chatroom_server: bind port $SERVER_PORT: Address already in use" "$stderr"
}

@test "chatroom_client and chatroom_load report an unknown host" {
  run -1 --separate-stderr timeout "$T" "$D/chatroom_client" no..such..host 80 alice </dev/null
  assert_equal "chatroom_client: getaddrinfo no..such..host: Name or service not known" "$stderr"
  run -1 --separate-stderr timeout "$T" "$D/chatroom_load" no..such..host 80
  assert_equal "chatroom_load: getaddrinfo no..such..host: Name or service not known" "$stderr"
  assert_equal "" "$output"
}

@test "chatroom_client and chatroom_load report a refused connection" {
  start_room
  port=$SERVER_PORT
  stop_pid "$SERVER_PID" || true
  run -1 --separate-stderr timeout "$T" "$D/chatroom_client" 127.0.0.1 "$port" alice </dev/null
  assert_equal "chatroom_client: connect 127.0.0.1 port $port: Connection refused" "$stderr"
  run -1 --separate-stderr timeout "$T" "$D/chatroom_load" 127.0.0.1 "$port"
  assert_equal "chatroom_load: connect 127.0.0.1 port $port: Connection refused" "$stderr"
  assert_equal "" "$output"
}

# ---------------------------------------------------------------------------------------
# Arguments

@test "every program prints its usage for -h" {
  for prog in "chat_server:Usage: chat_server [PORT]" \
              "chat_client:Usage: chat_client HOST PORT" \
              "chatroom_server:Usage: chatroom_server [PORT] [-m MAX_CLIENTS]" \
              "chatroom_client:Usage: chatroom_client HOST PORT NICK" \
              "chatroom_load:Usage: chatroom_load HOST PORT [-c CLIENTS] [-n LINES]"; do
    run -0 "$D/${prog%%:*}" -h
    assert_output "${prog#*:}"
  done
}

# check_usage_error PROG MESSAGE ARGS...: PROG ARGS exits 2 with exactly MESSAGE on stderr.
check_usage_error() {
  local prog=$1 message=$2
  shift 2
  run --separate-stderr timeout "$T" "$D/$prog" "$@"
  assert_usage_error "$prog"
  assert_equal "$message" "$stderr" "stderr of $prog $*"
}

@test "bad arguments to chat_server and chat_client: one line, exit 2" {
  check_usage_error chat_server "chat_server: bad port 'abc': expected a number from 0 to 65535" abc
  check_usage_error chat_server "chat_server: bad port '65536': expected a number from 0 to 65535" 65536
  check_usage_error chat_server "chat_server: bad port '-1': expected a number from 0 to 65535" -- -1
  check_usage_error chat_server "chat_server: bad port '80x': expected a number from 0 to 65535" 80x
  check_usage_error chat_server "chat_server: too many operands (try 'chat_server -h')" 1 2
  check_usage_error chat_server "chat_server: unknown option '-x' (try 'chat_server -h')" -x
  check_usage_error chat_client "chat_client: missing operand: HOST PORT (try 'chat_client -h')"
  check_usage_error chat_client "chat_client: missing operand: HOST PORT (try 'chat_client -h')" localhost
  check_usage_error chat_client "chat_client: bad port 'http': expected a number from 0 to 65535" localhost http
  check_usage_error chat_client "chat_client: bad port '123456': expected a number from 0 to 65535" localhost 123456
  check_usage_error chat_client "chat_client: too many operands (try 'chat_client -h')" localhost 1 2
  check_usage_error chat_client "chat_client: unknown option '-p' (try 'chat_client -h')" -p 1 localhost
}

@test "bad arguments to chatroom_server, chatroom_client, chatroom_load: one line, exit 2" {
  check_usage_error chatroom_server "chatroom_server: bad port 'x1': expected a number from 0 to 65535" x1
  check_usage_error chatroom_server "chatroom_server: bad port '70000': expected a number from 0 to 65535" 70000
  check_usage_error chatroom_server "chatroom_server: bad max clients '0': expected a number from 1 to 100000" -m 0
  check_usage_error chatroom_server "chatroom_server: bad max clients 'ten': expected a number from 1 to 100000" 0 -m ten
  check_usage_error chatroom_server "chatroom_server: missing value for option '-m' (try 'chatroom_server -h')" 0 -m
  check_usage_error chatroom_server "chatroom_server: too many operands (try 'chatroom_server -h')" 1 2
  check_usage_error chatroom_server "chatroom_server: unknown option '-z' (try 'chatroom_server -h')" -z
  check_usage_error chatroom_client "chatroom_client: missing operand: HOST PORT NICK (try 'chatroom_client -h')" localhost 1
  check_usage_error chatroom_client "chatroom_client: bad port '1.5': expected a number from 0 to 65535" localhost 1.5 alice
  check_usage_error chatroom_client "chatroom_client: bad nickname '': use 1 to 16 letters, digits, _ or -" localhost 1 ''
  check_usage_error chatroom_client "chatroom_client: too many operands (try 'chatroom_client -h')" localhost 1 alice bob
  check_usage_error chatroom_client "chatroom_client: unknown option '-q' (try 'chatroom_client -h')" -q localhost 1 alice
  check_usage_error chatroom_load "chatroom_load: missing operand: HOST PORT (try 'chatroom_load -h')" localhost
  check_usage_error chatroom_load "chatroom_load: bad port '1e3': expected a number from 0 to 65535" localhost 1e3
  check_usage_error chatroom_load "chatroom_load: bad client count '1': expected a number from 2 to 1000" localhost 1 -c 1
  check_usage_error chatroom_load "chatroom_load: bad client count '5000': expected a number from 2 to 1000" -c 5000 localhost 1
  check_usage_error chatroom_load "chatroom_load: bad line count '0': expected a number from 1 to 1000000" localhost 1 -n 0
  check_usage_error chatroom_load "chatroom_load: bad line count '2x': expected a number from 1 to 1000000" localhost 1 -n 2x
  check_usage_error chatroom_load "chatroom_load: missing value for option '-n' (try 'chatroom_load -h')" localhost 1 -n
  check_usage_error chatroom_load "chatroom_load: too many operands (try 'chatroom_load -h')" localhost 1 2
  check_usage_error chatroom_load "chatroom_load: unknown option '-t' (try 'chatroom_load -h')" -t 5 localhost 1
}
