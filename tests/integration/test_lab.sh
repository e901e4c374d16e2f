#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft lab: the demo holds every expectation with real traffic (and the
# host's ban daemon bans a scanner, never the mesh or the admin; and xnft
# scan from the internet agrees with the proof, and finds drift once a rule
# added by hand opens a port); `lab up`
# gives a lab that behaves the same from outside the program; `lab down`
# (also after a half-built lab, also twice) leaves no namespace, process or
# file behind; Ctrl-C during the demo tears everything down.
#
# The lab has fixed names (only one can exist), so this test refuses to run
# while another lab is up, and removes its own lab however it ends.
source "$(dirname "$0")/lib.sh"
require_root

LAB_DIR=/run/xnft/lab
STATE=$LAB_DIR/state
LAB_NS=(xnft-lab-internet xnft-lab-host xnft-lab-peer1)
OWN_LAB=0

lab_cleanup() {
	[ "$OWN_LAB" -eq 1 ] && "$XNFT" lab down >/dev/null 2>&1
	_cleanup
}
trap lab_cleanup EXIT

lab_ns_count() { ip netns list | awk '{print $1}' | grep -c '^xnft-lab-'; }

# "PID START" of every process the state file records.
recorded_procs() { awk '$1 == "proc" { print $3, $4 }' "$STATE"; }

# proc_running PID START: that very process (same start time) runs and is not a zombie.
proc_running() {
	local start=$2 stat rest
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	rest=${stat##*) }
	# shellcheck disable=SC2086
	set -- $rest        # $1 is field 3 (state), ${20} field 22 (start time)
	[ "${20}" = "$start" ] && [ "$1" != Z ] && [ "$1" != X ]
}

# all_stopped "PID START" lines: none of them still runs.
all_stopped() {
	local pid start
	while read -r pid start; do
		[ -n "$pid" ] || continue
		proc_running "$pid" "$start" && return 1
	done <<<"$1"
	return 0
}

all_running() {
	local pid start n=0
	while read -r pid start; do
		[ -n "$pid" ] || continue
		proc_running "$pid" "$start" || return 1
		n=$((n + 1))
	done <<<"$1"
	[ "$n" -ge 4 ]
}

tcp_connects() { ip netns exec "$1" timeout 2 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; }

if [ "$(lab_ns_count)" -ne 0 ] || [ -e "$LAB_DIR" ]; then
	not_ok "a lab is already up (xnft-lab-* namespaces or $LAB_DIR): run 'xnft lab down' first"
	finish
fi
OWN_LAB=1

# --- usage
check "lab --help exits 0" "$XNFT" lab --help
"$XNFT" lab frobnicate >/dev/null 2>&1
check_eq "unknown subcommand exits 2" 2 $?
"$XNFT" lab >/dev/null 2>&1
check_eq "no subcommand exits 2" 2 $?

# --- the demo
out=$("$XNFT" lab demo 2>&1)
rc=$?
check_eq "lab demo exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
# "description|regex on the PASS line"
while IFS='|' read -r desc re; do
	check_match "demo PASS: $desc" "^  PASS  $re" "$out"
done <<'EOF'
proof: from eth0 only WireGuard opens a connection|new connections from eth0, any port +UDP 51820 +\(expected UDP 51820\)
proof: every intent holds on the live ruleset|the policy's intents \(policy/intents\) +([0-9]+) of \1 +\(expected all hold\)
internet TCP 22 filtered|TCP 22 \(SSH listening\) +filtered
internet TCP 80 filtered|TCP 80 \(HTTP listening\) +filtered
internet TCP 22 over IPv6 filtered|TCP 22 over IPv6 +filtered
internet UDP 53 unanswered|UDP 53 \(echo server listening\) +no answer
internet ping unanswered|ICMP echo \(ping\) +no answer
internet UDP 51820 counted by the WireGuard rule|UDP 51820 let in .*\+1 vpn: WireGuard
peer1's handshake crossed the internet|peer1's handshake via the internet +completed
break-glass TCP 22 from the admin address opens|TCP 22 from the admin's 198.18.2.10 +open
mesh TCP 22 opens|TCP 22 to 10.10.0.1 +open
mesh TCP 22 over IPv6 opens|TCP 22 to fd10::1 +open
mesh TCP 80 filtered|TCP 80 \(listening, not a service\) +filtered
mesh ping answered|ICMP echo \(ping\) +answered
spoofed source in the tunnel filtered|TCP 22 from spoofed 10.99.0.5 +filtered
spoofed datagrams counted exactly by the spoof rule|3 UDP datagrams from spoofed 10.99.0.5 .*\+3 mesh: drop spoofed
loopback TCP 22 opens|TCP 22 to 127.0.0.1 +open
loopback UDP 53 answered|UDP 53 to 127.0.0.1 \(echo server\) +answered
the scan gets the scanner banned by the daemon, into BANNED4 with a timeout|scan of 30 ports from 198\.18\.0\.2 +banned .*by xnft daemon after [0-9]+ events \(in BANNED4, timeout [0-9]+s
the banned scanner's next packet is counted by the ban rule|next packet from the banned scanner +filtered .*\+[1-9][0-9]* ban: source banned by xnft daemon
the mesh peer still reaches SSH after the ban|mesh peer still reaches SSH +open .*\+1 service: SSH
the admin still reaches SSH after the ban|admin still reaches SSH \(break-glass\) +open
the admin is not banned|admin 198\.18\.2\.10 not banned +not banned
outside view: xnft scan over IPv4 from the unbanned address agrees with the proof|xnft scan 198\.18\.0\.1 from 198\.18\.0\.3 +as proven +\(expected as proven\) +nmap from the internet: only udp/51820 let in, 0 open - as proven
outside view: xnft scan over IPv6 agrees with the proof|xnft scan 2001:2::1 from 2001:2:0:1::3 +as proven +\(expected as proven\) +nmap from the internet: only udp/51820 let in, 0 open - as proven
EOF
check_match "demo: the scanner section is there" '^Scanner: 198\.18\.0\.2 scans TCP 1-30' "$out"
check_match "demo: the outside view section is there" \
	'^The outside view: xnft scan \(nmap SYN and UDP, ports 22,53,51820\) from the unbanned 198\.18\.0\.3' "$out"
check_eq "demo: the outside view is the lab's last word" "xnft scan 2001:2::1" \
	"$(printf '%s\n' "$out" | grep -E '^  (PASS|FAIL)  ' | tail -n 1 | awk '{print $2, $3, $4}')"
check_match "demo: every expectation held" '^25 of 25 expectations held' "$out"
check_match "demo: the proof section comes first" '^What xnft proves before any packet is sent' "$out"
check_match "demo: the proof lists WireGuard from eth0" \
	'^        IPv6 source not in @BOGON_V6, without an IPv6 fragment header: udp dport 51820 ' "$out"
check_match "demo: the proof lists SSH from the mesh" '^        IPv4 source in @MESH_PEERS: tcp dport 22 ' "$out"
check_fails "demo: the proof names no ct state (new connections only)" \
	grep -q '^        .*ct state' <<<"$out"
if printf '%s\n' "$out" | grep -q '^  FAIL'; then not_ok "demo: no FAIL line"; else ok "demo: no FAIL line"; fi
check_match "demo: xnft doctor ran on the lab host" \
	'^  [0-9]+ passed, [0-9]+ warnings?, [0-9]+ failed \(xnft doctor: why and the fix for each\)$' "$out"
check_fails "demo: doctor reads the lab policy and finds its interfaces in the lab host" \
	grep -Eq '^  \[FAIL\] policy\.(values|mesh_if|wan_if) ' <<<"$out"
check_eq "demo leaves no xnft-lab-* namespace" 0 "$(lab_ns_count)"
check_fails "demo removes $LAB_DIR" test -e "$LAB_DIR"
check_fails "no ban daemon of the demo is left running" pgrep -f -- "--config $LAB_DIR/xnft.conf"

# --- up, play from outside, down
out=$("$XNFT" lab up 2>&1)
check_eq "lab up exits 0" 0 $?
check_eq "lab up made three namespaces" 3 "$(lab_ns_count)"
procs=$(recorded_procs 2>/dev/null)
check "lab up recorded wireguard-go x2, the listeners and the daemon, all running" all_running "$procs"
check_match "the ban daemon is one of them" '^proc xnft-daemon [0-9]+ [0-9]+$' "$(cat "$STATE")"
check "the lab's ban daemon answers on its socket" "$XNFT" bans list --socket "$LAB_DIR/daemon.sock"
check_match "the lab's policy logs drops to NFLOG" 'log prefix "XNFT-DROP: " group 7' \
	"$(ip netns exec xnft-lab-host nft list chain inet xnft input 2>&1)"
check_eq "WireGuard private keys are mode 600" "600 600" \
	"$(stat -c %a "$LAB_DIR/host.key" "$LAB_DIR/peer1.key" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
out=$("$XNFT" lab up 2>&1)
check_eq "a second lab up refuses with exit 2" 2 $?
check_match "the refusal says a lab is up and how to remove it" 'already up.*|lab down' "$out"
check "the first lab survived the refused second up" all_running "$procs"
out=$("$XNFT" lab status 2>&1)
check_eq "lab status exits 0" 0 $?
check_match "lab status says up" '^xnft lab: up$' "$out"
check_fails "internet cannot connect to host TCP 22" tcp_connects xnft-lab-internet 198.18.0.1 22
check_fails "internet cannot connect to host TCP 80" tcp_connects xnft-lab-internet 198.18.0.1 80
check "peer1 connects to TCP 22 over WireGuard" tcp_connects xnft-lab-peer1 10.10.0.1 22
check_fails "peer1 cannot connect to TCP 80 (not a service)" tcp_connects xnft-lab-peer1 10.10.0.1 80
check "the host reaches its own TCP 22 on loopback" tcp_connects xnft-lab-host 127.0.0.1 22
# the demo's outside view by hand, then with a port opened outside the proof
outside_scan() {
	ip netns exec xnft-lab-internet "$XNFT" scan 198.18.0.1 --expect "$LAB_DIR/policy" \
		--class internet --ports 22,53,51820 --no-stealth 2>&1
}
out=$(outside_scan)
check_eq "the outside view's scan agrees with the proof (exit 0)" 0 $?
check_match "and says so" '^198\.18\.0\.1: 0 ports open, 0 drift$' "$out"
check "a rule added by hand opens TCP 22 to the internet" \
	ip netns exec xnft-lab-host nft insert rule inet xnft input tcp dport 22 accept
out=$(outside_scan)
check_eq "the outside view's scan then finds drift (exit 1)" 1 $?
check_match "naming TCP 22 as critical" '^  CRITICAL 22/tcp open to syn: the proof keeps it closed' "$out"

out=$("$XNFT" lab down 2>&1)
check_eq "lab down exits 0" 0 $?
check_eq "lab down leaves no xnft-lab-* namespace" 0 "$(lab_ns_count)"
check "every process the lab recorded is stopped" all_stopped "$procs"
check_fails "lab down removes $LAB_DIR" test -e "$LAB_DIR"
check_fails "no wireguard-go control socket is left" test -e /var/run/wireguard/wgh0.sock
check_fails "no ban daemon of the lab is left running" pgrep -f -- "--config $LAB_DIR/xnft.conf"
out=$("$XNFT" lab down 2>&1)
check_eq "lab down a second time exits 0" 0 $?
check_match "and says there was nothing to remove" 'no lab was up' "$out"
out=$("$XNFT" lab status 2>&1)
check_eq "lab status without a lab exits 1" 1 $?

# --- a half-built lab: one namespace, no state file
ip netns add xnft-lab-host
out=$("$XNFT" lab up 2>&1)
check_eq "lab up refuses next to a half-built lab" 2 $?
check_eq "the refused up touched nothing" 1 "$(lab_ns_count)"
check "lab down removes a half-built lab" "$XNFT" lab down
check_eq "nothing of it is left" 0 "$(lab_ns_count)"

# --- a failure half-way (no wireguard-go on PATH) takes the lab down again
nowg=$(tmpdir)
ln -s "$(command -v ip)" "$nowg/ip"
out=$(PATH=$nowg "$XNFT" lab up 2>&1)
check_eq "lab up without wireguard-go fails with exit 2" 2 $?
check_match "and says what is missing" 'wireguard-go' "$out"
check_eq "the failed up leaves no xnft-lab-* namespace" 0 "$(lab_ns_count)"
check_fails "the failed up leaves no $LAB_DIR" test -e "$LAB_DIR"

# --- no nmap on PATH: the outside view fails, saying so; the rest of the demo still holds
nonmap=$(tmpdir)
for prog in ip wg wireguard-go; do ln -s "$(command -v "$prog")" "$nonmap/$prog"; done
out=$(PATH=$nonmap "$XNFT" lab demo 2>&1)
check_eq "the demo without nmap exits 1" 1 $?
check_match "the outside view says nmap is missing and how to install it" \
	'^  FAIL  xnft scan 198\.18\.0\.1 from 198\.18\.0\.3 +no nmap +\(expected as proven\) +nmap is not installed: apt-get install nmap' "$out"
check_match "every other expectation still held" '^23 of 25 expectations held$' "$out"
check_eq "the demo without nmap leaves no xnft-lab-* namespace" 0 "$(lab_ns_count)"

# --- Ctrl-C in the middle of the demo
log=$(tmpdir)/demo.log
"$XNFT" lab demo >"$log" 2>&1 &
demo_pid=$!
track_pid "$demo_pid"
for _ in $(seq 1 300); do
	grep -q '^proc xnft-daemon' "$STATE" 2>/dev/null && break
	kill -0 "$demo_pid" 2>/dev/null || break
	sleep 0.1
done
procs=$(recorded_procs 2>/dev/null)
check "the demo got as far as starting its processes" all_running "$procs"
kill -INT "$demo_pid"
wait "$demo_pid"
rc=$?
check "Ctrl-C ends the demo with a failure status" test "$rc" -ne 0
check_match "the demo says it was interrupted" 'interrupted' "$(cat "$log")"
check_eq "Ctrl-C leaves no xnft-lab-* namespace" 0 "$(lab_ns_count)"
check "Ctrl-C stops every process the lab recorded" all_stopped "$procs"
check_fails "Ctrl-C removes $LAB_DIR" test -e "$LAB_DIR"
check_fails "Ctrl-C leaves no ban daemon running" pgrep -f -- "--config $LAB_DIR/xnft.conf"

finish
