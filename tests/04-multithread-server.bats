#!/usr/bin/env bats
# Lesson 04: mt_server (one thread per client) and load_client (many clients at once).

load test_helper

MT="$BIN_ROOT/04-multithread-server/mt_server"
LOAD="$BIN_ROOT/04-multithread-server/load_client"
DICT="$BIN_ROOT/03-tcp-server/dict_server"
OK="ok, the problem is being handled:"

# A hand-written line client (bash's /dev/tcp): connects to HOST PORT, prints "connected",
# then for each line on stdin sends it and prints the one reply line.
# Run as: bash -c "$LINE_CLIENT" HOST PORT
LINE_CLIENT='exec 3<>"/dev/tcp/$0/$1" || exit 1
echo connected
while IFS= read -r line; do
  printf "%s\n" "$line" >&3
  IFS= read -r reply <&3 || { echo "(connection closed)"; exit 1; }
  printf "%s\n" "$reply"
done'

# start_line_client NAME PORT: start a line client reading the FIFO NAME.fifo and logging to
# NAME.log; open fd 7 (first client), 8 or 9 on the FIFO as FD_<NAME>. Waits for "connected".
start_line_client() {
  local name=$1 port=$2 fd=$3
  mkfifo "$BATS_TEST_TMPDIR/$name.fifo"
  start_bg_from "$BATS_TEST_TMPDIR/$name.fifo" "$BATS_TEST_TMPDIR/$name.log" \
    bash -c "$LINE_CLIENT" 127.0.0.1 "$port"
  eval "exec $fd>\"\$BATS_TEST_TMPDIR/$name.fifo\""
  wait_for_line "$BATS_TEST_TMPDIR/$name.log" '^connected$' "$T" "$BG_PID"
}

# say FD NAME LINE [ANSWER]: send LINE through client NAME's FIFO (open on fd FD) and wait
# for ANSWER (a regex; default mt_server's reply to LINE) in its log.
say() {
  local fd=$1 name=$2 line=$3 answer=${4:-"$OK $3"}
  printf '%s\n' "$line" >&"$fd"
  wait_for_line "$BATS_TEST_TMPDIR/$name.log" "^$answer\$" "$T"
}

# A port nobody listens on: start a server on 0, note its port, stop it.
unused_port() {
  start_server "$BATS_TEST_TMPDIR/unused.log" "$MT" 0
  stop_pid "$SERVER_PID" || true # (stop_pid fails if the server is gone before its KILL)
  UNUSED_PORT=$SERVER_PORT
}

# ---------------------------------------------------------------- mt_server, the basics

@test "mt_server answers a line and logs it with the client's address (IPv4)" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$MT" 0
  assert_equal "Listening on port $SERVER_PORT" "$(head -n 1 "$SERVER_LOG")" "first line"
  run -0 timeout "$T" bash -c "$LINE_CLIENT" 127.0.0.1 "$SERVER_PORT" <<<"hello"
  assert_output "connected
$OK hello"
  wait_for_line "$SERVER_LOG" '^Client offline: 127\.0\.0\.1 port [0-9]+$'
  run grep -E '^\[127\.0\.0\.1 port [0-9]+\] hello$' "$SERVER_LOG"
  assert_equal 1 "${#lines[@]}" "log lines for hello"
}

@test "mt_server answers IPv6 (::1) and localhost clients too" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$MT" 0
  run -0 timeout "$T" bash -c "$LINE_CLIENT" ::1 "$SERVER_PORT" <<<"over ipv6"
  assert_line "$OK over ipv6"
  wait_for_line "$SERVER_LOG" '^\[::1 port [0-9]+\] over ipv6$'
  run -0 timeout "$T" "$LOAD" localhost "$SERVER_PORT" -c 2 -n 3
  assert_output_matches '^clients 2, lines 3, replies 6, errors 0, '
  run -0 timeout "$T" "$LOAD" ::1 "$SERVER_PORT" -c 2 -n 3
  assert_output_matches '^clients 2, lines 3, replies 6, errors 0, '
}

@test "mt_server strips a Windows/telnet line end (\\r\\n)" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$MT" 0
  run -0 timeout "$T" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"; printf "hi there\r\n" >&3; IFS= read -r reply <&3; printf "%s|\n" "$reply"' "$SERVER_PORT"
  assert_output "$OK hi there|"
}

@test "three clients typing in turns each get only their own replies, at the same time" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$MT" 0
  start_line_client alice "$SERVER_PORT" 7
  start_line_client bob "$SERVER_PORT" 8
  start_line_client carol "$SERVER_PORT" 9
  # All three are connected at once; they take turns, line by line.
  say 7 alice "alice 1"
  say 8 bob "bob 1"
  say 9 carol "carol 1"
  say 8 bob "bob 2"
  say 7 alice "alice 2"
  say 9 carol "carol 2"
  say 7 alice "alice 3"
  exec 7>&- 8>&- 9>&-
  wait_for_count "$SERVER_LOG" '^Client offline: ' 3 "$T"
  assert_equal "connected
$OK alice 1
$OK alice 2
$OK alice 3" "$(cat "$BATS_TEST_TMPDIR/alice.log")" "alice's screen"
  assert_equal "connected
$OK bob 1
$OK bob 2" "$(cat "$BATS_TEST_TMPDIR/bob.log")" "bob's screen"
  assert_equal "connected
$OK carol 1
$OK carol 2" "$(cat "$BATS_TEST_TMPDIR/carol.log")" "carol's screen"
  # The server saw three different client ports, each line logged whole.
  run bash -c "grep -oE '^\[127\.0\.0\.1 port [0-9]+\] (alice|bob|carol)' '$SERVER_LOG' | sort -u | wc -l"
  assert_output 3
}

@test "load_client -c 200 -n 50: every reply right, no errors" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$MT" 0
  run -0 timeout 60 "$LOAD" 127.0.0.1 "$SERVER_PORT" -c 200 -n 50
  assert_output_matches '^clients 200, lines 50, replies 10000, errors 0, seconds [0-9.]+, round trips/s [0-9]+, p50 [0-9]+ us, p99 [0-9]+ us$'
  wait_for_count "$SERVER_LOG" '^Client offline: ' 200 "$T"
  assert_equal 10000 "$(grep -cE '^\[127\.0\.0\.1 port [0-9]+\] client [0-9]+ line [0-9]+$' "$SERVER_LOG")" "lines logged"
}

@test "load_client -s pads its lines and still checks every reply" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$MT" 0
  run -0 timeout "$T" "$LOAD" 127.0.0.1 "$SERVER_PORT" -n 2 -c 3 -s 4096
  assert_output_matches '^clients 3, lines 2, replies 6, errors 0, '
  local label="client 3 line 2"
  run grep -cE "^\[127\.0\.0\.1 port [0-9]+\] $label\.{$((4096 - ${#label}))}\$" "$SERVER_LOG"
  assert_output 1
}

# ---------------------------------------------------------------- clients that misbehave

@test "a client that disconnects mid-line does not disturb the server" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$MT" 0
  run -0 timeout "$T" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"; printf "half a li" >&3' "$SERVER_PORT"
  wait_for_line "$SERVER_LOG" '^Client offline: 127\.0\.0\.1 port [0-9]+$'
  run grep -c 'half a li' "$SERVER_LOG"
  assert_output 0
  run -0 timeout "$T" bash -c "$LINE_CLIENT" 127.0.0.1 "$SERVER_PORT" <<<"still there?"
  assert_line "$OK still there?"
}

@test "a 100 KiB line gets 'error: line too long' and the client stays connected" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$MT" 0
  run -0 timeout "$T" bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$0"
    { head -c 102400 /dev/zero | tr "\0" a; printf "\nshort line\n"; } >&3
    IFS= read -r first <&3; IFS= read -r second <&3
    printf "%s\n%s\n" "$first" "$second"' "$SERVER_PORT"
  assert_output "error: line too long
$OK short line"
  wait_for_line "$SERVER_LOG" '^\[127\.0\.0\.1 port [0-9]+\] short line$'
  assert_file_line "$SERVER_LOG" "$(grep -oE '^\[127\.0\.0\.1 port [0-9]+\] ' "$SERVER_LOG" | head -n 1)error: line too long"
}

@test "a line of exactly 4096 bytes is still answered" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$MT" 0
  run -0 timeout "$T" bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$0"
    { head -c 4096 /dev/zero | tr "\0" b; printf "\n"; } >&3
    IFS= read -r reply <&3; printf "%s\n" "${#reply}"' "$SERVER_PORT"
  assert_output $((${#OK} + 1 + 4096))
}

@test "random binary bytes with NULs end only that client; the next one is served" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$MT" 0
  # A NUL inside a line comes back byte for byte; the log shows it as '?'.
  run -0 timeout "$T" bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$0"; printf "a\0b\n" >&3
    head -n 1 <&3 | od -An -tx1 | tr -d " \n"' "$SERVER_PORT"
  assert_output "$(printf '%s a\0b\n' "$OK" | od -An -tx1 | tr -d ' \n')"
  wait_for_line "$SERVER_LOG" '^\[127\.0\.0\.1 port [0-9]+\] a\?b$'
  # 64 KiB of random bytes, then hang up without reading the replies.
  run -0 timeout "$T" bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$0"; { printf "\0\0\0\n"; head -c 65536 /dev/urandom; } >&3' "$SERVER_PORT"
  wait_for_count "$SERVER_LOG" '^Client offline: ' 2 "$T"
  kill -0 "$SERVER_PID"
  run -0 timeout "$T" "$LOAD" 127.0.0.1 "$SERVER_PORT" -c 3 -n 5
  assert_output_matches '^clients 3, lines 5, replies 15, errors 0, '
}

# ---------------------------------------------------------------- the client limit, stopping

@test "mt_server -m 2: a third client is told 'server busy', a later one is served" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$MT" -m 2 0
  start_line_client first "$SERVER_PORT" 7
  say 7 first "one"
  start_line_client second "$SERVER_PORT" 8
  say 8 second "two"
  run -0 timeout "$T" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"; cat <&3' "$SERVER_PORT"
  assert_output "server busy" # (and cat ended: the server closed the connection)
  wait_for_line "$SERVER_LOG" '^Server busy, turned away: 127\.0\.0\.1 port [0-9]+$'
  # The first two are still served; when one leaves, there is room again.
  say 7 first "still one"
  exec 7>&-
  wait_for_count "$SERVER_LOG" '^Client offline: ' 1 "$T"
  run -0 timeout "$T" bash -c "$LINE_CLIENT" 127.0.0.1 "$SERVER_PORT" <<<"three"
  assert_line "$OK three"
  exec 8>&-
}

@test "load_client counts 'server busy' replies as errors and exits 1" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$MT" 0 -m 1
  start_line_client first "$SERVER_PORT" 7
  say 7 first "I take the only place"
  run --separate-stderr -1 timeout "$T" "$LOAD" 127.0.0.1 "$SERVER_PORT" -c 2 -n 3
  assert_output_matches '^clients 2, lines 3, replies 0, errors 6, '
  [[ $stderr == *"load_client: client 1: wrong reply: 'server busy'"* ]] || { echo "stderr: $stderr"; false; }
  exec 7>&-
}

@test "SIGTERM: mt_server hangs up on its clients, says how many it served, exits 0" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$MT" 0
  run -0 timeout "$T" "$LOAD" 127.0.0.1 "$SERVER_PORT" -c 3 -n 2
  start_line_client idle "$SERVER_PORT" 7
  say 7 idle "I stay connected"
  kill -TERM "$SERVER_PID"
  local exit_status=0
  wait_for_exit "$SERVER_PID" "$T" || exit_status=$?
  assert_equal 0 "$exit_status" "exit status"
  assert_equal "Served 4 clients" "$(tail -n 1 "$SERVER_LOG")" "last line"
  # The idle client was still connected: the server hung up on it before counting.
  assert_equal 4 "$(grep -c '^Client offline: ' "$SERVER_LOG")" "clients offline"
  exec 7>&-
}

@test "SIGINT (Ctrl-C) stops mt_server the same way" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$MT" 0
  run -0 timeout "$T" bash -c "$LINE_CLIENT" 127.0.0.1 "$SERVER_PORT" <<<"just one"
  kill -INT "$SERVER_PID"
  local exit_status=0
  wait_for_exit "$SERVER_PID" "$T" || exit_status=$?
  assert_equal 0 "$exit_status" "exit status"
  assert_equal "Served 1 client" "$(tail -n 1 "$SERVER_LOG")" "last line"
}

@test "mt_server takes its options before or after the port" {
  start_server "$BATS_TEST_TMPDIR/a.log" "$MT" 0 -m 5
  start_server "$BATS_TEST_TMPDIR/b.log" "$MT" -m 5 0
  run -0 timeout "$T" "$LOAD" 127.0.0.1 "$SERVER_PORT" -c 5 -n 1
}

# ---------------------------------------------------------------- bad arguments, failures

@test "mt_server -h prints the usage and exits 0" {
  run -0 "$MT" -h
  assert_equal "Usage: mt_server [PORT] [-m MAX_CLIENTS]" "${lines[0]}" "first line"
}

@test "mt_server rejects bad ports" {
  for port in abc 70000 -1 80x ""; do
    run --separate-stderr "$MT" -- "$port" # (-- so that -1 is not taken for an option)
    assert_usage_error mt_server
    assert_equal "mt_server: bad port '$port': expected a number from 0 to 65535" "$stderr" "message"
  done
}

@test "mt_server rejects bad client limits, extra operands and unknown options" {
  run --separate-stderr "$MT" -m 0
  assert_usage_error mt_server
  assert_equal "mt_server: bad client limit '0': expected a number from 1 to 100000" "$stderr"
  run --separate-stderr "$MT" -m abc 0
  assert_usage_error mt_server
  assert_equal "mt_server: bad client limit 'abc': expected a number from 1 to 100000" "$stderr"
  run --separate-stderr "$MT" 0 -m
  assert_usage_error mt_server
  assert_equal "mt_server: option '-m' needs a value (try 'mt_server -h')" "$stderr"
  run --separate-stderr "$MT" 1 2
  assert_usage_error mt_server
  assert_equal "mt_server: too many operands (try 'mt_server -h')" "$stderr"
  run --separate-stderr "$MT" -x
  assert_usage_error mt_server
  assert_equal "mt_server: unknown option '-x' (try 'mt_server -h')" "$stderr"
}

@test "mt_server on a port already in use says so and exits 1" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$MT" 0
  run --separate-stderr -1 timeout "$T" "$MT" "$SERVER_PORT"
  assert_equal "mt_server: bind port $SERVER_PORT: Address already in use" "$stderr"
}

@test "load_client -h prints the usage and exits 0" {
  run -0 "$LOAD" -h
  assert_equal "Usage: load_client HOST PORT [-c CLIENTS] [-n LINES] [-s BYTES]" "${lines[0]}" "first line"
}

@test "load_client rejects missing and extra operands and unknown options" {
  run --separate-stderr "$LOAD"
  assert_usage_error load_client
  assert_equal "load_client: missing operand: HOST PORT (try 'load_client -h')" "$stderr"
  run --separate-stderr "$LOAD" localhost
  assert_usage_error load_client
  assert_equal "load_client: missing operand: HOST PORT (try 'load_client -h')" "$stderr"
  run --separate-stderr "$LOAD" localhost 1 2
  assert_usage_error load_client
  assert_equal "load_client: too many operands (try 'load_client -h')" "$stderr"
  run --separate-stderr "$LOAD" -q localhost 1
  assert_usage_error load_client
  assert_equal "load_client: unknown option '-q' (try 'load_client -h')" "$stderr"
  run --separate-stderr "$LOAD" localhost 1 -c
  assert_usage_error load_client
  assert_equal "load_client: option '-c' needs a value (try 'load_client -h')" "$stderr"
}

@test "load_client rejects bad ports and bad counts" {
  for port in abc 65536 -5 9x; do
    run --separate-stderr "$LOAD" -- localhost "$port"
    assert_usage_error load_client
    assert_equal "load_client: bad port '$port': expected a number from 0 to 65535" "$stderr"
  done
  for count in 0 abc 5x; do
    run --separate-stderr "$LOAD" localhost 1 -c "$count"
    assert_usage_error load_client
    assert_equal "load_client: bad client count '$count': expected a number from 1 to 100000" "$stderr"
  done
  for count in 0 abc; do
    run --separate-stderr "$LOAD" -n "$count" localhost 1
    assert_usage_error load_client
    assert_equal "load_client: bad line count '$count': expected a number from 1 to 100000000" "$stderr"
  done
  run --separate-stderr "$LOAD" localhost 1 -s 5000
  assert_usage_error load_client
  assert_equal "load_client: bad line size '5000': expected a number from 0 to 4096" "$stderr"
}

@test "load_client to a port nobody listens on: connection refused, exit 1" {
  unused_port
  run --separate-stderr -1 timeout "$T" "$LOAD" 127.0.0.1 "$UNUSED_PORT"
  assert_equal "" "$output" "stdout"
  assert_equal "load_client: connect 127.0.0.1 port $UNUSED_PORT: Connection refused" "$stderr"
}

@test "load_client to an unknown host: the resolver's message, exit 1" {
  run --separate-stderr -1 timeout "$T" "$LOAD" no..such..host 80
  assert_equal "load_client: getaddrinfo no..such..host: Name or service not known" "$stderr"
}

# ---------------------------------------------------------------- before and after

# Two clients at once: the first stays connected; the second sends its line. Prints
# "answered" if the second got its answer within 1 s while the first was connected, else
# "waited"; then the first leaves and the second's answer must arrive.
two_clients_at_once() {
  local port=$1 line=$2 answer=$3
  start_line_client first "$port" 7
  say 7 first "$line" "$answer"
  start_line_client second "$port" 8
  printf '%s\n' "$line" >&8
  if wait_for_line "$BATS_TEST_TMPDIR/second.log" "^$answer\$" 1 2>/dev/null; then
    echo answered >"$BATS_TEST_TMPDIR/verdict"
  else
    echo waited >"$BATS_TEST_TMPDIR/verdict"
  fi
  exec 7>&-
  wait_for_line "$BATS_TEST_TMPDIR/second.log" "^$answer\$" "$T"
  exec 8>&-
}

@test "mt_server answers two clients at once; dict_server makes the second wait" {
  [[ -x $DICT ]] || skip "03-tcp-server/dict_server is not built"
  start_server "$BATS_TEST_TMPDIR/mt.log" "$MT" 0
  two_clients_at_once "$SERVER_PORT" "how are u" "$OK how are u"
  assert_equal answered "$(cat "$BATS_TEST_TMPDIR/verdict")" "mt_server"
  stop_all
  rm -f "$BATS_TEST_TMPDIR"/first.* "$BATS_TEST_TMPDIR"/second.*
  start_server "$BATS_TEST_TMPDIR/dict.log" "$DICT" 0
  two_clients_at_once "$SERVER_PORT" "how are u" "fine"
  assert_equal waited "$(cat "$BATS_TEST_TMPDIR/verdict")" "dict_server"
}
