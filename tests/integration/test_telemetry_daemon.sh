#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon's /metrics in the test topology: bound to the mesh address
# (wg0, 10.10.0.1), scraped by a real Prometheus in the host namespace,
# whose HTTP API returns the counter of the NULL-scan rule after real
# packets from the internet were dropped by it. The HTTP edge cases
# (404, 405, bodies, oversized headers, a slow client, many concurrent
# scrapes) and the listen checks (not on this host, not on the mesh).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
source "$(dirname "$0")/bans_lib.sh"
require_root
bans_setup
URL=http://$MESH_HOST_V4:9586
PROM_PORT=19090

bans_config "$BANS_DIR/xnft.conf" "policy = $POLICY_DIR" \
	"[metrics]" "listen = mesh" "mesh_if = wg0" \
	"[ban.scan]" "categories = TCPFL-*" "threshold = 100" "window = 30s" "bantime = 3s"
daemon_start || { not_ok "daemon starts with [metrics] listen = mesh"; finish; }
ok "daemon starts with [metrics] listen = mesh"
check_match "the log names the endpoint on the mesh address" \
	"metrics on http://$MESH_HOST_V4:9586/metrics" "$(cat "$DAEMON_LOG")"

hcurl() { in_ns "$HOST" curl -s -m 10 "$@"; }
# the apply state and the analysis come from a thread of their own: wait (bounded) for the first
for _ in $(seq 100); do
	hcurl -o "$BANS_DIR/m1.txt" -w '%{http_code}' "$URL/metrics" >"$BANS_DIR/code"
	grep -q '^xnft_intents_held ' "$BANS_DIR/m1.txt" && break
	sleep 0.1
done
check_eq "GET /metrics: 200" 200 "$(cat "$BANS_DIR/code")"
check "promtool check metrics accepts the daemon's exposition" promtool check metrics <"$BANS_DIR/m1.txt"
m=$(grep -v '^#' "$BANS_DIR/m1.txt")
check_match "per-rule series carry the rule's file:line" \
	"^xnft_rule_packets_total\{.*location=\"$POLICY_DIR/rules/15-antiscan.nft:[0-9]+\",comment=\"antiscan: drop TCP NULL scan \(no flags\)\"\} 0$" "$m"
check_match "ban sets are counted" '^xnft_set_elements\{family="inet",table="xnft",set="BANNED4"\} 0$' "$m"
check_match "bans total by family and origin: the daemon's own origins start at 0" \
	'^xnft_bans_total\{family="ipv4",origin="xnft"\} 0$' "$m"
check_match "... manual too" '^xnft_bans_total\{family="ipv6",origin="manual"\} 0$' "$m"
check_match "scrapes counted" '^xnft_scrapes_total [0-9]+$' "$m"
check_match "the policy's intents hold on the loaded ruleset" '^xnft_intents_violated 0$' "$m"
check_match "... all of them proven" '^xnft_intents_held [1-9][0-9]*$' "$m"
check_match "lint findings by severity" '^xnft_lint_findings\{severity="error"\} 0$' "$m"
check_match "the loaded table is known" '^xnft_table_loaded 1$' "$m"

# --- contrib/: the alert rules load, and the dashboard and the rules name only served metrics
CONTRIB=$ROOT/contrib
check "promtool check rules accepts contrib/prometheus/xnft-alerts.yml" \
	promtool check rules "$CONTRIB/prometheus/xnft-alerts.yml"
served=$(sed -n 's/^# TYPE \(xnft_[a-z0-9_]*\) .*/\1/p' "$BANS_DIR/m1.txt" | sort -u)
dash_names=$(jq -r '.panels[].targets[].expr' "$CONTRIB/grafana/xnft.json" | grep -o 'xnft_[a-z0-9_]*' | sort -u)
rule_names=$(grep -E '^ +expr:' "$CONTRIB/prometheus/xnft-alerts.yml" | grep -o 'xnft_[a-z0-9_]*' | sort -u)
check_eq "the dashboard parses and names metrics" yes "$([ -n "$dash_names" ] && echo yes)"
check_eq "the dashboard names only metrics the daemon serves" "" "$(comm -23 <(echo "$dash_names") <(echo "$served") | tr '\n' ' ')"
check_eq "the alert rules name only metrics the daemon serves" "" "$(comm -23 <(echo "$rule_names") <(echo "$served") | tr '\n' ' ')"
diag "dashboard: $(echo "$dash_names" | wc -l) metric names, alert rules: $(echo "$rule_names" | wc -l), served: $(echo "$served" | wc -l)"

# --- a real Prometheus scrapes the daemon; a PromQL query sees the dropped packets
cat >"$BANS_DIR/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: xnft
    static_configs:
      - targets: ['$MESH_HOST_V4:9586']
YML
# not through in_ns: a function run with & is a subshell, and its PID is not prometheus's
ip netns exec "$HOST" prometheus --config.file="$BANS_DIR/prometheus.yml" \
	--storage.tsdb.path="$BANS_DIR/tsdb" --web.listen-address="127.0.0.1:$PROM_PORT" \
	>"$BANS_DIR/prometheus.log" 2>&1 &
PROM_PID=$!
track_pid "$PROM_PID"
xpkt "$INET" send --dst "$HOST_V4" --proto tcp --flags none --dport 1000 --count 5 >/dev/null
query='xnft_rule_packets_total{comment="antiscan: drop TCP NULL scan (no flags)"}'
val=
for _ in $(seq 300); do
	val=$(hcurl -G "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$query" |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null)
	[ "$val" = 5 ] && break
	kill -0 "$PROM_PID" 2>/dev/null || break
	sleep 0.1
done
check_eq "Prometheus' HTTP API: the NULL-scan rule dropped the 5 packets sent" 5 "$val"
[ "$val" = 5 ] || sed -n '1,20s/^/#   /p' "$BANS_DIR/prometheus.log"
up=$(hcurl -G "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode 'query=up{job="xnft"}' |
	jq -r '.data.result[0].value[1] // empty')
check_eq "Prometheus sees the target up" 1 "$up"

# --- the daemon's own series: events by category, bans by family and origin (published each second)
ev_line() { echo "Dec  7 14:00:00 host kernel: XNFT-DROP: IN=eth0 OUT= SRC=$1 DST=$HOST_V4 LEN=40 TOS=0x00 PREC=0x00 TTL=52 ID=0 PROTO=TCP SPT=4000 DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0"; }
{ ev_line 198.51.100.7; ev_line 198.51.100.8; } >>"$BANS_DIR/events.log"
xbans add 203.0.113.9 5m >/dev/null
# wait_metric REGEX: until a scrape shows it (bounded, 10 s)
wait_metric() {
	for _ in $(seq 100); do
		hcurl "$URL/metrics" | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
check "events counted by category" wait_metric '^xnft_events_total\{category="DROP"\} 2$'
check "a manual ban counted by family and origin" \
	wait_metric '^xnft_bans_active\{family="ipv4",origin="manual"\} 1$'
check "bans total by family and origin" wait_metric '^xnft_bans_total\{family="ipv4",origin="manual"\} 1$'
check_eq "... the same origin in xnft bans list" "manual" \
	"$(xbans list --json | jq -r '.bans[] | select(.addr == "203.0.113.9") | .origin')"
check_match "... and in its table (last column)" '^203\.0\.113\.9 +manual .* manual$' "$(xbans list)"

# --- HTTP edge cases
check_eq "unknown path: 404" 404 "$(hcurl -o /dev/null -w '%{http_code}' "$URL/")"
check_eq "unknown path /metricsx: 404" 404 "$(hcurl -o /dev/null -w '%{http_code}' "$URL/metricsx")"
check_eq "HEAD /metrics: 200" 200 "$(hcurl -I -o /dev/null -w '%{http_code}' "$URL/metrics")"
check_eq "POST: 405" 405 "$(hcurl -o /dev/null -w '%{http_code}' -X POST "$URL/metrics")"
check_eq "DELETE: 405" 405 "$(hcurl -o /dev/null -w '%{http_code}' -X DELETE "$URL/metrics")"
check_eq "a GET with a body: 413" 413 \
	"$(hcurl -o /dev/null -w '%{http_code}' -X GET --data-binary 'x=1' "$URL/metrics")"
big=$(head -c 40000 /dev/zero | tr '\0' a)
code=$(hcurl -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$URL/metrics")
case $code in 4??|000) ok "oversized headers refused ($code)";; *) not_ok "oversized headers refused (got $code)";; esac
# a client that sends half a request and goes silent is cut off by the server's timeout (5 s)
start=$(date +%s)
in_ns "$HOST" timeout 20 bash -c "exec 3<>/dev/tcp/$MESH_HOST_V4/9586; printf 'GET /metrics HTTP/1.1\r\n' >&3; cat <&3 >/dev/null"
rc=$?
check_eq "a slow client is disconnected by the server (not by the 20 s guard)" 0 "$rc"
diag "slow client cut after $(( $(date +%s) - start )) s"
# many concurrent scrapes, all answered whole
pids=()
for i in $(seq 40); do
	hcurl -o "$BANS_DIR/c$i.txt" -w '%{http_code}\n' "$URL/metrics" >"$BANS_DIR/c$i.code" &
	pids+=($!)
done
wait "${pids[@]}"
good=0
for i in $(seq 40); do
	[ "$(cat "$BANS_DIR/c$i.code")" = 200 ] && grep -q '^xnft_scrape_duration_seconds ' "$BANS_DIR/c$i.txt" &&
		good=$((good + 1))
done
check_eq "40 concurrent scrapes: all 200 and whole" 40 "$good"
check "the daemon is still running" kill -0 "$DAEMON_PID"
check "the daemon stops cleanly" daemon_stop
check "no sanitizer report in the daemon's log" bash -c "! grep -Eq 'Sanitizer|runtime error:' '$DAEMON_LOG'"

# --- conntrack watch: the limit is one value for the whole host, so the daemon reads a /proc of
# the test's own (XNFT_TEST_PROC) and the test fills it; runs without [metrics]
FAKE=$BANS_DIR/proc
mkdir -p "$FAKE/sys/net/netfilter" "$FAKE/net/stat"
ct_set() { # COUNT DROP EARLY_DROP
	echo "$1" >"$FAKE/sys/net/netfilter/nf_conntrack_count"
	printf 'entries  found invalid insert_failed drop early_drop search_restart\n' >"$FAKE/net/stat/nf_conntrack"
	printf '00000000  00000000 00000000 00000000 %08x %08x 00000000\n' "$2" "$3" >>"$FAKE/net/stat/nf_conntrack"
	printf '00000000  00000000 00000000 00000000 00000001 00000000 00000000\n' >>"$FAKE/net/stat/nf_conntrack"
}
echo 1000 >"$FAKE/sys/net/netfilter/nf_conntrack_max"
echo 1024 >"$FAKE/sys/net/netfilter/nf_conntrack_buckets"
ct_set 100 0 0
# wait_log REGEX: until the daemon's log has it (bounded, 10 s)
wait_log() {
	for _ in $(seq 100); do grep -Eq -- "$1" "$DAEMON_LOG" && return 0; sleep 0.1; done
	return 1
}
bans_config "$BANS_DIR/xnft.conf" "[ban.scan]" "categories = TCPFL-*" "threshold = 100" "window = 30s" "bantime = 3s"
XNFT_TEST_PROC=$FAKE daemon_start || not_ok "daemon starts without [metrics]"
check_eq "without [metrics] nothing listens" 000 "$(hcurl -o /dev/null -w '%{http_code}' "$URL/metrics")"
ct_set 850 0 0
check "conntrack at 85%: a warning naming nf_conntrack_max" \
	wait_log "conntrack table 85% full \(850 of 1000 entries\).*raise nf_conntrack_max"
ct_set 960 0 0
check "conntrack at 96%: said again at 95%" wait_log "conntrack table 96% full \(960 of 1000"
ct_set 960 7 2
check "drops reported as they happen (summed over the CPUs)" \
	wait_log "conntrack dropped 7 packet\(s\) and evicted 2 connection\(s\) early"
ct_set 100 7 2
check "back under: a notice" wait_log "conntrack table back under 95%"
check_eq "one warning per level, not one per second" 1 "$(grep -c 'conntrack table 85% full' "$DAEMON_LOG")"
check "the daemon stops cleanly (conntrack watch)" daemon_stop
check "no sanitizer report (conntrack watch)" bash -c "! grep -Eq 'Sanitizer|runtime error:' '$DAEMON_LOG'"

# --- listen checks
bad_listen() {
	bans_config "$BANS_DIR/bad.conf" "[metrics]" "$@"
	in_ns "$HOST" "$XNFT" daemon -c "$BANS_DIR/bad.conf" 2>&1
}
out=$(bad_listen "listen = 192.0.2.77:9586")
check_match "an address not on this host: clear error" "192.0.2.77:9586 is not an address of this host" "$out"
out=$(bad_listen "listen = $HOST_V4:9586")
check_match "the public interface is refused" "$HOST_V4:9586 is on eth0, not on the mesh interface wg0" "$out"
check_match "... with a hint naming force" "force = yes" "$out"
out=$(bad_listen "listen = mesh" "mesh_if = wg9")
check_match "a mesh interface without an address" "interface wg9 has no address" "$out"
out=$(bad_listen "listen = 10.10.0.1:99999")
check_match "a bad port" "'99999' is not a port" "$out"
out=$(bad_listen "colour = blue")
check_match "an unknown key names the section's keys" "\[metrics\] knows enabled, listen, mesh_if, force, rules and analysis" "$out"
finish
