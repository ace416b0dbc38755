#!/usr/bin/env bats
# No leaks under repetition (issue 11): 10,000 connections, one after another, each a
# normal conversation, leave a server's open descriptors, threads and resident memory where
# they were. Read from /proc/PID/fd and /proc/PID/status (Linux); skipped without /proc.
#
# The baseline is taken after a warm-up of 200 connections: the first clients make a server
# allocate what it then keeps for good (stdio's buffers, the allocator's arenas, glibc's
# cache of thread stacks for mt_server), which is not a leak.
#
# Resident memory may move by a few pages that are not ours: the allocator keeps freed
# memory and returns it in its own time. The tolerance is 256 KiB (64 pages). A leak of 27
# bytes per connection is 10,000 x 27 = 264 KiB, so anything from one small allocation per
# client upwards shows; descriptors and threads must come back exactly.
#
# Each test prints its before/after figures (on fd 3, a TAP comment) for the closing note.

load test_helper

CONNECTIONS=${LEAK_CONNECTIONS:-10000}
WARM_UP=200
RSS_TOLERANCE_KB=256

setup_file() {
  # The client: COUNT sequential conversations, in C (tests/peers/repeat_client.c), built
  # once here: a python3 loop cost twice its CPU time.
  cc -std=c11 -O2 -o "$BATS_FILE_TMPDIR/repeat_client" "$ROOT/tests/peers/repeat_client.c"
}

setup() {
  [[ -r /proc/self/status && -d /proc/self/fd ]] || skip "no /proc here: nothing to read the counts from"
}

# The conversation with each server: REQUEST, read until UNTIL, then CHECK the reply
# (=is, ^starts with, $ends with, *holds); %d is the connection's number.
declare -gA CONVERSATION=(
  [dict_server]='how are u\n|\n|=fine\n'
  [hello_http]='GET / HTTP/1.1\r\nHost: x\r\n\r\n|</html>\n|^HTTP/1.1 200 OK\r\n'
  [mt_server]='hello %d\n|\n|$hello %d\n'
  [chatroom_server]='leak%d\nhi\n|* welcome leak%d\n|** welcome leak%d\n'
)

# repeat NAME COUNT SECONDS: COUNT conversations with server NAME, under timeout.
repeat() {
  local request until check
  IFS='|' read -r request until check <<<"${CONVERSATION[$1]}"
  run -0 timeout $(($3 + 20)) "$BATS_FILE_TMPDIR/repeat_client" "$SERVER_PORT" "$2" "$3" \
    "$request" "$until" "$check"
}

# measure PID: set FDS, THREADS and RSS_KB from /proc/PID.
measure() {
  local fds=(/proc/"$1"/fd/*) key value rest
  FDS=${#fds[@]}
  while read -r key value rest; do
    case $key in
      Threads:) THREADS=$value ;;
      VmRSS:) RSS_KB=$value ;;
    esac
  done <"/proc/$1/status"
}

# sanitized PROGRAM: the binary was built with a sanitizer (make check), whose allocator
# holds freed memory back on purpose (ASan's quarantine): resident memory says nothing there.
sanitized() {
  grep -aqE '__(a|t)san_init' "$1"
}

# repeat_against PROGRAM: the whole test for one server.
repeat_against() {
  local prog=$1 name=${1##*/}
  start_server "$BATS_TEST_TMPDIR/$name.log" "$BIN_ROOT/$prog" 0
  repeat "$name" "$WARM_UP" 50
  # After each client the server still has to notice the hang-up: wait (with a deadline)
  # until the counts are still for a moment, then take them as the baseline.
  settle
  local fds=$FDS threads=$THREADS rss=$RSS_KB
  repeat "$name" "$CONNECTIONS" 180
  settle "$fds" "$threads"
  echo "# $name after $CONNECTIONS connections: descriptors $fds -> $FDS, threads $threads -> $THREADS, VmRSS $rss kB -> $RSS_KB kB" >&3
  assert_equal "$fds" "$FDS" "open descriptors of $name"
  assert_equal "$threads" "$THREADS" "threads of $name"
  if sanitized "$BIN_ROOT/$prog"; then
    echo "# (a sanitizer build: resident memory not compared)" >&3
  elif ((RSS_KB > rss + RSS_TOLERANCE_KB)); then
    echo "$name: VmRSS grew from $rss kB to $RSS_KB kB (tolerance $RSS_TOLERANCE_KB kB)" >&2
    return 1
  fi
}

# settle [FDS THREADS]: measure until the descriptor and thread counts are back to FDS and
# THREADS (if given) or, without them, unchanged for 300 ms (on a busy machine the last
# warm-up client's thread can live on for tens of ms); READY_SECONDS at most.
settle() {
  local last= since=0
  deadline_in "$READY_SECONDS"
  while measure "$SERVER_PID" && before_deadline; do
    if [[ -n ${1:-} ]]; then
      ((FDS == $1 && THREADS == $2)) && return 0
    elif [[ $last != "$FDS $THREADS" ]]; then
      last="$FDS $THREADS" since=$NOW_MS
    elif ((NOW_MS - since >= 300)); then
      return 0
    fi
    nap
  done
  return 0 # (the comparison that follows shows what differs)
}

@test "dict_server: 10,000 connections leave descriptors, threads and memory as they were" {
  repeat_against 03-tcp-server/dict_server
}

@test "hello_http: 10,000 connections leave descriptors, threads and memory as they were" {
  repeat_against 03-tcp-server/hello_http
}

@test "mt_server: 10,000 connections leave descriptors, threads and memory as they were" {
  repeat_against 04-multithread-server/mt_server
}

@test "chatroom_server: 10,000 connections leave descriptors, threads and memory as they were" {
  repeat_against 06-chat/chatroom_server
}
