# Shared by tests/interop.bats (the notes' Python programs) and tests/interop-tools.bats
# (nc, curl, Chromium): the two halves of the interop tests (issue 9, part 4), split so that
# they run side by side (issue 12). Loaded after test_helper.bash.
# Variables set here are read by the test files:
# shellcheck disable=SC2034
PEERS="$ROOT/tests/peers"
L02="$BIN_ROOT/02-tcp-client"
L03="$BIN_ROOT/03-tcp-server"
L04="$BIN_ROOT/04-multithread-server"
L05="$BIN_ROOT/05-udp"
L06="$BIN_ROOT/06-chat"

MESSAGE="Hello, server, I'm client Xiaohei!"  # the notes' one-shot client says this
REPLY="ok, the problem is being handled..."   # tcp_server's answer
NOTES_REPLY="ok, The problem is being handled..." # the notes' one-shot server's
MT_OK="ok, the problem is being handled: "    # mt_server's answer, then the message
NOTES_MT_OK="ok,The problem is being handled..." # the notes' thread-per-client server
NOTES_MSG_OK="Receive your message"           # the notes' message server
# The notes' prompts (input() prints them even when its input is a pipe, with no newline:
# what is printed next follows on the same line).
ASK="Please enter the data to send:"             # the notes' loop client and chat client
ASK_SERVER="Please enter the information to send:" # the notes' chat server

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

# notes_server LOG PEER [INPUT [ARGS...]]: start tests/peers/PEER.py on port 0, then ARGS
# (stdin from INPUT, default /dev/null); sets SERVER_PID, SERVER_PORT, SERVER_LOG like
# start_server.
notes_server() {
  server_from "${3:-/dev/null}" "$1" "$PY" -u "$PEERS/$2.py" 0 "${@:4}"
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
  # shellcheck disable=SC2016 # (expanded by the inner bash, on purpose)
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

