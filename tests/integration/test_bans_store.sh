#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The ban history is best effort; the bans are not. A database that is
# damaged, on a read-only filesystem or on a full one at start does not stop
# the daemon: it bans from memory and says what is lost and why. Rows that
# could not be written (full disk, at start or at a commit) wait in memory
# and go in once there is room. The database is created 0600.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
source "$(dirname "$0")/bans_lib.sh"
require_root
bans_setup

RULES=("[ban.scan]" "categories = TCPFL-*" "threshold = 3" "window = 60s" "bantime = 1h")

# db_config DB: the test config with its database at DB.
db_config() {
	bans_config "$BANS_DIR/xnft.conf" "${RULES[@]}"
	sed -i "s|^database = .*|database = $1|" "$BANS_DIR/xnft.conf"
}

# daemon_start_in_mountns SETUP: the daemon in its own mount namespace, after
# the shell commands SETUP ran there ($1 in SETUP is the state dir); waits
# (bounded) for its control socket like daemon_start.
daemon_start_in_mountns() {
	DAEMON_LOG=$BANS_DIR/daemon.$(date +%s%N).log
	ip netns exec "$HOST" unshare -m --propagation private sh -c "$1; exec \"\$0\" daemon -c \"\$2\"" \
		"$XNFT" "$STATE" "$BANS_DIR/xnft.conf" >"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	track_pid "$DAEMON_PID"
	local i
	for i in $(seq 100); do
		dstatus >/dev/null 2>&1 && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "daemon did not come up; its log:"
	sed 's/^/#   /' "$DAEMON_LOG"
	return 1
}

# in_daemon_ns CMD...: run CMD in the daemon's mount namespace.
in_daemon_ns() { nsenter -t "$DAEMON_PID" -m "$@"; }

# scan ADDR: three forged NULL-scan lines from ADDR.
scan() { feed "$(logline "$1")" "$(logline "$1")" "$(logline "$1")"; }

# wait_history FILTER VALUE [SECONDS]: wait (bounded, default 45 s) until the
# status' .history FILTER equals VALUE (the store is retried every 30 s).
wait_history() {
	local i
	for i in $(seq $((${3:-45} * 10))); do
		[ "$(jstat ".history.$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- a damaged database
STATE=$BANS_DIR/corrupt
mkdir -p "$STATE"
head -c 8192 /dev/urandom >"$STATE/bans.db"
db_config "$STATE/bans.db"
daemon_start || { not_ok "daemon starts on a damaged database"; finish; }
ok "daemon starts on a damaged database"
check_match "its log says the file is damaged and to move it aside" \
	"damaged or not an SQLite database: move it aside" "$(cat "$DAEMON_LOG")"
check_match "and what is lost meanwhile" "Banning from memory meanwhile" "$(cat "$DAEMON_LOG")"
check_eq "status: history not stored" "false" "$(jstat '.history.writable')"
scan 198.18.0.70
check "it bans all the same" wait_in_set BANNED4 198.18.0.70
check "daemon stops" daemon_stop
check_match "at exit it says the history row is lost" "1 row\\(s\\) could not be written and are lost" \
	"$(cat "$DAEMON_LOG")"

# --- a read-only filesystem
STATE=$BANS_DIR/ro
mkdir -p "$STATE"
db_config "$STATE/bans.db"
daemon_start_in_mountns 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"' ||
	{ not_ok "daemon starts with its database on a read-only filesystem"; finish; }
ok "daemon starts with its database on a read-only filesystem"
check_match "its log names the cause: read-only" "read-only" "$(cat "$DAEMON_LOG")"
scan 198.18.0.71
check "it bans all the same" wait_in_set BANNED4 198.18.0.71
check "daemon stops" daemon_stop

# --- a full filesystem at start, then room again
STATE=$BANS_DIR/full
mkdir -p "$STATE"
db_config "$STATE/bans.db"
daemon_start_in_mountns 'mount -t tmpfs -o size=512k,mode=0700 xnft-test "$1" && { head -c 2M /dev/zero >"$1/filler"; true; }' ||
	{ not_ok "daemon starts with its database on a full filesystem"; finish; }
ok "daemon starts with its database on a full filesystem"
check_match "its log names the cause: full" "full: free space there" "$(cat "$DAEMON_LOG")"
scan 198.18.0.72
check "it bans all the same" wait_in_set BANNED4 198.18.0.72
check "the ban's history row waits in memory" wait_stat '.history.queued' 1
in_daemon_ns rm -f "$STATE/filler"
check "once there is room the store opens (retried within 45 s)" wait_history writable true
check_eq "and the waiting row is written" "0" "$(jstat '.history.queued')"
check_eq "the row is in the database" "198.18.0.72|scan" \
	"$(in_daemon_ns sqlite3 "$STATE/bans.db" \
		"SELECT addr, rule FROM offenders WHERE addr = '198.18.0.72'")"
check_eq "the database file is mode 0600" "600" "$(in_daemon_ns stat -c %a "$STATE/bans.db")"

# --- a commit that fails (the disk fills up again): no row is dropped
in_daemon_ns sh -c "head -c 2M /dev/zero >'$STATE/filler' 2>/dev/null"
for i in $(seq 1 40); do xbans add "203.0.113.$i" 1h >/dev/null || not_ok "bans add 203.0.113.$i"; done
check "the failed commit is counted" wait_stat '.history.errors' 2
check_eq "the 40 rows wait in memory" "40" "$(jstat '.history.queued')"
check_match "the log says the rows are kept" "commit: database or disk is full.*history row\\(s\\) kept in memory" \
	"$(cat "$DAEMON_LOG")"
in_daemon_ns rm -f "$STATE/filler"
check "once there is room they are written (retried within 45 s)" wait_history queued 0
check_eq "all 40 rows are in the database" "40" \
	"$(in_daemon_ns sqlite3 "$STATE/bans.db" \
		"SELECT count(*) FROM offenders WHERE addr LIKE '203.0.113.%'")"
check "daemon stops" daemon_stop
check "no sanitizer report in the daemon logs" daemon_log_clean
finish
