#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd/xnft-daemon.service: systemd-analyze verify accepts it (with the
# binary path pointed at the build), it is Type=notify with CAP_NET_ADMIN
# as its only capability, and the daemon it starts sends READY=1.
source "$(dirname "$0")/lib.sh"
require_root
UNIT=$ROOT/systemd/xnft-daemon.service
T=$(tmpdir)
if ! command -v systemd-analyze >/dev/null; then
	not_ok "systemd-analyze installed (package systemd)"
	finish
fi
sed "s|/usr/sbin/xnft|$XNFT|" "$UNIT" >"$T/xnft-daemon.service"
out=$(systemd-analyze verify --man=no "$T/xnft-daemon.service" 2>&1); rc=$?
check_eq "systemd-analyze verify passes" "0" "$rc"
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/#   /'
check_match "Type=notify" "^Type=notify$" "$(cat "$UNIT")"
check_match "only CAP_NET_ADMIN" "^CapabilityBoundingSet=CAP_NET_ADMIN$" "$(cat "$UNIT")"
check_match "NoNewPrivileges" "^NoNewPrivileges=yes$" "$(cat "$UNIT")"
check_match "ProtectSystem=strict with a state directory" "^StateDirectory=xnft$" "$(cat "$UNIT")"

# READY=1 reaches $NOTIFY_SOCKET: a datagram socket of our own stands in for systemd.
NS=$(ns_add unit)
cat >"$T/xnft.conf" <<CONF
[daemon]
sources = stdin
socket = $T/d.sock
database = $T/bans.db
CONF
python3 - "$T/notify.sock" >"$T/notify.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(20)
try:
    while True:
        msg = s.recv(4096).decode()
        print(msg.replace("\n", " "), flush=True)
        if "READY=1" in msg:
            break
except socket.timeout:
    pass
PY
track_pid $!
for _ in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$T/notify.sock ip netns exec "$NS" "$XNFT" daemon -c "$T/xnft.conf" </dev/null >"$T/daemon.log" 2>&1 &
DPID=$!
track_pid "$DPID"
for _ in $(seq 100); do grep -q READY=1 "$T/notify.out" && break; sleep 0.1; done
check_match "the daemon tells systemd READY=1 with a status line" "READY=1.*STATUS=" "$(cat "$T/notify.out")"
finish
