#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Three hosts share one real CrowdSec LAPI (Debian's crowdsec 1.4.6) over a
# mesh, each with its own xnft daemon as bouncer and watcher (own state
# dir, own control socket, own host name):
#
#   x (attacker) --eth0==eth0-- a --wg0 (bridge, LAPI on 10.10.0.1:8080)
#                                    ==wg0-- b (10.10.0.2)
#                                    ==wg0-- c (10.10.0.3)
#
# x scans a (real SYNs to closed ports, nmap); a's own engine bans x from
# the policy's NFLOG drops and pushes the ban; b and c get it in their
# kernel sets. The LAPI is stopped, a second scanner is banned on a
# meanwhile (its push waits), the LAPI restarted and a decision added with
# cscli (which needs the LAPI): every host ends with every ban, once, and
# the LAPI holds each decision once (a's ban extended by the scan's
# late events is not pushed again).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/crowdsec_lib.sh"
require_root

T=$(tmpdir)
A=$(ns_add fa) && B=$(ns_add fb) && C=$(ns_add fc) && X=$(ns_add fx) || {
	not_ok "namespaces"; finish; }
LAPI=10.10.0.1
X1=198.18.0.66 X2=198.18.0.67

# --- the network: x on a's WAN, b and c on a's mesh bridge (named wg0 everywhere: the policy matches the name)
ip -n "$A" link add eth0 type veth peer name eth0 netns "$X"
ip -n "$A" addr add 198.18.0.1/24 dev eth0 && ip -n "$A" link set eth0 up
ip -n "$X" addr add "$X1/24" dev eth0 && ip -n "$X" addr add "$X2/24" dev eth0
ip -n "$X" link set eth0 up
ip -n "$A" link add wg0 type bridge && ip -n "$A" addr add "$LAPI/24" dev wg0 && ip -n "$A" link set wg0 up
n=2
for ns in "$B" "$C"; do
	ip -n "$A" link add "port$n" type veth peer name wg0 netns "$ns"
	ip -n "$A" link set "port$n" master wg0 up
	ip -n "$ns" addr add "10.10.0.$n/24" dev wg0 && ip -n "$ns" link set wg0 up
	n=$((n + 1))
done

# --- the policies: a serves the LAPI to the mesh and logs drops to NFLOG 7
render() {   # DIR [ARGS...]
	local dir=$1; shift
	"$XNFT" init "$dir" --wan eth0 --mesh-if wg0 --mesh 10.10.0.0/24 --log nflog:7 \
		--bogon-exempt 198.18.0.0/15 --no-iface-check "$@" >/dev/null
}
render "$T/pa" --service tcp/8080:lapi && render "$T/pb" && render "$T/pc"
check_eq "three policies rendered" "3" "$(ls -d "$T"/p?/nftables.conf | wc -l)"
for h in a b c; do
	ns=$A; [ $h = b ] && ns=$B; [ $h = c ] && ns=$C
	ip netns exec "$ns" nft -I "$T/p$h" -f "$T/p$h/nftables.conf" || not_ok "policy loads on $h"
done

# --- the LAPI, on a's mesh address
CS=$T/cs
crowdsec_config "$CS" "$LAPI:8080" info false
cscli() { ip netns exec "$A" cscli -c "$CS/config.yaml" "$@" 2>>"$CS/cscli.log"; }
LAPI_PID=
lapi_start() {
	ip netns exec "$A" crowdsec -c "$CS/config.yaml" -no-cs >>"$CS/lapi.log" 2>&1 &
	LAPI_PID=$!
	track_pid "$LAPI_PID"
	for _ in $(seq 100); do
		ip netns exec "$B" curl -s -o /dev/null "http://$LAPI:8080/v1/decisions" && return 0
		sleep 0.1
	done
	return 1
}
lapi_stop() { kill "$LAPI_PID" && wait "$LAPI_PID" 2>/dev/null; LAPI_PID=; }
cscli machines add fleet-test --auto -f "$CS/local_api_credentials.yaml" --url "http://$LAPI:8080" >/dev/null

# --- one daemon per host: own state dir, socket, key, machine login and host name (UTS namespace)
declare -A NS_OF=([a]=$A [b]=$B [c]=$C) PID_OF=()
for h in a b c; do
	mkdir -p "$T/$h"
	(umask 077 && cscli bouncers add "xnft-$h" -o raw >"$T/$h/cs.key")
	cscli machines add "xnft-$h" --auto -f "$T/$h/machine.yaml" --url "http://$LAPI:8080" >/dev/null
	chmod 600 "$T/$h/machine.yaml"
	src=stdin; [ $h = a ] && src=nflog:7
	cat >"$T/$h/xnft.conf" <<-EOF
		[daemon]
		sources = $src
		policy = live
		socket = $T/$h/d.sock
		database = $T/$h/bans.db
		[escalation]
		enabled = no
		[ban.scan]
		categories = *
		threshold = 5
		window = 1m
		bantime = 1h
		[crowdsec]
		url = http://$LAPI:8080
		api_key_file = $T/$h/cs.key
		machine_credentials = $T/$h/machine.yaml
		poll = 500ms
		timeout = 2s
	EOF
done
check_eq "three bouncers registered" "3" "$(cscli bouncers list -o json | jq length)"
lapi_start && ok "crowdsec's LAPI starts on $LAPI:8080" || { not_ok "LAPI starts"; tail "$CS/lapi.log"; finish; }

dstat() { ip netns exec "${NS_OF[$1]}" "$XNFT" daemon --status --json --socket "$T/$1/d.sock" 2>/dev/null; }
for h in a b c; do
	# unshare and sh exec in place: the PID is the daemon's own
	ip netns exec "${NS_OF[$h]}" unshare --uts sh -c "hostname fleet-$h && exec \"\$0\" daemon -c \"\$1\"" \
		"$XNFT" "$T/$h/xnft.conf" </dev/null >"$T/$h/daemon.log" 2>&1 &
	PID_OF[$h]=$!
	track_pid "${PID_OF[$h]}"
done
up() { for h in a b c; do [ "$(dstat "$h" | jq -r '.crowdsec.synced')" = true ] || return 1; done; }
for _ in $(seq 150); do up && break; sleep 0.1; done
check "three daemons up, each synced with the LAPI (b and c over the mesh)" up

# elems NS: the addresses in BANNED4 on a host
elems() {
	ip netns exec "$1" nft -j list set inet xnft BANNED4 | jq -r '.nftables[] | select(.set) |
		(.set.elem // [])[] | if type == "object" then .elem.val else . end'
}
has_elem() { elems "$1" | grep -qx "$2"; }
# wait_all ADDR: bounded (60 s: the pulls back off while the LAPI is away) until every host has it
wait_all() {
	for _ in $(seq 600); do
		has_elem "$A" "$1" && has_elem "$B" "$1" && has_elem "$C" "$1" && return 0
		sleep 0.1
	done
	return 1
}
scan() {   # SOURCE: SYNs to 30 closed ports of a, from SOURCE
	ip netns exec "$X" nmap -sS -Pn -n -S "$1" -e eth0 -p 2000-2029 --max-retries 0 \
		--host-timeout 20s 198.18.0.1 >/dev/null 2>&1
}

# --- a scan of a: banned on a by its own engine, then on b and c through the LAPI
scan "$X1"
check "the scan of a gets $X1 banned on a, b and c" wait_all "$X1"
check_eq "a banned it from its own events (rule scan)" "scan" \
	"$(ip netns exec "$A" "$XNFT" bans --socket "$T/a/d.sock" list --json | jq -r ".bans[] | select(.addr == \"$X1\") | .rule")"
check_match "b has it from the LAPI, scenario xnft/fleet-a/scan" "^crowdsec:crowdsec:xnft/fleet-a/scan" \
	"$(ip netns exec "$B" "$XNFT" bans --socket "$T/b/d.sock" list --json | jq -r ".bans[] | select(.addr == \"$X1\") | .rule")"
check_eq "b and c pushed nothing of it back" "0 0" \
	"$(dstat b | jq '.crowdsec.watcher.pushed') $(dstat c | jq '.crowdsec.watcher.pushed')"

# --- the LAPI stopped mid-run: a goes on banning; a decision is added meanwhile; restarted
lapi_stop
for _ in $(seq 100); do [ "$(dstat a | jq -r '.crowdsec.reachable')" = false ] && break; sleep 0.1; done
check_eq "LAPI stopped: a says not reachable" "false" "$(dstat a | jq -r '.crowdsec.reachable')"
scan "$X2"
for _ in $(seq 100); do has_elem "$A" "$X2" && break; sleep 0.1; done
check "LAPI down: a still bans the second scanner $X2 on its own" has_elem "$A" "$X2"
for _ in $(seq 50); do [ "$(dstat a | jq '.crowdsec.watcher.waiting')" -ge 1 ] && break; sleep 0.1; done
check_eq "its push waits" "1" "$(dstat a | jq '.crowdsec.watcher.waiting')"
lapi_start && ok "the LAPI restarts" || not_ok "the LAPI restarts"
cscli decisions add -i 203.0.113.5 -d 1h >/dev/null
check "after the restart the second scanner reaches b and c" wait_all "$X2"
check "and a decision added with cscli after it reaches all three" wait_all 203.0.113.5

# nothing lost, nothing duplicated
for h in a b c; do
	check_eq "$h holds the three bans, once each" "$X1 $X2 203.0.113.5" \
		"$(elems "${NS_OF[$h]}" | sort | xargs)"
	check_eq "$h's engine holds three" "3" "$(dstat "$h" | jq '.engine.active')"
done
list=$(cscli decisions list -o json)
for v in "$X1" "$X2" 203.0.113.5; do
	check_eq "the LAPI holds one decision for $v" "1" \
		"$(echo "$list" | jq --arg v "$v" '[.[].decisions[] | select(.value == $v)] | length')"
done
check_eq "a pushed two bans, none waits" "2 0" \
	"$(dstat a | jq -r '"\(.crowdsec.watcher.pushed) \(.crowdsec.watcher.waiting)"')"

for h in a b c; do
	kill "${PID_OF[$h]}" && wait "${PID_OF[$h]}"
	check_eq "$h's daemon stops cleanly" "0" "$?"
done
check "no sanitizer report in the daemons' logs" \
	bash -c "! grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' $T/?/daemon.log"
lapi_stop
finish
