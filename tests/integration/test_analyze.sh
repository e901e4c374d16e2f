#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The exhaustive engine from the command line, on policies written by
# `xnft init` and loaded in private namespaces: every shipped intent holds;
# SSH opened to the internet fails verify with a counterexample and its
# trace; diff against `--service tcp/5432` shows exactly that region;
# exposure names what the internet reaches; usage errors exit 2.
source "$(dirname "$0")/lib.sh"
require_root
XNFT=${XNFT:?set XNFT to the xnft binary}

T=$(tmpdir)
"$XNFT" init "$T/base" --wan eth0 --mesh-if wg0 --mesh 10.10.0.0/24 >/dev/null
"$XNFT" init "$T/pg" --wan eth0 --mesh-if wg0 --mesh 10.10.0.0/24 --service tcp/5432:postgresql >/dev/null
cp -r "$T/base" "$T/ssh"
sed -i 's|^\(\t\tiifname \$WAN_IF udp dport \$WG_PORT ct state new update @wg4\)|\t\tiifname $WAN_IF tcp dport $SSH_PORT counter accept comment "mistake: SSH to the internet"\n\1|' \
	"$T/ssh/rules/50-vpn-endpoint.nft"
check "the broken copy has its extra rule" grep -q "mistake: SSH" "$T/ssh/rules/50-vpn-endpoint.nft"

# ---- verify ---------------------------------------------------------------------------
out=$("$XNFT" verify "$T/base" 2>&1); rc=$?
check_eq "verify: the shipped intents hold (exit 0)" 0 "$rc"
check_match "verify: summary counts every intent, none violated" '^.*intents: ([0-9]+) of \1 intents hold$' "$out"

out=$("$XNFT" verify "$T/ssh" 2>&1); rc=$?
check_eq "verify: SSH open to the internet exits 1" 1 "$rc"
check_match "verify: the violated intent with file:line" 'intents:[0-9]+: expect drop iifname \$WAN_IF .*tcp dport \$SSH_PORT.*VIOLATED' "$out"
check_match "verify: a counterexample from eth0 to port 22" 'accepted on the input path: iif eth0 .*tcp dport 22 ' "$out"
check_match "verify: the counterexample's trace names the rule" 'accept by rules/50-vpn-endpoint.nft:[0-9]+' "$out"
json=$("$XNFT" verify "$T/ssh" --json 2>/dev/null)
check "verify --json is JSON" python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["violated"] >= 1 and d["results"][0]["file"]' <<<"$json"

printf 'expect accept iifname $WAN_IF tcp dport 443 ct state new\n' >"$T/extra.intents"
out=$("$XNFT" verify "$T/base" --intents "$T/extra.intents" 2>&1); rc=$?
check_eq "verify --intents: an accept intent that does not hold exits 1" 1 "$rc"
check_match "verify --intents: not accepted, with the packet" 'not accepted on the input path: .*tcp dport 443' "$out"

printf 'expect drop iifname $NO_SUCH_IF\n' >"$T/bad.intents"
out=$("$XNFT" verify "$T/base" --intents "$T/bad.intents" 2>&1); rc=$?
check_eq "verify: an undefined define exits 1" 1 "$rc"
check_match "verify: the error names file and line" 'bad.intents:1.*NO_SUCH_IF' "$out"
check_eq "verify: a missing intents file exits 2" 2 "$("$XNFT" verify "$T/base" --intents "$T/none" >/dev/null 2>&1; echo $?)"

# ---- diff -------------------------------------------------------------------------------
out=$("$XNFT" diff "$T/base" "$T/pg" 2>&1); rc=$?
check_eq "diff: a new service exits 1" 1 "$rc"
check_eq "diff: exactly one region changed" 2 "$(printf '%s\n' "$out" | wc -l)"
check_match "diff: now accepted from wg0, mesh peers, tcp dport 5432" \
	'^input: now accepted: from wg0, IPv4 source in @MESH_PEERS, ct state new: tcp dport 5432' "$out"
out=$("$XNFT" diff "$T/base" "$T/base" 2>&1); rc=$?
check_eq "diff: the same policy twice exits 0" 0 "$rc"
check_match "diff: says nothing changed" 'no packet changes its verdict' "$out"
out=$("$XNFT" diff "$T/pg" "$T/base" --json 2>/dev/null)
check "diff --json: the removal is 'no longer accepted'" python3 -c \
	'import json,sys; d=json.load(sys.stdin); l=d["paths"]["input"]["no longer accepted"]; assert len(l)==1 and "5432" in l[0]["packets"]' <<<"$out"

# ---- exposure ---------------------------------------------------------------------------
out=$("$XNFT" exposure "$T/base" 2>&1); rc=$?
check_eq "exposure: exit 0" 0 "$rc"
check_match "exposure: the internet reaches WireGuard, per source, rate-limited" \
	'from eth0:|IPv4 source not in @BOGON_V4, ct state new, not a fragment: udp dport 51820 .*while under 30/minute' "$out"
check_match "exposure: loopback gets everything" '^  from lo:' "$out"
check_match "exposure: mesh peers reach SSH" 'IPv4 source in @MESH_PEERS, ct state new: tcp dport 22' "$out"
check_eq "exposure: nothing new on TCP from the internet" "" \
	"$(printf '%s\n' "$out" | sed -n '/^  from eth0:/,/^  from [^e]/p' | grep 'ct state new' | grep 'tcp' || true)"
out=$("$XNFT" exposure "$T/base" --from wg0 2>&1)
check_match "exposure --from wg0: only wg0's packets" '^  from wg0:' "$out"
check_fails "exposure --from wg0: no other input interface" grep -q '^  from eth0:' <<<"$out"
json=$("$XNFT" exposure "$T/base" --json 2>/dev/null)
check "exposure --json is JSON with input and forward" python3 -c \
	'import json,sys; d=json.load(sys.stdin); assert d["input"] and "forward" in d' <<<"$json"

# --new: only what opens a connection, so no line names a ct state
out=$("$XNFT" exposure "$T/base" --new 2>&1); rc=$?
check_eq "exposure --new: exit 0" 0 "$rc"
check_match "exposure --new: says it covers new connections" \
	'^.*: new connections accepted for this host \(input' "$out"
eth0=$(printf '%s\n' "$out" | sed -n '/^  from eth0:/,/^  from [^e]/p' | grep '^    ' || true)
check_eq "exposure --new: from eth0, WireGuard over IPv4 and IPv6 and nothing else" \
	"2 2" "$(printf '%s\n' "$eth0" | wc -l) $(printf '%s\n' "$eth0" | grep -c ': udp dport 51820 .*while under 30/minute')"
check_fails "exposure --new: no line names a ct state" grep -q 'ct state' <<<"$out"
check_match "exposure --new: loopback opens anything" '^  from lo:$' "$out"
check_match "exposure --new: mesh peers open SSH" '^    IPv4 source in @MESH_PEERS: tcp dport 22 ' "$out"
check_fails "exposure --new: replies and related traffic are left out" grep -q 'established' <<<"$out"
out=$("$XNFT" exposure "$T/ssh" --new --from eth0 2>&1)
check_match "exposure --new: the SSH mistake shows as a new TCP line from eth0" \
	'^    IPv4 source not in @BOGON_V4, not a fragment: tcp dport 22 ' "$out"
out=$("$XNFT" exposure "$T/pg" --new --from wg0 2>&1)
check_match "exposure --new --from wg0: the new service next to SSH" \
	'^    IPv4 source in @MESH_PEERS: tcp dport \{ 22, 5432 \} ' "$out"
check_fails "exposure --new --from wg0: no other input interface" grep -q '^  from eth0:' <<<"$out"
json=$("$XNFT" exposure "$T/base" --new --json 2>/dev/null)
check "exposure --new --json: new_only, WireGuard from eth0" python3 -c \
	'import json,sys; d=json.load(sys.stdin); e=[l for l in d["input"] if l["interface"]=="from eth0"]; assert d["new_only"] is True and len(e)==2 and all("udp dport 51820" in l["accepted"] for l in e)' <<<"$json"
json=$("$XNFT" exposure "$T/base" --json 2>/dev/null)
check "exposure --json without --new: new_only false" python3 -c \
	'import json,sys; assert json.load(sys.stdin)["new_only"] is False' <<<"$json"

# ---- usage --------------------------------------------------------------------------------
check_eq "diff with one policy exits 2" 2 "$("$XNFT" diff "$T/base" >/dev/null 2>&1; echo $?)"
check_eq "exposure with a bad interface name exits 2" 2 "$("$XNFT" exposure "$T/base" --from 'a/b' >/dev/null 2>&1; echo $?)"
check_eq "verify --help exits 0" 0 "$("$XNFT" verify --help >/dev/null 2>&1; echo $?)"

# ---- more distinct cases of one field than describe names one by one ------------------
# 300 rules, each from eth0, one source /24 to one port: 300 classes of the port field. Every port
# must be in the exposure (the old splitter named 256 and dropped the other 44 silently);
# past 256 the last line stands for the rest and the output says it over-approximates.
python3 - "$T/many.nft" <<'PY'
import sys
rules = [f"  iifname eth0 ip saddr 10.{i // 256}.{i % 256}.0/24 tcp dport {10000 + i} accept" for i in range(1, 301)]
open(sys.argv[1], "w").write("table inet t {\n chain input {\n  type filter hook input priority 0; policy drop;\n"
                             + "\n".join(rules) + "\n }\n}\n")
PY
json=$("$XNFT" exposure "$T/many.nft" --json 2>/dev/null); rc=$?
check_eq "exposure of 300 one-port rules exits 0" 0 "$rc"
check "exposure: every one of the 300 ports is accepted from eth0, none cut" python3 -c '
import json, sys
d = json.load(sys.stdin)
assert not d["input_truncated"]
for iface in ("from eth0",):
    seen = set()
    for l in d["input"]:
        if l["interface"] != iface or not l["ports"]["dport"]:
            continue
        for part in l["ports"]["dport"].strip("{} ").split(","):
            lo, _, hi = part.strip().partition("-")
            seen.update(range(int(lo), int(hi or lo) + 1))
    missing = set(range(10001, 10301)) - seen
    assert not missing, (iface, sorted(missing)[:5], len(missing))
assert d["over_approximated"] is True
' <<<"$json"
out=$("$XNFT" exposure "$T/many.nft" 2>&1)
check_match "exposure says it over-approximates past 256 cases" 'over-approximated: a field had more than 256 distinct cases' "$out"
json=$("$XNFT" exposure "$T/base" --json 2>/dev/null)
check "exposure of the default policy is exact (over_approximated false)" python3 -c 'import json,sys; assert json.load(sys.stdin)["over_approximated"] is False' <<<"$json"

finish
