# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the arp and bridge kernel differentials (test_families.sh,
# test_cx_families.sh). Source it after lib.sh, policy_lib.sh and
# trace_lib.sh, with policy_setup and trace_setup done. ARP frames are sent
# with tests/tools/arp_send.py (the tag in the source MAC) and compared rule
# by rule with gen_ruleset.py compare-mac; frames through the host's bridge
# go through trace_lib.sh's batch.
SEND=$ROOT/tests/tools/arp_send.py

# arp_trace_table FILE: the arp table that turns tracing on for ARP frames
# the host receives, before anything else.
arp_trace_table() {
	cat >"$1" <<'NFT'
table arp xtrace {
	chain in {
		type filter hook input priority -500; policy accept;
		meta nftrace set 1
	}
}
NFT
}

# bridge_direct: peer sends to peer2 straight over the bridge (not routed by
# the host), and the bridge knows both ports' addresses (no flooding). Sets
# m1 and m2, the peers' MAC addresses.
bridge_direct() {
	m1=$(ip -n "$PEER" -j link show mesh0 | jq -r '.[0].address')
	m2=$(ip -n "$PEER2" -j link show mesh0 | jq -r '.[0].address')
	ip -n "$PEER" route add "$PEER2_V4/32" dev mesh0 &&
		ip -n "$PEER" neigh replace "$PEER2_V4" lladdr "$m2" dev mesh0 nud permanent &&
		ip netns exec "$HOST" bridge fdb replace "$m1" dev wgp1 master static &&
		ip netns exec "$HOST" bridge fdb replace "$m2" dev wgp2 master static
}

# decisions_of OUTPUT: "compared agree stated silent" from gen_ruleset.py compare's output
decisions_of() {
	printf '%s\n' "$1" | sed -n 's/^decisions \([0-9]*\) agree \([0-9]*\) assumed \([0-9]*\) silent \([0-9]*\)$/\1 \2 \3 \4/p'
}

# arp_tally COMPARED AGREE STATED SILENT: add a batch's decisions to the ARP sums
# (a silent count that is missing counts as one, so that it fails)
arp_tally() {
	ARP_DECISIONS=$((ARP_DECISIONS + $1)) ARP_DEC_AGREE=$((ARP_DEC_AGREE + $2))
	ARP_DEC_ASSUMED=$((ARP_DEC_ASSUMED + $3))
	if [ "$4" = missing ]; then
		ARP_DEC_SILENT=$((ARP_DEC_SILENT + 1))
	else
		ARP_DEC_SILENT=$((ARP_DEC_SILENT + $4))
	fi
}

# arp_packets ROLE WORDS MAC < CASES: packet lines for arp_batch from lines
# "OP SENDER TARGET"; tags from $tag on; MAC the destination ("-": broadcast)
arp_packets() {
	local role=$1 words=$2 mac=$3 op spa tpa w
	while read -r op spa tpa; do
		tag=$((tag + 1))
		case $op in 1) w=request ;; 2) w=reply ;; *) w=$op ;; esac
		printf '%s\ttag=%d op=%s src=%s dst=%s mac=%s\t%s arp operation %s arp saddr ip %s arp daddr ip %s\n' \
			"$role" "$tag" "$op" "$spa" "$tpa" "$mac" "$words" "$w" "$spa" "$tpa"
	done
}

# send_arp NS DEV FIELDS [TAG]: one frame from the key=value FIELDS of a line
send_arp() {
	local ns=$1 dev=$2 kv tag op src dst mac
	for kv in $3; do
		case $kv in
		tag=*) tag=${kv#tag=} ;; op=*) op=${kv#op=} ;; src=*) src=${kv#src=} ;;
		dst=*) dst=${kv#dst=} ;; mac=*) mac=${kv#mac=} ;;
		esac
	done
	[ "$mac" = - ] && mac=
	ip netns exec "$ns" python3 "$SEND" "$dev" "$op" "$src" "$dst" "${4:-$tag}" $mac
}

# arp_batch NAME NS DEV PACKETS: send each line's ARP frame from DEV in NS,
# wait (bounded) for the last one's trace, compare rule by rule (compare-mac).
# STATED_OK=N: as trace_lib.sh's batch. Sums in ARP_DECISIONS, ARP_DEC_AGREE,
# ARP_DEC_ASSUMED, ARP_DEC_SILENT.
arp_batch() {
	local name=$1 ns=$2 dev=$3 pk=$4 sent=0 seen=0 x out agree last rc
	local dn da das dsi
	host_nft -j list chains >"$T/chains.json"
	: >"$T/trace.log"
	ip netns exec "$HOST" nft -a monitor trace >"$T/trace.log" 2>&1 &
	MON_PID=$!
	track_pid "$MON_PID"
	# the monitor listens once a probe (the first line's frame, tag 65535) shows
	x=$(head -1 "$pk" | cut -f2)
	for _ in $(seq 1 50); do
		send_arp "$ns" "$dev" "$x" 65535
		if grep -q 'ether saddr 02:78:6e:66:ff:ff ' "$T/trace.log"; then seen=1; break; fi
		sleep 0.2
	done
	check_eq "$name: the kernel traces the frames" 1 "$seen"
	while IFS=$'\t' read -r _ x _; do
		send_arp "$ns" "$dev" "$x" && sent=$((sent + 1))
	done <"$pk"
	check_eq "$name: every frame was sent" "$(wc -l <"$pk")" "$sent"
	last=$(printf '02:78:6e:66:%02x:%02x' $((tag >> 8)) $((tag & 255)))
	for _ in $(seq 1 50); do
		grep -q "ether saddr $last " "$T/trace.log" && break
		sleep 0.2
	done
	monitor_stop
	cut -f3 "$pk" >"$T/words"
	ip netns exec "$HOST" "$XNFT" trace --live --json --packets "$T/words" >"$T/xnft.jsonl" \
		2>"$T/xnft.err"
	rc=$?
	check_eq "$name: xnft traces every packet (exit 0)" "0 $(wc -l <"$pk")" \
		"$rc $(grep -c . "$T/xnft.jsonl")"
	out=$(python3 "$GEN" compare-mac "$pk" "$T/trace.log" "$T/xnft.jsonl" "$T/chains.json" 2>&1)
	if [ -n "${TRACE_KEEP:-}" ]; then   # for debugging, as trace_lib.sh's report
		x=$TRACE_KEEP/$(printf '%s' "$name" | tr -c 'A-Za-z0-9.-' '_')
		mkdir -p "$x" && cp "$pk" "$T/trace.log" "$T/xnft.jsonl" "$T/chains.json" "$x/"
	fi
	printf '%s\n' "$out" | grep '^#' | head -40
	agree=$(printf '%s\n' "$out" | sed -n 's/^agree \([0-9]*\) of \([0-9]*\)$/\1 \2/p')
	read -r dn da das dsi <<<"$(decisions_of "$out")"
	if [ -n "${STATED_OK:-}" ] && [ "${dsi:-1}" -eq 0 ] && [ "${das:-0}" -gt 0 ] &&
	   [ "$das" -le "$STATED_OK" ]; then
		# values the packet words cannot give: each difference stated on its rule
		ok "$name: of ${dn:-0} decisions $das differ, each with its assumption stated"
	else
		check_eq "$name: every packet's matched rules and verdict agree with the kernel" \
			"$(wc -l <"$pk") $(wc -l <"$pk")" "$agree"
	fi
	diag "$name: decisions compared ${dn:-0}, agree ${da:-0}, differ with a stated assumption ${das:-0}, differ silently ${dsi:-0}"
	check_eq "$name: no rule-level decision differs silently from the kernel" 0 "${dsi:-missing}"
	arp_tally "${dn:-0}" "${da:-0}" "${das:-0}" "${dsi:-missing}"
}

ARP_DECISIONS=0 ARP_DEC_AGREE=0 ARP_DEC_ASSUMED=0 ARP_DEC_SILENT=0
