# SPDX-License-Identifier: GPL-2.0-or-later
# Shared topology for the policy tests (test_policy_*.sh). Source it after
# lib.sh, then call policy_setup. It builds, in namespaces this test owns:
#
#   inet  --eth0====eth0--  host  --wg0 (bridge)--wgp1====mesh0--  peer
#                                               --wgp2====mesh0--  peer2
#
#   inet   the public internet: 198.18.0.2 (+ .3, a second source, and .100,
#          the admin in ADMIN_ALLOWLIST), 2001:2::2 (+ ::3, ::100); it also
#          holds a "bogon server" 10.66.0.1 / fd66::1 on its loopback.
#   host   the protected host with the default policy: eth0 198.18.0.1 and
#          2001:2::1 (WAN), wg0 10.10.0.1/24 and fd10::1/64 (the mesh).
#   peer   mesh peer 10.10.0.2 / fd10::2; peer2 10.10.0.3 / fd10::3.
#
# The policy matches the mesh interface by name, so wg0 is a bridge here
# (real WireGuard is covered by the lab tests). Peers send everything to
# 10.10.0.1 / fd10::1 (they hold /32 and /128 addresses), so traffic between
# them is routed by the host, wg0 in and wg0 out: hub mode. The benchmark
# ranges 198.18.0.0/15 and 2001:2::/48 are in the policy's bogon sets, so the
# policy is rendered with them exempted.
#
# The kernel's own source checks run before the input hook (rp_filter, the
# martian check for 127/8, IPv6's drop of ::1 from outside); they are left at
# the namespace defaults except where a test needs a packet to reach the
# policy and says so.

HOST_V4=198.18.0.1
HOST_V6=2001:2::1
INET_V4=198.18.0.2
INET2_V4=198.18.0.3
ADMIN_V4=198.18.0.100
INET_V6=2001:2::2
INET2_V6=2001:2::3
ADMIN_V6=2001:2::100
BOGON_SRV_V4=10.66.0.1
BOGON_SRV_V6=fd66::1
MESH_HOST_V4=10.10.0.1
MESH_HOST_V6=fd10::1
PEER_V4=10.10.0.2
PEER_V6=fd10::2
PEER2_V4=10.10.0.3
PEER2_V6=fd10::3
# Service the tests add with `xnft init --service`.
WEB_PORT=8080

POLICY_DIR=
TEST_TMP=
HOST='' INET='' PEER='' PEER2=''

# policy_render DIR: the policy tree for this topology, written by xnft init.
policy_render() {
	"$XNFT" init "$1" --wan eth0 --mesh-if wg0 \
		--mesh 10.10.0.0/24 --mesh fd10::/64 \
		--admin "$ADMIN_V4/32" --admin "$ADMIN_V6/128" \
		--bogon-exempt 198.18.0.0/15 --bogon-exempt 2001:2::/48 \
		--service "tcp/$WEB_PORT:web"
}

# policy_load: (re)load the policy into host. Loading again replaces the
# xnft table whole, which also gives every counter and rate-limit set a
# fresh start; conntrack entries stay.
policy_load() {
	ip netns exec "$HOST" nft -I "$POLICY_DIR" -f "$POLICY_DIR/nftables.conf"
}

reset_counters() { policy_load; }

# _peer_link NS DEV ADDR4 ADDR6: a mesh peer behind the host's wg0 bridge.
_peer_link() {
	local ns=$1 port=$2 a4=$3 a6=$4
	ip -n "$HOST" link add "$port" type veth peer name mesh0 netns "$ns" || return 1
	ip -n "$HOST" link set "$port" master wg0 up || return 1
	_quiet_link "$ns" mesh0 || return 1
	ip -n "$ns" addr add "$a4/32" dev mesh0 || return 1
	ip -n "$ns" addr add "$a6/128" dev mesh0 nodad || return 1
	ip -n "$ns" route add "$MESH_HOST_V4" dev mesh0 || return 1
	ip -n "$ns" route add default via "$MESH_HOST_V4" dev mesh0 || return 1
	ip -n "$ns" -6 route add "$MESH_HOST_V6" dev mesh0 || return 1
	ip -n "$ns" -6 route add default via "$MESH_HOST_V6" dev mesh0 || return 1
}

# _quiet_link NS DEV: bring up a sender's link without an IPv6 link-local
# address (so no router solicitations or DAD of its own; a WireGuard
# interface has none either).
_quiet_link() {
	ip -n "$1" link set "$2" addrgenmode none && ip -n "$1" link set "$2" up
}

# _quiet_sender NS: the namespace sends no MLD reports (the kernel sends them
# from :: for every group an address joins). The tests count packets on
# exact rules of the host, and that chatter would land on some of them
# (the ICMPv6 catch-all, the mesh spoof rule). Only MLD is dropped; every
# packet a test sends leaves unchanged.
_quiet_sender() {
	ip netns exec "$1" nft -f - <<-'EOF'
		table inet quiet {
			chain output {
				type filter hook output priority filter; policy accept;
				icmpv6 type { mld-listener-report, mld-listener-done, mld2-listener-report } drop
			}
		}
	EOF
}

_sysctls() {
	local ns=$1; shift
	local kv
	for kv in "$@"; do
		ip netns exec "$ns" sysctl -q -w "$kv" >/dev/null || return 1
	done
}

_topology() {
	HOST=$(ns_add host) && INET=$(ns_add inet) || return 1
	PEER=$(ns_add peer) && PEER2=$(ns_add peer2) || return 1
	# The host routes (hub mode, forward tests) and must not tell peers to
	# bypass it; peers must not take redirects either.
	_sysctls "$HOST" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0 || return 1
	local ns
	for ns in "$INET" "$PEER" "$PEER2"; do
		_quiet_sender "$ns" || return 1
	done
	for ns in "$PEER" "$PEER2"; do
		_sysctls "$ns" net.ipv4.conf.all.accept_redirects=0 net.ipv4.conf.default.accept_redirects=0 \
			net.ipv6.conf.all.accept_redirects=0 net.ipv6.conf.default.accept_redirects=0 || return 1
	done

	ip -n "$HOST" link add eth0 type veth peer name eth0 netns "$INET" || return 1
	ip -n "$HOST" link set eth0 up && _quiet_link "$INET" eth0 || return 1
	ip -n "$HOST" addr add "$HOST_V4/24" dev eth0 || return 1
	ip -n "$HOST" addr add "$HOST_V6/64" dev eth0 nodad || return 1
	local a
	for a in "$INET_V4" "$INET2_V4" "$ADMIN_V4"; do
		ip -n "$INET" addr add "$a/24" dev eth0 || return 1
	done
	# The extra IPv6 sources are deprecated so the kernel never picks them
	# by itself: a test uses them only when it binds them explicitly.
	ip -n "$INET" addr add "$INET_V6/64" dev eth0 nodad || return 1
	for a in "$INET2_V6" "$ADMIN_V6"; do
		ip -n "$INET" addr add "$a/64" dev eth0 nodad preferred_lft 0 || return 1
	done
	ip -n "$INET" addr add "$BOGON_SRV_V4/32" dev lo || return 1
	ip -n "$INET" addr add "$BOGON_SRV_V6/128" dev lo nodad || return 1
	ip -n "$INET" route add 10.10.0.0/24 via "$HOST_V4" || return 1
	ip -n "$INET" -6 route add fd10::/64 via "$HOST_V6" || return 1
	ip -n "$HOST" route add 10.66.0.0/24 via "$INET_V4" || return 1
	ip -n "$HOST" -6 route add fd66::/64 via "$INET_V6" || return 1

	ip -n "$HOST" link add wg0 type bridge || return 1
	ip -n "$HOST" link set wg0 up || return 1
	ip -n "$HOST" addr add "$MESH_HOST_V4/24" dev wg0 || return 1
	ip -n "$HOST" addr add "$MESH_HOST_V6/64" dev wg0 nodad || return 1
	_peer_link "$PEER" wgp1 "$PEER_V4" "$PEER_V6" || return 1
	_peer_link "$PEER2" wgp2 "$PEER2_V4" "$PEER2_V6" || return 1
	_static_neighbours
}

_mac() { ip -n "$1" -j link show "$2" | jq -r '.[0].address'; }

# Permanent neighbour entries everywhere: a packet never waits in a queue
# for ARP/NDP resolution, so it has crossed the policy when its sender
# returns. (The NDP tests craft their own neighbour solicitations.)
_static_neighbours() {
	local m a ns
	m=$(_mac "$HOST" eth0) || return 1
	for a in "$HOST_V4" "$HOST_V6"; do
		ip -n "$INET" neigh replace "$a" lladdr "$m" dev eth0 nud permanent || return 1
	done
	m=$(_mac "$INET" eth0) || return 1
	for a in "$INET_V4" "$INET2_V4" "$ADMIN_V4" "$INET_V6" "$INET2_V6" "$ADMIN_V6"; do
		ip -n "$HOST" neigh replace "$a" lladdr "$m" dev eth0 nud permanent || return 1
	done
	m=$(_mac "$HOST" wg0) || return 1
	for ns in "$PEER" "$PEER2"; do
		for a in "$MESH_HOST_V4" "$MESH_HOST_V6"; do
			ip -n "$ns" neigh replace "$a" lladdr "$m" dev mesh0 nud permanent || return 1
		done
	done
	m=$(_mac "$PEER" mesh0) || return 1
	for a in "$PEER_V4" "$PEER_V6"; do
		ip -n "$HOST" neigh replace "$a" lladdr "$m" dev wg0 nud permanent || return 1
	done
	m=$(_mac "$PEER2" mesh0) || return 1
	for a in "$PEER2_V4" "$PEER2_V6"; do
		ip -n "$HOST" neigh replace "$a" lladdr "$m" dev wg0 nud permanent || return 1
	done
}

# policy_setup: topology + policy rendered by xnft init and loaded. Aborts the
# test (as a failure) when anything is missing.
policy_setup() {
	if ! [ -x "$XPKT" ]; then
		not_ok "xpkt test tool built at $XPKT"
		finish
	fi
	if ! command -v jq >/dev/null || ! command -v nmap >/dev/null; then
		not_ok "jq and nmap installed (tools/debian-packages.txt)"
		finish
	fi
	if ! _topology; then
		not_ok "build the host/inet/peer topology"
		finish
	fi
	if ! TEST_TMP=$(tmpdir); then
		not_ok "make a temp dir"
		finish
	fi
	POLICY_DIR=$TEST_TMP/policy
	local out
	if ! out=$(policy_render "$POLICY_DIR" 2>&1); then
		not_ok "xnft init renders the policy for the test topology"
		printf '%s\n' "$out" | sed 's/^/#   /'
		finish
	fi
	if ! out=$(policy_load 2>&1); then
		not_ok "the rendered policy loads into the host namespace"
		printf '%s\n' "$out" | sed 's/^/#   /'
		finish
	fi
}

# in_ns NS CMD...: run a command inside a namespace.
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# xpkt NS ARGS...: run xpkt inside a namespace.
xpkt() { local ns=$1; shift; ip netns exec "$ns" "$XPKT" "$@"; }

# xconnect NS ARGS...: the connect result (open, refused, filtered or an error).
xconnect() {
	local ns=$1; shift
	ip netns exec "$ns" "$XPKT" connect --timeout-ms 800 "$@" 2>&1
}

# rule_json: the xnft table as JSON, from the host.
rule_json() { ip netns exec "$HOST" nft -j list table inet xnft; }

# snap_counter JSON "comment substring": packets counted by the rules whose
# comment contains the substring (summed) in a `nft -j list table` output,
# "none" if no rule matches.
snap_counter() {
	printf '%s' "$1" | jq -r --arg s "$2" '
		[.nftables[] | select(.rule) | .rule
		 | select((.comment // "") | contains($s))
		 | .expr[] | select(.counter) | .counter.packets]
		| if length == 0 then "none" else add end'
}

# rule_counter "comment substring": the same, for the table as it is now.
rule_counter() { snap_counter "$(rule_json)" "$1"; }

# snap_rise BEFORE AFTER "comment": how much the rule counted between two
# snapshots.
snap_rise() {
	local b a
	b=$(snap_counter "$1" "$3")
	a=$(snap_counter "$2" "$3")
	if [ "$b" = none ] || [ "$a" = none ]; then echo "no-rule:$3"; else echo $((a - b)); fi
}

# counter_rise "comment substring" MIN CMD...: runs CMD (output discarded)
# and prints how many packets the matching rules counted meanwhile. A packet
# may still be on its way when CMD returns, so it waits (bounded, 3 s) until
# the rise reaches MIN; with MIN 0 it lets in-flight packets land first.
counter_rise() {
	local c=$1 min=$2; shift 2
	local before after
	before=$(rule_counter "$c")
	"$@" >/dev/null 2>&1
	[ "$min" -eq 0 ] && sleep 0.2
	for _ in $(seq 1 30); do
		after=$(rule_counter "$c")
		if [ "$before" = none ] || [ "$after" = none ]; then
			echo "no-rule:$c"
			return
		fi
		[ $((after - before)) -ge "$min" ] && break
		sleep 0.1
	done
	echo $((after - before))
}

# check_rise "description" EXPECTED "comment" CMD...: the rule counted exactly
# EXPECTED packets while CMD ran.
check_rise() {
	local desc=$1 want=$2 c=$3; shift 3
	check_eq "$desc" "$want" "$(counter_rise "$c" "$want" "$@")"
}

# check_rise_min "description" MIN "comment" CMD...: at least MIN packets.
check_rise_min() {
	local desc=$1 min=$2 c=$3; shift 3
	local got
	got=$(counter_rise "$c" "$min" "$@")
	if [[ "$got" =~ ^[0-9]+$ ]] && [ "$got" -ge "$min" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "expected at least $min packets on rule \"$c\", got: $got"
	fi
}

# start_listener NS OUTFILE xpkt-listen-args...: starts `xpkt listen` in the
# background, tracks its PID (in LISTENER_PID) and waits until it listens.
LISTENER_PID=
start_listener() {
	local ns=$1 out=$2; shift 2
	ip netns exec "$ns" "$XPKT" listen "$@" >"$out" 2>&1 &
	LISTENER_PID=$!
	track_pid "$LISTENER_PID"
	for _ in $(seq 1 50); do
		grep -q '^listening' "$out" 2>/dev/null && return 0
		kill -0 "$LISTENER_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "listener in $ns did not start: $(cat "$out")"
	return 1
}

# wait_exit PID SECONDS: wait (bounded) for a background process to end.
wait_exit() {
	local pid=$1
	for _ in $(seq 1 $(($2 * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
}

# check_ge "description" MIN VALUE: VALUE is a number >= MIN.
check_ge() {
	if [[ "$3" =~ ^[0-9]+$ ]] && [ "$3" -ge "$2" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "expected a number >= $2, got: $3"
	fi
}

# received FILE: what a finished listener got ("done N" line), or "running".
received() { sed -n 's/^done //p' "$1" | grep . || echo running; }

# wait_rise SNAP "comment" MIN: wait (bounded, 3 s) until the rule has
# counted MIN packets since the snapshot SNAP, for packets still in flight.
wait_rise() {
	local r
	for _ in $(seq 1 30); do
		r=$(snap_rise "$1" "$(rule_json)" "$2")
		[[ "$r" =~ ^[0-9]+$ ]] && [ "$r" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}
