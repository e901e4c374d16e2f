# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the ban daemon tests (test_bans_*.sh). Source after lib.sh and
# policy_lib.sh. The daemon runs in the host namespace with its socket,
# database and config in the test's temp dir.

BANS_DIR=
DAEMON_PID=
DAEMON_LOG=

# bans_config FILE RULES...: a config with a file source and an NFLOG group,
# the socket and database under BANS_DIR, then the extra text given.
bans_config() {
	local f=$1; shift
	{
		echo "[daemon]"
		echo "sources = nflog:7, file:$BANS_DIR/events.log"
		echo "socket = $BANS_DIR/daemon.sock"
		echo "database = $BANS_DIR/bans.db"
		echo "batch = 1ms"
		printf '%s\n' "$@"
	} >"$f"
}

# daemon_start [ARGS...]: start `xnft daemon -c $BANS_DIR/xnft.conf` in the
# host namespace and wait (bounded) until its control socket answers.
daemon_start() {
	DAEMON_LOG=$BANS_DIR/daemon.$(date +%s%N).log
	ip netns exec "$HOST" "$XNFT" daemon -c "$BANS_DIR/xnft.conf" "$@" >"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	track_pid "$DAEMON_PID"
	local i
	for i in $(seq 100); do
		if ip netns exec "$HOST" "$XNFT" daemon --status --socket "$BANS_DIR/daemon.sock" \
			>/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "daemon did not come up; its log:"
	sed 's/^/#   /' "$DAEMON_LOG"
	return 1
}

# daemon_stop: SIGTERM and wait (bounded) for it to exit; 0 when it exited 0.
daemon_stop() {
	local rc
	kill -TERM "$DAEMON_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$DAEMON_PID"
	rc=$?
	return "$rc"
}

# xbans ARGS...: `xnft bans` against the test daemon, in the host namespace.
xbans() { ip netns exec "$HOST" "$XNFT" bans --socket "$BANS_DIR/daemon.sock" "$@"; }

# dstatus: the daemon's status JSON.
dstatus() { ip netns exec "$HOST" "$XNFT" daemon --status --json --socket "$BANS_DIR/daemon.sock"; }

# set_elems SET: the elements of a ban set, one a line ("addr timeout").
set_elems() {
	ip netns exec "$HOST" nft -j list set inet xnft "$1" 2>/dev/null | jq -r '
		.nftables[] | select(.set) | (.set.elem // [])[]
		| if type == "object" then "\(.elem.val) \(.elem.timeout // 0)" else "\(.) 0" end'
}

# in_set SET ADDR: ADDR is an element of SET now.
in_set() { set_elems "$1" | awk -v a="$2" '$1 == a { f = 1 } END { exit !f }'; }

# wait_in_set SET ADDR [TENTHS]: wait (bounded, default 5 s) until ADDR is in SET.
wait_in_set() {
	local i
	for i in $(seq "${3:-50}"); do
		in_set "$1" "$2" && return 0
		sleep 0.1
	done
	return 1
}

# wait_not_in_set SET ADDR [TENTHS]
wait_not_in_set() {
	local i
	for i in $(seq "${3:-50}"); do
		in_set "$1" "$2" || return 0
		sleep 0.1
	done
	return 1
}

# logline SRC [PREFIX] [DPT] [PROTO]: one kernel log line as the journal prints it.
logline() {
	local src=$1 prefix=${2:-XNFT-TCPFL-NULL} dpt=${3:-1000} proto=${4:-TCP} fam
	case $src in
	*:*) echo "Nov 23 18:00:00 host kernel: $prefix: IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:86:dd SRC=$src DST=2001:2::1 LEN=60 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=$proto SPT=40000 DPT=$dpt WINDOW=1024 RES=0x00 URGP=0" ;;
	*) echo "Nov 23 18:00:00 host kernel: $prefix: IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=$src DST=198.18.0.1 LEN=40 TOS=0x00 PREC=0x00 TTL=52 ID=0 PROTO=$proto SPT=40000 DPT=$dpt WINDOW=1024 RES=0x00 URGP=0" ;;
	esac
}

# feed LINES...: append lines to the daemon's file source.
feed() { printf '%s\n' "$@" >>"$BANS_DIR/events.log"; }

# jstat FILTER: a number from the daemon's status.
jstat() { dstatus | jq -r "$1"; }

# wait_stat FILTER MIN: wait (bounded, 5 s) until the status number reaches MIN.
wait_stat() {
	local i v
	for i in $(seq 50); do
		v=$(jstat "$1" 2>/dev/null)
		[ -n "$v" ] && [ "$v" != null ] && [ "$v" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# nflog_table: in the host, log TCP NULL scans from eth0 to NFLOG group 7
# with the policy's prefix (what the policy's log-group define will do).
nflog_table() {
	ip netns exec "$HOST" nft -f - <<-'EOF'
		table inet xtlog {
			chain input {
				type filter hook input priority -10; policy accept;
				iifname "eth0" tcp flags & (fin|syn|rst|psh|ack|urg) == 0x0 log prefix "XNFT-TCPFL-NULL: " group 7
			}
		}
	EOF
}

# daemon_log_clean: no sanitizer report in the daemon logs.
daemon_log_clean() { ! grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$BANS_DIR"/daemon.*.log; }

bans_setup() {
	policy_setup
	BANS_DIR=$TEST_TMP/bans
	mkdir -p "$BANS_DIR" && : >"$BANS_DIR/events.log"
}
