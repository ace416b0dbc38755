#!/usr/bin/env bats
# The Chinese guides, NN-lesson/README.zh.md (issue 22): each guide's transcripts played
# against the version 1 programs (and 06's /who against chatroom_client) and compared, as the
# lesson tests do for README.md; the version 1 lines the guides cite still say what they
# quote; each English README links to its guide; and the top README's notes map names
# sections its lessons' READMEs have.
# Servers run on port 0 (the README's port stands in for it), clients under timeout.

load test_helper

setup() {
  W=$BATS_TEST_TMPDIR
}

# zh LESSON NAME: the block NAME of LESSON's README.zh.md (readme_transcript, run without
# bats' per-command DEBUG trap, which makes its read loop many times slower).
zh() {
  (trap - DEBUG; readme_transcript "$1" "$2" README.zh.md)
}

# mask: what differs from run to run: the ports the OS picks (as "port N", in Python's
# tuple "('127.0.0.1', N)", and before the address in udp_receiver_basic's lines), and the
# C library's reason for a refused connection (glibc and musl word it differently).
mask() {
  sed -E -e 's/port [0-9]+/port PORT/g' -e "s/\\('127\\.0\\.0\\.1', [0-9]+\\)/('127.0.0.1', PORT)/g" \
    -e 's/ [0-9]+ 127\.0\.0\.1$/ PORT 127.0.0.1/' -e 's/\(connect: [^)]*\)/(connect: REASON)/'
}

# start_block LESSON NAME FROM: start the server of the block NAME (its first line, a
# "$ command" naming port FROM) in LESSON's build folder, on port 0 instead of FROM.
start_block() {
  local command
  command=$(zh "$1" "$2" | head -n 1)
  [[ $command == '$ '* && $command == *"$3"* ]] ||
    { echo "block $2 does not start with a command on port $3: $command" >&2; return 1; }
  command=${command#'$ '}
  start_server "$W/$2.log" bash -c "cd \"\$0\" && ${command//$3/0}" "$BIN_ROOT/$1"
}

# same_as_log LESSON NAME: the server's log is the block NAME, its command line aside.
same_as_log() {
  assert_equal "$(zh "$1" "$2" | tail -n +2 | mask)" "$(mask <"$W/$2.log")" "$1/README.zh.md, transcript $2"
}

# play LESSON NAME [FROM TO]: each "$ command" line of the block NAME, run in LESSON's build
# folder under timeout (port FROM as TO), printed with what it printed, as the block shows it.
play() {
  local line command out
  while IFS= read -r line; do
    [[ $line == '$ '* ]] || continue
    printf '%s\n' "$line"
    command=${line#'$ '}
    [[ -z ${3:-} ]] || command=${command//$3/$4}
    # The guide's own command line, quoting included: what a shell would do with it.
    out=$(cd "$BIN_ROOT/$1" && timeout "$T" bash -c "$command" 2>&1) || true
    [[ -z $out ]] || printf '%s\n' "$out"
  done < <(zh "$1" "$2")
}

# same_as_played LESSON NAME [FROM TO]: the block NAME is what its commands print now.
same_as_played() {
  local actual
  actual=$(play "$@")
  assert_equal "$(zh "$1" "$2" | mask)" "$(mask <<<"$actual")" "$1/README.zh.md, transcript $2"
}

@test "01-ip-and-ports/README.zh.md: ip_convert and port_check print what the guide shows" {
  same_as_played 01-ip-and-ports ip-convert
  same_as_played 01-ip-and-ports port-check
}

@test "02-tcp-client/README.zh.md: tcp_client_basic against tcp_server_basic, tcp_client_loop_basic against dict_server_basic" {
  start_block 02-tcp-client tcp-server-basic 8989
  same_as_played 02-tcp-client tcp-client-basic 8989 "$SERVER_PORT"
  wait_for_exit "$SERVER_PID"
  same_as_log 02-tcp-client tcp-server-basic
  # (The guide shows the client alone; its server is lesson 03's dict_server_basic.)
  start_server "$W/dict.log" "$BIN_ROOT/03-tcp-server/dict_server_basic" 0
  same_as_played 02-tcp-client tcp-client-loop-basic 50007 "$SERVER_PORT"
  wait_for_exit "$SERVER_PID"
}

@test "03-tcp-server/README.zh.md: tcp_server_basic decodes GBK 你好; dict_server_basic and tcp_client_loop_basic" {
  start_block 03-tcp-server tcp-server-gbk 8989
  same_as_played 03-tcp-server tcp-client-gbk 8989 "$SERVER_PORT"
  wait_for_exit "$SERVER_PID"
  same_as_log 03-tcp-server tcp-server-gbk
  start_block 03-tcp-server dict-server-basic 50007
  same_as_played 03-tcp-server dict-client-basic 50007 "$SERVER_PORT"
  wait_for_exit "$SERVER_PID"
  same_as_log 03-tcp-server dict-server-basic
}

@test "04-multithread-server/README.zh.md: mt_server_basic prints 你好 and hello from tcp_client_loop_basic" {
  start_block 04-multithread-server mt-server-basic 9090
  same_as_played 04-multithread-server mt-client-basic 9090 "$SERVER_PORT"
  wait_for_line "$W/mt-server-basic.log" '^The client is offline: ' "$T" "$SERVER_PID"
  same_as_log 04-multithread-server mt-server-basic
}

@test "05-udp/README.zh.md: udp_receiver_basic prints the datagrams of udp_sender_basic, 你好 first, and runs on after exit" {
  start_block 05-udp udp-receiver-basic 5000
  same_as_played 05-udp udp-sender-basic 5000 "$SERVER_PORT"
  wait_for_count "$W/udp-receiver-basic.log" ' [0-9]+ 127\.0\.0\.1$' 3 "$T"
  same_as_log 05-udp udp-receiver-basic
  alive "$SERVER_PID" || { echo "udp_receiver_basic ended after exit; the guide says it runs on" >&2; return 1; }
}

@test "06-chat/README.zh.md: chat_server_basic and chat_client_basic take turns in Chinese until byebye" {
  start_block 06-chat chat-server-basic 12345
  same_as_played 06-chat chat-client-basic 12345 "$SERVER_PORT"
  wait_for_exit "$SERVER_PID"
  same_as_log 06-chat chat-server-basic
}

@test "06-chat/README.zh.md: 小明 and 小红 are in the room, José's /who lines them up by terminal column" {
  local nick fd
  start_server "$W/room.log" "$BIN_ROOT/06-chat/chatroom_server" 0
  for nick in 小明 小红; do # two bare connections that join and stay
    exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    printf '%s\n' "$nick" >&"$fd"
    wait_for_line "$W/room.log" "^\\* $nick joined " "$T" "$SERVER_PID"
  done
  same_as_played 06-chat room-who 12346 "$SERVER_PORT"
}

@test "every guide: its transcripts are the ones played here, each text block marked; its English README links to it under the title" {
  local lesson names expected
  declare -A played=(
    [01-ip-and-ports]="ip-convert port-check"
    [02-tcp-client]="tcp-client-basic tcp-client-loop-basic tcp-server-basic"
    [03-tcp-server]="dict-client-basic dict-server-basic tcp-client-gbk tcp-server-gbk"
    [04-multithread-server]="mt-client-basic mt-server-basic"
    [05-udp]="udp-receiver-basic udp-sender-basic"
    [06-chat]="chat-client-basic chat-server-basic room-who"
  )
  for lesson in "$ROOT"/0[1-9]-*/; do
    lesson=${lesson%/}
    lesson=${lesson##*/}
    expected=${played[$lesson]:-}
    [[ -n $expected ]] || { echo "$lesson: no guide played here (add its test)" >&2; return 1; }
    [[ -f $ROOT/$lesson/README.zh.md ]] || { echo "$lesson/README.zh.md is missing" >&2; return 1; }
    names=$(grep -oE '^<!-- transcript: [a-z0-9-]+ -->$' "$ROOT/$lesson/README.zh.md" | cut -d ' ' -f 3 | sort | xargs)
    assert_equal "$expected" "$names" "$lesson/README.zh.md: its transcripts"
    assert_equal "$(grep -c '^```text$' "$ROOT/$lesson/README.zh.md")" \
      "$(grep -B 1 '^```text$' "$ROOT/$lesson/README.zh.md" | grep -c '^<!-- transcript: ')" \
      "$lesson/README.zh.md: marked text blocks"
    # The link: within the first three lines of the English README, after its title.
    head -n 3 "$ROOT/$lesson/README.md" | grep -qF '](README.zh.md)' ||
      { echo "$lesson/README.md does not link to README.zh.md under its title" >&2; return 1; }
  done
}

# shellcheck disable=SC2016 # (the backquotes below are Markdown's, not the shell's)
@test "every guide: each version 1 line it cites (\`FILE.c\` 第 N 行：\`CODE\`) is still that line" {
  local guide file line code count=0 text
  for guide in "$ROOT"/0[1-9]-*/README.zh.md; do
    while IFS=$'\t' read -r file line code; do
      [[ -f ${guide%/*}/$file ]] || { echo "${guide#"$ROOT"/}: no file $file" >&2; return 1; }
      text=$(sed -n "${line}p" "${guide%/*}/$file")
      [[ $text == *"$code"* ]] ||
        { printf '%s: %s line %s is not `%s` but:\n%s\n' "${guide#"$ROOT"/}" "$file" "$line" "$code" "$text" >&2; return 1; }
      count=$((count + 1))
    done < <(grep -oE '`[a-z_]+\.c` 第 [0-9]+ 行：`[^`]+`' "$guide" |
      sed -E 's/^`([a-z_]+\.c)` 第 ([0-9]+) 行：`(.*)`$/\1\t\2\t\3/')
  done
  ((count >= 60)) || { echo "only $count cited lines found" >&2; return 1; }
}

@test "the top README's notes map: every section it names is a heading of that lesson's README" {
  local row cell lesson section count=0 headings
  while IFS= read -r row; do
    cell=${row%|}
    cell=${cell##*|}
    lesson=
    while IFS= read -r section; do
      if [[ $section =~ ^(0[1-9]):$ ]]; then
        lesson=$(cd "$ROOT" && echo "${BASH_REMATCH[1]}"-*)
        continue
      fi
      section=${section#\"}
      section=${section%\"}
      [[ -n $lesson ]] || { echo "a section without its lesson: $row" >&2; return 1; }
      headings=$(sed -nE 's/^#+ (.*)$/\1/p' "$ROOT/$lesson/README.md")
      grep -qxF -- "$section" <<<"$headings" ||
        { echo "$lesson/README.md has no heading '$section' (the notes map, row: $row)" >&2; return 1; }
      count=$((count + 1))
    done < <(grep -oE '0[1-9]:|"[^"]+"' <<<"$cell")
  done < <(sed -n '/^## Where each part of the notes is$/,/^## /p' "$ROOT/README.md" | grep '^| ')
  ((count >= 40)) || { echo "only $count sections named in the notes map" >&2; return 1; }
}
