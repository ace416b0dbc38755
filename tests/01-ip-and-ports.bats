#!/usr/bin/env bats
# Lesson 01: IP addresses and ports. local_ips, resolve, ip_convert, ports, port_check.
#
# Never asks DNS and never sends a packet off this machine: names resolved here are in
# /etc/hosts (localhost, this machine's name), the only reverse lookup is 127.0.0.1, the
# unknown host is no..such..host (the resolver rejects it by itself), and every connection
# goes to loopback. Tests match our own words and the call that failed, never the C
# library's reason text (musl words it differently from glibc).

load test_helper

L="$BIN_ROOT/01-ip-and-ports"
SRC="$ROOT/01-ip-and-ports"

# One python3 process for the whole file holds three ports for port_check, so each test
# does not start an interpreter of its own:
# - OPEN_PORT: a dual-stack listener (127.0.0.1 and ::1) that accepts and closes;
# - CLOSED_PORT: a socket bound but never listening: a connection gets a RST (refused),
#   and no other program can take the port while it is bound;
# - SILENT_PORT: a listener on 127.0.0.1 with listen(0) whose one queue place is taken by
#   its own connection: Linux drops further SYNs unanswered, so a client times out.
PORTS_PY='import socket
a = socket.create_server(("", 0), family=socket.AF_INET6, dualstack_ipv6=True)
b = socket.socket(socket.AF_INET6)
b.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
b.bind(("::", 0))
c = socket.create_server(("127.0.0.1", 0), backlog=0)
f = socket.create_connection(c.getsockname())
print("closed port", b.getsockname()[1], "silent port", c.getsockname()[1],
      "listening on port", a.getsockname()[1], flush=True)
while True:
    a.accept()[0].close()'

setup_file() {
  command -v "$PYTHON3" >/dev/null || return 0
  # The interpreter (test_helper's PYTHON3: no shim, and its PID is python's).
  PY=$PYTHON3
  start_server "$BATS_FILE_TMPDIR/ports.log" "$PY" -c "$PORTS_PY"
  local words
  read -ra words <"$SERVER_LOG"
  export PY LISTENER_PID=$SERVER_PID OPEN_PORT=$SERVER_PORT
  export CLOSED_PORT=${words[2]} SILENT_PORT=${words[5]}
}

teardown_file() {
  if [[ -n ${LISTENER_PID:-} ]]; then stop_pid "$LISTENER_PID"; fi
}

need_python() {
  [[ -n ${PY:-} ]] || skip "python3 not installed"
}

# transcript NAME: the lines of the README's transcript NAME (readme_transcript, run in a
# subshell without bats' per-command DEBUG trap, under which its line-by-line loop over
# the README takes about 200 ms instead of 5).
transcript() {
  (trap - DEBUG; readme_transcript 01-ip-and-ports "$1")
}

# play TEXT [PORT]: run each "$ COMMAND" line of the transcript TEXT in the build folder,
# printing the line and then what the command printed (stdout and stderr), as the README
# shows it. PORT, if given, stands in for the README's 8000.
play() {
  local line command
  while IFS= read -r line; do
    [[ $line == '$ '* ]] || continue
    printf '%s\n' "$line"
    command=${line#'$ '}
    [[ -z ${2:-} ]] || command=${command//8000/$2}
    # The README's own command lines, quoting included: eval is what a shell would do.
    (cd "$L" && eval "timeout $T $command") 2>&1 || true
  done <<<"$1"
}

# libc_neutral: the C library's reason after "getaddrinfo NAME: " or inside
# "(connect: ...)" becomes REASON, so glibc's and musl's wordings compare equal.
libc_neutral() {
  sed -E 's/^(resolve: getaddrinfo [^:]*): .*/\1: REASON/; s/\((getaddrinfo|connect): [^)]*\)/(\1: REASON)/'
}

# check_transcript NAME [PORT]: the README transcript NAME is what its commands print now
# (PORT: see play).
# A hosts file that lists ::1 for localhost first (Debian's, macOS's) makes port_check
# print a line for ::1 before the README's 127.0.0.1 line: that line is set aside.
check_transcript() {
  local expected actual
  expected=$(transcript "$1")
  actual=$(play "$expected" "${2:-}" | libc_neutral | without_localhost_v6)
  [[ -z ${2:-} ]] || actual=$(sed -E "s/\\b$2\\b/8000/g" <<<"$actual")
  output=$actual
  assert_output "$(libc_neutral <<<"$expected")"
}

# without_localhost_v6: stdin to stdout, less the "::1 port ..." lines that a command
# naming localhost printed, where localhost is ::1 first here (see LOCALHOST_IP).
without_localhost_v6() {
  if [[ $LOCALHOST_IP != ::1 ]]; then cat; return; fi
  awk '/^\$ / { by_name = / localhost / } !(by_name && /^::1 port /)'
}

# each_bad COMMAND... --- BAD...: run COMMAND once for each BAD value, the word @ in
# COMMAND standing for it, all in one bash process under one timeout (a `run` for each would
# cost about 20 ms). $output then holds one "exit N" line per run, after whatever the run
# printed on stdout (it should print nothing), and $stderr what the runs printed there.
each_bad() {
  local -a command=()
  while [[ $1 != --- ]]; do command+=("$1"); shift; done
  shift
  # shellcheck disable=SC2016 # the script is for the inner bash
  run --separate-stderr timeout "$T" bash -c '
    n=$1; shift; command=("${@:1:n}"); shift "$n"
    for bad; do
      args=()
      for word in "${command[@]}"; do
        if [[ $word == @ ]]; then args+=("$bad"); else args+=("$word"); fi
      done
      "${args[@]}"; echo "exit $?"
    done' _ "${#command[@]}" "${command[@]}" "$@"
}

# assert_each_usage_error FORMAT BAD...: after each_bad, every run exited 2 having printed
# nothing on stdout and exactly one line on stderr: FORMAT, with %s the bad value.
assert_each_usage_error() {
  local format=$1
  shift
  assert_output "$(printf 'exit 2\n%.0s' "$@")"
  # shellcheck disable=SC2059 # the format is the message with a %s for the value
  assert_equal "$(printf "$format\n" "$@")" "$stderr" "stderr"
}

# assert_local_ips_shape TEXT: every line of TEXT is one local_ips prints: a header
# "NAME (up|down[, loopback])", "  MAC  xx:xx:...", "  IPv4|IPv6 ADDRESS/PREFIX" or
# "  no IP address".
assert_local_ips_shape() {
  local line
  while IFS= read -r line; do
    [[ $line =~ ^[^\ ]+\ \((up|down)(,\ loopback)?\)$ ]] ||
      [[ $line =~ ^\ \ MAC\ \ [0-9a-f]{2}(:[0-9a-f]{2})*$ ]] ||
      [[ $line =~ ^\ \ IPv4\ [0-9.]+/[0-9]+$ ]] ||
      [[ $line =~ ^\ \ IPv6\ [0-9a-f:]+(%[^/]+)?/[0-9]+$ ]] ||
      [[ $line == "  no IP address" ]] ||
      { echo "not a line local_ips prints: $line" >&2; return 1; }
  done <<<"$1"
}

# block_of NAME: the lines of local_ips' block for interface NAME (its header up to the
# next header), from $output.
block_of() {
  local line inside=0
  while IFS= read -r line; do
    if [[ $line != " "* ]]; then
      inside=0
      [[ $line == "$1 ("* ]] && inside=1
    fi
    if ((inside)); then printf '%s\n' "$line"; fi
  done <<<"$output"
}

# /etc/hosts' addresses for NAME, each once, sorted.
hosts_addresses() {
  awk -v name="$1" '$1 !~ /^#/ { for (i = 2; i <= NF; i++) if ($i == name) print $1 }' \
    /etc/hosts | sort -u
}

# Is this machine little-endian? (The first byte of the 16-bit number 1 is 1.)
little_endian() {
  [[ $(printf '\001\000' | od -An -tu2 | tr -d ' ') == 1 ]]
}

# ---------------------------------------------------------------- every program

@test "every program: -h and --help print the header's Usage line and 1-3 lines more" {
  local program usage help
  for program in local_ips resolve ip_convert ports port_check; do
    each_bad "$L/$program" @ --- -h --help
    help=${output%%$'\n'exit 0*}
    assert_output "$help
exit 0
$help
exit 0"
    assert_equal "" "$stderr" "stderr"
    mapfile -t lines <<<"$help"
    ((${#lines[@]} >= 2 && ${#lines[@]} <= 4)) ||
      { echo "$program -h printed ${#lines[@]} lines" >&2; return 1; }
    # The header comment's Usage line, exactly.
    usage=$(grep -m 1 '^ \* Usage: ' "$SRC/$program.c")
    assert_equal "${usage# \* }" "${lines[0]}" "$program -h, first line"
  done
}

@test "every program reads main first: main within 100 lines, step 1 within 130, then the plumbing" {
  local program where main step banner parse
  for program in local_ips resolve ip_convert ports port_check; do
    # Line numbers of: main, its first numbered step, the banner, parse_arguments' body.
    where=$(awk '/^int main\(/ && !m { m = NR } m && !s && /\/\* 1\. / { s = NR }
      /^\/\* ---- Plumbing: read after the lesson ---- \*\/$/ { b = NR }
      /^static .*parse_arguments\(.*\)$/ { p = NR }
      END { print m + 0, s + 0, b + 0, p + 0 }' "$SRC/$program.c")
    read -r main step banner parse <<<"$where"
    ((main > 0 && main <= 100 && step > main && step <= 130 && banner > step && parse > banner)) ||
      { echo "$program: main $main, step 1 $step, banner $banner, parse_arguments $parse" >&2; return 1; }
  done
}

@test "every block of output in the README is a marked transcript, and each is checked here" {
  local names
  names=$(grep -oE '^<!-- transcript: [a-z0-9-]+ -->$' "$SRC/README.md" | cut -d ' ' -f 3 | sort | tr '\n' ' ')
  # The transcripts this file plays: a new one needs its test here.
  assert_equal "http-server ip-convert local-ips port-check-closed port-check-open ports ports-e resolve resolve-self " \
    "$names" "transcripts"
  # Every ```text block (program output) comes right after its marker.
  assert_equal "$(grep -c '^```text$' "$SRC/README.md")" "$(grep -B 1 '^```text$' "$SRC/README.md" | grep -c '^<!-- transcript: ')" \
    "marked text blocks"
}

# ---------------------------------------------------------------- local_ips

@test "README transcript local-ips: lo's block as here, every other line in local_ips' shape" {
  run -0 timeout "$T" "$L/local_ips"
  local here readme
  here=$(block_of lo)
  output=$(transcript local-ips)
  assert_equal '$ ./local_ips' "${output%%$'\n'*}" "the command"
  readme=$(block_of lo)
  assert_equal "$readme" "$here" "lo's block"
  assert_local_ips_shape "${output#*$'\n'}"
}

@test "local_ips: lo is the one loopback, with 127.0.0.1, ::1 and six zero bytes of MAC" {
  run -0 timeout "$T" "$L/local_ips"
  assert_local_ips_shape "$output"
  assert_equal 1 "$(grep -c 'loopback)$' <<<"$output")" "loopback interfaces"
  output=$(block_of lo)
  assert_line "lo (up, loopback)"
  assert_line "  IPv4 127.0.0.1/8"
  assert_line "  IPv6 ::1/128"
  # Linux gives loopback a hardware address of six zeros (macOS none).
  [[ $(uname) != Linux ]] || assert_line "  MAC  00:00:00:00:00:00"
}


@test "things to try 9: local_ips shows each interface's MAC address as ip link does" {
  command -v ip >/dev/null || skip "no ip command (iproute2)"
  run -0 timeout "$T" "$L/local_ips"
  local name kind address block checked=0
  # ip -o link: "1: lo: <...> ...\    link/loopback 00:00:00:00:00:00 brd ...".
  while read -r name kind address; do
    block=$(block_of "$name")
    [[ -n $block ]] || { echo "local_ips has no block for $name" >&2; return 1; }
    case $kind in
      ether | loopback)
        # (local_ips shows at most 8 bytes: sockaddr_ll's sll_addr.)
        grep -qx "  MAC  ${address:0:23}" <<<"$block" ||
          { printf 'ip link: %s %s; local_ips:\n%s\n' "$name" "$address" "$block" >&2; return 1; }
        checked=$((checked + 1)) ;;
      none)
        ! grep -q '^  MAC' <<<"$block" || { echo "$name has no link address in ip link" >&2; return 1; } ;;
    esac                              # (tunnels show other kinds of link address)
  done < <(ip -o link | sed -E 's/^[0-9]+: ([^:@]+)[^\\]*\\ +link\/([a-z0-9]+) ?([0-9a-f:]*).*/\1 \2 \3/')
  ((checked > 0))
}

@test "local_ips takes no operand and no option but -h" {
  run --separate-stderr timeout "$T" "$L/local_ips" abc
  assert_usage_error local_ips
  assert_equal "local_ips: too many operands (try 'local_ips -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/local_ips" -x
  assert_usage_error local_ips
  assert_equal "local_ips: unknown option '-x' (try 'local_ips -h')" "$stderr"
  # Like every program here, local_ips reads "-1" as an operand, not as an option.
  run --separate-stderr timeout "$T" "$L/local_ips" -1
  assert_usage_error local_ips
  assert_equal "local_ips: too many operands (try 'local_ips -h')" "$stderr"
}

# ---------------------------------------------------------------- resolve

@test "README transcripts resolve and resolve-self are what resolve prints" {
  # The README's /etc/hosts maps localhost, and the host name, to 127.0.0.1 alone. Where
  # it lists ::1 for localhost too (Debian's and macOS's stock files), resolve prints one
  # line more, as the README says: the rest must be the same.
  local transcript_resolve
  transcript_resolve=$(transcript resolve)
  output=$(play "$transcript_resolve" | libc_neutral | grep -vxF 'localhost -> ::1 (IPv6)')
  assert_output "$(libc_neutral <<<"$transcript_resolve")"
  local name line address expected=() actual=()
  name=$(hostname)
  # Only a name in /etc/hosts: anything else would send the test to DNS.
  address=$(hosts_addresses "$name")
  [[ -n $address ]] || skip "$name is not in /etc/hosts"
  [[ $address != *$'\n'* ]] || skip "$name has more than one address in /etc/hosts"
  # The README's machine was called vm, its address 127.0.0.1 (Debian's stock file gives
  # the name 127.0.1.1): compare with the name written as HOST, the address as ADDRESS.
  while IFS= read -r line; do
    line=${line/#"host name: vm"/host name: HOST}
    expected+=("${line/#"vm -> 127.0.0.1 (IPv4)"/HOST -> ADDRESS}")
  done < <(transcript resolve-self)
  while IFS= read -r line; do
    line=${line/#"host name: $name"/host name: HOST}
    actual+=("${line/#"$name -> $address (IPv"[46]")"/HOST -> ADDRESS}")
  done < <(play "$(transcript resolve-self)")
  assert_equal "${expected[*]}" "${actual[*]}" "resolve-self"
}

@test "resolve with no operand prints this machine's name and its addresses" {
  local name
  name=$(hostname)
  # Only a name in /etc/hosts: anything else would send the test to DNS.
  [[ -n $(hosts_addresses "$name") ]] || skip "$name is not in /etc/hosts"
  run -0 timeout "$T" "$L/resolve"
  assert_equal "host name: $name" "${lines[0]}"
  local expected
  expected=$(hosts_addresses "$name" | while IFS= read -r address; do
    if [[ $address == *:* ]]; then echo "$name -> $address (IPv6)"; else echo "$name -> $address (IPv4)"; fi
  done | sort)
  assert_equal "$expected" "$(printf '%s\n' "${lines[@]:1}" | sort)" "addresses"
}

# family ADDRESS: IPv6 or IPv4, as resolve names them.
family() { if [[ $1 == *:* ]]; then echo IPv6; else echo IPv4; fi; }

@test "resolve localhost prints each of its addresses once" {
  run -0 timeout "$T" "$L/resolve" localhost
  # The hosts file decides which comes first: 127.0.0.1, or ::1 (Debian's, macOS's).
  assert_equal "localhost -> $LOCALHOST_IP ($(family "$LOCALHOST_IP"))" "${lines[0]}"
  assert_line "localhost -> 127.0.0.1 (IPv4)"
  # As many lines as /etc/hosts has different addresses for localhost: no repeats.
  assert_equal "$(hosts_addresses localhost | wc -l)" "${#lines[@]}" "number of lines"
  assert_equal "" "$(printf '%s\n' "${lines[@]}" | sort | uniq -d)" "repeated lines"
}

@test "resolve answers several operands in order, a reverse lookup among them" {
  run -0 timeout "$T" "$L/resolve" 127.0.0.1 localhost
  assert_equal "127.0.0.1 -> localhost" "${lines[0]}"
  assert_equal "localhost -> $LOCALHOST_IP ($(family "$LOCALHOST_IP"))" "${lines[1]}"
}

@test "resolve goes on after a name that fails, says which call failed, and exits 1" {
  run -1 --separate-stderr timeout "$T" "$L/resolve" no..such..host localhost
  assert_equal "localhost -> $LOCALHOST_IP ($(family "$LOCALHOST_IP"))" "${lines[0]}"
  assert_equal "$(hosts_addresses localhost | wc -l)" "${#lines[@]}" "number of lines"
  [[ $stderr =~ ^resolve:\ getaddrinfo\ no\.\.such\.\.host:\ [^$'\n']+$ ]] ||
    { echo "stderr: $stderr" >&2; return 1; }
}

@test "resolve rejects hosts that cannot be: '' 1.2.3 256.1.1.1 65536 -1 (after --)" {
  each_bad "$L/resolve" localhost @ --- 1.2.3 256.1.1.1 65536
  assert_each_usage_error "resolve: bad host '%s': expected a name or an address (a name cannot end in a number)" \
    1.2.3 256.1.1.1 65536
  each_bad "$L/resolve" -- @ --- "" -1
  assert_each_usage_error "resolve: bad host '%s': expected a name or an address" "" -1
}

@test "resolve rejects an unknown option, and -1 first is an operand, a bad host" {
  run --separate-stderr timeout "$T" "$L/resolve" -x localhost
  assert_usage_error resolve
  assert_equal "resolve: unknown option '-x' (try 'resolve -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/resolve" -1
  assert_usage_error resolve
  assert_equal "resolve: bad host '-1': expected a name or an address" "$stderr"
}

# ---------------------------------------------------------------- ip_convert

@test "README transcript ip-convert is what ip_convert prints" {
  little_endian || skip "the README was written on a little-endian machine"
  check_transcript ip-convert
}

@test "ip_convert 192.168.1.2 shows bytes, both byte orders, text and kind" {
  local stored order
  if little_endian; then
    stored=0x0201a8c0 order="little-endian: htonl/ntohl swap the bytes"
  else
    stored=0xc0a80102 order="big-endian: htonl/ntohl change nothing"
  fi
  run -0 timeout "$T" "$L/ip_convert" 192.168.1.2
  assert_output "192.168.1.2
  family:        IPv4 (AF_INET), 4 bytes
  bytes:         c0 a8 01 02 (network byte order: big-endian)
  network order: $stored (s_addr as stored, read as a host integer)
  host order:    0xc0a80102 = 3232235778 (ntohl(s_addr): the address as a number)
  byte order:    this machine is $order
  inet_ntop:     192.168.1.2
  kind:          private (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16): not routed on the internet
  if /24:        host .2 of 192.168.1.0/24; .0 is the network, .1 usually the gateway, .255 the broadcast"
}

@test "ip_convert names the kinds of IPv4 address" {
  run -0 timeout "$T" "$L/ip_convert" 127.0.0.1 0.0.0.0 255.255.255.255 10.1.2.3 \
    169.254.1.1 224.0.0.1 8.8.8.8
  assert_equal "  kind:          loopback (127.0.0.0/8): this machine itself, never leaves it
  kind:          unspecified (0.0.0.0): as a bind address it means every interface
  kind:          limited broadcast (255.255.255.255): every host on the local network
  kind:          private (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16): not routed on the internet
  kind:          link-local (169.254.0.0/16): self-assigned when no DHCP server answered
  kind:          multicast (224.0.0.0/4): one sender, a group of receivers
  kind:          public: routed on the internet" "$(grep '^  kind:' <<<"$output")" "kinds"
  assert_line "  bytes:         7f 00 00 01 (network byte order: big-endian)"
  assert_line "  host order:    0x7f000001 = 2130706433 (ntohl(s_addr): the address as a number)"
  # The /24 reading is for ordinary unicast only: 10.1.2.3 and 8.8.8.8 get it, 127.0.0.1,
  # 0.0.0.0, 255.255.255.255 and 224.0.0.1 do not (169.254.1.1 does).
  assert_equal 3 "$(grep -c '^  if /24:' <<<"$output")" "if /24 lines"
}

@test "things to try 4: ip_convert explains network, gateway and broadcast of a /24" {
  run -0 timeout "$T" "$L/ip_convert" 192.168.1.0 192.168.1.1 192.168.1.255
  assert_line "  if /24:        the network address of 192.168.1.0/24 (names the network, not a host)"
  assert_line "  if /24:        host .1 of 192.168.1.0/24, by custom the gateway (router)"
  assert_line "  if /24:        the broadcast address of 192.168.1.0/24 (reaches every host on it)"
}

@test "ip_convert names the kinds of IPv6 address" {
  run -0 timeout "$T" "$L/ip_convert" :: 2001:db8::1 fe80::1 fd00::2 ff02::1
  assert_equal "  kind:          unspecified (::): as a bind address it means every interface
  kind:          documentation (2001:db8::/32): for examples
  kind:          link-local (fe80::/10): valid on one link only, needs %interface to use
  kind:          unique local (fc00::/7): IPv6's private addresses, not routed on the internet
  kind:          multicast (ff00::/8): one sender, a group of receivers" "$(grep '^  kind:' <<<"$output")" "kinds"
}

@test "things to try 5: inet_ntop writes the shortest form; IPv4-mapped is IPv4 inside IPv6" {
  run -0 timeout "$T" "$L/ip_convert" FE80:0:0:0:0:0:0:1 ::ffff:127.0.0.1
  assert_equal "FE80:0:0:0:0:0:0:1" "${lines[0]}"
  assert_line "  inet_ntop:     fe80::1"
  assert_line "  bytes:         00 00 00 00 00 00 00 00 00 00 ff ff 7f 00 00 01"
  assert_line "  kind:          IPv4-mapped (::ffff:0:0/96): the IPv4 address 127.0.0.1, loopback (127.0.0.0/8): this machine itself, never leaves it"
}

@test "ip_convert rejects what is not an address, all before printing anything" {
  local bad=(256.1.1.1 1.2.3 127.1 abc -1 65536 no..such..host "" " 1.2.3.4" "::1 ")
  each_bad "$L/ip_convert" 127.0.0.1 @ ::1 --- "${bad[@]}"
  assert_each_usage_error "ip_convert: bad address '%s': expected an IPv4 or IPv6 address" "${bad[@]}"
  # -1 first, where getopt would take it for an option: still a bad address.
  each_bad "$L/ip_convert" @ --- -1
  assert_each_usage_error "ip_convert: bad address '%s': expected an IPv4 or IPv6 address" -1
}

@test "things to try 3: Python's inet_aton takes 1.2.3 and 127.1, ip_convert refuses both" {
  need_python
  run -0 "$PY" -c 'import socket; print(socket.inet_aton("1.2.3")); print(socket.inet_aton("127.1"))'
  assert_output "b'\\x01\\x02\\x00\\x03'
b'\\x7f\\x00\\x00\\x01'"
  run --separate-stderr timeout "$T" "$L/ip_convert" 1.2.3 127.1
  assert_usage_error ip_convert
  assert_equal "ip_convert: bad address '1.2.3': expected an IPv4 or IPv6 address" "$stderr"
}

@test "ip_convert: a missing operand, an unknown option, an option after an operand" {
  run --separate-stderr timeout "$T" "$L/ip_convert"
  assert_usage_error ip_convert
  assert_equal "ip_convert: missing operand (try 'ip_convert -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/ip_convert" -x ::1
  assert_usage_error ip_convert
  assert_equal "ip_convert: unknown option '-x' (try 'ip_convert -h')" "$stderr"
  # Options come before operands (POSIX): after an address, -h is one more operand.
  run --separate-stderr timeout "$T" "$L/ip_convert" ::1 -h
  assert_usage_error ip_convert
  assert_equal "ip_convert: bad address '-h': expected an IPv4 or IPv6 address" "$stderr"
}

# ---------------------------------------------------------------- ports

@test "README transcripts ports and ports-e are what ports prints" {
  output=$(transcript ports-e)
  local expected
  expected=$(sed -E 's/^  port [0-9]+$/  port N/; s/: [0-9]+-[0-9]+$/: FIRST-LAST/' <<<"$output")
  output=$(play "$output" | sed -E 's/^  port [0-9]+$/  port N/; s/: [0-9]+-[0-9]+$/: FIRST-LAST/')
  [[ -r /proc/sys/net/ipv4/ip_local_port_range ]] || expected=$(grep -v '^ephemeral range' <<<"$expected")
  assert_output "$expected"
  # The service names are Debian's /etc/services.
  grep -qE '^mysql[[:space:]]+3306/tcp' /etc/services || skip "no mysql 3306/tcp in /etc/services"
  check_transcript ports
}

@test "ports puts a number in its class: well-known, registered, dynamic" {
  run -0 timeout "$T" "$L/ports" 0 1023 1024 49151 49152 65535
  assert_line "  port 0 is never used on the wire: bind() to port 0 asks the OS to pick one"
  # class_of N: what the line "port N: CLASS; tcp ...; udp ..." says between ": " and "; tcp".
  class_of() {
    local line
    line=$(grep "^port $1: " <<<"$output")
    line=${line#"port $1: "}
    printf '%s\n' "${line%; tcp *}"
  }
  local registered="registered (1024-49151; dynamic in the notes' two-way split)"
  assert_equal "well-known (0-1023)" "$(class_of 0)" "class of 0"
  assert_equal "well-known (0-1023)" "$(class_of 1023)" "class of 1023"
  assert_equal "$registered" "$(class_of 1024)" "class of 1024"
  assert_equal "$registered" "$(class_of 49151)" "class of 49151"
  assert_equal "dynamic/private (49152-65535)" "$(class_of 49152)" "class of 49152"
  assert_equal "dynamic/private (49152-65535)" "$(class_of 65535)" "class of 65535"
}

@test "ports names the services of the notes' well-known ports, and finds a service's port" {
  grep -qE '^ssh[[:space:]]+22/tcp' /etc/services || skip "no ssh 22/tcp in /etc/services"
  run -0 timeout "$T" "$L/ports" 21 22 25 80 ssh domain www
  assert_line "port 21: well-known (0-1023); tcp ftp; udp fsp"
  assert_line "port 22: well-known (0-1023); tcp ssh; udp none"
  assert_line "port 25: well-known (0-1023); tcp smtp; udp none"
  assert_line "port 80: well-known (0-1023); tcp http; udp none"
  assert_line "service ssh: port 22 (tcp)"
  assert_line "service domain: port 53 (tcp, udp)"
  # www is an alias of http. glibc's getservbyname gives the official name back; musl's
  # gives the name that was asked for, so there the line has no ", official name".
  [[ ${lines[-1]} == "service www: port 80 (tcp), official name http" ||
    ${lines[-1]} == "service www: port 80 (tcp)" ]] || { echo "last line: ${lines[-1]}" >&2; return 1; }
}

@test "things to try 1: ports -e 3 gives three different ports in the OS's range, others next time" {
  run -0 timeout "$T" "$L/ports" -e 3
  assert_equal "binding 3 TCP sockets to port 0, the OS chose:" "${lines[0]}"
  assert_equal "closed: the ports are free again" "${lines[-1]}"
  local chosen first_run
  chosen=$(grep -oE '^  port [0-9]+$' <<<"$output" | grep -oE '[0-9]+')
  assert_equal 3 "$(wc -l <<<"$chosen")" "ports printed"
  assert_equal 3 "$(sort -u <<<"$chosen" | wc -l)" "different ports"
  # The range: the one the program reports, which must be Linux's own when it has one.
  local range_file=/proc/sys/net/ipv4/ip_local_port_range first last port
  if [[ -r $range_file ]]; then
    read -r first last <"$range_file"
    assert_line "ephemeral range ($range_file): $first-$last"
  else
    first=1024 last=65535
    ! grep -q '^ephemeral range' <<<"$output" || { echo "a range without $range_file" >&2; return 1; }
  fi
  for port in $chosen; do
    ((port >= first && port <= last)) || { echo "port $port not in $first-$last" >&2; return 1; }
  done
  first_run=$chosen
  run -0 timeout "$T" "$L/ports" -e 3
  [[ $(grep -oE '^  port [0-9]+$' <<<"$output" | grep -oE '[0-9]+') != "$first_run" ]] ||
    { echo "the same three ports twice: $first_run" >&2; return 1; }
}

@test "ports -e alone binds 3 sockets, -e 1 one" {
  run -0 timeout "$T" "$L/ports" -e
  assert_equal 3 "$(grep -cE '^  port [0-9]+$' <<<"$output")" "ports printed"
  run -0 timeout "$T" "$L/ports" -e 1
  assert_equal "binding 1 TCP socket to port 0, the OS chose:" "${lines[0]}"
  assert_equal 1 "$(grep -cE '^  port [0-9]+$' <<<"$output")" "ports printed"
}

@test "ports -e rejects a count of 0, 101, abc, -1, +3, '', and a second count" {
  each_bad "$L/ports" -e @ --- 0 101 abc -1 +3 ""
  assert_each_usage_error "ports: bad count '%s': expected a number from 1 to 100" 0 101 abc -1 +3 ""
  run --separate-stderr timeout "$T" "$L/ports" -e 1 2
  assert_usage_error ports
  assert_equal "ports: too many operands (try 'ports -h')" "$stderr"
}

@test "ports takes digits only: '' -1 -0 +80 ' 80' 0x50 80x 65536 99999999999999999999 are bad ports" {
  local bad=("" -1 -0 +80 " 80" "80 " 0x50 80x 65536 99999999999999999999 256.1.1.1)
  each_bad "$L/ports" 22 @ --- "${bad[@]}"
  assert_each_usage_error "ports: bad port '%s': expected a number from 0 to 65535" "${bad[@]}"
  # -1 and -0 first, where getopt would take them for options: still bad ports.
  each_bad "$L/ports" @ --- -1 -0
  assert_each_usage_error "ports: bad port '%s': expected a number from 0 to 65535" -1 -0
}

@test "ports abc is an unknown service: exit 1" {
  run -1 --separate-stderr timeout "$T" "$L/ports" abc
  assert_equal "" "$output" "stdout"
  assert_equal "ports: getservbyname abc: unknown service (not in the services database, /etc/services)" "$stderr"
}

@test "ports: a missing operand, an unknown option, an option after an operand" {
  run --separate-stderr timeout "$T" "$L/ports"
  assert_usage_error ports
  assert_equal "ports: missing operand (try 'ports -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/ports" -x
  assert_usage_error ports
  assert_equal "ports: unknown option '-x' (try 'ports -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/ports" 22 -e
  assert_usage_error ports
  assert_equal "ports: bad port '-e': expected a number from 0 to 65535" "$stderr"
}

# ---------------------------------------------------------------- port_check

@test "port_check says open on 127.0.0.1, ::1 and localhost, -t before the operands" {
  need_python
  run -0 --separate-stderr timeout "$T" "$L/port_check" 127.0.0.1 "$OPEN_PORT"
  assert_output "127.0.0.1 port $OPEN_PORT: open"
  assert_equal "" "$stderr" "stderr"
  run -0 timeout "$T" "$L/port_check" -t 0.5 ::1 "$OPEN_PORT"
  assert_output "::1 port $OPEN_PORT: open"
  run -0 timeout "$T" "$L/port_check" -t5 localhost "$OPEN_PORT"
  # /etc/hosts may list ::1 for localhost too: then ::1 may come first, and is open too.
  assert_equal "port $OPEN_PORT: open" "${lines[0]#* }"
}

@test "README transcript port-check-closed, and refused over IPv4 and IPv6 (things to try 7)" {
  need_python
  run -1 timeout "$T" "$L/port_check" 127.0.0.1 "$CLOSED_PORT"
  assert_output_matches "^127\\.0\\.0\\.1 port $CLOSED_PORT: refused \\(connect: [^)]+\\)\$"
  run -1 timeout "$T" "$L/port_check" ::1 "$CLOSED_PORT"
  assert_output_matches "^::1 port $CLOSED_PORT: refused \\(connect: [^)]+\\)\$"
  check_transcript port-check-closed "$CLOSED_PORT"
}

@test "things to try 2: http.server on loopback is open, refused once stopped, open again on its port" {
  need_python
  local log=$BATS_TEST_TMPDIR/http.log port pid
  start_bg "$log" "$PY" -u -m http.server 0 --bind 127.0.0.1
  pid=$BG_PID
  wait_for_line "$log" '^Serving HTTP on 127\.0\.0\.1 port [0-9]+ ' "$READY_SECONDS" "$pid"
  port=$(grep -oE 'port [0-9]+' "$log" | head -n 1 | cut -d ' ' -f 2)
  # Terminal 1 of the README (http-server) and terminal 2 (port-check-open).
  assert_equal "$(transcript http-server | tail -n +2)" \
    "$(head -n 1 "$log" | sed -E "s/\\b$port\\b/8000/g")" "http.server's line"
  check_transcript port-check-open "$port"
  stop_pid "$pid" || true
  run -1 timeout "$T" "$L/port_check" localhost "$port"
  # (After a line for ::1, where the hosts file lists it first for localhost.)
  output=${lines[${#lines[@]} - 1]}
  assert_output_matches "^127\\.0\\.0\\.1 port $port: refused \\(connect: [^)]+\\)\$"
  # Nothing holds the port: the server starts on it again at once.
  start_bg "$log.2" "$PY" -u -m http.server "$port" --bind 127.0.0.1
  wait_for_line "$log.2" "^Serving HTTP on 127\\.0\\.0\\.1 port $port " "$READY_SECONDS" "$BG_PID"
  run -0 timeout "$T" "$L/port_check" localhost "$port"
  assert_equal "127.0.0.1 port $port: open" "${lines[${#lines[@]} - 1]}"
}

@test "things to try 10: port_check times out on a listener whose queue is full" {
  need_python
  run -1 --separate-stderr timeout "$T" "$L/port_check" -t 0.1 127.0.0.1 "$SILENT_PORT"
  assert_output "127.0.0.1 port $SILENT_PORT: timed out (no answer within 0.1 s)"
  assert_equal "" "$stderr" "stderr"
}

@test "port_check says unknown host for no..such..host, naming getaddrinfo" {
  run -1 --separate-stderr timeout "$T" "$L/port_check" no..such..host 80
  assert_output_matches '^no\.\.such\.\.host port 80: unknown host \(getaddrinfo: [^)]+\)$'
  assert_equal 1 "${#lines[@]}" "lines"
  assert_equal "" "$stderr" "stderr"
}

@test "things to try 6: link-local fe80::1 fails without its interface, is unreachable on lo" {
  [[ $(uname) == Linux ]] || skip "the README gives Linux's answers"
  run -1 timeout "$T" "$L/port_check" -t 1 fe80::1 80
  assert_output_matches '^fe80::1 port 80: failed \(connect: [^)]+\)$'
  run -1 timeout "$T" "$L/port_check" -t 1 'fe80::1%lo' 80
  assert_output_matches '^fe80::1%lo port 80: unreachable \(connect: [^)]+\)$'
}

@test "port_check rejects a timeout of 0, -1, abc, 1x, ' 1', +1, 1e3, 3601, and -t without a value" {
  local bad=(0 -1 abc 1x " 1" +1 1e3 0x1 3601 "" . nan inf)
  each_bad "$L/port_check" -t @ 127.0.0.1 80 --- "${bad[@]}"
  assert_each_usage_error "port_check: bad timeout '%s': expected seconds, more than 0 and at most 3600" "${bad[@]}"
  run --separate-stderr timeout "$T" "$L/port_check" -t
  assert_usage_error port_check
  assert_equal "port_check: option '-t' needs a value (try 'port_check -h')" "$stderr"
}

@test "port_check takes digits only, 1 to 65535: '' 0 abc -1 -0 +80 ' 80' 0x50 80x 65536 99999999999999999999" {
  local bad=("" 0 00 abc -1 -0 +80 " 80" 0x50 80x 65536 99999999999999999999)
  each_bad "$L/port_check" 127.0.0.1 @ --- "${bad[@]}"
  assert_each_usage_error "port_check: bad port '%s': expected a number from 1 to 65535" "${bad[@]}"
}

@test "port_check rejects hosts '' -1 256.1.1.1 1.2.3 70000 without asking the resolver" {
  each_bad "$L/port_check" @ 80 --- 256.1.1.1 1.2.3 70000 1.2.3.
  assert_each_usage_error "port_check: bad host '%s': expected a name or an address (a name cannot end in a number)" \
    256.1.1.1 1.2.3 70000 1.2.3.
  each_bad "$L/port_check" -- @ 80 --- "" -1 -x.example
  assert_each_usage_error "port_check: bad host '%s': expected a name or an address" "" -1 -x.example
}

@test "port_check: missing and extra operands, unknown options, options after the operands" {
  run --separate-stderr timeout "$T" "$L/port_check" 127.0.0.1
  assert_usage_error port_check
  assert_equal "port_check: missing operand (try 'port_check -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/port_check" 127.0.0.1 80 90
  assert_usage_error port_check
  assert_equal "port_check: too many operands (try 'port_check -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/port_check" -x 127.0.0.1 80
  assert_usage_error port_check
  assert_equal "port_check: unknown option '-x' (try 'port_check -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/port_check" 127.0.0.1 80 -t 1
  assert_usage_error port_check
  assert_equal "port_check: too many operands (try 'port_check -h')" "$stderr"
}
