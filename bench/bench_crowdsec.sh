#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon as a bouncer of Debian's crowdsec LAPI (issue 19), in a
# network namespace of the script's own with the default policy loaded.
# Usage: bench/bench_crowdsec.sh [BUILD_DIR]
#   1. N decisions (default 100,000) imported with cscli before the daemon
#      starts: daemon start -> every one in BANNED4;
#   2. `cscli decisions add` returned -> the element in BANNED4 (a netlink
#      GET of that element every 5 ms, the set never listed), K times,
#      p50 / p99, with poll = 1s.
# Not measured here: crowdsec-firewall-bouncer side by side. Needs root.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
XNFT=$BUILD/src/xnft
N=${N:-100000}
K=${K:-20}
WORK=$(mktemp -d /tmp/xnft-bench-crowdsec.XXXXXX)
NS="xnft-bcs-$$"
DPID='' LPID=''
cleanup() {
	set +e   # a stopped process's non-zero status must not end the cleanup early
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
in_ns() { ip netns exec "$NS" "$@"; }
ip netns add "$NS"
in_ns ip link set lo up
"$XNFT" init "$WORK/policy" --wan eth0 --mesh-if wg0 >/dev/null
in_ns nft -I "$WORK/policy" -f "$WORK/policy/nftables.conf"

CS=$WORK/cs
mkdir -p "$CS/data"
cat >"$CS/config.yaml" <<-CONF
	common: {daemonize: false, log_media: stdout, log_level: warning, working_dir: .}
	config_paths:
	  config_dir: $CS/
	  data_dir: $CS/data/
	  simulation_path: /etc/crowdsec/simulation.yaml
	  hub_dir: /var/lib/crowdsec/hub/
	  index_path: /var/lib/crowdsec/hub/.index.json
	  notification_dir: $CS/notifications/
	  plugin_dir: /usr/lib/crowdsec/plugins/
	cscli: {output: human, color: "no"}
	db_config: {type: sqlite, use_wal: true, db_path: $CS/data/crowdsec.db, log_level: warning}
	api:
	  client: {credentials_path: $CS/local_api_credentials.yaml}
	  server: {listen_uri: "127.0.0.1:8080", profiles_path: /etc/crowdsec/profiles.yaml, trusted_ips: [127.0.0.1], log_level: warning}
	prometheus: {enabled: false}
CONF
cscli() { in_ns cscli -c "$CS/config.yaml" "$@" 2>>"$CS/cscli.log"; }
cscli machines add bench --auto -f "$CS/local_api_credentials.yaml" --url http://127.0.0.1:8080 >/dev/null
(umask 077 && cscli bouncers add "xnft-bench" -o raw >"$WORK/cs.key")
# ip netns exec directly (not in_ns): $! must be the process itself, to be stopped at the end
ip netns exec "$NS" crowdsec -c "$CS/config.yaml" -no-cs >"$CS/lapi.log" 2>&1 &
LPID=$!
for _ in $(seq 100); do cscli decisions list >/dev/null && break; sleep 0.1; done

now_ns() { date +%s%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; }
{
	echo "value"
	awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "10.%d.%d.%d\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256 }'
} >"$WORK/decisions.csv"
t0=$(now_ns)
cscli decisions import -i "$WORK/decisions.csv" -d 4h >/dev/null
t1=$(now_ns)
echo "# cscli decisions import of $N: $(ms "$t0" "$t1") ms" >&2

cat >"$WORK/xnft.conf" <<-EOF
	[daemon]
	sources = stdin
	socket = $WORK/d.sock
	database = $WORK/bans.db
	[crowdsec]
	url = http://127.0.0.1:8080
	api_key_file = $WORK/cs.key
	poll = 1s
	timeout = 30s
EOF
status() { in_ns "$XNFT" daemon --status --json --socket "$WORK/d.sock" 2>/dev/null; }
t0=$(now_ns)
ip netns exec "$NS" "$XNFT" daemon -c "$WORK/xnft.conf" </dev/null >"$WORK/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 6000); do
	e=$(status | jq -r '.kernel.elements // 0')
	[ "${e:-0}" -ge "$N" ] && break
	sleep 0.02
done
t1=$(now_ns)
got=$(in_ns nft list set inet xnft BANNED4 | grep -oE '\b10\.[0-9]+\.[0-9]+\.[0-9]+\b' | wc -l)
st=$(status)
startup_ms=$(ms "$t0" "$t1")
flush_ms=$(echo "$st" | jq '.kernel.flush_us / 1000')
batches=$(echo "$st" | jq '.kernel.batches')

lat=()
for i in $(seq "$K"); do
	ip=203.0.113.$i
	cscli decisions add -i "$ip" -d 1h >/dev/null
	t0=$(now_ns)
	for _ in $(seq 1000); do
		in_ns nft get element inet xnft BANNED4 "{ $ip }" >/dev/null 2>&1 && break
		sleep 0.005
	done
	t1=$(now_ns)
	lat+=("$(ms "$t0" "$t1")")
done
read -r p50 p99 < <(printf '%s\n' "${lat[@]}" | sort -n | awk '{ v[NR] = $1 } END {
	printf "%s %s\n", v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)] }')
echo "| what | xnft |"
echo "|---|---|"
echo "| $N decisions in the LAPI (cscli import) → daemon started → all in BANNED4 | $startup_ms ms; $got elements in the set; $batches transaction(s), kernel writer $flush_ms ms |"
echo "| \`cscli decisions add\` returned → element in BANNED4, poll = 1s, $K adds: p50 / p99 | $p50 / $p99 ms |"
