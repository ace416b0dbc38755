#!/usr/bin/env bats
# Lesson 02: the TCP client. The peers are lesson 03's servers (tcp_server, dict_server) and,
# where a test needs a server that behaves in one precise way (answers in pieces, too much,
# with control bytes, or resets), a small python3 server in the notes' style (one recv is
# one message), skipped when python3 is absent. tcp_states needs no peer.

load test_helper

CLIENT="$BIN_ROOT/02-tcp-client/tcp_client"
LOOP="$BIN_ROOT/02-tcp-client/tcp_client_loop"
STATES="$BIN_ROOT/02-tcp-client/tcp_states"

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
  # The interpreter itself, not a version manager's shim (which costs 0.2 s per start).
  if [[ $PYTHON3 == python3 ]] && command -v python3 >/dev/null; then
    PYTHON3=$(python3 -c 'import sys; print(sys.executable)')
  fi
  export PYTHON3

  # The python3 peer. It serves clients one after another and logs each message it gets as
  # "got b'...'" (Python's repr) and "client left". MODE says how it answers:
  #   echo      each message comes back as it is ("crlf" comes back as "crlf\r\n")
  #   pieces    the first message gets "fi"; "ne" follows once the client has sent its
  #             next message (no answer of its own), and not at all if it closes instead
  #   long N    the first message gets N bytes of "y"; later ones no answer
  #   count N   reads until N bytes have come, then answers "got N bytes"
  #   binary    the first message gets bytes that are not text, then the peer closes
  #   close     the first message gets no answer: the peer closes (a FIN)
  #   reset     the first message gets no answer: the peer resets (SO_LINGER 0, an RST)
  #   bytes HEX every message gets the bytes HEX (in hex) as its answer
  cat >"$BATS_FILE_TMPDIR/peer.py" <<'EOF'
import socket, struct, sys

mode = sys.argv[1]
size = int(sys.argv[2]) if len(sys.argv) > 2 and mode != "bytes" else 0
server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
server.bind(("::", 0))
server.listen(8)
print("Listening on port %d" % server.getsockname()[1], flush=True)
while True:
    conn, _ = server.accept()
    total = 0
    first = True
    try:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            print("got %r" % data if mode != "count" else "got %d bytes" % len(data), flush=True)
            total += len(data)
            if mode == "echo":
                conn.sendall(b"crlf\r\n" if data == b"crlf" else data)
            elif mode == "pieces" and first:
                conn.sendall(b"fi")
                # (Not after a pause: on a busy machine both pieces could wait for one recv.)
                more = conn.recv(1024)
                if not more:
                    break
                print("got %r" % more, flush=True)
                conn.sendall(b"ne")
            elif mode == "long" and first:
                conn.sendall(b"y" * size)
            elif mode == "count" and total >= size:
                conn.sendall(b"got %d bytes" % total)
            elif mode == "bytes":
                conn.sendall(bytes.fromhex(sys.argv[2]))
            elif mode == "binary":
                conn.sendall(b"\x00\x01 it's \"raw\" \\ \t\r\n\x7f\x80\xff end")
                break
            elif mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                break
            elif mode == "close":
                break
            first = False
    except OSError as error:
        print("error: %s" % error, flush=True)
    conn.close()
    print("client left", flush=True)
EOF
}

teardown() {
  exec 7>&- 2>/dev/null || true
  stop_all
}

# start_peer MODE [N]: start the python3 peer (skips the test without python3). Each peer
# gets its own log, so a second peer's port is never read from the first one's log.
PEERS=0
start_peer() {
  command -v "$PYTHON3" >/dev/null || skip "python3 not installed"
  PEERS=$((PEERS + 1))
  start_server "$BATS_TEST_TMPDIR/peer$PEERS.log" "$PYTHON3" -u "$BATS_FILE_TMPDIR/peer.py" "$@"
}

# peer_heard LINES: once the client has left, the peer's log after its first line is LINES.
peer_heard() {
  local clients=0 line
  while IFS= read -r line; do [[ $line == "client left" ]] && clients=$((clients + 1)); done <<<"$1"
  # (every client's "client left" counted: the first alone could come before the last's lines)
  wait_for_count "$SERVER_LOG" '^client left$' "$clients" "$T"
  assert_equal "$1" "$(tail -n +2 "$SERVER_LOG")" "what the peer received"
}

# free_port: a port nobody listens on (a server took it from the OS, then was stopped).
free_port() {
  start_server "$BATS_TEST_TMPDIR/gone.log" "$SERVERS/tcp_server" 0
  stop_pid "$SERVER_PID" || true
  FREE_PORT=$SERVER_PORT
}

# mask_ports: stdin to stdout with every port number (which the OS picks) made PORT.
mask_ports() {
  local q="'"
  sed -E -e 's/port [0-9]+/port PORT/g' -e 's/(connect\(\("127\.0\.0\.1", )[0-9]+/\1PORT/' \
    -e "s/(\\(${q}127\\.0\\.0\\.1${q}, )[0-9]+\\)/\\1PORT)/g"
}

# transcript NAME: what the README's transcript NAME shows the programs print: its lines
# without the commands ("$ ..."), ports masked.
transcript() {
  readme_transcript 02-tcp-client "$1" | grep -v '^\$ ' | mask_ports
}

# ---- tcp_client ----

@test "tcp_client prints tcp_server's reply over 127.0.0.1, ::1 and localhost" {
  local host address from
  for host in 127.0.0.1 ::1 localhost; do
    address=$host
    [[ $host == localhost ]] && address=$LOCALHOST_IP
    start_server "$BATS_TEST_TMPDIR/server-$host.log" "$SERVERS/tcp_server" 0
    run -0 timeout "$T" "$CLIENT" "$host" "$SERVER_PORT"
    [[ ${lines[0]} =~ ^Connected\ to\ "$address"\ port\ $SERVER_PORT\ from\ "$address"\ port\ ([0-9]+)$ ]] ||
      { echo "unexpected first line: ${lines[0]}" >&2; return 1; }
    from=${BASH_REMATCH[1]}
    assert_output "${lines[0]}
Sent 34 bytes: Hello, server, I'm client Xiaohei!
Received 35 bytes: b'ok, the problem is being handled...'
As text: ok, the problem is being handled..."
    # The port the OS chose for the client (getsockname) is the one the server saw.
    wait_for_exit "$SERVER_PID"
    assert_file_line "$SERVER_LOG" "Connection from $address port $from"
  done
  # The README's transcripts are what the programs print (ports aside).
  assert_equal "$(transcript tcp-client)" "$(mask_ports <<<"$output" | readme_localhost)"
  assert_equal "$(transcript tcp-server)" "$(mask_ports <"$SERVER_LOG" | readme_localhost)"
}

@test "tcp_client sends a custom MESSAGE over ::1, as it is" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/tcp_server" 0
  run -0 timeout "$T" "$CLIENT" ::1 "$SERVER_PORT" 'my printer is on fire!'
  assert_equal "$(transcript tcp-client-ipv6)" "$(mask_ports <<<"$output")"
  wait_for_exit "$SERVER_PID"
  assert_file_line "$SERVER_LOG" "Received 22 bytes: my printer is on fire!"
}

@test "tcp_client asks dict_server a line, and the raw bytes show the reply's newline" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/dict_server" 0
  run -0 timeout "$T" "$CLIENT" localhost "$SERVER_PORT" $'how are u\n'
  assert_equal "$(transcript tcp-client-dict)" "$(mask_ports <<<"$output" | readme_localhost)"
}

@test "tcp_client shows the reply's bytes like Python's b'...', and as text with control bytes escaped" {
  start_peer binary
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT"
  local python_repr
  python_repr=$("$PYTHON3" -c 'print(repr(b"\x00\x01 it'"'"'s \"raw\" \\ \t\r\n\x7f\x80\xff end"))')
  assert_equal "Received 26 bytes: $python_repr" "${lines[2]}"
  assert_equal "As text: \\x00\\x01 it's \"raw\" \\\\ \\t\\r\\n\\x7f\\x80\\xff end" "${lines[3]}"
  assert_equal 4 "${#lines[@]}" "number of lines"
}

@test "tcp_client quotes like Python (b\"I'm\"), shows UTF-8 text as text and its own message escaped" {
  start_peer echo
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT" "I'm"
  assert_line "Received 3 bytes: b\"I'm\""
  assert_line "As text: I'm"
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT" $'say "hi"\t你好\e[2J'
  assert_line $'Sent 19 bytes: say "hi"\\t你好\\x1b[2J'
  assert_line "Received 19 bytes: b'say \"hi\"\\t\\xe4\\xbd\\xa0\\xe5\\xa5\\xbd\\x1b[2J'"
  assert_line $'As text: say "hi"\\t你好\\x1b[2J'
  # The bytes of the README's tcp_client fix 4, and \xff: no screen cleared, no beep.
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT" $'\e[2J\ahi\xff'
  assert_line "Received 8 bytes: b'\\x1b[2J\\x07hi\\xff'"
  assert_line "As text: \\x1b[2J\\x07hi\\xff"
  peer_heard "got b\"I'm\"
client left
got b'say \"hi\"\\t\\xe4\\xbd\\xa0\\xe5\\xa5\\xbd\\x1b[2J'
client left
got b'\\x1b[2J\\x07hi\\xff'
client left"
}

@test "tcp_client takes one recv as the reply: a reply in two pieces shows only the first" {
  start_peer pieces
  run -0 timeout "$T" "$CLIENT" localhost "$SERVER_PORT" 'how are u'
  assert_equal "Received 2 bytes: b'fi'" "${lines[2]}"
  assert_equal "As text: fi" "${lines[3]}"
}

@test "tcp_client sends a 70000-byte MESSAGE whole, and says when the reply filled its 1024 bytes" {
  start_peer count 70000
  local message
  message=$(printf 'x%.0s' {1..70000})
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT" "$message"
  assert_equal "Sent 70000 bytes: $message" "${lines[1]}"
  assert_equal "Received 15 bytes: b'got 70000 bytes'" "${lines[2]}"
  stop_pid "$SERVER_PID"
  start_peer long 1500
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT"
  local ys
  ys=$(printf 'y%.0s' {1..1024})
  assert_equal "Received 1024 bytes: b'$ys'" "${lines[2]}"
  assert_equal "As text: $ys" "${lines[3]}"
  assert_equal "(1024 bytes: the buffer was full; the rest, if any, was not read)" "${lines[4]}"
}

@test "tcp_client: a server that closes without replying, and one that resets" {
  start_peer close
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT"
  assert_equal "Received 0 bytes: b''" "${lines[2]}"
  assert_equal "(recv returned 0: the server closed the connection without replying)" "${lines[3]}"
  stop_pid "$SERVER_PID"
  start_peer reset
  run -1 --separate-stderr timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT"
  [[ $stderr =~ ^tcp_client:\ recv\ 127\.0\.0\.1\ port\ $SERVER_PORT:\ [^$'\n']+$ ]] ||
    { echo "unexpected stderr: $stderr" >&2; return 1; }
}

# ---- both clients: what goes wrong before a byte is sent ----

@test "both clients report a refused port on 127.0.0.1, ::1 and localhost, and an unknown host" {
  free_port
  local program host address
  for program in tcp_client tcp_client_loop; do
    for host in 127.0.0.1 ::1 localhost; do
      address=$host
      [[ $host == localhost ]] && address=127.0.0.1
      run -1 --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program" "$host" "$FREE_PORT"
      assert_equal "" "$output" "stdout"
      [[ $stderr == "$program: connect $address port $FREE_PORT: "* && $stderr != *$'\n'* ]] ||
        { echo "unexpected stderr: $stderr" >&2; return 1; }
    done
    run -1 --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program" no..such..host 80
    assert_equal "" "$output" "stdout"
    [[ $stderr == "$program: getaddrinfo no..such..host: "* && $stderr != *$'\n'* ]] ||
      { echo "unexpected stderr: $stderr" >&2; return 1; }
  done
}

@test "both clients refuse bad ports, port 0 and an empty host with exit 2" {
  local program port
  for program in tcp_client tcp_client_loop; do
    for port in 0 '' abc -1 -0 +80 ' 80' 0x50 80x 65536 99999999999999999999; do
      run --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program" 127.0.0.1 "$port"
      assert_usage_error "$program"
      assert_equal "$program: bad port '$port': expected a number from 1 to 65535" "$stderr"
    done
    run --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program" '' 80
    assert_usage_error "$program"
    assert_equal "$program: bad host '': expected a name or an address" "$stderr"
  done
  # tcp_client: a message of zero bytes cannot be seen by any server.
  run --separate-stderr timeout "$T" "$CLIENT" 127.0.0.1 80 ''
  assert_usage_error tcp_client
  assert_equal "tcp_client: bad message '': expected at least one byte" "$stderr"
}

@test "both clients report missing operands, too many operands and unknown options" {
  local program
  for program in tcp_client tcp_client_loop; do
    run --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program"
    assert_usage_error "$program"
    assert_equal "$program: missing operand (try '$program -h')" "$stderr"
    run --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program" 127.0.0.1
    assert_equal "$program: missing operand (try '$program -h')" "$stderr"
    run --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program" 127.0.0.1 1 hi there
    assert_usage_error "$program"
    assert_equal "$program: too many operands (try '$program -h')" "$stderr"
    run --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program" -x 127.0.0.1 1
    assert_usage_error "$program"
    assert_equal "$program: unknown option '-x' (try '$program -h')" "$stderr"
  done
  # Options come before the operands: after them, "-h" is an operand (here, too many).
  run --separate-stderr timeout "$T" "$LOOP" 127.0.0.1 1 -h
  assert_equal "tcp_client_loop: too many operands (try 'tcp_client_loop -h')" "$stderr"
}

@test "the README's error transcript is what tcp_client prints, reasons aside" {
  free_port
  local line actual= expected
  local -a args
  while IFS= read -r line; do
    [[ $line == '$ ./tcp_client'* ]] || continue
    eval "args=(${line#'$ ./tcp_client'})"
    # The transcript's refused port is 1; the test uses one it knows is free.
    [[ ${args[1]:-} == 1 ]] && args[1]=$FREE_PORT
    run timeout "$T" "$CLIENT" "${args[@]}"
    ((status == 1 || status == 2)) || { echo "exit status $status for: $line" >&2; return 1; }
    actual+=$output$'\n'
  done < <(readme_transcript 02-tcp-client tcp-client-errors)
  # The reason after "connect ADDRESS:" or "getaddrinfo HOST:" is the C library's text.
  expected=$(transcript tcp-client-errors | sed -E 's/^(tcp_client: (connect|getaddrinfo) [^:]+): .*/\1: REASON/')
  assert_equal "$expected" \
    "$(mask_ports <<<"${actual%$'\n'}" | sed -E 's/^(tcp_client: (connect|getaddrinfo) [^:]+): .*/\1: REASON/')"
}

@test "every program prints its usage and description with -h and --help, as its header says" {
  local program line
  for program in tcp_client tcp_client_loop tcp_states; do
    run -0 --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program" --help
    assert_equal "" "$stderr" "stderr"
    [[ ${lines[0]} == "Usage: $program "* && ${lines[0]} != *"[-h]"* ]] ||
      { echo "unexpected usage: ${lines[0]}" >&2; return 1; }
    ((${#lines[@]} >= 2 && ${#lines[@]} <= 4)) || { echo "expected 1-3 lines of description" >&2; return 1; }
    # The header comment of the source shows the same text, line for line.
    for line in "${lines[@]}"; do
      grep -qxF " * $line" "$ROOT/02-tcp-client/$program.c" ||
        { echo "'$line' is not in the header of $program.c" >&2; return 1; }
    done
    local help=$output
    run -0 timeout "$T" "$BIN_ROOT/02-tcp-client/$program" -h
    assert_equal "$help" "$output" "-h and --help"
  done
}

# ---- tcp_client_loop ----

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
  # The README's terminal transcript is the same session with the prompts a terminal shows.
  assert_equal "$(transcript tcp-client-loop | grep -v '^> ')" "$output"
}

@test "tcp_client_loop sends each line bare, and stops on exit without sending it (::1)" {
  start_peer echo
  run -0 timeout "$T" "$LOOP" ::1 "$SERVER_PORT" <<'EOF'
how are u
exit
how old are u
EOF
  assert_output "Connected to server
Server: how are u"
  peer_heard "got b'how are u'
client left"
}

@test "tcp_client_loop stops on an empty line (localhost) and at the end of input" {
  start_peer echo
  run -0 timeout "$T" "$LOOP" localhost "$SERVER_PORT" <<'EOF'
hi

later
EOF
  assert_output "Connected to server
Server: hi"
  # A last line without a newline is still sent; "\r\n" typed is taken off like "\n".
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" < <(printf 'one\r\ntwo')
  assert_output "Connected to server
Server: one
Server: two"
  peer_heard "got b'hi'
client left
got b'one'
got b'two'
client left"
}

@test "tcp_client_loop sends a NUL byte as typed and loses no line after it" {
  start_peer echo
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" < <(printf 'a\0b\nhow are u\nexit\0\n')
  assert_output 'Connected to server
Server: a\x00b
Server: how are u
Server: exit\x00'
  peer_heard "got b'a\\x00b'
got b'how are u'
got b'exit\\x00'
client left"
}

@test "tcp_client_loop escapes control bytes in a reply, shows UTF-8, strips one line ending" {
  start_peer echo
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" < <(printf '\e]0;pwned\a\e[2J\bhi\rx\\\n你好 \xff\ncrlf\n')
  assert_output 'Connected to server
Server: \x1b]0;pwned\x07\x1b[2J\x08hi\rx\\
Server: 你好 \xff
Server: crlf'
}

@test "tcp_client_loop refuses a line over 1024 bytes, sends one of 1024, and says when a reply fills the buffer" {
  start_peer echo
  local long full
  long=$(printf 'x%.0s' {1..1025})
  full=${long:1}
  run -0 --separate-stderr timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<EOF
$long
$full
how are u
EOF
  assert_equal "tcp_client_loop: line of 1025 bytes not sent: a message is at most 1024 bytes (one recv(1024) on the other side)" "$stderr"
  assert_output "Connected to server
Server: $full
(1024 bytes: the buffer was full; the rest, if any, arrives as the next reply)
Server: how are u"
  peer_heard "got b'$full'
got b'how are u'
client left"
}

@test "tcp_client_loop: a reply longer than 1024 bytes spills into the next turn" {
  start_peer long 1500
  local ys
  ys=$(printf 'y%.0s' {1..1500})
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<'EOF'
long please
next
EOF
  assert_output "Connected to server
Server: ${ys:0:1024}
(1024 bytes: the buffer was full; the rest, if any, arrives as the next reply)
Server: ${ys:1024}"
}

@test "tcp_client_loop: a reply in two pieces becomes two replies" {
  start_peer pieces
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<'EOF'
how are u
how old are u
EOF
  assert_output "Connected to server
Server: fi
Server: ne"
}

@test "tcp_client_loop says so and exits 1 when tcp_server closes after its one reply" {
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/tcp_server" 0
  run -1 --separate-stderr timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<'EOF'
hello
still there?
EOF
  assert_output "Connected to server
Server: ok, the problem is being handled..."
  assert_equal "tcp_client_loop: the server 127.0.0.1 port $SERVER_PORT closed the connection" "$stderr"
  assert_equal "$(transcript tcp-client-loop-closed)" \
    "$(mask_ports <<<"$output"$'\n'"$stderr")"
}

@test "tcp_client_loop says so and exits 1 when the server resets or goes away mid-session" {
  start_peer reset
  run -1 --separate-stderr timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<<'hello'
  assert_output "Connected to server"
  [[ $stderr =~ ^tcp_client_loop:\ the\ server\ 127\.0\.0\.1\ port\ $SERVER_PORT\ closed\ the\ connection\ \(.+\)$ ]] ||
    { echo "unexpected stderr: $stderr" >&2; return 1; }
  stop_pid "$SERVER_PID"

  start_peer echo
  local fifo="$BATS_TEST_TMPDIR/input" log="$BATS_TEST_TMPDIR/client.log" client rc=0
  mkfifo "$fifo"
  start_bg_from "$fifo" "$log" "$LOOP" 127.0.0.1 "$SERVER_PORT"
  client=$BG_PID
  exec 7>"$fifo"
  echo "how are u" >&7
  wait_for_line "$log" '^Server: how are u$' "$T" "$client"
  stop_pid "$SERVER_PID"
  echo "how old are u" >&7
  wait_for_exit "$client" "$T" || rc=$?
  exec 7>&-
  assert_equal 1 "$rc" "exit status"
  # The peer's close shows as recv() returning 0, or (if its kernel answered our line with
  # a reset first) as a reset or broken pipe: either way, one line that says so.
  run cat "$log"
  assert_equal 3 "${#lines[@]}" "number of lines"
  [[ ${lines[2]} =~ ^tcp_client_loop:\ the\ server\ 127\.0\.0\.1\ port\ $SERVER_PORT\ closed\ the\ connection(\ \(.+\))?$ ]] ||
    { echo "unexpected last line: ${lines[2]}" >&2; return 1; }
}

@test "tcp_client_loop shows a prompt only when stdin is a terminal" {
  command -v script >/dev/null || skip "script (util-linux) not installed"
  start_peer echo
  # script gives the client a terminal; the input goes through it as if typed.
  run -0 timeout "$T" script -qec "$LOOP 127.0.0.1 $SERVER_PORT" /dev/null <<'EOF'
how are u
exit
EOF
  # The terminal echoes the typed lines whenever script feeds them in, so where the echo
  # lands between prompts varies: count the prompts (one before each line read) instead.
  assert_output_matches 'Server: how are u'
  assert_equal 2 "$(grep -o '> ' <<<"$output" | wc -l)" "number of '> ' prompts"
}

# time_wait_entries PORT: ss's TIME-WAIT entries with PORT at either end, one space between
# fields (ss pads its columns to the widest entry of each listing).
time_wait_entries() {
  ss -Htan state time-wait "( sport = :$1 or dport = :$1 )" | tr -s ' \t' '  '
}

# time_wait_side PORT [BEFORE]: wait until ss lists a TIME-WAIT entry for a connection to
# the server on PORT that is not in BEFORE (time_wait_entries before the connection: the OS
# may hand a server on port 0 a port whose earlier connections, another test's, still wait),
# then set TW_SIDE to the side(s) that hold one: "client", "server" or "both".
time_wait_side() { untraced _time_wait_side "$@"; } # a polling loop: see untraced in test_helper
_time_wait_side() {
  local entries= line local_address peer_address client=0 server=0
  deadline_in "$T"
  while before_deadline; do
    entries=$(time_wait_entries "$1" | grep -vxF -e "${2:-}" || true)
    [[ -n $entries ]] && break
    nap
  done
  while read -r _ _ local_address peer_address; do
    [[ $local_address == *:"$1" ]] && server=1
    [[ $peer_address == *:"$1" ]] && client=1
  done <<<"$entries"
  TW_SIDE=none
  ((client)) && TW_SIDE=client
  ((server)) && TW_SIDE=server
  ((client && server)) && TW_SIDE=both
  return 0
}

@test "who ends in TIME_WAIT: the client when it leaves with exit, the server when it closes first" {
  command -v ss >/dev/null || skip "ss (iproute2) not installed"
  local before
  start_server "$BATS_TEST_TMPDIR/dict.log" "$SERVERS/dict_server" 0
  before=$(time_wait_entries "$SERVER_PORT")
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<<'exit'
  time_wait_side "$SERVER_PORT" "$before"
  assert_equal client "$TW_SIDE" "the side in TIME_WAIT after exit"
  # tcp_server closes after its reply; tcp_client_loop closes only once its next recv has
  # returned 0, so the server's FIN was surely first.
  start_server "$BATS_TEST_TMPDIR/tcp.log" "$SERVERS/tcp_server" 0
  before=$(time_wait_entries "$SERVER_PORT")
  run -1 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" < <(printf 'hello\nstill there?\n')
  time_wait_side "$SERVER_PORT" "$before"
  assert_equal server "$TW_SIDE" "the side in TIME_WAIT after tcp_server closed"
}

@test "the README's transcripts with the notes' Python programs" {
  command -v "$PYTHON3" >/dev/null || skip "python3 not installed"
  local peers="$ROOT/tests/peers"
  [[ -f $peers/notes_tcp_client.py ]] || skip "the notes' programs are not in tests/peers"
  # The notes' one-shot client against tcp_server; tcp_client against the notes' server.
  start_server "$BATS_TEST_TMPDIR/tcp_server.log" "$SERVERS/tcp_server" 0
  run -0 timeout "$T" "$PYTHON3" "$peers/notes_tcp_client.py" 127.0.0.1 "$SERVER_PORT"
  assert_equal "$(transcript notes-tcp-client)" "$output"
  start_server "$BATS_TEST_TMPDIR/notes_tcp_server.log" "$PYTHON3" -u "$peers/notes_tcp_server.py" 0
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT"
  assert_equal "$(transcript notes-tcp-server-client)" "$(mask_ports <<<"$output")"
  wait_for_exit "$SERVER_PID"
  assert_equal "$(transcript notes-tcp-server)" "$(mask_ports <"$SERVER_LOG")"
  # The dictionary both ways: the questions of transcript tcp-client-loop, from a pipe.
  local questions=$'how are u\nhow old are u\nwhere are u\nbye\n'
  [[ $(readme_transcript 02-tcp-client notes-dict-client) == "\$ printf '${questions//$'\n'/\\n}' | "* ]]
  [[ $(readme_transcript 02-tcp-client notes-dict-server-client) == "\$ printf '${questions//$'\n'/\\n}' | "* ]]
  start_server "$BATS_TEST_TMPDIR/dict_server.log" "$SERVERS/dict_server" 0
  run -0 timeout "$T" "$PYTHON3" "$peers/notes_dict_client.py" 127.0.0.1 "$SERVER_PORT" <<<"$questions"
  assert_equal "$(transcript notes-dict-client)" "$output"
  start_server "$BATS_TEST_TMPDIR/notes_dict_server.log" "$PYTHON3" -u "$peers/notes_dict_server.py" 0
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<<"$questions"
  assert_equal "$(transcript notes-dict-server-client)" "$output"
  wait_for_exit "$SERVER_PID" # (the notes' server: one client, then it exits)
  assert_equal "$(transcript notes-dict-server)" "$(mask_ports <"$SERVER_LOG")"
  # The notes' thread-per-client server.
  start_server "$BATS_TEST_TMPDIR/notes_mt_server.log" "$PYTHON3" -u "$peers/notes_mt_server.py" 0
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" < <(printf 'hello\nexit\n')
  assert_equal "$(transcript notes-mt-server)" "$output"
}

# ---- tcp_states ----

# kernel_view: the lines of $output that show an end, as "client ESTABLISHED 2 1" (state,
# segments sent, received), or "client TIME_WAIT" once its socket is closed.
kernel_view() {
  local line
  while IFS= read -r line; do
    [[ $line =~ ^\ \ \ (client|server)\ +([A-Z_0-9]+|\(gone\))(\ +sent\ ([0-9]+),\ received\ ([0-9]+))? ]] || continue
    echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}${BASH_REMATCH[3]:+ ${BASH_REMATCH[4]} ${BASH_REMATCH[5]}}"
  done <<<"$output"
}

@test "tcp_states shows the handshake, the exchange and the wave: the client closes first, ends in TIME_WAIT" {
  [[ -r /proc/net/tcp ]] || skip "needs Linux (TCP_INFO and /proc/net/tcp)"
  run -0 --separate-stderr timeout "$T" "$STATES"
  assert_equal "" "$stderr" "stderr"
  # Step by step (1 listen, 2 connect, 3 accept, 4 send, 5 reply, 6 recv, 7 and 8 the two
  # FINs, 9 close): three segments make ESTABLISHED (the client sent SYN and ACK, got
  # SYN+ACK); the first FIN waits in FIN_WAIT1 for the delayed ACK, then FIN_WAIT2.
  assert_equal "server LISTEN 0 0
client ESTABLISHED 2 1
server LISTEN 0 0
client ESTABLISHED 2 1
server ESTABLISHED 0 2
client ESTABLISHED 3 2
server ESTABLISHED 1 3
client ESTABLISHED 4 3
server ESTABLISHED 2 4
client ESTABLISHED 4 3
server ESTABLISHED 2 4
client FIN_WAIT1 5 3
server CLOSE_WAIT 2 5
client FIN_WAIT2 5 4
server CLOSE_WAIT 3 5
client TIME_WAIT 6 5
server CLOSED 4 6
client TIME_WAIT
server (gone)" "$(kernel_view)" "states and segment counts"
  assert_line "   Segments sent again (tcpi_total_retrans): client 0, server 0"
  # The README's transcript is this run, ports aside.
  assert_equal "$(transcript tcp-states)" "$(mask_ports <<<"$output")"
}

@test "tcp_states -s: the server closes first and ends in TIME_WAIT" {
  [[ -r /proc/net/tcp ]] || skip "needs Linux (TCP_INFO and /proc/net/tcp)"
  run -0 --separate-stderr timeout "$T" "$STATES" -s
  assert_equal "" "$stderr" "stderr"
  assert_equal "client CLOSE_WAIT 4 4
server FIN_WAIT1 3 4
client CLOSE_WAIT 5 4
server FIN_WAIT2 3 5
client CLOSED 6 5
server TIME_WAIT 4 6
client (gone)
server TIME_WAIT" "$(kernel_view | tail -n 8)" "states and segment counts of the wave"
  assert_equal "$(transcript tcp-states-s)" "$(sed -n '/^7\./,$p' <<<"$output" | mask_ports)"
}

@test "tcp_states -w waits for Enter before each step, and ss sees the same states" {
  local fifo="$BATS_TEST_TMPDIR/keys" log="$BATS_TEST_TMPDIR/states.log" pid rc=0 port
  mkfifo "$fifo"
  start_bg_from "$fifo" "$log" "$STATES" -w
  pid=$BG_PID
  exec 7>"$fifo"
  wait_for_line "$log" 'press Enter' "$T" "$pid"
  ! file_has_line "$log" '^1\. ' || { echo "step 1 ran before Enter" >&2; return 1; }
  # Steps 1 to 7, then look from outside while it waits before step 8.
  printf '\n\n\n\n\n\n\n' >&7
  wait_for_count "$log" 'press Enter' 8 "$T"
  ! file_has_line "$log" '^8\. ' || { echo "step 8 ran before Enter" >&2; return 1; }
  [[ $(grep -m 1 -oE 'connect\(\("127\.0\.0\.1", [0-9]+' "$log") =~ ([0-9]+)$ ]]
  port=${BASH_REMATCH[1]}
  if command -v ss >/dev/null; then
    run ss -Htan "( sport = :$port or dport = :$port )"
    assert_output_matches "^FIN-WAIT-2 .*127\.0\.0\.1:$port *\$"
    assert_output_matches "^CLOSE-WAIT .*127\.0\.0\.1:$port .*"
    assert_output_matches "^LISTEN .*127\.0\.0\.1:$port "
  fi
  printf '\n\n' >&7
  wait_for_exit "$pid" "$T" || rc=$?
  exec 7>&-
  assert_equal 0 "$rc" "exit status"
  count_lines "$log" 'press Enter'
  assert_equal 9 "$LINE_COUNT" "prompts"
  assert_file_line "$log" "9. Both close their sockets.  Python: client.close(); conn.close(); server.close()"
}

@test "tcp_states refuses an unknown option and operands" {
  run --separate-stderr timeout "$T" "$STATES" -x
  assert_usage_error tcp_states
  assert_equal "tcp_states: unknown option '-x' (try 'tcp_states -h')" "$stderr"
  run --separate-stderr timeout "$T" "$STATES" -s now
  assert_usage_error tcp_states
  assert_equal "tcp_states: too many operands (try 'tcp_states -h')" "$stderr"
}

# ==== version 1: tcp_client_basic
# The notes' one-shot client in C, line for line (notes 000, "TCP client"): HOST and PORT
# as operands with the notes' defaults, no options, and the two lines the notes' Python
# prints. Its peers here are the notes' own programs in tests/peers (skipped without
# python3), and each pairing runs the notes' Python client too: the control, whose lines
# ours must repeat.

CLIENT_BASIC="$BIN_ROOT/02-tcp-client/tcp_client_basic"
LOOP_BASIC="$BIN_ROOT/02-tcp-client/tcp_client_loop_basic"
NOTES="$ROOT/tests/peers"

# start_notes_server NAME.py: start the notes' server tests/peers/NAME.py on port 0, each in
# a log of its own (skips without python3). -W: notes_mt_server's setDaemon() makes Python
# 3.10+ print a DeprecationWarning into the log, for the first client only.
NOTES_SERVERS=0
start_notes_server() {
  command -v "$PYTHON3" >/dev/null || skip "python3 not installed"
  NOTES_SERVERS=$((NOTES_SERVERS + 1))
  start_server "$BATS_TEST_TMPDIR/${1%.py}-$NOTES_SERVERS.log" \
    "$PYTHON3" -W ignore::DeprecationWarning -u "$NOTES/$1" 0
}

@test "tcp_client_basic sends the notes' message and prints the reply as b'...', then as text" {
  start_peer echo
  run -0 --separate-stderr timeout "$T" "$CLIENT_BASIC" 127.0.0.1 "$SERVER_PORT"
  assert_equal "" "$stderr" "stderr"
  # The echo comes back with a ' and no ": Python's repr then quotes with ".
  assert_output "b\"Hello, server, I'm client Xiaohei!\"
The data of the receiving server is: Hello, server, I'm client Xiaohei!"
  peer_heard "got b\"Hello, server, I'm client Xiaohei!\"
client left"
}

@test "tcp_client_basic prints any reply as the notes' client does: GBK text, quotes, control bytes; not GBK: status 1" {
  command -v "$PYTHON3" >/dev/null || skip "python3 not installed"
  # A server that answers two clients, one after the other, with the bytes given in hex.
  cat >"$BATS_TEST_TMPDIR/bytes.py" <<'PY'
import socket, sys
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", 0))
server.listen(2)
print("Listening on port %d" % server.getsockname()[1], flush=True)
for _ in range(2):
    conn, _ = server.accept()
    conn.recv(1024)
    conn.sendall(bytes.fromhex(sys.argv[1]))
    conn.close()
PY
  local hex python_status python_output
  # 你好 in GBK; it's; control bytes, both quotes, a backslash, DEL, GBK 你; no reply at
  # all (b''); a byte that is not GBK, and half a GBK character: Python's decode raises.
  for hex in c4e3bac3 69742773 1b5b324a07092722205c0d0a7fc4e3 "" ff c4; do
    start_server "$BATS_TEST_TMPDIR/bytes-$hex.log" "$PYTHON3" -u "$BATS_TEST_TMPDIR/bytes.py" "$hex"
    # stdout only: on stderr the notes' client writes a traceback, ours one perror line.
    run --separate-stderr timeout "$T" "$PYTHON3" "$NOTES/notes_tcp_client.py" 127.0.0.1 "$SERVER_PORT"
    python_status=$status python_output=$output
    run --separate-stderr timeout "$T" "$CLIENT_BASIC" 127.0.0.1 "$SERVER_PORT"
    assert_equal "$python_status" "$status" "exit status, reply $hex"
    assert_equal "$python_output" "$output" "stdout, reply $hex"
    if [[ $hex == c4e3bac3 ]]; then
      assert_output "b'\\xc4\\xe3\\xba\\xc3'
The data of the receiving server is: 你好"
    fi
    wait_for_exit "$SERVER_PID"
  done
  # The last two: status 1 and the bytes line only, as Python's UnicodeDecodeError leaves.
  assert_equal 1 "$status" "exit status, a reply that is not GBK"
  assert_output "b'\\xc4'"
}

@test "tcp_client_basic -> the notes' notes_tcp_server.py: the notes' client's lines, on both sides (README)" {
  local python_output python_log
  # The control: the notes' client against the notes' server (which serves one client).
  start_notes_server notes_tcp_server.py
  run -0 timeout "$T" "$PYTHON3" "$NOTES/notes_tcp_client.py" 127.0.0.1 "$SERVER_PORT"
  python_output=$output
  wait_for_exit "$SERVER_PID"
  python_log=$(mask_ports <"$SERVER_LOG")
  # Ours against a fresh one: the same lines out, and the server prints the same for us.
  start_notes_server notes_tcp_server.py
  run -0 --separate-stderr timeout "$T" "$CLIENT_BASIC" 127.0.0.1 "$SERVER_PORT"
  assert_equal "" "$stderr" "stderr"
  assert_equal "$python_output" "$output" "tcp_client_basic's lines against the notes' client's"
  wait_for_exit "$SERVER_PID"
  assert_equal "$python_log" "$(mask_ports <"$SERVER_LOG")" "what the notes' server printed"
  assert_file_line "$SERVER_LOG" "The data received from the client is: Hello, server, I'm client Xiaohei!"
  # The README shows the two runs, one after the other.
  assert_equal "$(transcript tcp-client-basic)" "$python_output"$'\n'"$output"
}

@test "tcp_client_basic and tcp_client_loop_basic: perror and status 1 on a refused port or a host that is not IPv4" {
  local program
  free_port
  for program in "$CLIENT_BASIC" "$LOOP_BASIC"; do
    run -1 --separate-stderr timeout "$T" "$program" 127.0.0.1 "$FREE_PORT" </dev/null
    assert_equal "" "$output" "stdout"
    assert_equal "connect: Connection refused" "$stderr"
    run -1 --separate-stderr timeout "$T" "$program" localhost "$FREE_PORT" </dev/null
    assert_equal "inet_pton: not an IPv4 address: localhost" "$stderr"
  done
}

# ==== version 1: tcp_client_loop_basic
# The notes' loop client in C (notes 002, "4.2 create TCP client", the twin of
# tests/peers/notes_loop_client.py): a prompt before each line, "Received data: " before
# each reply, "exit" ends it; from a pipe, each reply follows its prompt on the same line.

@test "tcp_client_loop_basic sends each line bare, prints each reply after the prompt, stops on exit unsent" {
  start_peer echo
  run -0 --separate-stderr timeout "$T" "$LOOP_BASIC" 127.0.0.1 "$SERVER_PORT" <<<$'hello\nhow are u\nexit'
  assert_equal "" "$stderr" "stderr"
  assert_output "Please enter the data to send:Received data: hello
Please enter the data to send:Received data: how are u
Please enter the data to send:"
  peer_heard "got b'hello'
got b'how are u'
client left"
}

@test "tcp_client_loop_basic, like the notes' client, ends with EOFError and status 1 when input ends before exit" {
  local python_output python_error
  start_peer echo
  run -1 --separate-stderr timeout "$T" "$PYTHON3" "$NOTES/notes_loop_client.py" 127.0.0.1 "$SERVER_PORT" <<<hello
  python_output=$output python_error=${stderr##*$'\n'}
  run -1 --separate-stderr timeout "$T" "$LOOP_BASIC" 127.0.0.1 "$SERVER_PORT" <<<hello
  assert_equal "$python_output" "$output" "stdout"
  assert_equal "$python_error" "$stderr" "stderr: the last line of Python's traceback"
  assert_equal "EOFError: EOF when reading a line" "$stderr"
}

@test "tcp_client_loop_basic -> the notes' notes_mt_server.py: the notes' loop client's lines, on both sides (README)" {
  local input=$'hello\nhow are u\nexit' python_output log half
  start_notes_server notes_mt_server.py
  # The control first: the notes' loop client; then ours, against the same server.
  run -0 timeout "$T" "$PYTHON3" "$NOTES/notes_loop_client.py" 127.0.0.1 "$SERVER_PORT" <<<"$input"
  python_output=$output
  wait_for_count "$SERVER_LOG" '^The client is offline: ' 1 "$T"
  run -0 --separate-stderr timeout "$T" "$LOOP_BASIC" 127.0.0.1 "$SERVER_PORT" <<<"$input"
  assert_equal "" "$stderr" "stderr"
  assert_equal "$python_output" "$output" "tcp_client_loop_basic's lines against the notes' client's"
  wait_for_count "$SERVER_LOG" '^The client is offline: ' 2 "$T"
  # The server printed the same lines for each client (their ports aside).
  log=$(tail -n +2 "$SERVER_LOG" | mask_ports)
  half=$(($(wc -l <<<"$log") / 2))
  assert_equal "$(head -n "$half" <<<"$log")" "$(tail -n +$((half + 1)) <<<"$log")" "the server's lines per client"
  assert_equal "hello ('127.0.0.1', PORT)" "$(sed -n 2p <<<"$log")" "the server's second line"
  # The README shows the two runs, one after the other, and the lines typed.
  assert_equal "$(transcript tcp-client-loop-basic)" "$python_output"$'\n'"$output"
  local shown=9090 # the notes' port, as the README shows it (the test used port 0)
  assert_equal "\$ printf 'hello\\nhow are u\\nexit\\n' | python3 ../tests/peers/notes_loop_client.py 127.0.0.1 $shown
\$ printf 'hello\\nhow are u\\nexit\\n' | ./tcp_client_loop_basic 127.0.0.1 $shown" \
    "$(readme_transcript 02-tcp-client tcp-client-loop-basic | grep '^\$ ')" "the README's commands"
}

# ==== fixes: what version 1 gets wrong, shown (issue 20)
# Each test runs version 1 and sees the failure, then version 2 the same way and sees it
# hold; "fix N" is the number in the header of tcp_client.c or tcp_client_loop.c. Fixes 1
# and 2 are the same in both clients: one test each runs all four programs.

# peer_heard_from N LINES: once N clients have left the peer, its log after the first line
# is LINES.
peer_heard_from() {
  wait_for_count "$SERVER_LOG" '^client left$' "$1" "$T"
  assert_equal "$2" "$(tail -n +2 "$SERVER_LOG")" "what the peer received"
}

@test "fix 1 (both clients): the _basic clients cannot reach localhost or ::1 (exit 1); tcp_client and tcp_client_loop reach the server through both" {
  local host
  start_peer echo
  for host in localhost ::1; do
    run -1 --separate-stderr timeout "$T" "$CLIENT_BASIC" "$host" "$SERVER_PORT"
    assert_equal "" "$output" "tcp_client_basic's stdout"
    run -1 --separate-stderr timeout "$T" "$LOOP_BASIC" "$host" "$SERVER_PORT" <<<exit
    assert_equal "" "$output" "tcp_client_loop_basic's stdout"
    run -0 timeout "$T" "$CLIENT" "$host" "$SERVER_PORT" "to $host"
    assert_equal "As text: to $host" "${lines[3]}"
    run -0 timeout "$T" "$LOOP" "$host" "$SERVER_PORT" <<<"by $host"
    assert_output "Connected to server
Server: by $host"
  done
  # Only version 2 got through.
  peer_heard_from 4 "got b'to localhost'
client left
got b'by localhost'
client left
got b'to ::1'
client left
got b'by ::1'
client left"
}

@test "fix 2 (both clients): the _basic clients take port 'Px' and P+65536 for P and reach the server; tcp_client and tcp_client_loop refuse both (exit 2)" {
  local port program
  start_peer echo
  for port in "${SERVER_PORT}x" $((SERVER_PORT + 65536)); do
    run -0 timeout "$T" "$CLIENT_BASIC" 127.0.0.1 "$port"
    assert_equal "The data of the receiving server is: Hello, server, I'm client Xiaohei!" "${lines[1]}"
    run -0 timeout "$T" "$LOOP_BASIC" 127.0.0.1 "$port" <<<"port $port"$'\nexit'
    assert_equal "Please enter the data to send:Received data: port $port" "${lines[0]}"
    for program in tcp_client tcp_client_loop; do
      run --separate-stderr timeout "$T" "$BIN_ROOT/02-tcp-client/$program" 127.0.0.1 "$port"
      assert_usage_error "$program"
      assert_equal "$program: bad port '$port': expected a number from 1 to 65535" "$stderr"
    done
  done
}

@test "fix 3: tcp_client_basic decodes as GBK: the UTF-8 reply 'ok 你' ends it, status 1, its text unseen; tcp_client shows 'ok 你'" {
  start_peer bytes 6f6b20e4bda0
  run -1 --separate-stderr timeout "$T" "$CLIENT_BASIC" 127.0.0.1 "$SERVER_PORT"
  assert_output "b'ok \\xe4\\xbd\\xa0'"
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT"
  assert_equal "As text: ok 你" "${lines[3]}"
}

@test "fix 4: tcp_client_basic prints a reply's ESC[2J and BEL raw in its text line (screen cleared, a beep); tcp_client escapes them" {
  start_peer bytes 1b5b324a076869
  run -0 timeout "$T" "$CLIENT_BASIC" 127.0.0.1 "$SERVER_PORT"
  assert_output "b'\\x1b[2J\\x07hi'
The data of the receiving server is: "$'\e[2J\ahi'
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT"
  assert_equal "As text: \\x1b[2J\\x07hi" "${lines[3]}"
}

@test "fix 5: tcp_client_basic shows 1024 bytes of a 1500-byte reply, and no reply at all, as if whole; tcp_client says which" {
  local ys
  ys=$(printf 'y%.0s' {1..1024})
  start_peer long 1500
  run -0 timeout "$T" "$CLIENT_BASIC" 127.0.0.1 "$SERVER_PORT"
  assert_output "b'$ys'
The data of the receiving server is: $ys"
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT"
  assert_equal "(1024 bytes: the buffer was full; the rest, if any, was not read)" "${lines[4]}"
  stop_pid "$SERVER_PID"
  start_peer close
  run -0 timeout "$T" "$CLIENT_BASIC" 127.0.0.1 "$SERVER_PORT"
  assert_output "b''
The data of the receiving server is: "
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT"
  assert_equal "(recv returned 0: the server closed the connection without replying)" "${lines[3]}"
}

@test "fix 3: tcp_client_loop_basic ends with EOFError, status 1, when input ends before exit; tcp_client_loop ends the session, status 0" {
  start_peer echo
  run -1 --separate-stderr timeout "$T" "$LOOP_BASIC" 127.0.0.1 "$SERVER_PORT" <<<hello
  assert_equal "EOFError: EOF when reading a line" "$stderr"
  run -0 --separate-stderr timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<<hello
  assert_equal "" "$stderr" "stderr"
  assert_output "Connected to server
Server: hello"
}

@test "fix 4: tcp_client_loop_basic shows a closed server as empty replies, then dies of SIGPIPE (status 141); tcp_client_loop says the server closed, exit 1" {
  start_peer close
  run -141 --separate-stderr timeout "$T" "$LOOP_BASIC" 127.0.0.1 "$SERVER_PORT" < <(printf 'line %s\n' {1..9})
  assert_equal "" "$stderr" "stderr: nothing said"
  assert_equal "Please enter the data to send:Received data: " "${lines[0]}" "the first reply"
  assert_equal "Please enter the data to send:Received data: " "${lines[1]}" "the second reply"
  run -1 --separate-stderr timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" < <(printf 'line %s\n' {1..9})
  assert_output "Connected to server"
  assert_equal "tcp_client_loop: the server 127.0.0.1 port $SERVER_PORT closed the connection" "$stderr"
}

@test "fix 5: tcp_client_loop_basic sends nothing for an empty line, then waits for a reply for ever (exit never read); tcp_client_loop stops there, status 0" {
  local input="$BATS_TEST_TMPDIR/input" log="$BATS_TEST_TMPDIR/basic.log" client rc=0
  printf 'hello\n\nexit\n' >"$input"
  start_peer echo
  start_bg_from "$input" "$log" "$LOOP_BASIC" 127.0.0.1 "$SERVER_PORT"
  client=$BG_PID
  # Its second prompt is out: it has the empty line. Still there 0.3 s later, nothing more.
  wait_for_count "$log" 'send:' 2 "$T"
  wait_for_exit "$client" 0.3 2>/dev/null || rc=$?
  assert_equal 124 "$rc" "tcp_client_loop_basic still running"
  assert_equal "Please enter the data to send:Received data: hello
Please enter the data to send:" "$(<"$log")" "tcp_client_loop_basic's output"
  stop_pid "$client"
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <"$input"
  assert_output "Connected to server
Server: hello"
  peer_heard_from 2 "got b'hello'
client left
got b'hello'
client left"
}

@test "fix 6: tcp_client_loop_basic sends a 1500-byte line as two messages (1023 + 477), two replies; tcp_client_loop refuses it, sends nothing" {
  local long
  long=$(printf 'x%.0s' {1..1500})
  start_peer echo
  run -0 timeout "$T" "$LOOP_BASIC" 127.0.0.1 "$SERVER_PORT" <<<"$long"$'\nexit'
  assert_output "Please enter the data to send:Received data: ${long:0:1023}
Please enter the data to send:Received data: ${long:1023}
Please enter the data to send:"
  run -0 --separate-stderr timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<<"$long"$'\nexit'
  assert_output "Connected to server"
  assert_equal "tcp_client_loop: line of 1500 bytes not sent: a message is at most 1024 bytes (one recv(1024) on the other side)" "$stderr"
  peer_heard_from 2 "got b'${long:0:1023}'
got b'${long:1023}'
client left
client left"
}

@test "fix 7: tcp_client_loop_basic sends 'a' for the line 'a<NUL>b' (the rest lost); tcp_client_loop sends all three bytes" {
  start_peer echo
  run -0 timeout "$T" "$LOOP_BASIC" 127.0.0.1 "$SERVER_PORT" < <(printf 'a\0b\nexit\n')
  assert_equal "Please enter the data to send:Received data: a" "${lines[0]}"
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" < <(printf 'a\0b\nexit\n')
  assert_output 'Connected to server
Server: a\x00b'
  peer_heard_from 2 "got b'a'
client left
got b'a\\x00b'
client left"
}

@test "fix 8: tcp_client_loop_basic prints a reply's ESC[2J and BEL raw (screen cleared, a beep); tcp_client_loop escapes them" {
  start_peer echo
  run -0 timeout "$T" "$LOOP_BASIC" 127.0.0.1 "$SERVER_PORT" <<<$'hi\e[2J\a\nexit'
  assert_equal $'Please enter the data to send:Received data: hi\e[2J\a' "${lines[0]}"
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<<$'hi\e[2J\a\nexit'
  assert_output 'Connected to server
Server: hi\x1b[2J\x07'
}

# Issue 21: a program started with stdout closed (`>&-`) gets its first socket as descriptor
# 1. Version 1's printf then writes into the connection; version 2 opens /dev/null on any
# closed descriptor of 0, 1 and 2 before its first socket (ensure_standard_descriptors).
@test "fix 6 (tcp_client), fix 9 (tcp_client_loop): started with stdout closed (>&-), the _basic clients send their prompts and output to the server; tcp_client and tcp_client_loop send only the messages" {
  start_peer echo
  run -0 timeout "$T" bash -c 'exec >&-; exec "$@"' _ "$CLIENT_BASIC" 127.0.0.1 "$SERVER_PORT"
  run -0 timeout "$T" bash -c 'exec >&-; exec "$@"' _ "$LOOP_BASIC" 127.0.0.1 "$SERVER_PORT" <<<$'hi\nexit'
  wait_for_count "$SERVER_LOG" '^client left$' 2 "$T"
  run cat "$SERVER_LOG"
  assert_output_matches "^got b.*The data of the receiving server is: Hello, server"
  assert_output_matches "^got b'Please enter the data to send:"
  start_peer echo
  run -0 timeout "$T" bash -c 'exec >&-; exec "$@"' _ "$CLIENT" 127.0.0.1 "$SERVER_PORT" hello
  run -0 timeout "$T" bash -c 'exec >&-; exec "$@"' _ "$LOOP" 127.0.0.1 "$SERVER_PORT" <<<$'hi\nexit'
  peer_heard_from 2 "got b'hello'
client left
got b'hi'
client left"
}

# Round three: output that cannot be written, input that cannot be read. A printf that
# fails only sets a flag on stdout (ferror), and getline returns -1 for a read error as at
# the end of input. Version 2 checks both: check_stdout at exit, ferror(stdin) after getline.

# to_full PROGRAM ARGS...: run PROGRAM with its stdout on /dev/full (a disk with no room:
# every write fails with ENOSPC), stdin the test's; sets status, output and stderr.
to_full() {
  run --separate-stderr timeout "$T" bash -c 'exec >/dev/full; exec "$@"' _ "$@"
}

# said_once PROGRAM CALL: the last run's stderr is the one line "PROGRAM: CALL: REASON"
# (REASON is the C library's words: glibc's and musl's differ).
said_once() {
  [[ $stderr == "$1: $2: "?* && $stderr != *$'\n'* ]] && return 0
  printf 'expected one stderr line "%s: %s: REASON", got: %s\n' "$1" "$2" "$stderr" >&2
  return 1
}

@test "fix 7 (tcp_client), fix 10 (tcp_client_loop): with stdout full (>/dev/full) the _basic clients lose every line and still exit 0, not a word; tcp_client and tcp_client_loop say 'write stdout', exit 1" {
  local program
  start_server "$BATS_TEST_TMPDIR/dict.log" "$SERVERS/dict_server" 0
  to_full "$CLIENT_BASIC" 127.0.0.1 "$SERVER_PORT"
  assert_equal "0 ''" "$status '$stderr'" "tcp_client_basic's exit status and stderr"
  to_full "$LOOP_BASIC" 127.0.0.1 "$SERVER_PORT" <<<$'how are u\nexit'
  assert_equal "0 ''" "$status '$stderr'" "tcp_client_loop_basic's exit status and stderr"
  for program in tcp_client tcp_client_loop; do
    to_full "$BIN_ROOT/02-tcp-client/$program" 127.0.0.1 "$SERVER_PORT" <<<'how are u'
    assert_equal 1 "$status" "$program's exit status"
    said_once "$program" "write stdout"
    # -h's text is lost the same way; a usage error keeps its exit 2 and its one line.
    to_full "$BIN_ROOT/02-tcp-client/$program" -h
    assert_equal 1 "$status" "$program -h's exit status"
    said_once "$program" "write stdout"
    to_full "$BIN_ROOT/02-tcp-client/$program" 127.0.0.1 0
    assert_usage_error "$program"
  done
  # Each did its work all the same: the server heard all four.
  wait_for_count "$SERVER_LOG" '^Client left: ' 4 "$T"
  count_lines "$SERVER_LOG" "^Received: (how are u|Hello, server, I'm client Xiaohei!)\$"
  assert_equal 4 "$LINE_COUNT" "messages the server received"
  # A run-time failure keeps its exit 1 and its line; the line about stdout comes after it.
  start_server "$BATS_TEST_TMPDIR/one-shot.log" "$SERVERS/tcp_server" 0
  to_full "$LOOP" 127.0.0.1 "$SERVER_PORT" <<<$'one\ntwo'
  assert_equal 1 "$status" "tcp_client_loop's exit status"
  assert_equal "tcp_client_loop: the server 127.0.0.1 port $SERVER_PORT closed the connection" \
    "${stderr%%$'\n'*}" "the first stderr line"
  stderr=${stderr#*$'\n'}
  said_once tcp_client_loop "write stdout"
}

@test "fix 11: tcp_client_loop_basic takes a stdin it cannot read (< /, a directory) for the end of input (EOFError, exit 1); tcp_client_loop says 'read stdin', exit 1" {
  start_server "$BATS_TEST_TMPDIR/dict.log" "$SERVERS/dict_server" 0
  run -1 --separate-stderr timeout "$T" "$LOOP_BASIC" 127.0.0.1 "$SERVER_PORT" </
  assert_equal "EOFError: EOF when reading a line" "$stderr"
  run -1 --separate-stderr timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" </
  assert_output "Connected to server"
  said_once tcp_client_loop "read stdin"
  # The end of input is still the end of the session (fix 3): exit 0, not a word.
  run -0 --separate-stderr timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" </dev/null
  assert_equal "" "$stderr" "stderr at the end of input"
  wait_for_count "$SERVER_LOG" '^Client left: ' 3 "$T"
}

@test "tcp_states -w with stdin a directory (< /) says it cannot read stdin, exit 1, before step 1; at the end of input it runs the steps without waiting" {
  run -1 --separate-stderr timeout "$T" "$STATES" -w </
  said_once tcp_states "read stdin"
  assert_equal "-- press Enter --" "${lines[-1]}" "its last output"
  [[ $'\n'$output != *$'\n1. '* ]] || { echo "step 1 ran: $output" >&2; return 1; }
  run -0 --separate-stderr timeout "$T" "$STATES" -w </dev/null
  assert_equal "" "$stderr" "stderr at the end of input"
  assert_line "9. Both close their sockets.  Python: client.close(); conn.close(); server.close()"
}

# Issue 21 and 22: the one escape rule of every program that shows a peer's bytes (the
# canonical escape_character): UTF-8 text as text; controls, C1, and what is not UTF-8 escaped.
@test "both clients show 你好 as text and escape a leading NUL, a C1 CSI (\\xc2\\x9b), ESC, a stray byte, an overlong form, a surrogate and a cut sequence" {
  start_peer bytes 00e4bda0e5a5bd20c29b324a201b5b324a20ff20c0af20eda08020e4bd
  local shown='\x00你好 \xc2\x9b2J \x1b[2J \xff \xc0\xaf \xed\xa0\x80 \xe4\xbd'
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT" hi
  assert_equal "As text: $shown" "${lines[3]}"
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<<$'hi\nexit'
  assert_output "Connected to server
Server: $shown"
}

# ==== -e ENCODING (the notes' gbk)
# The notes' first client and server, and their multitask server, encode with gbk. With -e
# our twins do too: what the user passes or types goes out in ENCODING, what arrives is shown
# converted from it. NOTES_GBK (set by notes_in_chinese) holds the notes' programs as written,
# but saying 你好 where they say an English sentence.

# notes_in_chinese: the notes' client and two servers, their English text replaced by 你好.
notes_in_chinese() {
  command -v "$PYTHON3" >/dev/null || skip "python3 not installed"
  NOTES_GBK=$BATS_TEST_TMPDIR/notes-gbk
  mkdir -p "$NOTES_GBK"
  sed "s/\"Hello, server, I'm client Xiaohei!\"/\"你好\"/" "$NOTES/notes_tcp_client.py" >"$NOTES_GBK/client.py"
  sed 's/"ok, The problem is being handled..."/"你好"/' "$NOTES/notes_tcp_server.py" >"$NOTES_GBK/server.py"
  sed 's/"ok,The problem is being handled..."/"你好"/' "$NOTES/notes_mt_server.py" >"$NOTES_GBK/mt_server.py"
  local file
  for file in client server mt_server; do
    grep -q '"你好".encode("gbk")' "$NOTES_GBK/$file.py" || { echo "no 你好 in $file.py" >&2; return 1; }
  done
}

# can_write_gbk PROGRAM: skip under musl, whose iconv reads gbk but cannot write it (the
# program says so, exit 2); anywhere else that is a failure.
can_write_gbk() {
  run -2 "$1" -e gbk
  [[ $output == *"cannot write it"* ]] || return 0
  [[ $BIN_ROOT == */musl* ]] || { echo "iconv cannot write gbk here: $output" >&2; return 1; }
  skip "musl's iconv reads gbk but cannot write it: $output"
}

@test "-e gbk: tcp_client sends 你好 to the notes' gbk server as the 4 bytes c4 e3 ba c3; both sides show 你好, and the reply's 你好 too" {
  can_write_gbk "$CLIENT"
  notes_in_chinese
  # The wire: a peer that logs the bytes it gets, as Python's repr.
  start_peer echo
  run -0 timeout "$T" "$CLIENT" -e gbk 127.0.0.1 "$SERVER_PORT" 你好
  assert_equal "Sent 4 bytes: 你好" "${lines[1]}"
  peer_heard "got b'\\xc4\\xe3\\xba\\xc3'
client left"
  # The notes' server, its reply 你好 in gbk: both sides show the text.
  start_server "$BATS_TEST_TMPDIR/server.log" "$PYTHON3" -u "$NOTES_GBK/server.py" 0
  run -0 --separate-stderr timeout "$T" "$CLIENT" -e gbk 127.0.0.1 "$SERVER_PORT" 你好
  assert_equal "" "$stderr" "stderr"
  assert_equal "Sent 4 bytes: 你好
Received 4 bytes: b'\\xc4\\xe3\\xba\\xc3'
As text: 你好" "$(tail -n +2 <<<"$output")"
  assert_equal "$(transcript tcp-client-gbk)" "$(mask_ports <<<"$output")" "the README's transcript"
  wait_for_exit "$SERVER_PID"
  assert_equal "The length of the received data is: 4
The data received from the client is: 你好" "$(tail -n 2 "$SERVER_LOG")"
}

@test "-e gbk: tcp_client_loop and the notes' gbk multitask server exchange 你好 both ways" {
  can_write_gbk "$LOOP"
  notes_in_chinese
  start_server "$BATS_TEST_TMPDIR/mt.log" "$PYTHON3" -W ignore::DeprecationWarning -u "$NOTES_GBK/mt_server.py" 0
  run -0 --separate-stderr timeout "$T" "$LOOP" -e gbk 127.0.0.1 "$SERVER_PORT" <<<$'你好\n再见\nexit'
  assert_equal "" "$stderr" "stderr"
  assert_output "Connected to server
Server: 你好
Server: 你好"
  wait_for_line "$SERVER_LOG" '^The client is offline: '
  assert_equal "Client connection succeeded: PEER
你好 PEER
再见 PEER
The client is offline: PEER" "$(sed -nE "s/ \\('127\\.0\\.0\\.1', [0-9]+\\)\$/ PEER/p" "$SERVER_LOG")"
}

@test "no -e: gbk bytes read as UTF-8 are shown escaped, by both clients" {
  notes_in_chinese
  start_server "$BATS_TEST_TMPDIR/server.log" "$PYTHON3" -u "$NOTES_GBK/server.py" 0
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT"
  assert_equal 'As text: \xc4\xe3\xba\xc3' "${lines[3]}"
  start_peer bytes c4e3bac3
  run -0 timeout "$T" "$LOOP" 127.0.0.1 "$SERVER_PORT" <<<$'hi\nexit'
  assert_output 'Connected to server
Server: \xc4\xe3\xba\xc3'
}

@test "-e gbk: bytes that are not gbk are shown escaped, never dropped; a character gbk cannot write is refused, not sent" {
  can_write_gbk "$CLIENT" # (a client with -e converts both ways: musl's cannot write gbk)
  # \xff is no gbk byte; \x1b[2J converts, and is escaped like any ESC; a lone \xc4 at the end
  # is half a character.
  start_peer bytes ffc4e3411b5b324ac4
  run -0 timeout "$T" "$CLIENT" -e gbk 127.0.0.1 "$SERVER_PORT" hi
  assert_equal 'As text: \xff你A\x1b[2J\xc4' "${lines[3]}"
  run -0 --separate-stderr timeout "$T" "$LOOP" -e GBK 127.0.0.1 "$SERVER_PORT" <<<$'hi\nexit'
  assert_equal 'Server: \xff你A\x1b[2J\xc4' "${lines[1]}"
  # 😀 has no gbk form: Python's encode("gbk") raises; ours says so before connecting.
  run -2 --separate-stderr timeout "$T" "$CLIENT" -e gbk 127.0.0.1 "$SERVER_PORT" '你😀'
  assert_equal "" "$output" "stdout"
  assert_equal "tcp_client: bad message '你😀': it has a character that gbk cannot write" "$stderr"
  start_peer echo
  run -0 --separate-stderr timeout "$T" "$LOOP" -e gbk 127.0.0.1 "$SERVER_PORT" <<<$'😀\n好\nexit'
  assert_equal "tcp_client_loop: line not sent: it has a character that gbk cannot write" "$stderr"
  assert_output "Connected to server
Server: 好"
  peer_heard "got b'\\xba\\xc3'
client left"
}

@test "-e: an unknown encoding, one where ASCII is not ASCII (UTF-16) and a missing value are usage errors (exit 2); utf-8 is the default" {
  local program name
  for program in "$CLIENT" "$LOOP"; do
    name=${program##*/}
    run -2 --separate-stderr "$program" -e no-such-code 127.0.0.1 1
    assert_equal "$name: unknown encoding 'no-such-code' (try utf-8 or gbk)" "$stderr"
    run -2 --separate-stderr "$program" -e UTF-16 127.0.0.1 1
    assert_equal "$name: encoding 'UTF-16' does not write ASCII as ASCII (try utf-8 or gbk)" "$stderr"
    run -2 --separate-stderr "$program" -e
    assert_equal "$name: option '-e' needs a value (try '$name -h')" "$stderr"
  done
  start_peer echo
  run -0 timeout "$T" "$CLIENT" -e UTF-8 127.0.0.1 "$SERVER_PORT" 你好
  assert_equal "Sent 6 bytes: 你好" "${lines[1]}"
  assert_equal "As text: 你好" "${lines[3]}"
}

# ==== wire_ladder (issue 23)
# wire_ladder watches the loopback interface with a packet socket, which needs root or
# CAP_NET_RAW: without either these tests skip, saying so (CI runs as root), except the
# ones that need no packet socket (its words without the privilege, its arguments). It
# never sends: every test makes its own traffic on 127.0.0.1 or ::1, and bounds each run
# with -c N and -t SECONDS, and with timeout.

WIRE="$BIN_ROOT/02-tcp-client/wire_ladder"

# need_wire: skip unless this test may open a packet socket (Linux; root or CAP_NET_RAW,
# bit 13 of the effective capabilities in /proc/PID/status).
need_wire() {
  [[ $OSTYPE == linux* && -r /proc/$BASHPID/status ]] || skip "wire_ladder needs Linux (packet sockets)"
  local key value
  while read -r key value; do
    [[ $key == CapEff: ]] && (((16#$value >> 13) & 1)) && return 0
  done </proc/$BASHPID/status
  skip "needs root or CAP_NET_RAW (a packet socket); CI runs as root"
}

# mask_wire: wire_ladder's lines with what changes from run to run made fixed: the times
# (T ms), the ports (mask_ports), and the runs of spaces a port's width moves in a heading.
mask_wire() {
  mask_ports | sed -E -e 's/^ *[0-9]+\.[0-9]{3} ms /T ms /' -e 's/ +/ /g'
}

# rungs [FILE]: each rung of FILE (default: $output) as "-> LABEL" or "<- LABEL": the arrow
# from the sender's side, the words on it, without the time and the dashes.
rungs() {
  if (($#)); then cat "$1"; else printf '%s\n' "$output"; fi |
    sed -nE 's/^ *[0-9]+\.[0-9]{3} ms  \|(--|<-) (.*[^ -]) -+>?\|$/\1 \2/p' | sed 's/^-- /-> /'
}

# THE_RUNGS: the rungs of wire_ladder's own exchange, in order, each segment once.
THE_RUNGS='-> SYN seq 0
<- SYN-ACK seq 0 ack 1
-> ACK seq 1 ack 1
-> PSH-ACK seq 1 ack 1, 5 bytes "hello"
<- ACK seq 1 ack 6
-> PSH-ACK seq 6 ack 1, 5 bytes "world"
<- ACK seq 1 ack 11
-> FIN-ACK seq 11 ack 1
<- ACK seq 1 ack 12
<- FIN-ACK seq 1 ack 12
-> ACK seq 12 ack 2
-> UDP 3 bytes "one"
-> UDP 3 bytes "two"'

@test "wire_ladder alone: SYN, SYN-ACK, ACK, then two sends one recv takes, a FIN from each side, two datagrams; each segment once (README)" {
  need_wire
  run -0 --separate-stderr timeout "$T" "$WIRE" -c 40 -t "$T"
  assert_equal "" "$stderr" "stderr"
  assert_equal "$THE_RUNGS" "$(rungs)" "the rungs, in order"
  assert_line '   recv returned 10 bytes: "helloworld": two messages, one piece'
  assert_line '   recvfrom returned 3 bytes: "one", then 3 bytes: "two": one datagram each'
  assert_line "13 segments drawn, 0 odd frames skipped"
  # The README's run is this one, times and ports aside.
  assert_equal "$(transcript wire-ladder | mask_wire)" "$(mask_wire <<<"$output")" "README transcript wire-ladder"
}

@test "the ladders of the 02, 03 and 05 READMEs are pieces of wire_ladder's own run, times and ports aside" {
  need_wire
  local lesson name piece
  run -0 --separate-stderr timeout "$T" "$WIRE" -c 40 -t "$T"
  output=$(mask_wire <<<"$output")
  for lesson in 02-tcp-client:wire-ladder-handshake 02-tcp-client:wire-ladder-wave \
    03-tcp-server:wire-ladder-two-sends 05-udp:wire-ladder-stream 05-udp:wire-ladder-datagrams; do
    name=${lesson#*:}
    piece=$(readme_transcript "${lesson%%:*}" "$name" | mask_wire) || return 1
    [[ -n $piece && $'\n'$output$'\n' == *$'\n'"$piece"$'\n'* ]] ||
      { printf '%s/README.md, ladder %s, is not a piece of this run:\n%s\n--- the run:\n%s\n' \
        "${lesson%%:*}" "$name" "$piece" "$output" >&2; return 1; }
  done
}

@test "wire_ladder PORT shows the client's bytes and the reply's: tcp_client and tcp_server over 127.0.0.1, tcp_client_loop and dict_server over ::1; Ctrl-C ends it with a count" {
  need_wire
  local log="$BATS_TEST_TMPDIR/wire.log" client_port reply n
  # 127.0.0.1: tcp_client's message, with a tab, a control byte and UTF-8 in it.
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/tcp_server" 0
  start_bg "$log" "$WIRE" -c 40 -t "$T" "$SERVER_PORT"
  wait_for_line "$log" '^Watching TCP and UDP port [0-9]+ on the loopback interface' "$T" "$BG_PID"
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT" $'h\xc3\xa9llo\tw\x01'
  [[ ${lines[0]} =~ from\ 127\.0\.0\.1\ port\ ([0-9]+)$ ]] && client_port=${BASH_REMATCH[1]}
  [[ $output =~ As\ text:\ ([^$'\n']*) ]] && reply=${BASH_REMATCH[1]}
  wait_for_line "$log" "\\|<- PSH-ACK seq 1 ack 10, ${#reply} bytes" "$T" "$BG_PID"
  wait_for_count "$log" 'FIN' 2 "$T"
  interrupt INT "$BG_PID"
  wait_for_exit "$BG_PID" "$T"
  run rungs "$log"
  assert_equal '-> SYN seq 0
<- SYN-ACK seq 0 ack 1
-> ACK seq 1 ack 1
-> PSH-ACK seq 1 ack 1, 9 bytes "héllo\tw\x01"' "$(head -n 4 <<<"$output")" "the handshake, then the message"
  assert_line "<- PSH-ACK seq 1 ack 10, ${#reply} bytes \"${reply:0:16}\"..."
  count_lines "$log" '\|-- FIN'; assert_equal 1 "$LINE_COUNT" "the client's FINs"
  count_lines "$log" '\|<- FIN'; assert_equal 1 "$LINE_COUNT" "the server's FINs"
  n=${#lines[@]}
  run cat "$log"
  [[ ${lines[1]} =~ ^\ +"TCP 127.0.0.1 port $client_port"\ +"127.0.0.1 port $SERVER_PORT"$ ]] ||
    { echo "heading: ${lines[1]}" >&2; return 1; }
  assert_equal "$n segments drawn, 0 odd frames skipped (interrupted)" "${lines[-1]}" "the count"

  # ::1: tcp_client_loop's line goes bare; after exit the client's FIN comes first.
  # (A log of its own: in the first one, the old "Watching" line could be read before the
  # new wire_ladder has emptied the file, and the client would talk before it watches.)
  log="$BATS_TEST_TMPDIR/wire6.log"
  start_server "$BATS_TEST_TMPDIR/dict.log" "$SERVERS/dict_server" 0
  start_bg "$log" "$WIRE" -c 40 -t "$T" "$SERVER_PORT"
  wait_for_line "$log" '^Watching' "$T" "$BG_PID"
  run -0 timeout "$T" "$LOOP" ::1 "$SERVER_PORT" <<<$'how are u\nexit'
  assert_line "Server: fine"
  wait_for_count "$log" 'FIN' 2 "$T"
  interrupt INT "$BG_PID"
  wait_for_exit "$BG_PID" "$T"
  run rungs "$log"
  assert_equal '-> SYN seq 0
<- SYN-ACK seq 0 ack 1
-> ACK seq 1 ack 1
-> PSH-ACK seq 1 ack 1, 9 bytes "how are u"' "$(head -n 4 <<<"$output")" "the handshake, then the line"
  assert_line '<- PSH-ACK seq 1 ack 10, 4 bytes "fine"'
  [[ $(grep -m 1 FIN <<<"$output") == "-> FIN-ACK seq 10 ack 5" ]] ||
    { echo "the first FIN is not the client's: $output" >&2; return 1; }
  run cat "$log"
  [[ ${lines[1]} =~ ^\ +"TCP ::1 port "[0-9]+\ +"::1 port $SERVER_PORT"$ ]] ||
    { echo "heading: ${lines[1]}" >&2; return 1; }
}

@test "wire_ladder PORT shows a UDP exchange as two datagrams, each once, over 127.0.0.1 and ::1; -c 2 stops it" {
  need_wire
  command -v "$PYTHON3" >/dev/null || skip "python3 not installed (the UDP receiver)"
  local log="$BATS_TEST_TMPDIR/wire.log" host fd
  start_server "$BATS_TEST_TMPDIR/receiver.log" "$PYTHON3" -c 'import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 0))
print("Listening on port %d" % s.getsockname()[1], flush=True)
while True:
    print("got %r" % s.recv(2048), flush=True)'
  for host in 127.0.0.1 ::1; do
    log="$BATS_TEST_TMPDIR/wire-$host.log" # (one each: see the test above)
    start_bg "$log" "$WIRE" -c 2 -t "$T" "$SERVER_PORT"
    wait_for_line "$log" '^Watching' "$T" "$BG_PID"
    # One UDP socket (bash's /dev/udp), two writes: two datagrams from one port.
    exec {fd}>"/dev/udp/$host/$SERVER_PORT"
    printf 'one' >&"$fd"
    printf 'two\n' >&"$fd"
    exec {fd}>&-
    wait_for_exit "$BG_PID" "$T"
    run rungs "$log"
    assert_equal '-> UDP 3 bytes "one"
-> UDP 4 bytes "two\n"' "$output" "the datagrams to $host"
    run cat "$log"
    [[ ${lines[1]} =~ ^\ +"UDP $host port "[0-9]+\ +"$host port $SERVER_PORT"$ ]] ||
      { echo "heading: ${lines[1]}" >&2; return 1; }
    assert_equal "2 segments drawn, 0 odd frames skipped" "${lines[-1]}" "the count"
  done
  wait_for_count "$SERVER_LOG" '^got ' 4 "$T"
  assert_equal "got b'one'
got b'two\\n'
got b'one'
got b'two\\n'" "$(tail -n +2 "$SERVER_LOG")" "what the receiver got: two datagrams each time"
}

@test "wire_ladder PORT ignores segments to and from another port, TCP and UDP; -c 3 stops after the handshake" {
  need_wire
  local log="$BATS_TEST_TMPDIR/wire.log" watched other fd
  start_server "$BATS_TEST_TMPDIR/other.log" "$SERVERS/dict_server" 0 # (serves many clients)
  other=$SERVER_PORT
  start_server "$BATS_TEST_TMPDIR/watched.log" "$SERVERS/tcp_server" 0
  watched=$SERVER_PORT
  start_bg "$log" "$WIRE" -c 3 -t "$T" "$watched"
  wait_for_line "$log" '^Watching' "$T" "$BG_PID"
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$other" "not for you"
  run -0 timeout "$T" "$CLIENT" ::1 "$other" "nor this"
  exec {fd}>"/dev/udp/127.0.0.1/$other"
  printf 'nor this datagram' >&"$fd"
  exec {fd}>&-
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$watched" "for you"
  wait_for_exit "$BG_PID" "$T"
  run cat "$log"
  ! grep -q "port $other\$\|port $other " "$log" || { echo "port $other appears: $output" >&2; return 1; }
  assert_equal "-> SYN seq 0
<- SYN-ACK seq 0 ack 1
-> ACK seq 1 ack 1" "$(rungs "$log")" "the rungs"
  assert_equal "3 segments drawn, 0 odd frames skipped" "${lines[-1]}" "the count"
}

@test "wire_ladder -t 1 on a quiet port ends after a second with a count of 0" {
  need_wire
  run -0 --separate-stderr timeout "$T" "$WIRE" -t 1 9
  assert_equal "" "$stderr" "stderr"
  assert_output "Watching TCP and UDP port 9 on the loopback interface; Ctrl-C to stop.
0 segments drawn, 0 odd frames skipped"
}

@test "wire_ladder without root or CAP_NET_RAW says so in one line, and how (README), exit 1" {
  [[ $OSTYPE == linux* ]] || skip "packet sockets are Linux-only"
  local -a drop=()
  if ((EUID == 0)); then
    command -v setpriv >/dev/null || skip "needs setpriv (util-linux) to drop CAP_NET_RAW as root"
    drop=(setpriv --inh-caps=-net_raw --bounding-set=-net_raw)
  fi
  run --separate-stderr timeout "$T" "${drop[@]}" "$WIRE" -c 1 -t 1
  assert_equal 1 "$status" "exit status"
  assert_equal "" "$output" "stdout"
  # The reason is the C library's text (glibc and musl agree on EPERM's).
  [[ $stderr == "wire_ladder: socket AF_PACKET: "*": a packet socket needs root or CAP_NET_RAW (sudo ./wire_ladder, or once: sudo setcap cap_net_raw+ep ./wire_ladder)" ]] ||
    { echo "stderr: $stderr" >&2; return 1; }
  assert_equal "$(transcript wire-ladder-no-privilege)" "$stderr" "README transcript wire-ladder-no-privilege"
}

@test "wire_ladder watching tcp_client and tcp_server: the README's first seven rungs (-c 7)" {
  need_wire
  local log="$BATS_TEST_TMPDIR/wire.log"
  start_server "$BATS_TEST_TMPDIR/server.log" "$SERVERS/tcp_server" 0
  start_bg "$log" "$WIRE" -c 7 -t "$T" "$SERVER_PORT"
  wait_for_line "$log" '^Watching' "$T" "$BG_PID"
  run -0 timeout "$T" "$CLIENT" 127.0.0.1 "$SERVER_PORT"
  wait_for_exit "$BG_PID" "$T"
  assert_equal "$(transcript wire-ladder-watch | mask_wire)" "$(mask_wire <"$log")" "README transcript wire-ladder-watch"
}

@test "wire_ladder -h and --help print its usage and description, as its header says; bad arguments exit 2 with one line" {
  local line value
  run -0 --separate-stderr timeout "$T" "$WIRE" --help
  assert_equal "" "$stderr" "stderr"
  assert_equal "Usage: wire_ladder [-c N] [-t SECONDS] [PORT]" "${lines[0]}" "usage"
  assert_equal 4 "${#lines[@]}" "lines of help"
  for line in "${lines[@]}"; do
    grep -qxF " * $line" "$ROOT/02-tcp-client/wire_ladder.c" ||
      { echo "'$line' is not in the header of wire_ladder.c" >&2; return 1; }
  done
  local help=$output
  run -0 timeout "$T" "$WIRE" -h
  assert_equal "$help" "$output" "-h and --help"
  for value in "" abc -1 -0 0 +80 " 80" 0x50 80x 65536 99999999999999999999; do
    run --separate-stderr timeout "$T" "$WIRE" "$value"
    assert_usage_error wire_ladder
    assert_equal "wire_ladder: bad port '$value': expected a number from 1 to 65535" "$stderr"
  done
  run --separate-stderr timeout "$T" "$WIRE" -c 0 80
  assert_usage_error wire_ladder
  assert_equal "wire_ladder: bad count '0': expected a number from 1 to 1000000" "$stderr"
  run --separate-stderr timeout "$T" "$WIRE" -t x 80
  assert_usage_error wire_ladder
  assert_equal "wire_ladder: bad seconds 'x': expected a number from 1 to 86400" "$stderr"
  run --separate-stderr timeout "$T" "$WIRE" -t
  assert_usage_error wire_ladder
  assert_equal "wire_ladder: option '-t' needs a value (try 'wire_ladder -h')" "$stderr"
  run --separate-stderr timeout "$T" "$WIRE" -x
  assert_usage_error wire_ladder
  assert_equal "wire_ladder: unknown option '-x' (try 'wire_ladder -h')" "$stderr"
  run --separate-stderr timeout "$T" "$WIRE" 80 81
  assert_usage_error wire_ladder
  assert_equal "wire_ladder: too many operands (try 'wire_ladder -h')" "$stderr"
}
