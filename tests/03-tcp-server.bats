#!/usr/bin/env bats
# Lesson 03: the TCP servers (tcp_server, dict_server, hello_http, send_recv_buffers).
# The clients here are written in bash with /dev/tcp, so this file needs nothing from
# lesson 02; curl is used for hello_http where it is installed.

load test_helper

L="$BIN_ROOT/03-tcp-server"
MESSAGE="Hello, server, I'm client Xiaohei!"
REPLY="ok, the problem is being handled..."

# Clients written in bash with /dev/tcp, kept as scripts so `timeout` can run them:
#   timeout "$T" bash -c "$SEND_ONCE" _ HOST PORT BYTES
# SEND_ONCE: connect, send BYTES (printf %b escapes, no newline added), then print
# everything the server sends until it closes.
SEND_ONCE='exec 3<>"/dev/tcp/$1/$2" || exit 1; printf "%b" "$3" >&3; cat <&3'
# LINES_SESSION: send stdin to the server, then print its replies until it closes (the
# dict_server closes after "bye").
LINES_SESSION='exec 3<>"/dev/tcp/$1/$2" || exit 1; cat >&3; cat <&3'

# start_fifo_client FIFO LOG HOST PORT: an interactive client in the background. Lines
# written to FIFO go to the server, its replies go to LOG; closing the FIFO's write end
# closes the connection. Start it BEFORE opening the FIFO for writing.
start_fifo_client() {
  local fifo=$1 log=$2
  start_bg_from "$fifo" "$log" bash -c \
    'exec 3<>"/dev/tcp/$1/$2" || exit 1; cat <&3 & reader=$!; cat >&3; kill "$reader"; wait' _ "$3" "$4"
}

# port_nobody_uses: start a dict_server on port 0, note its port, stop it.
port_in_use_by_dict_server() {
  start_server "$BATS_TEST_TMPDIR/holder.log" "$L/dict_server" 0
}

# ---------------------------------------------------------------- every program: -h

@test "each program prints its usage with -h and exits 0" {
  local prog
  for prog in tcp_server dict_server hello_http send_recv_buffers; do
    run -0 "$L/$prog" -h
    assert_output_matches "^Usage: $prog( |$)"
    assert_equal 1 "${#lines[@]}" "number of lines from $prog -h"
  done
  run -0 "$L/tcp_server" -h
  assert_output "Usage: tcp_server [PORT]"
  run -0 "$L/dict_server" -h
  assert_output "Usage: dict_server [PORT]"
  run -0 "$L/hello_http" -h
  assert_output "Usage: hello_http [PORT] [-t SECONDS]"
  run -0 "$L/send_recv_buffers" -h
  assert_output "Usage: send_recv_buffers [-b BYTES]"
}

# ---------------------------------------------------------------- tcp_server

# tcp_server_conversation HOST: the notes' exchange with a client connecting to HOST.
tcp_server_conversation() {
  local host=$1 shown=$2
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/tcp_server" 0
  run -0 timeout "$T" bash -c "$SEND_ONCE" _ "$host" "$SERVER_PORT" "$MESSAGE"
  assert_output "$REPLY"
  wait_for_exit "$SERVER_PID"
  run cat "$SERVER_LOG"
  assert_equal "Listening on port $SERVER_PORT" "${lines[0]}" "line 1"
  [[ ${lines[1]} =~ ^Connection\ from\ ${shown}\ port\ [0-9]+$ ]] || {
    echo "line 2 is: ${lines[1]}" >&2
    return 1
  }
  assert_equal "Received 34 bytes: $MESSAGE" "${lines[2]}" "line 3"
  assert_equal "Sent: $REPLY" "${lines[3]}" "line 4"
  assert_equal 4 "${#lines[@]}" "number of lines"
}

@test "tcp_server answers the notes' client over 127.0.0.1 and exits 0" {
  tcp_server_conversation 127.0.0.1 '127\.0\.0\.1'
}

@test "tcp_server answers a client over ::1" {
  tcp_server_conversation ::1 '::1'
}

@test "tcp_server answers a client that connects to localhost" {
  tcp_server_conversation localhost '127\.0\.0\.1'
}

@test "tcp_server reports a client that leaves without sending, and exits 0" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/tcp_server" 0
  run -0 timeout "$T" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$SERVER_PORT"
  wait_for_exit "$SERVER_PID"
  assert_file_line "$SERVER_LOG" "Client left without sending anything (recv returned 0)"
  run cat "$SERVER_LOG"
  assert_equal 3 "${#lines[@]}" "number of lines"
}

@test "tcp_server shows binary bytes escaped instead of raw" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/tcp_server" 0
  run -0 timeout "$T" bash -c "$SEND_ONCE" _ 127.0.0.1 "$SERVER_PORT" 'a\0b\xff\\\tz\r\n'
  assert_output "$REPLY"
  wait_for_exit "$SERVER_PID"
  assert_file_line "$SERVER_LOG" 'Received 9 bytes: a\x00b\xff\\\tz\r\n'
}

@test "tcp_server reads at most 1024 bytes in its one recv" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/tcp_server" 0
  local big
  big=$(printf '%02000d' 0)
  run timeout "$T" bash -c "$SEND_ONCE" _ 127.0.0.1 "$SERVER_PORT" "$big"
  wait_for_exit "$SERVER_PID"
  run cat "$SERVER_LOG"
  assert_output_matches '^Received [0-9]+ bytes: 0+$'
  local n
  n=$(grep -oE '^Received [0-9]+' "$SERVER_LOG" | grep -oE '[0-9]+')
  ((n >= 1 && n <= 1024))
}

@test "tcp_server has closed its listening socket when it is done: new clients are refused" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/tcp_server" 0
  run -0 timeout "$T" bash -c "$SEND_ONCE" _ 127.0.0.1 "$SERVER_PORT" "$MESSAGE"
  wait_for_exit "$SERVER_PID"
  run -1 timeout "$T" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$SERVER_PORT"
  assert_output_matches 'Connection refused'
}

@test "tcp_server restarts at once on the port it just used (SO_REUSEADDR despite TIME_WAIT)" {
  start_server "$BATS_TEST_TMPDIR/first.log" "$L/tcp_server" 0
  local port=$SERVER_PORT
  run -0 timeout "$T" bash -c "$SEND_ONCE" _ 127.0.0.1 "$port" "$MESSAGE"
  wait_for_exit "$SERVER_PID"
  # The server closed first, so its end of that connection now waits in TIME_WAIT.
  if command -v ss >/dev/null; then
    run ss -Htan state time-wait "sport = :$port"
    [[ -n $output ]] || { echo "no TIME_WAIT socket on port $port" >&2; return 1; }
  fi
  start_server "$BATS_TEST_TMPDIR/second.log" "$L/tcp_server" "$port"
  assert_equal "$port" "$SERVER_PORT" "port of the restarted server"
  run -0 timeout "$T" bash -c "$SEND_ONCE" _ 127.0.0.1 "$port" "$MESSAGE"
  assert_output "$REPLY"
}

@test "tcp_server takes its port after --" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/tcp_server" -- 0
  run -0 timeout "$T" bash -c "$SEND_ONCE" _ 127.0.0.1 "$SERVER_PORT" "$MESSAGE"
  assert_output "$REPLY"
  wait_for_exit "$SERVER_PID"
}

# ---------------------------------------------------------------- dict_server

# dict_conversation HOST SHOWN: one client asks the notes' questions, then says bye.
dict_conversation() {
  local host=$1 shown=$2
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/dict_server" 0
  run -0 timeout "$T" bash -c "$LINES_SESSION" _ "$host" "$SERVER_PORT" \
    <<<$'how are u\nhow old are u\nwhat is this\nbye'
  assert_output $'fine\nnicai\nno\nbye'
  wait_for_line "$SERVER_LOG" '^Client left: '
  run cat "$SERVER_LOG"
  assert_equal "Listening on port $SERVER_PORT" "${lines[0]}" "line 1"
  [[ ${lines[1]} =~ ^Connection\ from\ ${shown}\ port\ [0-9]+$ ]] || {
    echo "line 2 is: ${lines[1]}" >&2
    return 1
  }
  local client=${lines[1]#Connection from }
  assert_equal "Received: how are u" "${lines[2]}" "line 3"
  assert_equal "Sent: fine" "${lines[3]}" "line 4"
  assert_equal "Received: how old are u" "${lines[4]}" "line 5"
  assert_equal "Sent: nicai" "${lines[5]}" "line 6"
  assert_equal "Received: what is this" "${lines[6]}" "line 7"
  assert_equal "Sent: no" "${lines[7]}" "line 8"
  assert_equal "Received: bye" "${lines[8]}" "line 9"
  assert_equal "Sent: bye" "${lines[9]}" "line 10"
  assert_equal "Client left: $client" "${lines[10]}" "line 11"
  # The server is still there, waiting for the next client.
  kill -0 "$SERVER_PID"
}

@test "dict_server answers the notes' questions over 127.0.0.1" {
  dict_conversation 127.0.0.1 '127\.0\.0\.1'
}

@test "dict_server answers over ::1" {
  dict_conversation ::1 '::1'
}

@test "dict_server answers a client that connects to localhost" {
  dict_conversation localhost '127\.0\.0\.1'
}

@test "dict_server accepts lines ending in CR LF" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/dict_server" 0
  run -0 timeout "$T" bash -c "$LINES_SESSION" _ 127.0.0.1 "$SERVER_PORT" < <(printf 'how are u\r\nbye\r\n')
  assert_output $'fine\nbye'
}

@test "dict_server serves two clients one after another" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/dict_server" 0
  run -0 timeout "$T" bash -c "$LINES_SESSION" _ 127.0.0.1 "$SERVER_PORT" <<<$'how are u\nbye'
  assert_output $'fine\nbye'
  run -0 timeout "$T" bash -c "$LINES_SESSION" _ ::1 "$SERVER_PORT" <<<$'how old are u\nbye'
  assert_output $'nicai\nbye'
  wait_for_count "$SERVER_LOG" '^Client left: ' 2
  assert_equal 2 "$(grep -c '^Connection from ' "$SERVER_LOG")" "connections logged"
}

@test "dict_server: a second client gets no answer until the first one leaves" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/dict_server" 0
  local first="$BATS_TEST_TMPDIR/first" second="$BATS_TEST_TMPDIR/second"
  mkfifo "$first.fifo" "$second.fifo"

  # The first client connects and is answered.
  start_fifo_client "$first.fifo" "$first.log" 127.0.0.1 "$SERVER_PORT"
  exec 7>"$first.fifo"
  echo "how are u" >&7
  wait_for_line "$first.log" '^fine$'

  # The second client connects (the kernel queues it) and asks: no answer comes.
  start_fifo_client "$second.fifo" "$second.log" 127.0.0.1 "$SERVER_PORT"
  exec 8>"$second.fifo"
  echo "how old are u" >&8
  # A third client waits a whole second for its answer and gives up.
  run -124 timeout 1 bash -c \
    'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1; echo "how are u" >&3; read -r line <&3; echo "$line"' _ "$SERVER_PORT"
  assert_output ""
  # Meanwhile the second client heard nothing, and the server saw only one connection.
  assert_equal "" "$(cat "$second.log")" "second client's output while the first is connected"
  assert_equal 1 "$(grep -c '^Connection from ' "$SERVER_LOG")" "connections accepted"
  # The first one is still served.
  echo "how old are u" >&7
  wait_for_line "$first.log" '^nicai$'

  # The first client leaves: now the second one gets its answer.
  exec 7>&-
  wait_for_line "$second.log" '^nicai$'
  echo "bye" >&8
  wait_for_line "$second.log" '^bye$'
  exec 8>&-
  # The server survives the third client, which went away without reading its answer.
  wait_for_count "$SERVER_LOG" '^Client left: ' 3
  run -0 timeout "$T" bash -c "$LINES_SESSION" _ 127.0.0.1 "$SERVER_PORT" <<<$'how are u\nbye'
  assert_output $'fine\nbye'
}

@test "dict_server answers a 100 KiB line with 'line too long' and goes on" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/dict_server" 0
  run -0 timeout "$T" bash -c "$LINES_SESSION" _ 127.0.0.1 "$SERVER_PORT" \
    < <(head -c 102400 /dev/zero | tr '\0' x; printf '\nhow are u\nbye\n')
  assert_output $'line too long\nfine\nbye'
  assert_file_line "$SERVER_LOG" "Received a line longer than 1024 bytes: discarding it"
  assert_file_line "$SERVER_LOG" "Sent: line too long"
}

@test "dict_server takes a line of exactly 1024 bytes, refuses 1025" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/dict_server" 0
  run -0 timeout "$T" bash -c "$LINES_SESSION" _ 127.0.0.1 "$SERVER_PORT" \
    < <(head -c 1024 /dev/zero | tr '\0' y; echo; head -c 1025 /dev/zero | tr '\0' y; printf '\nbye\n')
  assert_output $'no\nline too long\nbye'
}

@test "dict_server drops a client that disconnects mid-line and serves the next" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/dict_server" 0
  # The client sends a line and a half, reads the first answer, and hangs up.
  run -0 timeout "$T" bash -c \
    'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1; printf "how are u\nhow old" >&3; read -r line <&3; echo "$line"' _ "$SERVER_PORT"
  assert_output "fine"
  wait_for_line "$SERVER_LOG" '^Client left: '
  assert_file_line "$SERVER_LOG" "Client closed in the middle of a line: dropped it"
  run cat "$SERVER_LOG"
  refute_line "Received: how old"
  run -0 timeout "$T" bash -c "$LINES_SESSION" _ 127.0.0.1 "$SERVER_PORT" <<<$'how old are u\nbye'
  assert_output $'nicai\nbye'
}

@test "dict_server answers binary bytes with 'no' and logs them escaped" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/dict_server" 0
  run -0 timeout "$T" bash -c "$LINES_SESSION" _ 127.0.0.1 "$SERVER_PORT" \
    < <(printf 'how\0are u\n\xff\xfe\x01\nbye\n')
  assert_output $'no\nno\nbye'
  assert_file_line "$SERVER_LOG" 'Received: how\x00are u'
  assert_file_line "$SERVER_LOG" 'Received: \xff\xfe\x01'
}

@test "dict_server says it is closing and exits 0 on SIGTERM, and on SIGINT" {
  local sig rc
  for sig in TERM INT; do
    start_server "$BATS_TEST_TMPDIR/server-$sig.log" "$L/dict_server" 0
    kill -"$sig" "$SERVER_PID"
    rc=0
    wait_for_exit "$SERVER_PID" || rc=$?
    assert_equal 0 "$rc" "exit status after SIG$sig"
    assert_equal "Server closing" "$(tail -n 1 "$SERVER_LOG")" "last line after SIG$sig"
  done
}

@test "dict_server exits 0 on SIGTERM while a client is connected" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/dict_server" 0
  mkfifo "$BATS_TEST_TMPDIR/c.fifo"
  start_fifo_client "$BATS_TEST_TMPDIR/c.fifo" "$BATS_TEST_TMPDIR/c.log" ::1 "$SERVER_PORT"
  exec 7>"$BATS_TEST_TMPDIR/c.fifo"
  echo "how are u" >&7
  wait_for_line "$BATS_TEST_TMPDIR/c.log" '^fine$'
  kill -TERM "$SERVER_PID"
  local rc=0
  wait_for_exit "$SERVER_PID" || rc=$?
  assert_equal 0 "$rc" "exit status"
  run tail -n 2 "$SERVER_LOG"
  assert_line "Server closing"
  assert_output_matches '^Client left: ::1 port [0-9]+$'
  exec 7>&-
}

# ---------------------------------------------------------------- hello_http

need_curl() {
  command -v curl >/dev/null || skip "curl not installed"
}

# The page hello_http serves, for comparing bodies byte for byte.
PAGE='<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Hello</title></head>
<body><h1>Hello World</h1><p>Served by hello_http, lesson 03.</p></body></html>'

# http_get_with_curl URL: GET with curl, check the whole answer.
http_get_with_curl() {
  run -0 timeout "$T" curl -sS -D "$BATS_TEST_TMPDIR/head" "$1"
  assert_output "$PAGE"
  run tr -d '\r' <"$BATS_TEST_TMPDIR/head"
  assert_output "HTTP/1.1 200 OK
Content-Type: text/html; charset=utf-8
Content-Length: 158
Connection: close"
  assert_equal 158 "$(printf '%s\n' "$PAGE" | wc -c)" "length of the page"
}

@test "hello_http serves Hello World to curl over 127.0.0.1, ::1 and localhost" {
  need_curl
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/hello_http" 0 -t 5
  http_get_with_curl "http://127.0.0.1:$SERVER_PORT/"
  http_get_with_curl "http://[::1]:$SERVER_PORT/"
  http_get_with_curl "http://localhost:$SERVER_PORT/"
  wait_for_count "$SERVER_LOG" '^Response: 200 OK$' 3
  run cat "$SERVER_LOG"
  assert_output_matches '^Connection from 127\.0\.0\.1 port [0-9]+$'
  assert_output_matches '^Connection from ::1 port [0-9]+$'
  assert_equal 3 "$(grep -cxF 'Request: GET / HTTP/1.1' "$SERVER_LOG")" "GET requests logged"
}

@test "hello_http answers HEAD / with the same head and no body" {
  need_curl
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/hello_http" 0
  run -0 timeout "$T" curl -sS -D - -o /dev/null "http://127.0.0.1:$SERVER_PORT/"
  local get_head=$output
  run -0 timeout "$T" curl -sS -I "http://127.0.0.1:$SERVER_PORT/"
  assert_equal "$get_head" "$output" "HEAD's head compared with GET's"
  # Over a raw connection: nothing after the blank line.
  run -0 timeout "$T" bash -c "$SEND_ONCE" _ 127.0.0.1 "$SERVER_PORT" 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n'
  assert_equal "$get_head" "$output" "raw HEAD answer"
  wait_for_line "$SERVER_LOG" '^Request: HEAD / HTTP/1\.1$'
}

@test "hello_http answers another path with 404 and another method with 405" {
  need_curl
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/hello_http" 0
  run -0 timeout "$T" curl -sS -w '%{http_code}\n' "http://127.0.0.1:$SERVER_PORT/favicon.ico"
  assert_output $'404 Not Found\n404'
  run -0 timeout "$T" curl -sS -D - -X DELETE "http://[::1]:$SERVER_PORT/"
  assert_line $'HTTP/1.1 405 Method Not Allowed\r'
  assert_line $'Allow: GET, HEAD\r'
  assert_line "405 Method Not Allowed"
  run -0 timeout "$T" curl -sS -w '%{http_code}\n' -d 'some=data' "http://localhost:$SERVER_PORT/"
  assert_output $'405 Method Not Allowed\n405'
  wait_for_line "$SERVER_LOG" '^Request: POST / HTTP/1\.1$'
  assert_file_line "$SERVER_LOG" "Request: GET /favicon.ico HTTP/1.1"
  assert_file_line "$SERVER_LOG" "Response: 404 Not Found"
}

@test "hello_http answers a 9 KiB request head with 431" {
  need_curl
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/hello_http" 0
  local big
  big=$(head -c 9216 /dev/zero | tr '\0' a)
  run -0 timeout "$T" curl -sS -w '%{http_code}\n' -H "X-Big: $big" "http://127.0.0.1:$SERVER_PORT/"
  assert_output $'431 Request Header Fields Too Large\n431'
  wait_for_line "$SERVER_LOG" '^Response: 431 '
  assert_file_line "$SERVER_LOG" "Request head longer than 8192 bytes"
  # ... and still serves the next one.
  run -0 timeout "$T" curl -sS -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$SERVER_PORT/"
  assert_output "200"
}

@test "hello_http answers a client written with bash /dev/tcp" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/hello_http" 0
  run -0 timeout "$T" bash -c "$SEND_ONCE" _ ::1 "$SERVER_PORT" \
    'GET /?name=x HTTP/1.0\r\nHost: localhost\r\nUser-Agent: bash\r\n\r\n'
  assert_output "HTTP/1.1 200 OK"$'\r'"
Content-Type: text/html; charset=utf-8"$'\r'"
Content-Length: 158"$'\r'"
Connection: close"$'\r'"
"$'\r'"
$PAGE"
  wait_for_line "$SERVER_LOG" '^Response: 200 OK$'
  run cat "$SERVER_LOG"
  assert_equal "Listening on port $SERVER_PORT" "${lines[0]}" "line 1"
  assert_output_matches '^Connection from ::1 port [0-9]+$'
  assert_line "Request: GET /?name=x HTTP/1.0"
}

@test "hello_http answers a request head sent in pieces, with bare LF line ends" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/hello_http" 0
  run -0 timeout "$T" bash -c \
    'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1; printf "GET /nothing" >&3; printf " HTTP/1.1\n" >&3; printf "Host: x\n\n" >&3; head -n 1 <&3' _ "$SERVER_PORT"
  assert_output $'HTTP/1.1 404 Not Found\r'
}

@test "hello_http answers a malformed request with 400" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/hello_http" 0
  local bad
  for bad in 'hello\r\n\r\n' 'GET /\r\n\r\n' 'GET / HTTP/1.1 extra\r\n\r\n' 'GET  / HTTP/1.1\r\n\r\n' \
    'GET / FTP/1.0\r\n\r\n' 'GET / HTTP/1.1\r\nno colon here\r\n\r\n' 'G\0T / HTTP/1.1\r\n\r\n' \
    '\r\n\r\n'; do
    run -0 timeout "$T" bash -c "$SEND_ONCE" _ 127.0.0.1 "$SERVER_PORT" "$bad"
    assert_equal $'HTTP/1.1 400 Bad Request\r' "${lines[0]}" "answer to '$bad'"
    assert_line "400 Bad Request"
  done
  wait_for_count "$SERVER_LOG" '^Response: 400 Bad Request$' 8
  assert_equal 8 "$(grep -cxF 'Malformed request' "$SERVER_LOG")" "malformed requests logged"
}

@test "hello_http drops a silent client after -t 1 while a later client is served" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/hello_http" -t 1 0
  # The silent client: connects, sends nothing, waits for the server to hang up.
  start_bg "$BATS_TEST_TMPDIR/silent.log" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1; cat <&3; echo "server hung up"' _ "$SERVER_PORT"
  local silent=$BG_PID
  wait_for_line "$SERVER_LOG" '^Connection from '
  # A later client arrives while the server is stuck with the silent one; it is served
  # as soon as the silent one has been dropped.
  run -0 timeout "$T" bash -c "$SEND_ONCE" _ 127.0.0.1 "$SERVER_PORT" 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
  assert_equal $'HTTP/1.1 200 OK\r' "${lines[0]}" "the later client's status line"
  wait_for_exit "$silent"
  assert_file_line "$BATS_TEST_TMPDIR/silent.log" "server hung up"
  run cat "$SERVER_LOG"
  assert_output_matches '^Dropped 127\.0\.0\.1 port [0-9]+: no complete request within 1 s$'
  # In that order: the silent client was dropped, then the later one was answered.
  local dropped answered
  dropped=$(grep -n '^Dropped ' "$SERVER_LOG" | cut -d: -f1)
  answered=$(grep -n '^Response: 200 OK$' "$SERVER_LOG" | cut -d: -f1)
  ((dropped < answered))
}

@test "hello_http drops a client that dribbles its request a byte at a time after -t 1" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/hello_http" 0 -t 1
  # Each byte comes well within the timeout, but the whole head never does: the server
  # counts the time for the whole head, not per recv. (The client's pauses are its
  # behaviour under test, not a wait: at most 40 of them, and it stops once dropped.)
  start_bg "$BATS_TEST_TMPDIR/dribble.log" bash -c \
    'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1; for i in {1..40}; do printf x >&3 || exit 0; sleep 0.1; done' _ "$SERVER_PORT"
  wait_for_line "$SERVER_LOG" '^Dropped 127\.0\.0\.1 port [0-9]+: no complete request within 1 s$'
  run -0 timeout "$T" bash -c "$SEND_ONCE" _ 127.0.0.1 "$SERVER_PORT" 'GET / HTTP/1.1\r\n\r\n'
  assert_equal $'HTTP/1.1 200 OK\r' "${lines[0]}" "next client's status line"
}

@test "hello_http drops a client that sends half a request and goes on" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/hello_http" 0 -t 5
  run -0 timeout "$T" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1; printf "GET / HT" >&3' _ "$SERVER_PORT"
  wait_for_line "$SERVER_LOG" '^Client left before finishing its request: 127\.0\.0\.1 port [0-9]+$'
  run -0 timeout "$T" bash -c "$SEND_ONCE" _ 127.0.0.1 "$SERVER_PORT" 'GET / HTTP/1.1\r\n\r\n'
  assert_equal $'HTTP/1.1 200 OK\r' "${lines[0]}" "next client's status line"
}

@test "hello_http says it is closing and exits 0 on SIGTERM" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$L/hello_http" 0
  kill -TERM "$SERVER_PID"
  local rc=0
  wait_for_exit "$SERVER_PID" || rc=$?
  assert_equal 0 "$rc" "exit status"
  assert_equal "Server closing" "$(tail -n 1 "$SERVER_LOG")" "last line"
}

@test "hello_http refuses bad -t values with exit 2" {
  local bad
  for bad in 0 abc 5s -1 86401 ''; do
    run --separate-stderr timeout "$T" "$L/hello_http" 0 -t "$bad"
    assert_usage_error hello_http
    assert_equal "hello_http: bad timeout '$bad': expected a number of seconds from 1 to 86400" "$stderr" "-t '$bad'"
  done
  run --separate-stderr timeout "$T" "$L/hello_http" 0 -t
  assert_usage_error hello_http
  assert_equal "hello_http: option '-t' needs a number of seconds (try 'hello_http -h')" "$stderr"
}

# ---------------------------------------------------------------- send_recv_buffers

# number_after TEXT: the number that follows TEXT in $output.
number_after() {
  grep -oE "$1 [0-9]+" <<<"$output" | grep -oE '[0-9]+$'
}

@test "send_recv_buffers: send accepts bytes nobody reads, and the receiver gets them all" {
  run -0 timeout "$T" "$L/send_recv_buffers"
  assert_output_matches '^client   socket: SO_SNDBUF = [0-9]+ bytes, SO_RCVBUF = [0-9]+ bytes$'
  assert_output_matches '^receiver socket: SO_SNDBUF = [0-9]+ bytes, SO_RCVBUF = [0-9]+ bytes$'
  assert_line "The client sends 1024-byte chunks without blocking; the receiver reads nothing"
  local sent received
  sent=$(number_after "send accepted")
  received=$(number_after "The receiver read")
  ((sent > 0))
  assert_equal "$sent" "$received" "bytes received compared with bytes sent"
  assert_line "The receiver read $sent bytes: the same count"
  assert_equal 5 "${#lines[@]}" "number of lines"
}

@test "send_recv_buffers -b with smaller buffers gives a smaller count" {
  run -0 timeout "$T" "$L/send_recv_buffers"
  local default_count
  default_count=$(number_after "send accepted")
  run -0 timeout "$T" "$L/send_recv_buffers" -b 4096
  assert_line "Asked for SO_SNDBUF = SO_RCVBUF = 4096 bytes on both sockets"
  local small_count
  small_count=$(number_after "send accepted")
  assert_line "The receiver read $small_count bytes: the same count"
  ((small_count > 0 && small_count < default_count)) || {
    echo "-b 4096 accepted $small_count bytes, the default $default_count" >&2
    return 1
  }
  # The reported sizes moved too (Linux doubles what it is asked for).
  assert_output_matches '^client   socket: SO_SNDBUF = [0-9]{4,5} bytes'
}

@test "send_recv_buffers refuses bad -b values with exit 2" {
  local bad
  for bad in 0 abc 12k -5 67108865 ''; do
    run --separate-stderr timeout "$T" "$L/send_recv_buffers" -b "$bad"
    assert_usage_error send_recv_buffers
    assert_equal "send_recv_buffers: bad size '$bad': expected a number of bytes from 1 to 67108864" "$stderr" "-b '$bad'"
  done
  run --separate-stderr timeout "$T" "$L/send_recv_buffers" -b
  assert_usage_error send_recv_buffers
  assert_equal "send_recv_buffers: option '-b' needs a number of bytes (try 'send_recv_buffers -h')" "$stderr"
}

# ---------------------------------------------------------------- every server: errors

@test "each server refuses a port already in use: exit 1 and a bind message" {
  port_in_use_by_dict_server
  local taken=$SERVER_PORT prog
  for prog in tcp_server dict_server hello_http; do
    run --separate-stderr -1 timeout "$T" "$L/$prog" "$taken"
    assert_equal "" "$output" "stdout of $prog"
    assert_equal "$prog: bind port $taken: Address already in use" "$stderr" "stderr of $prog"
  done
}

@test "each server refuses bad port strings with exit 2 and one line" {
  local prog bad
  for prog in tcp_server dict_server hello_http; do
    for bad in abc 80x 65536 99999999999999999999 -1 '' ' 80' +80 0x50; do
      run --separate-stderr timeout "$T" "$L/$prog" "$bad"
      assert_usage_error "$prog"
      assert_equal "$prog: bad port '$bad': expected a number from 0 to 65535" "$stderr" \
        "$prog with port '$bad'"
    done
  done
}

@test "each server refuses too many operands and unknown options with exit 2" {
  local prog
  for prog in tcp_server dict_server hello_http; do
    run --separate-stderr timeout "$T" "$L/$prog" 0 1
    assert_usage_error "$prog"
    assert_equal "$prog: too many operands (try '$prog -h')" "$stderr" "$prog 0 1"
    run --separate-stderr timeout "$T" "$L/$prog" -x
    assert_usage_error "$prog"
    assert_equal "$prog: unknown option '-x' (try '$prog -h')" "$stderr" "$prog -x"
  done
  run --separate-stderr timeout "$T" "$L/send_recv_buffers" extra
  assert_usage_error send_recv_buffers
  assert_equal "send_recv_buffers: too many operands (try 'send_recv_buffers -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/send_recv_buffers" -x
  assert_usage_error send_recv_buffers
  assert_equal "send_recv_buffers: unknown option '-x' (try 'send_recv_buffers -h')" "$stderr"
}

# ---------------------------------------------------------------- the notes

@test "the README's line numbers still point at the code they talk about" {
  # README.md cites these lines (steps table and "The rules"): keep them in step.
  local spec file line text readme="$ROOT/03-tcp-server/README.md"
  for spec in "tcp_server.c:174:socket(AF_INET6, SOCK_STREAM, 0)" \
    "tcp_server.c:182:IPV6_V6ONLY" "tcp_server.c:191:SO_REUSEADDR" \
    "tcp_server.c:212:bind(server_socket" "tcp_server.c:218:listen(server_socket, 128)" \
    "tcp_server.c:234:accept(server_socket" "tcp_server.c:250:recv(client_socket" \
    "tcp_server.c:254:if (count == 0)" "tcp_server.c:263:send_all(client_socket, REPLY" \
    "tcp_server.c:271:close(client_socket)" "tcp_server.c:272:close(server_socket)" \
    "dict_server.c:248:if (count == 0)" "dict_server.c:345:accept(server_socket" \
    "dict_server.c:359:talk_to_client(client_socket" "dict_server.c:363:close(client_socket)" \
    "hello_http.c:332:SO_RCVTIMEO" "hello_http.c:356:if (count == 0)" \
    "send_recv_buffers.c:158:close(server_socket)"; do
    IFS=: read -r file line text <<<"$spec"
    grep -qE "(line|lines) $line\b" "$readme" || { echo "README.md does not cite line $line" >&2; return 1; }
    [[ $(sed -n "${line}p" "$ROOT/03-tcp-server/$file") == *"$text"* ]] ||
      { echo "$file line $line is not '$text' any more" >&2; return 1; }
  done
  # And the steps of tcp_server.c are numbered comments in the notes' order.
  run grep -oE '/\* [1-8]\. [A-Z][a-z]+' "$ROOT/03-tcp-server/tcp_server.c"
  assert_output "/* 1. Create
/* 2. Set
/* 3. Bind
/* 4. Listen
/* 5. Accept
/* 6. Receive
/* 7. Send
/* 8. Close"
}
