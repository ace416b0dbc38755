#!/usr/bin/env bats
# Lesson 05: UDP. udp_receiver / udp_sender over 127.0.0.1, ::1 and localhost, the stream vs
# datagram demo, the reliability demo, and every bad input the issue names.

load test_helper

B="$BIN_ROOT/05-udp"

# start_receiver [ARGS...]: udp_receiver on port 0 (plus ARGS), log in receiver.log.
start_receiver() {
  start_server "$BATS_TEST_TMPDIR/receiver.log" "$B/udp_receiver" 0 "$@"
}

# assert_file_match FILE REGEX: some whole line of FILE matches the extended REGEX.
assert_file_match() {
  grep -qxE -- "$2" "$1" 2>/dev/null && return 0
  printf 'expected a line matching /%s/ in %s, which holds:\n' "$2" "$1" >&2
  cat "$1" >&2 2>/dev/null
  return 1
}

# row PROTOCOL: the numbers of that row of reliability_demo's table (in $output), as
# "sent received lost out_of_order duplicated invalid".
row() {
  grep -E "^$1 +[0-9]" <<<"$output" | awk '{ print $2, $3, $4, $5, $6, $7 }'
}

@test "udp_sender sends datagrams that udp_receiver prints, over 127.0.0.1" {
  start_receiver
  run -0 timeout "$T" "$B/udp_sender" 127.0.0.1 "$SERVER_PORT" hello "two words"
  assert_output "Sent 5 bytes to 127.0.0.1 port $SERVER_PORT
Sent 9 bytes to 127.0.0.1 port $SERVER_PORT"
  wait_for_line "$SERVER_LOG" 'two words$' 10 "$SERVER_PID"
  assert_equal "Listening on port $SERVER_PORT" "$(head -n 1 "$SERVER_LOG")" "first line"
  assert_file_match "$SERVER_LOG" 'From 127\.0\.0\.1 port [0-9]+ \(5 bytes\): hello'
  assert_file_match "$SERVER_LOG" 'From 127\.0\.0\.1 port [0-9]+ \(9 bytes\): two words'
}

@test "udp_sender sends datagrams that udp_receiver prints, over ::1" {
  start_receiver
  run -0 timeout "$T" "$B/udp_sender" ::1 "$SERVER_PORT" hello
  assert_output "Sent 5 bytes to ::1 port $SERVER_PORT"
  wait_for_line "$SERVER_LOG" 'hello$' 10 "$SERVER_PID"
  assert_file_match "$SERVER_LOG" 'From ::1 port [0-9]+ \(5 bytes\): hello'
}

@test "udp_sender sends to localhost, and options may follow the operands" {
  start_receiver
  run -0 timeout "$T" "$B/udp_sender" localhost "$SERVER_PORT" hi there
  assert_output "Sent 2 bytes to 127.0.0.1 port $SERVER_PORT
Sent 5 bytes to 127.0.0.1 port $SERVER_PORT"
  wait_for_line "$SERVER_LOG" 'there$' 10 "$SERVER_PID"
  assert_file_match "$SERVER_LOG" 'From 127\.0\.0\.1 port [0-9]+ \(2 bytes\): hi'
  assert_file_match "$SERVER_LOG" 'From 127\.0\.0\.1 port [0-9]+ \(5 bytes\): there'
}

@test "udp_sender sends a message starting with '-' after --, and a negative number as is" {
  start_receiver
  run -0 timeout "$T" "$B/udp_sender" 127.0.0.1 "$SERVER_PORT" -- -x -5
  assert_output "Sent 2 bytes to 127.0.0.1 port $SERVER_PORT
Sent 2 bytes to 127.0.0.1 port $SERVER_PORT"
  wait_for_line "$SERVER_LOG" ': -5$' 10 "$SERVER_PID"
  assert_file_match "$SERVER_LOG" 'From 127\.0\.0\.1 port [0-9]+ \(2 bytes\): -x'
}

@test "udp_receiver stops after the datagram exit, with status 0" {
  start_receiver
  run -0 timeout "$T" "$B/udp_sender" 127.0.0.1 "$SERVER_PORT" first exit
  wait_for_exit "$SERVER_PID" 10
  assert_file_match "$SERVER_LOG" 'From 127\.0\.0\.1 port [0-9]+ \(4 bytes\): exit'
  assert_equal "Got 'exit', stopping" "$(tail -n 1 "$SERVER_LOG")" "last line"
  assert_equal 4 "$(wc -l <"$SERVER_LOG")" "number of lines"
}

@test "udp_receiver -n 3 stops after three datagrams, with status 0" {
  start_server "$BATS_TEST_TMPDIR/receiver.log" "$B/udp_receiver" -n 3 0
  run -0 timeout "$T" "$B/udp_sender" ::1 "$SERVER_PORT" a b
  run -0 timeout "$T" "$B/udp_sender" 127.0.0.1 "$SERVER_PORT" c
  wait_for_exit "$SERVER_PID" 10
  assert_equal 3 "$(grep -c '^From ' "$SERVER_LOG")" "datagrams printed"
  assert_equal "Got 3 datagrams, stopping" "$(tail -n 1 "$SERVER_LOG")" "last line"
}

@test "udp_receiver reports a 2,000-byte datagram as truncated to 1024 bytes" {
  start_receiver -n 1
  local big
  big=$(printf 'x%.0s' {1..2000})
  run -0 timeout "$T" "$B/udp_sender" 127.0.0.1 "$SERVER_PORT" "$big"
  assert_output "Sent 2000 bytes to 127.0.0.1 port $SERVER_PORT"
  wait_for_exit "$SERVER_PID" 10
  assert_file_match "$SERVER_LOG" "From 127\.0\.0\.1 port [0-9]+ \(2000 bytes, truncated to 1024\): x{1024}"
}

@test "udp_receiver escapes bytes that are not printable" {
  start_receiver -n 1
  run -0 timeout "$T" "$B/udp_sender" 127.0.0.1 "$SERVER_PORT" $'tab\there\\ \x01\xff\nend'
  wait_for_exit "$SERVER_PID" 10
  assert_file_match "$SERVER_LOG" 'From 127\.0\.0\.1 port [0-9]+ \(16 bytes\): tab\\there\\\\ \\x01\\xff\\nend'
}

@test "several udp_senders at once: every datagram arrives once" {
  start_receiver -n 40
  local k i pids=() messages
  for k in 1 2 3 4; do
    messages=()
    for i in $(seq 10); do messages+=("sender$k-message$i"); done
    start_bg "$BATS_TEST_TMPDIR/sender$k.log" "$B/udp_sender" 127.0.0.1 "$SERVER_PORT" "${messages[@]}"
    pids+=("$BG_PID")
  done
  for k in 0 1 2 3; do wait_for_exit "${pids[$k]}" "$T"; done
  wait_for_exit "$SERVER_PID" 10
  for k in 1 2 3 4; do
    assert_equal 10 "$(grep -c "^Sent 1[67] bytes to 127.0.0.1 port $SERVER_PORT\$" "$BATS_TEST_TMPDIR/sender$k.log")" "lines of sender $k"
    for i in $(seq 10); do
      assert_equal 1 "$(grep -cE "^From 127\.0\.0\.1 port [0-9]+ \([0-9]+ bytes\): sender$k-message$i\$" "$SERVER_LOG")" "sender$k-message$i"
    done
  done
  assert_equal 40 "$(grep -c '^From ' "$SERVER_LOG")" "datagrams printed"
}

@test "udp_sender 'succeeds' when nobody listens on the port" {
  # A receiver that stops after one datagram: afterwards nobody listens on its port.
  start_receiver -n 1
  local port=$SERVER_PORT
  run -0 timeout "$T" "$B/udp_sender" 127.0.0.1 "$port" "last one"
  wait_for_exit "$SERVER_PID" 10
  run -0 timeout "$T" "$B/udp_sender" 127.0.0.1 "$port" "anybody there?" "still nobody?"
  assert_output "Sent 14 bytes to 127.0.0.1 port $port
Sent 13 bytes to 127.0.0.1 port $port"
}

@test "udp_sender reports a message too big for one datagram" {
  start_receiver
  local huge
  huge=$(head -c 70000 /dev/zero | tr '\0' y)
  run --separate-stderr -1 timeout "$T" "$B/udp_sender" 127.0.0.1 "$SERVER_PORT" "$huge"
  assert_equal "" "$output" "stdout"
  assert_equal "udp_sender: sendto 127.0.0.1 port $SERVER_PORT: Message too long" "$stderr" "stderr"
}

@test "stream_vs_datagram: TCP runs the three sends together, UDP keeps three datagrams" {
  run -0 timeout "$T" "$B/stream_vs_datagram"
  assert_output "TCP send 1: 3 bytes: one
TCP send 2: 3 bytes: two
TCP send 3: 5 bytes: three
TCP recv 1: 11 bytes: onetwothree
TCP recv 2: 0 bytes: the sender closed, end of the stream
UDP sendto 1: 3 bytes: one
UDP sendto 2: 3 bytes: two
UDP sendto 3: 5 bytes: three
UDP recvfrom 1: 3 bytes: one
UDP recvfrom 2: 3 bytes: two
UDP recvfrom 3: 5 bytes: three
TCP kept the bytes but not the boundaries; UDP kept each datagram whole."
  # The README shows this run line for line.
  local line
  while IFS= read -r line; do
    grep -qxF -- "$line" "$ROOT/05-udp/README.md" || { echo "README lacks: $line" >&2; return 1; }
  done <<<"$output"
}

@test "reliability_demo -n 20000: TCP delivers all in order; UDP never duplicates or invents" {
  run -0 timeout 60 "$B/reliability_demo" -n 20000
  assert_output_matches '^ +sent +received +lost +out of order +duplicated +invalid$'
  assert_equal "20000 20000 0 0 0 0" "$(row TCP)" "TCP row"
  local sent received lost out_of_order duplicated invalid
  read -r sent received lost out_of_order duplicated invalid <<<"$(row UDP)"
  assert_equal 20000 "$sent" "UDP sent"
  ((received <= sent)) || { echo "UDP received $received > sent $sent" >&2; return 1; }
  assert_equal $((sent - received)) "$lost" "UDP lost"
  assert_equal 0 "$duplicated" "UDP duplicated"
  assert_equal 0 "$invalid" "UDP invalid"
  assert_equal 0 "$out_of_order" "UDP out of order"
}

@test "reliability_demo -b 1: with a tiny receive buffer UDP loses datagrams, TCP none" {
  run -0 timeout 60 "$B/reliability_demo" -b 1 -n 20000
  assert_output_matches '^UDP: 20000 datagrams of 4 bytes, receiver reads 1 per 2 sent, SO_RCVBUF 1 \(kernel gave [0-9]+\)$'
  assert_equal "20000 20000 0 0 0 0" "$(row TCP)" "TCP row"
  local sent received lost out_of_order duplicated invalid
  read -r sent received lost out_of_order duplicated invalid <<<"$(row UDP)"
  ((received < sent)) || { echo "UDP received $received, sent $sent: expected losses" >&2; return 1; }
  ((lost > 0)) || { echo "UDP lost $lost" >&2; return 1; }
  assert_equal 0 "$duplicated" "UDP duplicated"
  assert_equal 0 "$invalid" "UDP invalid"
}

@test "every program prints its usage with -h, as its header comment shows it" {
  local program
  for program in udp_receiver udp_sender stream_vs_datagram reliability_demo; do
    run -0 "$B/$program" -h
    assert_equal 1 "$(grep -cxF -- " * $output" "$ROOT/05-udp/$program.c")" "Usage line in $program.c"
    [[ $output == "Usage: $program"* ]] || { echo "$program -h printed: $output" >&2; return 1; }
  done
}

@test "udp_receiver and udp_sender reject bad ports" {
  local port
  for port in abc -1 65536 70000 80x; do
    run --separate-stderr timeout "$T" "$B/udp_receiver" "$port"
    assert_usage_error udp_receiver
    assert_equal "udp_receiver: bad port '$port': expected a number from 0 to 65535" "$stderr" "stderr"
    run --separate-stderr timeout "$T" "$B/udp_sender" 127.0.0.1 "$port" hello
    assert_usage_error udp_sender
    assert_equal "udp_sender: bad port '$port': expected a number from 0 to 65535" "$stderr" "stderr"
  done
}

@test "udp_sender rejects missing operands, options it does not know" {
  run --separate-stderr timeout "$T" "$B/udp_sender"
  assert_usage_error udp_sender
  assert_equal "udp_sender: missing operand: HOST PORT MESSAGE... (try 'udp_sender -h')" "$stderr"
  run --separate-stderr timeout "$T" "$B/udp_sender" 127.0.0.1
  assert_usage_error udp_sender
  assert_equal "udp_sender: missing operand: HOST PORT MESSAGE... (try 'udp_sender -h')" "$stderr"
  run --separate-stderr timeout "$T" "$B/udp_sender" 127.0.0.1 9
  assert_usage_error udp_sender
  assert_equal "udp_sender: missing operand: MESSAGE... (try 'udp_sender -h')" "$stderr"
  run --separate-stderr timeout "$T" "$B/udp_sender" 127.0.0.1 9 hi -x
  assert_usage_error udp_sender
  assert_equal "udp_sender: unknown option '-x' (try 'udp_sender -h')" "$stderr"
}

@test "udp_receiver rejects a bad -n, two ports, options it does not know" {
  local count
  for count in 0 -1 abc 1000001 5x; do
    run --separate-stderr timeout "$T" "$B/udp_receiver" 0 -n "$count"
    assert_usage_error udp_receiver
    assert_equal "udp_receiver: bad count '$count': expected a number from 1 to 1000000" "$stderr"
  done
  run --separate-stderr timeout "$T" "$B/udp_receiver" 0 -n
  assert_usage_error udp_receiver
  assert_equal "udp_receiver: option '-n' needs a value (try 'udp_receiver -h')" "$stderr"
  run --separate-stderr timeout "$T" "$B/udp_receiver" 0 0
  assert_usage_error udp_receiver
  assert_equal "udp_receiver: too many operands (try 'udp_receiver -h')" "$stderr"
  run --separate-stderr timeout "$T" "$B/udp_receiver" -x
  assert_usage_error udp_receiver
  assert_equal "udp_receiver: unknown option '-x' (try 'udp_receiver -h')" "$stderr"
}

@test "udp_sender to no..such..host fails with the resolver's message" {
  run --separate-stderr -1 timeout "$T" "$B/udp_sender" no..such..host 5000 hello
  assert_equal "" "$output" "stdout"
  assert_equal "udp_sender: getaddrinfo no..such..host: Name or service not known" "$stderr" "stderr"
}

@test "a second udp_receiver on a port in use fails to bind" {
  start_receiver
  run --separate-stderr -1 timeout "$T" "$B/udp_receiver" "$SERVER_PORT"
  assert_equal "" "$output" "stdout"
  assert_equal "udp_receiver: bind port $SERVER_PORT: Address already in use" "$stderr" "stderr"
}

@test "reliability_demo and stream_vs_datagram reject bad options and operands" {
  local value
  for value in 0 -1 abc 1000001 99999999999999999999 5x; do
    run --separate-stderr timeout "$T" "$B/reliability_demo" -n "$value"
    assert_usage_error reliability_demo
    assert_equal "reliability_demo: bad count '$value': expected a number from 1 to 1000000" "$stderr"
  done
  for value in 0 -1 abc 16777217 99999999999999999999; do
    run --separate-stderr timeout "$T" "$B/reliability_demo" -b "$value"
    assert_usage_error reliability_demo
    assert_equal "reliability_demo: bad buffer size '$value': expected a number from 1 to 16777216" "$stderr"
  done
  run --separate-stderr timeout "$T" "$B/reliability_demo" -b
  assert_usage_error reliability_demo
  assert_equal "reliability_demo: option '-b' needs a value (try 'reliability_demo -h')" "$stderr"
  run --separate-stderr timeout "$T" "$B/reliability_demo" 100
  assert_usage_error reliability_demo
  assert_equal "reliability_demo: too many operands (try 'reliability_demo -h')" "$stderr"
  run --separate-stderr timeout "$T" "$B/reliability_demo" -q
  assert_usage_error reliability_demo
  assert_equal "reliability_demo: unknown option '-q' (try 'reliability_demo -h')" "$stderr"
  run --separate-stderr timeout "$T" "$B/stream_vs_datagram" extra
  assert_usage_error stream_vs_datagram
  assert_equal "stream_vs_datagram: too many operands (try 'stream_vs_datagram -h')" "$stderr"
}
