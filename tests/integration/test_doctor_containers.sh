#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A container host in namespaces: "internet", "host" (the policy of
# `xnft init --containers docker`, a bridge docker0 and Docker-like NAT: a
# port published with a dnat, masquerade out) and "container" behind the
# bridge. Exposure, doctor and real packets agree: the published port is
# not reachable while the forward chain drops it, and is, named with its
# target by both, once a rule allows it; the container reaches out.
. "$(dirname "$0")/lib.sh"
require_root

if ! { INET=$(ns_add inet) && HOST=$(ns_add host) && CT=$(ns_add ct); }; then
	not_ok "namespaces"; finish
fi
T=$(tmpdir) || { not_ok "temp dir"; finish; }
export XNFT_STATE_DIR=$T/state
{
	ip -n "$HOST" link add wan0 type veth peer name eth0 netns "$INET" &&
	ip -n "$HOST" addr add 203.0.113.1/24 dev wan0 && ip -n "$HOST" link set wan0 up &&
	ip -n "$INET" addr add 203.0.113.2/24 dev eth0 && ip -n "$INET" link set eth0 up &&
	ip -n "$HOST" link add docker0 type bridge &&
	ip -n "$HOST" addr add 172.17.0.1/16 dev docker0 && ip -n "$HOST" link set docker0 up &&
	ip -n "$HOST" link add vethct type veth peer name eth0 netns "$CT" &&
	ip -n "$HOST" link set vethct master docker0 && ip -n "$HOST" link set vethct up &&
	ip -n "$CT" addr add 172.17.0.2/16 dev eth0 && ip -n "$CT" link set eth0 up &&
	ip -n "$CT" route add default via 172.17.0.1 &&
	ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1
} || { not_ok "build the container host"; finish; }

# Docker's NAT for `docker run -p 8080:80`, as it loads it (iptables-nft), in short
ip netns exec "$HOST" nft -f - <<'NFT' || not_ok "load the Docker-like NAT"
table ip nat {
	chain PREROUTING {
		type nat hook prerouting priority dstnat; policy accept;
		iifname != "docker0" fib daddr type local tcp dport 8080 dnat to 172.17.0.2:80
	}
	chain POSTROUTING {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 172.17.0.0/16 oifname != "docker0" masquerade
	}
}
NFT
POL=$T/pol
"$XNFT" init "$POL" --wan wan0 --mesh-if wg0 --containers docker >/dev/null 2>&1
check_eq "init --containers docker exits 0" 0 "$?"
out=$(ip netns exec "$HOST" "$XNFT" apply "$POL" 2>&1) || { not_ok "apply the policy"; diag "$out"; }

ip netns exec "$CT" "$XPKT" listen --port 80 --count 1000 --timeout-ms 120000 >"$T/l80" 2>&1 &
track_pid $!
ip netns exec "$INET" "$XPKT" listen --port 443 --count 1000 --timeout-ms 120000 >"$T/l443" 2>&1 &
track_pid $!
for _ in $(seq 1 50); do
	grep -q listening "$T/l80" 2>/dev/null && grep -q listening "$T/l443" 2>/dev/null && break
	sleep 0.1
done
connect() {  # connect NS ADDR PORT: open, refused or filtered
	ip netns exec "$1" "$XPKT" connect --dst "$2" --port "$3" --timeout-ms 700 2>&1
}
published() {  # the published-port lines doctor gives
	ip netns exec "$HOST" "$XNFT" doctor --json "$POL" 2>/dev/null |
		jq -r '.checks[] | select(.id == "neighbours.published") | "\(.status) \(.found)"'
}
forwarded() {  # exposure's port-forward lines with their targets
	ip netns exec "$HOST" "$XNFT" exposure --live --new 2>/dev/null | grep '→' || true
}

# ---- the forward chain drops what Docker publishes ----------------------------
check_eq "the container reaches the internet (--containers docker)" open "$(connect "$CT" 203.0.113.2 443)"
check_eq "real packets: the published port is not reachable from the internet" filtered \
	"$(connect "$INET" 203.0.113.1 8080)"
check_match "doctor: nothing let through to the container" '^PASS ' "$(published)"
check_eq "exposure: no port forward accepted" "" "$(forwarded)"
check_match "doctor: Docker's bridge is seen" 'docker: bridge docker0' \
	"$(ip netns exec "$HOST" "$XNFT" doctor "$POL" 2>/dev/null)"

# ---- allowed: all three say it is reachable, with the target ------------------
ip netns exec "$HOST" nft insert rule inet xnft forward iifname wan0 oifname docker0 \
	ct status dnat ip daddr 172.17.0.2 tcp dport 80 accept
check_eq "real packets: the allowed published port is reachable" open "$(connect "$INET" 203.0.113.1 8080)"
check_match "doctor: the published port, with its target" '^WARN .*tcp dport 8080 → 172\.17\.0\.2:80' \
	"$(published)"
check_match "exposure: the same port forward" 'tcp dport 8080 → 172\.17\.0\.2:80' "$(forwarded)"

# ---- without --containers the deny-all forward chain cuts the container off ----
"$XNFT" init "$T/pol0" --wan wan0 --mesh-if wg0 >/dev/null 2>&1
out=$(ip netns exec "$HOST" "$XNFT" apply "$T/pol0" 2>&1) || { not_ok "apply the plain policy"; diag "$out"; }
check_eq "without --containers the container cannot reach the internet" filtered \
	"$(connect "$CT" 203.0.113.2 443)"
finish
