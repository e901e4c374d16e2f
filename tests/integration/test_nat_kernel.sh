#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_nat_kernel.sh: on rulesets with NAT (tests/integration/fixtures_nat:
# OpenWrt fw4's generated port forwards and redirects, firewalld's layout,
# Docker's published port, a Debian router, the issue's redirect 2222 -> 22),
# `xnft trace --live` must give the kernel's rule path and verdict for
# packets on the input and the forward path, IPv4 and IPv6: the kernel is
# the oracle (trace_lib.sh: tagged packets, `nft monitor trace`). Each
# ruleset is first moved onto the test topology (policy_lib.sh): the WAN is
# eth0 (the internet namespace behind it), the LAN is wg0 (the peers behind
# it: the dnat targets become 10.10.0.2 / 10.10.0.3 / fd10::2). One TAP line
# per ruleset; every disagreement is printed with the packet's words.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root

FX=$ROOT/tests/integration/fixtures_nat
source "$(dirname "$0")/trace_lib.sh"
trace_start

# ---- packets ----------------------------------------------------------------------------

TAG=0
PK=

# pkt SENDER SRC DST PROTO DPORT: one new connection's first packet (tcp: a SYN),
# as xpkt sends it and as xnft's words give it. The interfaces follow from
# the topology: inet arrives on eth0, the peers on wg0; a destination that is
# not the host's leaves by wg0 (the mesh) or eth0 (anything else).
pkt() {
	local sender=$1 src=$2 dst=$3 proto=$4 dport=$5 fam=ip ttl="ip ttl" iif oif="" sport x w
	TAG=$((TAG + 1))
	sport=$((20000 + TAG))
	case $src in *:*) fam=ip6; ttl="ip6 hoplimit" ;; esac
	case $sender in inet) iif=eth0 ;; *) iif=wg0 ;; esac
	case $dst in
	"$HOST_V4"|"$HOST_V6"|"$MESH_HOST_V4"|"$MESH_HOST_V6") ;;
	10.10.0.*|fd10::*) oif=wg0 ;;
	*) oif=eth0 ;;
	esac
	x="src=$src dst=$dst proto=$proto ttl=64 tag=$TAG sport=$sport dport=$dport"
	w="iifname $iif${oif:+ oifname $oif} $fam saddr $src $fam daddr $dst $ttl 64"
	w="$w $proto sport $sport $proto dport $dport"
	if [ "$proto" = tcp ]; then
		x="$x flags=syn"
		w="$w tcp flags syn"
	fi
	printf '%s\t%s\t%s ct state new\n' "$sender" "$x" "$w" >>"$PK"
}

# ports SENDER SRC DST PROTO PORT...: pkt for each port.
ports() {
	local sender=$1 src=$2 dst=$3 proto=$4 p
	shift 4
	for p in "$@"; do pkt "$sender" "$src" "$dst" "$proto" "$p"; done
}

# nat_batch NAME FILE SED...: the ruleset moved onto the topology by the sed
# expressions, loaded alone (with the tracing table), then the packets in $PK.
nat_batch() {
	local name=$1 file=$2
	shift 2
	sed "$@" "$file" >"$T/nat.nft"
	if ! load_fresh "$T/nat.nft" 2>"$T/load.err"; then
		not_ok "$name: loads on the test topology"
		sed 's/^/#   /' "$T/load.err" | head -5
		return
	fi
	batch "$name" "$PK"
}

# ---- the rulesets ------------------------------------------------------------------------

# the issue's case: WAN 2222 redirected to 22, accepted as ct status dnat
PK=$T/redirect.pk
: >"$PK"
ports inet "$INET_V4" "$HOST_V4" tcp 2222 22 23 80
ports inet "$INET_V6" "$HOST_V6" tcp 2222 22
ports inet "$INET_V4" "$HOST_V4" udp 2222 53
ports inet "$INET_V4" "$PEER_V4" tcp 2222 22
ports peer "$PEER_V4" "$HOST_V4" tcp 2222 22
nat_batch "redirect 2222 -> 22 + ct status dnat accept" "$FX/redirect_ssh.nft" \
	-e 's/"wan"/"eth0"/'

# OpenWrt fw4: port forwards to a LAN host (IPv4 and IPv6), redirects to the router
PK=$T/fw4.pk
: >"$PK"
ports inet "$INET_V4" "$HOST_V4" tcp 22 23 24 26 80 443
ports inet "$INET_V6" "$HOST_V6" tcp 25 27 22 80
ports inet "$INET_V4" "$HOST_V4" udp 53 123
ports inet "$INET_V4" "$PEER_V4" tcp 22 80
ports inet "$INET_V6" "$PEER_V6" tcp 25 80
ports peer "$PEER_V4" "$HOST_V4" udp 53
ports peer "$PEER_V4" "$HOST_V4" tcp 80
# reflection: a LAN host reaches the port forward at the WAN address
ports peer2 "$PEER2_V4" "$HOST_V4" tcp 22 23
ports peer2 "$PEER2_V6" "$HOST_V6" tcp 25
ports peer "$PEER_V4" "$INET_V4" tcp 80 443
ports peer "$PEER_V6" "$INET_V6" tcp 80
ports peer "$PEER_V4" "$PEER2_V4" tcp 22
nat_batch "OpenWrt fw4 port forwards and redirects" "$FX/fw4_redirect.nft" \
	-e 's/pppoe-wan/eth0/g' -e 's/br-lan/wg0/g' \
	-e 's/192\.168\.26\.100/10.10.0.2/g' -e 's/192\.168\.26\./10.10.0./g' \
	-e 's/2001:db8:1000:1::1234/fd10::2/g' -e 's/2001:db8:1000::\/60/fd10::\/60/g' \
	-e "s/10\\.11\\.12\\.194/$HOST_V4/g"

# firewalld: public zone on eth0, ssh, a forward port 8080 -> LAN :80, masquerade
PK=$T/firewalld.pk
: >"$PK"
ports inet "$INET_V4" "$HOST_V4" tcp 8080 22 80 443
ports inet "$INET_V6" "$HOST_V6" tcp 8080 22
ports inet "$INET_V4" "$HOST_V4" udp 8080 53
ports inet "$INET_V4" "$PEER2_V4" tcp 80 8080
ports peer "$PEER_V4" "$INET_V4" tcp 80
ports peer "$PEER_V4" "$HOST_V4" tcp 22 8080
ports peer "$PEER_V6" "$HOST_V6" tcp 22 8080
nat_batch "firewalld forward port" "$FX/firewalld_public.nft" \
	-e 's/192\.168\.100\.3/10.10.0.3/g'

# Docker: a published port that bypasses the host's input chain
PK=$T/docker.pk
: >"$PK"
ports inet "$INET_V4" "$HOST_V4" tcp 8080 22 80 443
ports inet "$INET_V4" "$MESH_HOST_V4" tcp 8080
ports inet "$INET_V6" "$HOST_V6" tcp 8080 22
ports inet "$INET_V4" "$PEER_V4" tcp 80 8080
ports peer "$PEER_V4" "$INET_V4" tcp 80
ports peer "$PEER_V4" "$HOST_V4" tcp 8080 22
ports peer2 "$PEER2_V4" "$MESH_HOST_V4" tcp 8080
nat_batch "Docker published port" "$FX/docker_published.nft" \
	-e 's/docker0/wg0/g' -e 's/172\.17\.0\.2/10.10.0.2/g' -e 's/172\.17\.0\.0\/16/10.10.0.0\/24/g'

# a Debian router: LAN masqueraded out of the WAN, HTTPS and SSH forwarded in
PK=$T/router.pk
: >"$PK"
ports inet "$INET_V4" "$HOST_V4" tcp 443 2222 22 80
ports inet "$INET_V6" "$HOST_V6" tcp 443 22
ports inet "$INET_V4" "$PEER_V4" tcp 443 22
ports peer "$PEER_V4" "$INET_V4" tcp 443 80
ports peer "$PEER_V4" "$HOST_V4" tcp 22
ports peer "$PEER_V6" "$INET_V6" tcp 443
nat_batch "Debian router with port forwards" "$FX/debian_router_ssh.nft" \
	-e 's/"eth1"/"wg0"/g' -e 's/192\.168\.1\.20/10.10.0.2/g' -e 's/192\.168\.1\.30/10.10.0.3/g'

# ---- martians ------------------------------------------------------------------------------
# A packet to a loopback address from eth0: the kernel lets IPv4 through
# prerouting and drops it at the routing decision, IPv6 before prerouting.
# nft trace shows no drop for either, so counters are the oracle here: one at
# ingress (the packet arrived), one at prerouting, one at input.

cat >"$T/martian.nft" <<'EOF'
table netdev martian_ing {
	chain ing {
		type filter hook ingress device "eth0" priority 0; policy accept;
		ip daddr 127.0.0.2 counter comment "ing4"
		ip6 daddr ::1 counter comment "ing6"
	}
}
table inet martian {
	chain pre {
		type filter hook prerouting priority 0; policy accept;
		ip daddr 127.0.0.2 counter comment "pre4"
		ip6 daddr ::1 counter comment "pre6"
	}
	chain in {
		type filter hook input priority 0; policy accept;
		ip daddr 127.0.0.2 counter comment "in4"
		ip6 daddr ::1 counter comment "in6"
	}
}
EOF
# counted NAME: the packets the counter commented NAME saw
counted() {
	host_nft list ruleset | sed -n "s/.*counter packets \([0-9]*\) bytes [0-9]* comment \"$1\".*/\1/p"
}
# the internet namespace routes 127.0.0.2 and ::1 to the host, before its own local table
martian_routes() {
	ip -n "$INET" route add 127.0.0.2/32 via "$HOST_V4" dev eth0 table 100 &&
	ip -n "$INET" rule add to 127.0.0.2 lookup 100 pref 10 &&
	ip -n "$INET" -6 route add ::1/128 via "$HOST_V6" dev eth0 table 100 &&
	ip -n "$INET" -6 rule add to ::1 lookup 100 pref 10 &&
	ip -n "$INET" rule del pref 0 && ip -n "$INET" rule add pref 100 lookup local &&
	ip -n "$INET" -6 rule del pref 0 && ip -n "$INET" -6 rule add pref 100 lookup local
}
if host_nft flush ruleset && host_nft -f "$T/martian.nft" && martian_routes; then
	printf 'src=%s dst=127.0.0.2 proto=tcp ttl=64 tag=1 sport=1000 dport=22 flags=syn\nsrc=%s dst=::1 proto=tcp ttl=64 tag=2 sport=1000 dport=22 flags=syn\n' \
		"$INET_V4" "$INET_V6" >"$T/martian.pk"
	for _ in $(seq 1 25); do
		ip netns exec "$INET" "$XPKT" send-batch "$T/martian.pk" >/dev/null 2>&1
		[ "$(counted ing4)" -gt 0 ] && [ "$(counted ing6)" -gt 0 ] && break
		sleep 0.2
	done
	check "martian: both packets arrived on eth0 (ingress counters)" \
		test "$(counted ing4)" -gt 0 -a "$(counted ing6)" -gt 0
	check "martian: the kernel lets IPv4 through prerouting, drops it before input" \
		test "$(counted pre4)" -gt 0 -a "$(counted in4)" -eq 0
	check "martian: the kernel drops IPv6 before prerouting" \
		test "$(counted pre6)" -eq 0 -a "$(counted in6)" -eq 0
	out=$(ip netns exec "$HOST" "$XNFT" trace --live --json iifname eth0 ip saddr "$INET_V4" \
	      ip daddr 127.0.0.2 tcp dport 22 2>/dev/null)
	check "martian: xnft agrees for IPv4 (prerouting rule met, then dropped by the kernel)" \
		python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["verdict"]=="drop" and "martian" in d["kernel_drop"]; h={x["hook"]:x for x in d["hooks"]}; assert "prerouting" in h and any(s.get("matched") for c in h["prerouting"]["chains"] for s in c["steps"])' <<<"$out"
	out=$(ip netns exec "$HOST" "$XNFT" trace --live --json iifname eth0 ip6 saddr "$INET_V6" \
	      ip6 daddr ::1 tcp dport 22 2>/dev/null)
	check "martian: xnft agrees for IPv6 (dropped by the kernel before prerouting)" \
		python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["verdict"]=="drop" and "martian" in d["kernel_drop"]; assert not any(c.get("steps") for x in d["hooks"] if x["hook"]=="prerouting" for c in x.get("chains", []))' <<<"$out"
else
	not_ok "martian: the counting ruleset and the internet's routes to loopback addresses"
fi

diag "overall: $TOTAL_AGREE of $TOTAL_PACKETS packets agree with the kernel"
check_ge "NAT packets compared" 70 "$TOTAL_PACKETS"
finish
