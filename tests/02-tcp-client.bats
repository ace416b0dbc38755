#!/usr/bin/env bats
# Lesson 02: the TCP client. The peers are lesson 03's servers (tcp_server, dict_server) and,
# where the test needs a peer that misbehaves on purpose, a small python3 server (skipped
# when python3 is absent).

load test_helper

CLIENT="$BIN_ROOT/02-tcp-client/tcp_client"
LOOP="$BIN_ROOT/02-tcp-client/tcp_client_loop"

setup_file() {
  # The servers from lesson 03: the build under test if it has them, else the normal build,
  # else build them here (make check LESSONS="02-tcp-client" builds lesson 02 only).
  local dir
  for dir in "$BIN_ROOT/03-tcp-server" "$ROOT/03-tcp-server"; do
    if [[ -x $dir/tcp_server && -x $dir/dict_server ]]; then
      export SERVERS=$dir
      break
    fi
  done
  if [[ -z ${SERVERS:-} ]]; then
    export SERVERS="$BATS_FILE_TMPDIR/03-tcp-server"
    make -s -C "$ROOT/03-tcp-server" OUT="$SERVERS" "$SERVERS/tcp_server" "$SERVERS/dict_server" \
      </dev/null >&2 3>&- 4>&-
  fi

  # A python3 peer for what lesson 03's servers don't do: binary replies, echoes, replies
  # written in two pieces. It serves one client, then writes what it received to
  # RECORD_FILE (if given) and prints "client left".
  cat >"$BATS_FILE_TMPDIR/peer.py" <<'EOF'
import socket, sys, time

mode = sys.argv[1]  # binary | echo | pieces | long
record = sys.argv[2] if len(sys.argv) > 2 else None
server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("::", 0))
server.listen(8)
print("Listening on port %d" % server.getsockname()[1], flush=True)
conn, _ = server.accept()
received = b""
pending = b""
while True:
    data = conn.recv(4096)
    if not data:
        break
    received += data
    pending += data
    # pieces: answer each line with "you said: LINE\n" in two writes, 0.3 s apart.
    # long: answer "long" with 5000 bytes of "y" and a newline, other lines with "echo: LINE".
    while mode in ("pieces", "long") and b"\n" in pending:
        line, pending = pending.split(b"\n", 1)
        if mode == "long":
            conn.sendall(b"y" * 5000 + b"\n" if line == b"long" else b"echo: " + line + b"\n")
            continue
        reply = b"you said: " + line + b"\n"
        conn.sendall(reply[:6])
        time.sleep(0.3)
        conn.sendall(reply[6:])
if mode == "binary":
    conn.sendall(b"\x00\x01 it's \"raw\" \\ \t\r\n\x7f\x80\xff end")
elif mode == "echo":
    conn.sendall(received)
conn.close()
if record:
    with open(record, "wb") as f:
        f.write(received)
print("client left", flush=True)
EOF
}

teardown() {
  exec 7>&- 2>/dev/null || true
  stop_all
}

# start_peer MODE [RECORD_FILE]: start the python3 peer (skips the test without python3).
# Each peer gets its own log, so a second peer's port is never read from the first's log.
PEERS=0
start_peer() {
  command -v python3 >/dev/null || skip "python3 not installed"
  PEERS=$((PEERS + 1))
  start_server "$BATS_TEST_TMPDIR/peer$PEERS.log" python3 -u "$BATS_FILE_TMPDIR/peer.py" "$@"
}

# free_port: a port nobody listens on (a server took it from the OS, then was stopped).
free_port() {
  start_server "$BATS_TEST_TMPDIR/gone.log" "$SERVERS/tcp_server" 0
  stop_pid "$SERVER_PID" || true # (it dies by SIGTERM: wait returns 143)
  FREE_PORT=$SERVER_PORT
}

# check_one_shot HOST ADDRESS: tcp_client HOST against tcp_server, expecting ADDRESS.
check_one_shot() {
  local host=$1 address=$2 from
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/tcp_server" 0
  run -0 timeout "$T" "$CLIENT" "$host" "$SERVER_PORT"
  assert_equal 4 "${#lines[@]}" "number of lines"
  [[ ${lines[0]} =~ ^Connected\ to\ "$address"\ port\ $SERVER_PORT\ from\ "$address"\ port\ ([0-9]+)$ ]] ||
    { echo "unexpected first line: ${lines[0]}" >&2; return 1; }
  from=${BASH_REMATCH[1]}
  assert_equal "Sent 34 bytes: Hello, server, I'm client Xiaohei!" "${lines[1]}"
  assert_equal "Received 35 bytes: b'ok, the problem is being handled...'" "${lines[2]}"
  assert_equal "As text: ok, the problem is being handled..." "${lines[3]}"
  # The port the OS chose for the client is the one the server saw.
  wait_for_exit "$SERVER_PID"
  assert_file_line "$SERVER_LOG" "Connection from $address port $from"
}

@test "tcp_client prints the server's reply over 127.0.0.1" {
  check_one_shot 127.0.0.1 127.0.0.1
}

@test "tcp_client prints the server's reply over ::1" {
  check_one_shot ::1 ::1
}

@test "tcp_client prints the server's reply over localhost" {
  check_one_shot localhost 127.0.0.1
}

@test "tcp_client sends a custom MESSAGE" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/tcp_server" 0
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT" 'my printer is on fire!'
  assert_line "Sent 22 bytes: my printer is on fire!"
  assert_line "Received 35 bytes: b'ok, the problem is being handled...'"
  wait_for_exit "$SERVER_PID"
  run cat "$SERVER_LOG"
  assert_output_matches "my printer is on fire!"
}

@test "tcp_client asks dict_server one line and shows the newline in the raw bytes" {
  # The client's shutdown(SHUT_WR) ends the request: dict_server answers, sees the end of
  # input and closes, and the client sees the reply end.
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/dict_server" 0
  run -0 timeout "$T" "$CLIENT" ::1 "$SERVER_PORT" $'how are u\n'
  assert_equal "Sent 10 bytes: how are u" "${lines[1]}"
  assert_equal "Received 5 bytes: b'fine\n'" "${lines[2]}"
  assert_equal "As text: fine" "${lines[3]}"
  assert_equal 4 "${#lines[@]}" "number of lines"
}

@test "tcp_client escapes binary bytes in the reply like Python's b'...'" {
  start_peer binary
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT"
  local python_repr
  python_repr=$(python3 -c 'print(repr(b"\x00\x01 it'"'"'s \"raw\" \\ \t\r\n\x7f\x80\xff end"))')
  assert_equal "Received 26 bytes: $python_repr" "${lines[2]}"
  assert_equal "Received 26 bytes: b'\\x00\\x01 it\\'s \"raw\" \\\\ \\t\\r\\n\\x7f\\x80\\xff end'" "${lines[2]}"
}

@test "tcp_client quotes the bytes like Python: b\"I'm\" and b'say \"hi\"'" {
  start_peer echo
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT" "I'm"
  assert_line "Received 3 bytes: b\"I'm\""
  assert_line "As text: I'm"
  start_peer echo
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT" $'say "hi"\ttab'
  assert_line "Received 12 bytes: b'say \"hi\"\\ttab'"
}

@test "tcp_client reads until the server closes, however many pieces the reply comes in" {
  start_peer pieces
  run -0 timeout "$T" "$CLIENT" localhost "$SERVER_PORT" $'how are u\n'
  assert_equal "Received 20 bytes: b'you said: how are u\\n'" "${lines[2]}"
  assert_equal "As text: you said: how are u" "${lines[3]}"
}

@test "tcp_client sends and receives 70000 bytes, and says it shows only the first 65536" {
  start_peer echo
  local message
  message=$(printf 'x%.0s' {1..70000})
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT" "$message"
  assert_equal "Sent 70000 bytes: $message" "${lines[1]}"
  assert_equal "Received 70000 bytes: b'${message:0:65536}'" "${lines[2]}"
  assert_equal "(only the first 65536 bytes are shown)" "${lines[3]}"
  assert_equal "As text: ${message:0:65536}" "${lines[4]}"
}

@test "tcp_client reports a refused port on 127.0.0.1, ::1 and localhost" {
  free_port
  run --separate-stderr -1 timeout "$T" "$CLIENT" 127.0.0.1 "$FREE_PORT"
  assert_equal "" "$output" "stdout"
  assert_equal "tcp_client: connect 127.0.0.1 port $FREE_PORT: Connection refused" "$stderr"
  run --separate-stderr -1 timeout "$T" "$CLIENT" ::1 "$FREE_PORT"
  assert_equal "tcp_client: connect ::1 port $FREE_PORT: Connection refused" "$stderr"
  run --separate-stderr -1 timeout "$T" "$CLIENT" localhost "$FREE_PORT"
  assert_equal "tcp_client: connect 127.0.0.1 port $FREE_PORT: Connection refused" "$stderr"
}

@test "tcp_client reports an unknown host" {
  run --separate-stderr -1 timeout "$T" "$CLIENT" no..such..host 80
  assert_equal "" "$output" "stdout"
  assert_equal "tcp_client: getaddrinfo no..such..host: Name or service not known" "$stderr"
}

@test "both clients reject bad port strings" {
  local program port
  for program in tcp_client tcp_client_loop; do
    for port in abc -1 65536 70000 80x ''; do
      run --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program" 127.0.0.1 "$port"
      assert_usage_error "$program"
      assert_equal "$program: bad port '$port': expected a number from 0 to 65535" "$stderr"
    done
  done
}

@test "both clients report missing operands, too many operands and unknown options" {
  local program
  for program in tcp_client tcp_client_loop; do
    run --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program"
    assert_usage_error "$program"
    assert_equal "$program: missing operand: HOST PORT (try '$program -h')" "$stderr"
    run --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program" 127.0.0.1
    assert_usage_error "$program"
    assert_equal "$program: missing operand: PORT (try '$program -h')" "$stderr"
    run --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program" 127.0.0.1 1 hi there
    assert_usage_error "$program"
    assert_equal "$program: too many operands (try '$program -h')" "$stderr"
    run --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program" 127.0.0.1 1 -x
    assert_usage_error "$program"
    assert_equal "$program: unknown option '-x' (try '$program -h')" "$stderr"
  done
}

@test "both clients print their usage with -h, before or after the operands" {
  local program
  for program in tcp_client tcp_client_loop; do
    run -0 --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program" -h
    assert_equal "" "$stderr" "stderr"
    [[ ${lines[0]} == "Usage: $program [-h] HOST PORT"* ]] ||
      { echo "unexpected usage line: ${lines[0]}" >&2; return 1; }
    # The header comment of the source shows the same usage text, line for line.
    local line
    for line in "${lines[@]}"; do
      grep -qxF " * $line" "$ROOT/02-tcp-client/$program.c" ||
        { echo "'$line' is not in the header of $program.c" >&2; return 1; }
    done
    run -0 timeout "$T" "$BIN_ROOT/02-tcp-client/$program" 127.0.0.1 1 -h
    [[ ${lines[0]} == "Usage: $program [-h] HOST PORT"* ]]
  done
}

@test "tcp_client_loop talks to dict_server and stops after bye" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/dict_server" 0
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<'EOF'
how are u
how old are u
where are u
bye
how are u
EOF
  assert_output "Connected to server
Server: fine
Server: nicai
Server: no
Server: bye"
}

@test "tcp_client_loop stops on exit over ::1, and the server serves the next client" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/dict_server" 0
  run -0 timeout "$T" "$LOOP" ::1 "$SERVER_PORT" <<'EOF'
how are u
exit
how old are u
EOF
  assert_output "Connected to server
Server: fine"
  # Leaving without bye closed the connection: dict_server takes the next client.
  run -0 timeout "$T" "$LOOP" ::1 "$SERVER_PORT" <<<'how old are u'
  assert_output "Connected to server
Server: nicai"
}

@test "tcp_client_loop stops on an empty line over localhost" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/dict_server" 0
  run -0 timeout "$T" "$LOOP" localhost "$SERVER_PORT" <<'EOF'
how old are u

how are u
EOF
  assert_output "Connected to server
Server: nicai"
}

@test "tcp_client_loop stops at the end of input" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/dict_server" 0
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<'EOF'
how are u
how old are u
EOF
  assert_output "Connected to server
Server: fine
Server: nicai"
  # A last line without a newline is still sent.
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" < <(printf 'how are u')
  assert_output "Connected to server
Server: fine"
}

@test "tcp_client_loop does not send exit or the empty line, and sends bye" {
  local record="$BATS_TEST_TMPDIR/received"
  start_peer pieces "$record"
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<'EOF'
how are u
exit
EOF
  wait_for_line "$SERVER_LOG" '^client left$'
  assert_equal $'how are u\n.' "$(cat "$record"; echo .)" "what the server received"

  start_peer pieces "$record"
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<'EOF'
hi

later
EOF
  wait_for_line "$SERVER_LOG" '^client left$'
  assert_equal $'hi\n.' "$(cat "$record"; echo .)" "what the server received"

  start_peer pieces "$record"
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<'EOF'
bye
not sent
EOF
  assert_output "Connected to server
Server: you said: bye"
  wait_for_line "$SERVER_LOG" '^client left$'
  assert_equal $'bye\n.' "$(cat "$record"; echo .)" "what the server received"
}

@test "tcp_client_loop prints a reply that arrives in pieces as one reply" {
  start_peer pieces
  run -0 timeout "$T" "$LOOP" ::1 "$SERVER_PORT" <<'EOF'
how are u
how old are u
EOF
  assert_output "Connected to server
Server: you said: how are u
Server: you said: how old are u"
}

@test "tcp_client_loop cuts a reply longer than 4096 bytes and stays in step" {
  start_peer long
  run -0 --separate-stderr timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<'EOF'
long
short
EOF
  local ys
  ys=$(printf 'y%.0s' {1..4096})
  assert_output "Connected to server
Server: $ys [reply longer than 4096 bytes, cut]
Server: echo: short"
}

@test "tcp_client_loop says so and exits 1 when the server closes after its reply" {
  # tcp_server answers once (without a newline) and closes.
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/tcp_server" 0
  run -1 --separate-stderr timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<'EOF'
hello
still there?
EOF
  assert_output "Connected to server
Server: ok, the problem is being handled..."
  assert_equal "tcp_client_loop: the server 127.0.0.1 port $SERVER_PORT closed the connection" "$stderr"
}

@test "tcp_client_loop says so and exits 1 when the server goes away mid-session" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/dict_server" 0
  local fifo="$BATS_TEST_TMPDIR/input" log="$BATS_TEST_TMPDIR/client.log" client rc=0
  mkfifo "$fifo"
  start_bg_from "$fifo" "$log" "$LOOP" 127.0.0.1 "$SERVER_PORT"
  client=$BG_PID
  exec 7>"$fifo"
  echo "how are u" >&7
  wait_for_line "$log" '^Server: fine$' "$T" "$client"
  stop_pid "$SERVER_PID" || true
  echo "how old are u" >&7
  wait_for_exit "$client" "$T" || rc=$?
  exec 7>&-
  assert_equal 1 "$rc" "exit status"
  # The peer's close shows as recv() returning 0, or (if its kernel answered our line with
  # a reset first) as a reset or broken pipe: either way, one line that says so.
  run cat "$log"
  assert_equal 3 "${#lines[@]}" "number of lines"
  [[ ${lines[2]} =~ ^tcp_client_loop:\ the\ server\ 127\.0\.0\.1\ port\ $SERVER_PORT\ closed\ the\ connection(\ \(.*\))?$ ]] ||
    { echo "unexpected last line: ${lines[2]}" >&2; return 1; }
}

@test "tcp_client_loop does not send a line longer than 1024 bytes" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/dict_server" 0
  local long
  long=$(printf '%02000d' 0)
  run -0 --separate-stderr timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<EOF
$long
how are u
EOF
  assert_output "Connected to server
Server: fine"
  assert_equal "tcp_client_loop: line longer than 1024 bytes, not sent" "$stderr"
}

@test "tcp_client_loop reports a refused port and an unknown host" {
  free_port
  run --separate-stderr -1 timeout "$T" "$LOOP" ::1 "$FREE_PORT"
  assert_equal "" "$output" "stdout"
  assert_equal "tcp_client_loop: connect ::1 port $FREE_PORT: Connection refused" "$stderr"
  run --separate-stderr -1 timeout "$T" "$LOOP" no..such..host 80
  assert_equal "tcp_client_loop: getaddrinfo no..such..host: Name or service not known" "$stderr"
}

@test "tcp_client_loop shows a prompt only when stdin is a terminal" {
  command -v script >/dev/null || skip "script (util-linux) not installed"
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/dict_server" 0
  # script gives the client a terminal; the input goes through it as if typed.
  run -0 timeout "$T" script -qec "$LOOP 127.0.0.1 $SERVER_PORT" /dev/null <<'EOF'
how are u
bye
EOF
  # The terminal echoes the typed lines whenever script feeds them in, so where the echo
  # lands between prompts varies: count the prompts (one before each line read) instead.
  assert_output_matches 'Server: fine'
  assert_output_matches 'Server: bye'
  assert_equal 2 "$(grep -o '> ' <<<"$output" | wc -l)" "number of '> ' prompts"
}

@test "the README's line numbers still point at the code they talk about" {
  # README.md, section "The rules, from the client's side", cites these lines: keep in step.
  local spec file line text
  for spec in "tcp_client.c:104:static int send_all" "tcp_client.c:246:getsockname(" \
    "tcp_client.c:266:shutdown(client_socket, SHUT_WR)" "tcp_client.c:269:4. Receive" \
    "tcp_client.c:283:if (n == 0)" "tcp_client_loop.c:151:static int read_line" \
    "tcp_client_loop.c:183:if (n == 0)" "tcp_client_loop.c:334:if (status == 0)"; do
    IFS=: read -r file line text <<<"$spec"
    grep -qF "line $line)" "$ROOT/02-tcp-client/README.md" ||
      { echo "README.md does not cite line $line" >&2; return 1; }
    [[ $(sed -n "${line}p" "$ROOT/02-tcp-client/$file") == *"$text"* ]] ||
      { echo "$file line $line is not '$text' any more" >&2; return 1; }
  done
}
