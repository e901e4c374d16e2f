#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The default policy as a whole, loaded into a real kernel namespace:
# rendered by `xnft init`, it loads, loads again (the table-replace idiom),
# leaves other tables (Docker's) alone across reloads, and every rule in the
# kernel carries a counter and a comment, every log a rate limit and a
# catalogued prefix. Loopback works; a forged loopback source does not.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
policy_setup
ok "xnft init renders a policy for the test host and it loads into the kernel"

rule_count() { rule_json | jq '[.nftables[] | select(.rule)] | length'; }

# ---- the table-replace idiom: loading again replaces, never merges ----
n1=$(rule_count)
check "the policy loads a second time over itself" policy_load
check "and a third time" policy_load
check_eq "reloading replaces the table: same number of rules ($n1)" "$n1" "$(rule_count)"
check_eq "exactly one xnft table after reloads" "1" \
	"$(in_ns "$HOST" nft -j list tables | jq '[.nftables[] | select(.table.name == "xnft")] | length')"
check_eq "nftables.conf has no 'flush ruleset' (only comments may mention it)" "" \
	"$(grep -v '^[[:space:]]*#' "$POLICY_DIR/nftables.conf" | grep -i 'flush')"

# ---- Docker's tables survive a reload (failure mode #7) ----
in_ns "$HOST" nft -f - <<'EOF'
table ip nat {
	chain POSTROUTING {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 172.17.0.0/16 oifname != "docker0" masquerade
	}
}
table ip filter {
	chain FORWARD {
		type filter hook forward priority filter; policy accept;
		jump DOCKER-USER
		oifname "docker0" ct state established,related accept
	}
	chain DOCKER-USER {
		return
	}
}
EOF
ok_docker=$?
check_eq "Docker-like tables ip nat and ip filter created in host" 0 "$ok_docker"
docker_before=$(in_ns "$HOST" nft list table ip nat; in_ns "$HOST" nft list table ip filter)
check "reload with Docker's tables present" policy_load
check "reload again" policy_load
docker_after=$(in_ns "$HOST" nft list table ip nat 2>&1; in_ns "$HOST" nft list table ip filter 2>&1)
check_eq "Docker's tables and rules are unchanged after two reloads" "$docker_before" "$docker_after"
check_match "the masquerade rule is still there" 'masquerade' "$docker_after"
check_eq "and the xnft table still has its $n1 rules" "$n1" "$(rule_count)"

# ---- every rule in the kernel: counter, comment; every log: limit, prefix ----
rules=$(rule_json | jq -c '.nftables[] | select(.rule) | .rule')
check_eq "every rule has a counter" "" \
	"$(printf '%s\n' "$rules" | jq -r 'select([.expr[] | select(.counter)] | length == 0) | "\(.chain) handle \(.handle): \(.comment // "")"')"
check_eq "every rule has a non-empty comment" "" \
	"$(printf '%s\n' "$rules" | jq -r 'select((.comment // "") == "") | "\(.chain) handle \(.handle)"')"
check_eq "every rule that logs has a limit before its log" "" \
	"$(printf '%s\n' "$rules" | jq -r 'select(any(.expr[]; .log)) |
		select(([.expr | to_entries[] | select(.value.limit) | .key] | min // 999) >
		       ([.expr | to_entries[] | select(.value.log) | .key] | min)) | .comment')"
nlogs=$(printf '%s\n' "$rules" | jq -r 'select(any(.expr[]; .log))' | jq -s length)
check_match "the policy has logging rules ($nlogs)" '^[1-9][0-9]*$' "$nlogs"
prefixes=$(printf '%s\n' "$rules" | jq -r '.expr[] | select(.log) | .log.prefix' | sort -u)
bad=""
for p in $prefixes; do
	name=${p%: }
	name=${name%:}
	case "$name" in XNFT-*) ;; *) bad="$bad $p"; continue ;; esac
	grep -q "\`$name\`" "$ROOT/docs/log-prefixes.md" || bad="$bad $name"
done
check_eq "every log prefix is XNFT-* and listed in docs/log-prefixes.md" "" "$bad"

# ---- loopback (and failure mode #9: nothing drops it before the accept) ----
start_listener "$HOST" "$TEST_TMP/lo.log" --port 22 --count 10 --timeout-ms 30000
check_eq "loopback: TCP to 127.0.0.1:22 inside host opens" open "$(xconnect "$HOST" --dst 127.0.0.1 --port 22)"
check_eq "loopback: TCP to ::1:22 inside host opens" open "$(xconnect "$HOST" --dst ::1 --port 22)"
check_eq "loopback: TCP to the host's own WAN address opens (via lo)" open \
	"$(xconnect "$HOST" --dst "$HOST_V4" --port 22)"
check_rise_min "loopback: the lo accept rule counted that traffic" 3 \
	"loopback: the host talking to itself" xconnect "$HOST" --dst 127.0.0.1 --port 22

# A 127/8 source arriving on eth0. The kernel's martian check drops it
# before the input hook unless route_localnet and accept_local are set;
# set them on eth0 so the packet reaches the policy, which must drop it.
in_ns "$HOST" sysctl -qw net.ipv4.conf.eth0.route_localnet=1 net.ipv4.conf.eth0.accept_local=1
check_rise "loopback spoof: 127.0.0.1 source from eth0 dropped (LOOPBACK-SPOOF rule, 3 of 3)" 3 \
	"loopback: drop 127/8 source from outside" \
	xpkt "$INET" send --src 127.0.0.1 --dst "$HOST_V4" --proto tcp --dport 22 --count 3
check_rise "loopback spoof: and logged under its prefix (3, under the log limit)" 3 \
	"loopback: log 127/8 source" \
	xpkt "$INET" send --src 127.0.0.1 --dst "$HOST_V4" --proto tcp --dport 22 --count 3
in_ns "$HOST" sysctl -qw net.ipv4.conf.eth0.route_localnet=0 net.ipv4.conf.eth0.accept_local=0
# (A ::1 source from outside never reaches a hook: IPv6 drops it on receive,
# RFC 4291 2.5.3, so the policy's ::1 rule cannot be shown with a packet.)

finish
