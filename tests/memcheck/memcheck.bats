#!/usr/bin/env bats
# make memcheck: each program's normal run under valgrind (servers with one client, the
# one-shot tools once), failing on any memory error and on any leak that valgrind calls
# definite or indirect. Not part of `make test` (valgrind makes every run 10-50x slower and
# is Linux-only): run it with `make memcheck`, which builds first and sets BIN_ROOT.
#
# valgrind's own report goes to one file per process (-q: only errors are written), so a
# clean run leaves every report file empty; the first non-empty one is shown on failure.
# Threads still blocked in a call when a server exits (mt_server's clients) leave "possibly
# lost" stacks, which are not errors here: only definite and indirect leaks are.

# This file sits one folder down, so the repository is two levels up.
BIN_ROOT="${BIN_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
export BIN_ROOT
load ../test_helper

VALGRIND="${VALGRIND:-valgrind}"
# valgrind starts each program in about a second on a busy machine: deadlines, not sleeps.
READY_SECONDS=60
T=60

setup() {
  command -v "$VALGRIND" >/dev/null || skip "valgrind not installed"
  W=$BATS_TEST_TMPDIR
  VG=("$VALGRIND" -q --leak-check=full --errors-for-leak-kinds=definite,indirect
      --show-leak-kinds=definite,indirect --error-exitcode=1 --log-file="$W/valgrind.%p.log")
}

# vg_clean: every valgrind report file of this test is empty (shows the first that is not).
vg_clean() {
  local report found=0
  for report in "$W"/valgrind.*.log; do
    [[ -e $report ]] || continue
    found=1
    if [[ -s $report ]]; then
      echo "valgrind reported ($report):" >&2
      cat "$report" >&2
      return 1
    fi
  done
  ((found)) || { echo "no valgrind report file: did the programs run under valgrind?" >&2; return 1; }
}

# stop_clean PID: SIGTERM a server started under valgrind, expect exit 0 (valgrind's leak
# check runs at exit, so the server must end by itself, not by SIGKILL). Sent once it waits
# (interrupt): under valgrind the gap between the stop flag's check and accept() is long.
stop_clean() {
  interrupt TERM "$1"
  local rc=0
  wait_for_exit "$1" "$T" || rc=$?
  assert_equal 0 "$rc" "exit status after SIGTERM"
}

# A client in bash: send $3 (printf %b), print what comes back until the server closes.
SEND_ONCE='exec 3<>"/dev/tcp/$1/$2" || exit 1; printf "%b" "$3" >&3; cat <&3'

@test "01: local_ips, resolve, ip_convert, ports, port_check" {
  local L="$BIN_ROOT/01-ip-and-ports"
  run -0 timeout "$T" "${VG[@]}" "$L/local_ips"
  run -0 timeout "$T" "${VG[@]}" "$L/resolve" localhost
  run -0 timeout "$T" "${VG[@]}" "$L/ip_convert" 192.168.1.2 ::1
  run -0 timeout "$T" "${VG[@]}" "$L/ports" 80 ssh
  run -0 timeout "$T" "${VG[@]}" "$L/ports" -e 3
  start_server "$W/listener.log" "$BIN_ROOT/03-tcp-server/dict_server" 0
  run -0 timeout "$T" "${VG[@]}" "$L/port_check" 127.0.0.1 "$SERVER_PORT"
  vg_clean
}

@test "02: tcp_client and tcp_client_loop" {
  local L="$BIN_ROOT/02-tcp-client"
  start_server "$W/server.log" "$BIN_ROOT/03-tcp-server/tcp_server" 0
  run -0 timeout "$T" "${VG[@]}" "$L/tcp_client" 127.0.0.1 "$SERVER_PORT"
  start_server "$W/dict.log" "$BIN_ROOT/03-tcp-server/dict_server" 0
  run -0 timeout "$T" "${VG[@]}" "$L/tcp_client_loop" 127.0.0.1 "$SERVER_PORT" <<<$'how are u\nbye'
  vg_clean
}

@test "02: tcp_states, the client closing first and the server closing first" {
  local L="$BIN_ROOT/02-tcp-client"
  run -0 timeout "$T" "${VG[@]}" "$L/tcp_states" </dev/null
  run -0 timeout "$T" "${VG[@]}" "$L/tcp_states" -s </dev/null
  vg_clean
}

@test "02: wire_ladder, its own exchange drawn (root or CAP_NET_RAW), or its one line without" {
  local L="$BIN_ROOT/02-tcp-client" status_wanted=0
  ((EUID == 0)) || status_wanted=1 # no packet socket: it says so and exits 1
  run -"$status_wanted" timeout "$T" "${VG[@]}" "$L/wire_ladder" -c 40 -t 20 </dev/null
  vg_clean
}

@test "03: tcp_server with one client" {
  start_server "$W/server.log" "${VG[@]}" "$BIN_ROOT/03-tcp-server/tcp_server" 0
  run -0 timeout "$T" bash -c "$SEND_ONCE" _ 127.0.0.1 "$SERVER_PORT" "Hello, server"
  local rc=0
  wait_for_exit "$SERVER_PID" "$T" || rc=$?
  assert_equal 0 "$rc" "tcp_server's exit status"
  vg_clean
}

@test "03: dict_server with one client, then SIGTERM" {
  start_server "$W/server.log" "${VG[@]}" "$BIN_ROOT/03-tcp-server/dict_server" 0
  run -0 timeout "$T" bash -c \
    'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1; for q in "how are u" bye; do echo "$q" >&3; read -r a <&3; echo "$a"; done' \
    _ "$SERVER_PORT"
  assert_output $'fine\nbye'
  stop_clean "$SERVER_PID"
  vg_clean
}

@test "03: hello_http with one request, then SIGTERM" {
  start_server "$W/server.log" "${VG[@]}" "$BIN_ROOT/03-tcp-server/hello_http" 0
  run -0 timeout "$T" bash -c "$SEND_ONCE" _ 127.0.0.1 "$SERVER_PORT" 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
  assert_equal $'HTTP/1.1 200 OK\r' "${lines[0]}" "status line"
  stop_clean "$SERVER_PID"
  vg_clean
}

@test "03: send_recv_buffers" {
  run -0 timeout "$T" "${VG[@]}" "$BIN_ROOT/03-tcp-server/send_recv_buffers" -b 4096
  vg_clean
}

@test "04: mt_server with load_client (3 clients x 5 lines), then SIGTERM" {
  local L="$BIN_ROOT/04-multithread-server"
  start_server "$W/server.log" "${VG[@]}" "$L/mt_server" 0
  run -0 timeout "$T" "${VG[@]}" "$L/load_client" -c 3 -n 5 127.0.0.1 "$SERVER_PORT"
  stop_clean "$SERVER_PID"
  vg_clean
}

@test "05: udp_receiver and udp_sender, stream_vs_datagram, reliability_demo" {
  local L="$BIN_ROOT/05-udp"
  start_server "$W/receiver.log" "${VG[@]}" "$L/udp_receiver" -n 1 0
  run -0 timeout "$T" "${VG[@]}" "$L/udp_sender" 127.0.0.1 "$SERVER_PORT" hello
  local rc=0
  wait_for_exit "$SERVER_PID" "$T" || rc=$?
  assert_equal 0 "$rc" "udp_receiver's exit status"
  run -0 timeout "$T" "${VG[@]}" "$L/stream_vs_datagram"
  run -0 timeout "$T" "${VG[@]}" "$L/reliability_demo" -n 2000
  vg_clean
}

@test "05: unix_socket" {
  run -0 timeout "$T" "${VG[@]}" "$BIN_ROOT/05-udp/unix_socket"
  vg_clean
}

@test "06: chat_server and chat_client take turns until byebye" {
  local L="$BIN_ROOT/06-chat"
  printf 'hi client\nbyebye\n' >"$W/server.in"
  SERVER_LOG=$W/server.log
  start_bg_from "$W/server.in" "$SERVER_LOG" "${VG[@]}" "$L/chat_server" 0
  SERVER_PID=$BG_PID
  wait_for_line "$SERVER_LOG" 'port [0-9]+$' "$READY_SECONDS" "$SERVER_PID"
  [[ $(head -n 1 "$SERVER_LOG") =~ port\ ([0-9]+)$ ]]
  run -0 timeout "$T" "${VG[@]}" "$L/chat_client" 127.0.0.1 "${BASH_REMATCH[1]}" <<<$'hello\nhow are you?'
  local rc=0
  wait_for_exit "$SERVER_PID" "$T" || rc=$?
  assert_equal 0 "$rc" "chat_server's exit status"
  vg_clean
}

@test "06: chatroom_server with chatroom_client and chatroom_load, then SIGTERM" {
  local L="$BIN_ROOT/06-chat"
  start_server "$W/room.log" "${VG[@]}" "$L/chatroom_server" 0
  run -0 timeout "$T" "${VG[@]}" "$L/chatroom_client" 127.0.0.1 "$SERVER_PORT" alice <<<$'hello\n/who\n/quit'
  run -0 timeout "$T" "${VG[@]}" "$L/chatroom_load" -c 3 -n 5 127.0.0.1 "$SERVER_PORT"
  stop_clean "$SERVER_PID"
  vg_clean
}

@test "every program has a run in this file" {
  local covered=(local_ips resolve ip_convert ports port_check tcp_client tcp_client_loop tcp_states
    tcp_server dict_server hello_http send_recv_buffers mt_server load_client udp_receiver
    udp_sender stream_vs_datagram reliability_demo unix_socket chat_server chat_client chatroom_server
    chatroom_client chatroom_load wire_ladder) source name missing=()
  for source in "$BIN_ROOT"/0[1-9]-*/*.c "$BATS_TEST_DIRNAME"/../../0[1-9]-*/*.c; do
    [[ -e $source ]] || continue
    name=$(basename "$source" .c)
    # Version 1 files (NAME_basic.c) are the notes' programs as written, failures and all:
    # their lesson tests run them under ASan and UBSan (make check); valgrind is for the
    # programs that promise to hold.
    [[ $name != *_basic ]] || continue
    [[ " ${covered[*]} " == *" $name "* || " ${missing[*]} " == *" $name "* ]] || missing+=("$name")
  done
  ((${#missing[@]} == 0)) || { echo "no memcheck run for: ${missing[*]}" >&2; return 1; }
}
