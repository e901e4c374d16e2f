#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The ban daemon under hostile input: a flood of events naming loopback,
# mesh peers, the break-glass admin and whitelisted addresses bans nothing;
# forged (non-kernel) lines ban nothing; garbage, truncated and 1 MB lines
# do not crash it; a webhook that never answers does not delay bans; a bad
# config is refused with FILE:LINE at start and on reload, and the running
# daemon keeps its config.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
source "$(dirname "$0")/bans_lib.sh"
require_root
bans_setup

# A webhook that accepts connections and never answers.
ip netns exec "$HOST" python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(256)
print(s.getsockname()[1], flush=True)
held = []
t = time.time()
while time.time() - t < 120:
    c, _ = s.accept(); held.append(c)
' >"$BANS_DIR/hook.port" 2>/dev/null &
track_pid $!
for _ in $(seq 50); do [ -s "$BANS_DIR/hook.port" ] && break; sleep 0.1; done
HOOK_PORT=$(cat "$BANS_DIR/hook.port")

bans_config "$BANS_DIR/xnft.conf" \
	"[whitelist]" "addresses = 192.0.2.0/24" \
	"[notify]" "ntfy = http://127.0.0.1:$HOOK_PORT/bans" "timeout = 60s" "queue = 8" \
	"[ban.scan]" "categories = TCPFL-*, DROP" "threshold = 3" "window = 60s" "bantime = 1h"
daemon_start || { not_ok "daemon starts"; finish; }
ok "daemon starts with a webhook that never answers"

# --- whitelist flood
lines=()
for a in 127.0.0.1 127.1.2.3 "$PEER_V4" "$PEER2_V4" "$ADMIN_V4" 192.0.2.5 ::1 "$PEER_V6" "$ADMIN_V6"; do
	lines+=("$(logline "$a")")
done
: >"$BANS_DIR/flood"
for _ in $(seq 200); do printf '%s\n' "${lines[@]}" >>"$BANS_DIR/flood"; done
cat "$BANS_DIR/flood" >>"$BANS_DIR/events.log"
check "the daemon read all 1800 flood events" wait_stat '.engine.events' 1800
check_eq "all 1800 were whitelisted" "1800" "$(jstat '.engine.whitelisted')"
check_eq "no ban from a flood naming loopback, mesh peers, admin, whitelist" "0" \
	"$(jstat '.engine.active')"
check_eq "BANNED4 is empty" "" "$(set_elems BANNED4)"
check_eq "BANNED6 is empty" "" "$(set_elems BANNED6)"

# --- forged lines: not from the kernel
feed "Nov 23 18:00:00 host sshd[123]: $(logline 198.51.100.66 | sed 's/.*kernel: //')" \
     "Nov 23 18:00:00 host sshd[123]: $(logline 198.51.100.66 | sed 's/.*kernel: //')" \
     "Nov 23 18:00:00 host sshd[123]: $(logline 198.51.100.66 | sed 's/.*kernel: //')"
sleep 0.5
check_eq "forged lines with another program's tag ban nothing" "no" \
	"$(in_set BANNED4 198.51.100.66 && echo yes || echo no)"

# --- garbage
head -c 200000 /dev/urandom >>"$BANS_DIR/events.log"
echo >>"$BANS_DIR/events.log"
full=$(logline 198.51.100.50)
for n in 10 30 50 70 90 110 130 150 170 190 210; do feed "${full:0:$n}"; done
feed "$(logline 999.1.1.1)" "$(logline 198.51.100.300)" "$(logline ::ffff:zz)" \
	"XNFT-DROP: IN=eth0 OUT= SRC= DST= PROTO=TCP SPT=-1 DPT=99999999999999999999" \
	"XNFT-DROP:" "" "IN= OUT= SRC=1.2.3.4"
head -c 1048576 /dev/zero | tr '\0' 'A' >>"$BANS_DIR/events.log"
echo >>"$BANS_DIR/events.log"
printf 'XNFT-DROP: IN=eth0 OUT= SRC=198.51.100.51 %s\n' "$(head -c 1048576 /dev/zero | tr '\0' 'X')" \
	>>"$BANS_DIR/events.log"
feed "$(logline 198.51.100.99)" "$(logline 198.51.100.99)" "$(logline 198.51.100.99)"
check "after garbage, truncated and 1 MB lines a real scanner is still banned" \
	wait_in_set BANNED4 198.51.100.99 100
check "the daemon is alive" kill -0 "$DAEMON_PID"

# --- a dead webhook never delays bans: 40 scanners, 3 events each, at once
: >"$BANS_DIR/burst"
for i in $(seq 40); do
	for _ in 1 2 3; do logline "198.51.101.$i" >>"$BANS_DIR/burst"; done
done
cat "$BANS_DIR/burst" >>"$BANS_DIR/events.log"
n=0
for _ in $(seq 50); do
	n=$(set_elems BANNED4 | grep -c '^198\.51\.101\.')
	[ "$n" -eq 40 ] && break
	sleep 0.1
done
check_eq "40 bans in the kernel while the webhook hangs (60 s timeout)" "40" "$n"
check_eq "the webhook has sent nothing" "0" "$(jstat '.notify.sent')"
check "notifications beyond the queue of 8 are dropped, not waited for" \
	test "$(jstat '.notify.dropped')" -ge 1

# --- bad config: refused at start and on reload
cp "$BANS_DIR/xnft.conf" "$BANS_DIR/good.conf"
printf '[ban.ssh]\ncategories = DROP\nthreshold = 3\nwindow = 60s\nbantime = forever\n' \
	>>"$BANS_DIR/xnft.conf"
badline=$(grep -n 'bantime = forever' "$BANS_DIR/xnft.conf" | cut -d: -f1)
out=$("$XNFT" daemon --check -c "$BANS_DIR/xnft.conf" 2>&1); rc=$?
check_eq "daemon --check on a bad config exits 1" "1" "$rc"
check_match "... naming FILE:LINE and the key" "xnft.conf:$badline: .*\\[ban.ssh\\] bantime" "$out"
out=$(ip netns exec "$HOST" "$XNFT" daemon -c "$BANS_DIR/xnft.conf" --socket "$BANS_DIR/other.sock" 2>&1); rc=$?
check_eq "a second daemon with the bad config does not start (exit 1)" "1" "$rc"
check_match "... and says where" "xnft.conf:$badline:" "$out"
kill -HUP "$DAEMON_PID"
check "SIGHUP with a bad config: refused, counted" wait_stat '.reload_errors' 1
check "... and the daemon runs on" kill -0 "$DAEMON_PID"
check_eq "... with its previous rules" "1" "$(jstat '.rules')"
out=$(ip netns exec "$HOST" "$XNFT" daemon --reload --socket "$BANS_DIR/daemon.sock" 2>&1); rc=$?
check_eq "daemon --reload with a bad config exits 1" "1" "$rc"
check_match "... with FILE:LINE" "xnft.conf:$badline:" "$out"
feed "$(logline 198.51.100.120)" "$(logline 198.51.100.120)" "$(logline 198.51.100.120)"
check "the old rules still ban" wait_in_set BANNED4 198.51.100.120

# --- a good reload keeps the state
cp "$BANS_DIR/good.conf" "$BANS_DIR/xnft.conf"
printf '[ban.icmp]\ncategories = ICMP4-DROP\nthreshold = 1\nwindow = 10s\nbantime = 1m\n' \
	>>"$BANS_DIR/xnft.conf"
active=$(jstat '.engine.active')
check "daemon --reload with a good config" ip netns exec "$HOST" "$XNFT" daemon --reload \
	--socket "$BANS_DIR/daemon.sock"
check_eq "... two rules now" "2" "$(jstat '.rules')"
check_eq "... no ban lost" "$active" "$(jstat '.engine.active')"
feed "$(logline 198.51.100.130 XNFT-ICMP4-DROP 0 ICMP)"
check "... and the new rule bans" wait_in_set BANNED4 198.51.100.130

check "daemon stops promptly with a webhook request in flight" daemon_stop
check "no sanitizer report in the daemon's logs" daemon_log_clean
finish
