#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon as a bouncer of Debian's real CrowdSec LAPI (`crowdsec -no-cs`
# with a config, database and port of this test's own, in the test's
# namespace; cscli drives it): decisions added with cscli appear in the
# kernel sets (IPv4, IPv6 /64), a Range is counted and skipped, a
# whitelisted address refused, a longer decision renews the kernel timeout,
# a deleted one leaves; the LAPI stopped and restarted: nothing lost or
# duplicated.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
source "$(dirname "$0")/bans_lib.sh"
require_root
bans_setup

CS=$BANS_DIR/crowdsec
mkdir -p "$CS/data"
LAPI_PID=
cat >"$CS/config.yaml" <<-CONF
	common:
	  daemonize: false
	  log_media: stdout
	  log_level: info
	  working_dir: .
	config_paths:
	  config_dir: $CS/
	  data_dir: $CS/data/
	  simulation_path: /etc/crowdsec/simulation.yaml
	  hub_dir: /var/lib/crowdsec/hub/
	  index_path: /var/lib/crowdsec/hub/.index.json
	  notification_dir: $CS/notifications/
	  plugin_dir: /usr/lib/crowdsec/plugins/
	cscli:
	  output: human
	  color: "no"
	db_config:
	  type: sqlite
	  use_wal: false
	  db_path: $CS/data/crowdsec.db
	api:
	  client:
	    credentials_path: $CS/local_api_credentials.yaml
	  server:
	    listen_uri: 127.0.0.1:8080
	    profiles_path: /etc/crowdsec/profiles.yaml
	    trusted_ips: [127.0.0.1]
	prometheus:
	  enabled: false
CONF
cscli() { ip netns exec "$HOST" cscli -c "$CS/config.yaml" "$@" 2>>"$CS/cscli.log"; }

# lapi_start: crowdsec's LAPI alone, in the host namespace; wait (bounded) until it answers.
lapi_start() {
	ip netns exec "$HOST" crowdsec -c "$CS/config.yaml" -no-cs >>"$CS/lapi.log" 2>&1 &
	LAPI_PID=$!
	track_pid "$LAPI_PID"
	for _ in $(seq 100); do
		cscli decisions list >/dev/null && return 0
		sleep 0.1
	done
	return 1
}
lapi_stop() { kill "$LAPI_PID" && wait "$LAPI_PID" 2>/dev/null; LAPI_PID=; }
# wait_more_pulls N: wait (bounded, 10 s) until the daemon made N more pulls.
wait_more_pulls() {
	local want=$(($(jstat '.crowdsec.pulls') + $1)) i
	for i in $(seq 100); do [ "$(jstat '.crowdsec.pulls')" -ge "$want" ] && return 0; sleep 0.1; done
	return 1
}

cscli machines add xnft-test --auto -f "$CS/local_api_credentials.yaml" \
	--url http://127.0.0.1:8080 >/dev/null
check_eq "cscli registers the test's machine" "0" "$?"
KEY=$(cscli bouncers add "xnft-$$" -o raw)
check_match "cscli makes a bouncer key" "^[0-9a-f]{16,}$" "$KEY"
(umask 077 && printf '%s\n' "$KEY" >"$BANS_DIR/cs.key")
lapi_start || { not_ok "crowdsec's LAPI starts"; sed 's/^/#   /' "$CS/lapi.log" | tail; finish; }
ok "crowdsec's LAPI starts (crowdsec -no-cs)"

cscli decisions add -i 203.0.113.7 -d 2h >/dev/null
cscli decisions add -i 2001:db8:5::9 -d 1h >/dev/null
cscli decisions add -r 198.51.100.0/24 -d 1h >/dev/null
cscli decisions add -i "$ADMIN_V4" -d 1h >/dev/null
check_eq "cscli added 4 decisions" "4" "$(cscli decisions list -o json | jq length)"

chmod 600 "$CS/local_api_credentials.yaml"
bans_config "$BANS_DIR/xnft.conf" "[crowdsec]" "url = http://127.0.0.1:8080" \
	"api_key_file = $BANS_DIR/cs.key" "poll = 200ms" "timeout = 2s" \
	"machine_credentials = $CS/local_api_credentials.yaml"
daemon_start || { not_ok "daemon starts as a bouncer"; finish; }
ok "daemon starts as a bouncer"

check "cscli's IPv4 decision is in BANNED4" wait_in_set BANNED4 203.0.113.7
check "cscli's IPv6 decision's /64 is in BANNED6" wait_in_set BANNED6 2001:db8:5::
t=$(set_elems BANNED4 | awk '$1 == "203.0.113.7" { print $2 }')
check "the kernel timeout is the decision's (2h, less the seconds since)" test "${t:-0}" -ge 7000 -a "${t:-0}" -le 7200
check_eq "the admin's decision is refused (whitelist wins)" "1" "$(jstat '.crowdsec.refused')"
check_eq "the admin is not in BANNED4" "no" "$(in_set BANNED4 "$ADMIN_V4" && echo yes || echo no)"
check_eq "the Range is counted as skipped" "1" "$(jstat '.crowdsec.skipped_scope')"
check_match "bans list shows cscli as the origin" "203\.0\.113\.7 +crowdsec:cscli:manual" "$(xbans list)"

cscli decisions add -i 203.0.113.7 -d 50h >/dev/null
ext() { t=$(set_elems BANNED4 | awk '$1 == "203.0.113.7" { print $2 }'); [ "${t:-0}" -gt 170000 ]; }
for _ in $(seq 50); do ext && break; sleep 0.1; done
check "a longer decision renews the kernel timeout (50h)" ext
cscli decisions delete -i 2001:db8:5::9 >/dev/null
check "cscli decisions delete: the /64 leaves BANNED6" wait_not_in_set BANNED6 2001:db8:5::

# --- the watcher: the daemon's own ban pushed as an alert; none of the LAPI's pushed back
HOSTNAME_SHORT=$(hostname | cut -d. -f1)
xbans add 198.51.100.77 1h >/dev/null
pushed() { cscli decisions list -v 198.51.100.77 -o json | jq -r '[.[].decisions[] | select(.origin == "crowdsec")] | .[0].scenario // empty'; }
for _ in $(seq 100); do [ -n "$(pushed)" ] && break; sleep 0.1; done
check_eq "the daemon's own ban shows in cscli decisions list, scenario xnft/HOST/RULE" \
	"xnft/$HOSTNAME_SHORT/manual" "$(pushed)"
check_eq "status counts it pushed" "1" "$(jstat '.crowdsec.watcher.pushed')"
check_match "xnft daemon --status prints the watcher line" "crowdsec watcher: 1 own ban pushed, 0 waiting" \
	"$(ip netns exec "$HOST" "$XNFT" daemon --status --socket "$BANS_DIR/daemon.sock")"
check_eq "no alert of the daemon names a LAPI decision's address" "0" \
	"$(cscli alerts list -o json | jq '[.[] | select(.scenario | startswith("xnft/")) | select(.source.value != "198.51.100.77")] | length')"
wait_more_pulls 3
check_eq "its own ban coming back from the LAPI is not taken as a LAPI ban" "manual" \
	"$(xbans list --json | jq -r '.bans[] | select(.addr == "198.51.100.77") | .rule')"

cscli decisions add -i 198.51.100.77 -d 10h >/dev/null
ext77() { t=$(set_elems BANNED4 | awk '$1 == "198.51.100.77" { print $2 }'); [ "${t:-0}" -gt 30000 ]; }
for _ in $(seq 50); do ext77 && break; sleep 0.1; done
check "a LAPI decision extends the daemon's own ban (10h)" ext77
wait_more_pulls 3
check_eq "that extension is not pushed back" "1" "$(jstat '.crowdsec.watcher.pushed')"

# a short and a long decision for one address: the short one's expiry does not lift the ban
cscli decisions add -i 203.0.113.50 -d 2s >/dev/null
cscli decisions add -i 203.0.113.50 -d 1h >/dev/null
check "two decisions for one address: banned" wait_in_set BANNED4 203.0.113.50
for _ in $(seq 100); do
	[ "$(cscli decisions list -i 203.0.113.50 -o json | jq '[.[].decisions[]] | length')" = 1 ] && break
	sleep 0.1
done
check_eq "the 2s decision expired in the LAPI" "1" \
	"$(cscli decisions list -i 203.0.113.50 -o json | jq '[.[].decisions[]] | length')"
wait_more_pulls 3
check_eq "the expiry of the short one leaves the ban" "yes" \
	"$(in_set BANNED4 203.0.113.50 && echo yes || echo no)"
cscli decisions delete -i 203.0.113.50 >/dev/null
check "cscli decisions delete -i: lifted" wait_not_in_set BANNED4 203.0.113.50

lapi_stop
for _ in $(seq 100); do [ "$(jstat '.crowdsec.reachable')" = false ] && break; sleep 0.1; done
check_eq "LAPI stopped: status says not reachable" "false" "$(jstat '.crowdsec.reachable')"
check "LAPI stopped: the bans stay" in_set BANNED4 203.0.113.7
lapi_start || not_ok "crowdsec's LAPI restarts"
cscli decisions add -i 203.0.113.99 -d 1h >/dev/null
check "after the restart a new decision arrives" wait_in_set BANNED4 203.0.113.99 150
check_eq "status says reachable" "true" "$(jstat '.crowdsec.reachable')"
check_eq "nothing lost or duplicated: BANNED4 holds 198.51.100.77, 203.0.113.7 and .99" \
	"198.51.100.77 203.0.113.7 203.0.113.99" "$(set_elems BANNED4 | awk '{ print $1 }' | sort | xargs)"
check_eq "the engine holds as many" "3" "$(jstat '.engine.active')"

daemon_stop
check_eq "the daemon stops cleanly" "0" "$?"
check "no sanitizer report in the daemon's logs" daemon_log_clean
lapi_stop
finish
