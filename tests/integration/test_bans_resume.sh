#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The file source keeps its read position: lines written while the daemon
# was down are read when it starts again; a log rotated meanwhile is read
# from its start; the catch-up is bounded (16 MiB), and the log says so.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
source "$(dirname "$0")/bans_lib.sh"
require_root
bans_setup

bans_config "$BANS_DIR/xnft.conf" \
	"[ban.scan]" "categories = TCPFL-*" "threshold = 3" "window = 60s" "bantime = 1h"
scan() { feed "$(logline "$1")" "$(logline "$1")" "$(logline "$1")"; }

feed "$(logline 198.18.0.79)" "$(logline 198.18.0.79)" "$(logline 198.18.0.79)"
daemon_start || { not_ok "daemon starts"; finish; }
ok "daemon starts"
check_eq "at the first start, what the file held before is not read" "0" "$(jstat '.engine.events')"
scan 198.18.0.80
check "lines written while it runs ban" wait_in_set BANNED4 198.18.0.80
check "daemon stops" daemon_stop
check_eq "the position file is kept beside the history, mode 0600" "600" \
	"$(stat -c %a "$BANS_DIR"/file-position.*)"

# --- lines written while the daemon is down
scan 198.18.0.81
daemon_start || not_ok "daemon restarts"
check "lines written while it was down are read after the restart" wait_in_set BANNED4 198.18.0.81
check_eq "and only those: 3 events, not the older ones again" "3" "$(jstat '.engine.events')"
check_match "its log says where it resumed" "resumed at byte [0-9]+: 693 byte\\(s\\) written meanwhile to read$" \
	"$(cat "$DAEMON_LOG")"
check "daemon stops" daemon_stop

# --- rotated while down: the new file is read from its start
mv "$BANS_DIR/events.log" "$BANS_DIR/events.log.1"
scan 198.18.0.82
daemon_start || not_ok "daemon restarts after a rotation"
check "a file rotated while the daemon was down is read from its start" \
	wait_in_set BANNED4 198.18.0.82
check_match "its log says so" "replaced or truncated meanwhile: reading it from byte 0, 693 byte\\(s\\)$" \
	"$(cat "$DAEMON_LOG")"
check "daemon stops" daemon_stop

# --- bounded catch-up: 17 MiB written while down, only the last 16 MiB read
scan 198.18.0.83
yes "Nov 23 18:00:00 host sshd[1]: a line that is not a packet log, written as filler" |
	head -c $((17 << 20)) >>"$BANS_DIR/events.log"
printf '\n' >>"$BANS_DIR/events.log"
scan 198.18.0.84
daemon_start || not_ok "daemon restarts after 17 MiB"
check "the lines at the end are read" wait_in_set BANNED4 198.18.0.84 100
check_eq "the lines before the last 16 MiB are not" "no" \
	"$(in_set BANNED4 198.18.0.83 && echo yes || echo no)"
check_match "its log says how much was skipped" "resumed at byte [0-9]+: 16777216 byte\\(s\\) written meanwhile to read; [0-9]+ older byte\\(s\\) skipped \\(catch-up is at most 16 MiB\\)" \
	"$(cat "$DAEMON_LOG")"
check "daemon stops" daemon_stop
check "no sanitizer report in the daemon logs" daemon_log_clean
finish
