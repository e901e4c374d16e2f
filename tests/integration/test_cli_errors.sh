#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What a user sees when a command is given bad input (issue 13): every case
# here once printed something misleading. Each check names what it guards.
source "$(dirname "$0")/lib.sh"
require_root
T=$(tmpdir)

# run ARGS...: sets OUT (stdout+stderr) and RC
run() {
	OUT=$("$XNFT" "$@" 2>&1)
	RC=$?
}

# --- a config that does not parse is reported before any socket is tried -------------
printf '[daemon]\nsocket = %s/d.sock\nbogus = 1\n' "$T" >"$T/bad.conf"
for cmd in "daemon --reload" "daemon --status" "bans list"; do
	# shellcheck disable=SC2086
	run $cmd -c "$T/bad.conf"
	check_eq "$cmd -c bad.conf: exit 1" 1 "$RC"
	check_match "$cmd -c bad.conf: the parse error at file:line" "^$T/bad.conf:3: error: .*bogus" "$OUT"
	check_eq "$cmd -c bad.conf: no talk of the socket" 0 "$(printf '%s\n' "$OUT" | grep -c 'cannot reach')"
done
run bans list -c "$T/nothere.conf"
check_eq "bans list -c missing.conf: exit 2" 2 "$RC"
check_match "bans list -c missing.conf: names the file" "cannot read config $T/nothere.conf" "$OUT"

# --- one prefix: "xnft CMD: message" (never "xnft: error:" or a bare "error:") --------------
run check /nonexistent/xnft-policy
check_match "an error without a file: 'xnft check: ...'" "^xnft check: cannot open policy /nonexistent/xnft-policy" "$OUT"
run bans list --socket "$T/nothere.sock"
check_match "bans: 'xnft bans: ...'" "^xnft bans: cannot reach the daemon at $T/nothere.sock" "$OUT"
for cmd in check lint trace exposure verify diff apply status events report daemon bans; do
	run $cmd --no-such-option
	check_match "$cmd: an unknown option is named, with the command's prefix" \
		"^xnft $cmd: unknown option '--no-such-option'" "$OUT"
done
run exposure "$ROOT/policy" --from
check_eq "a missing value: exit 2" 2 "$RC"
check_match "a missing value: said so, with the option" "^xnft exposure: option '--from' needs a value" "$OUT"
run check --json=1 "$ROOT/policy"
check_match "a value given to a flag: said so" "^xnft check: option '--json' takes no value" "$OUT"

# --- a verdict keyword's typo gets a did-you-mean at its file:line:col ------------------
run check "$ROOT/tests/lint/XL000-bad.nft"
check_eq "acept: exit 1" 1 "$RC"
check_match "acept: nft's syntax error with a did-you-mean" \
	"XL000-bad.nft:8:[0-9]+: error: syntax error.*did you mean 'accept' \\(not 'acept'\\)" "$OUT"

# --- trace --in-set with a set the ruleset lacks ---------------------------------------------
run trace "$ROOT/policy" --in-set NOSUCHSET iif eth0 ip saddr 192.0.2.1 tcp dport 22 ct state new
check_eq "--in-set NOSUCHSET: exit 2" 2 "$RC"
check_match "--in-set NOSUCHSET: refused, naming the sets there are" \
	"^xnft trace: --in-set NOSUCHSET: no set @NOSUCHSET in the ruleset \\(it has @MESH_PEERS, " "$OUT"
run trace "$ROOT/policy" --in-set @MESH_PEERS iif eth0 ip saddr 192.0.2.1 tcp dport 22 ct state new
check_eq "--in-set @MESH_PEERS: accepted" 0 "$RC"

# --- an empty daemon config is ok, with a warning; counts agree with their nouns ----------
: >"$T/empty.conf"
run daemon --check -c "$T/empty.conf"
check_eq "empty config: exit 0" 0 "$RC"
check_match "empty config: a warning that nothing is ever banned" "warning: no \\[ban.NAME\\] rule" "$OUT"
printf '[whitelist]\naddresses = 192.0.2.10\n' >"$T/one.conf"
run daemon --check -c "$T/one.conf"
check_match "1 whitelist entry, 0 rules" "ok: 0 rules, .*1 whitelist entry, 0 webhooks" "$OUT"
check_eq "no '(s)' or '(ies)'" 0 "$(printf '%s\n' "$OUT" | grep -c '(s)\|(ies)')"
printf '%s\n' "Nov 23 10:00:00 host kernel: XNFT-DROP: IN=eth0 OUT= SRC=203.0.113.5 DST=198.51.100.1 LEN=40 TOS=0x00 PREC=0x00 TTL=52 ID=0 PROTO=TCP SPT=1000 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0" >"$T/one.log"
run report --source "file:$T/one.log"
check_match "report: 1 network, 1 event" "in 1 network\\):" "$OUT"
check_match "report: 1 event in the network's line" ": 1 event, 1 source" "$OUT"

# --- exposure: "destination in @SET", never "to in @SET" -----------------------------------
run exposure "$ROOT/policy"
check_eq "exposure: no 'to in @'" 0 "$(printf '%s\n' "$OUT" | grep -c 'to in @\|to not in @')"
check_match "exposure: 'destination in @MESH_PEERS'" "destination in @MESH_PEERS" "$OUT"

# --- a statement that needs a kernel feature the host lacks ------------------------------------
cat >"$T/helper.nft" <<'NFT'
table inet xnft {
	ct helper h {
		type "nosuchhelper" protocol tcp;
	}
	chain input {
		type filter hook input priority 0; policy drop;
		tcp dport 21 ct helper set "h"
	}
}
NFT
run check "$T/helper.nft"
check_eq "ct helper of an unknown type: exit 1" 1 "$RC"
check_match "ct helper: the object's line names the missing conntrack helper module" \
	"helper.nft:2:[0-9]+: error: .*No such file or directory; this kernel has no conntrack helper .*nf_conntrack_" "$OUT"
check_match "ct helper: the statement that uses it says why" \
	"helper.nft:7:[0-9]+: error: .*the ct helper object it names did not load" "$OUT"
cat >"$T/flow.nft" <<'NFT'
table inet xnft {
	flowtable f {
		hook ingress priority 0; devices = { lo };
	}
	chain forward {
		type filter hook forward priority 0; policy drop;
		ip protocol tcp flow add @f
	}
}
NFT
NS=$(ns_add flow)
if ip netns exec "$NS" nft -f "$T/flow.nft" 2>&1 | grep -q "No such file or directory"; then
	run check "$T/flow.nft"
	check_match "flowtable on a kernel without it: names the feature" \
		"flow.nft:2:[0-9]+: error: .*this kernel has no flowtable support" "$OUT"
else
	run check "$T/flow.nft"
	check_eq "flowtable on a kernel with it: loads" 0 "$(printf '%s\n' "$OUT" | grep -c 'error:')"
fi

finish
