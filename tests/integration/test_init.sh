#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft init writes a policy tree that loads in a real kernel (inside a
# namespace of our own) and carries exactly the values it was given; bad
# values are refused with the option and the value named; an existing tree
# is kept unless --force.
source "$(dirname "$0")/lib.sh"
require_root

T=$(tmpdir) || exit 1
NS=$(ns_add init) || { not_ok "create namespace"; finish; }
D=$T/etc/xnft

# The listed ruleset as short lines: "set NAME ELEM...", "iifname X", "oifname X",
# "rule CHAIN PROTO dport PORT VERDICT | COMMENT".
summary() {
	ip netns exec "$NS" nft -j list ruleset | python3 -c '
import json, sys
def elem(e):
    if isinstance(e, dict) and "prefix" in e:
        return "%s/%s" % (e["prefix"]["addr"], e["prefix"]["len"])
    return str(e)
seen = set()
for obj in json.load(sys.stdin)["nftables"]:
    if "set" in obj:
        s = obj["set"]
        print("set", s["name"], *[elem(e) for e in s.get("elem") or []])
    if "rule" in obj:
        r = obj["rule"]
        dport, verdict = None, None
        for x in r["expr"]:
            m = x.get("match")
            if m and isinstance(m["left"], dict):
                key = m["left"].get("meta", {}).get("key")
                if key in ("iifname", "oifname") and isinstance(m["right"], str):
                    seen.add("%s %s" % (key, m["right"]))
                p = m["left"].get("payload", {})
                if p.get("field") == "dport":
                    dport = "%s dport %s" % (p["protocol"], m["right"])
            for v in ("accept", "drop"):
                if v in x:
                    verdict = v
        print("rule", r["chain"], dport, verdict, "|", r.get("comment", ""))
for s in sorted(seen):
    print(s)
'
}

# --- a tree with this host's values -----------------------------------------
out=$("$XNFT" init "$D" --wan eth9 --mesh 10.20.0.0/24 --mesh fd20::/64 \
	--admin 8.8.8.8/32 --service tcp/443:https 2>&1)
check_eq "init with values exits 0" 0 "$?"
check_match "init's next step is the safe apply" "xnft apply $D --confirm [0-9]+" "$out"
check_match "init's next steps name xnft confirm" "xnft confirm" "$out"
check_eq "init's next steps never name nft -f (it skips the gates)" 0 "$(printf '%s\n' "$out" | grep -c 'nft -I\|nft -f')"
help=$("$XNFT" init --help)
check_match "init --help names xnft apply --confirm" "xnft apply DIR --confirm" "$help"
check_match "init prints xnft check as a next step" "xnft check $D" "$out"
check_match "init lists the files it wrote" "$D/rules/00-tables.nft" "$out"
check "nftables.conf written" test -f "$D/nftables.conf"
check "intents written" test -f "$D/intents"
check "rules/40-services.nft written" test -f "$D/rules/40-services.nft"
check_eq "files are 0644" "644" "$(stat -c %a "$D/rules/00-tables.nft")"
check_eq "no temp files left" "" "$(find "$D" -name '.*' -type f)"

err=$(ip netns exec "$NS" nft -I "$D" -f "$D/nftables.conf" 2>&1)
rc=$?
check_eq "the tree loads: nft -I DIR -f DIR/nftables.conf" 0 "$rc"
[ "$rc" -eq 0 ] || diag "$err"

sum=$(summary)
check_match "MESH_PEERS holds --mesh 10.20.0.0/24 only" "^set MESH_PEERS 10.20.0.0/24$" "$sum"
check_match "MESH_PEERS6 holds --mesh fd20::/64" "^set MESH_PEERS6 fd20::/64$" "$sum"
check_match "ADMIN_ALLOWLIST holds --admin 8.8.8.8/32" "^set ADMIN_ALLOWLIST 8.8.8.8$" "$sum"
check_match "ADMIN_ALLOWLIST6 is empty" "^set ADMIN_ALLOWLIST6$" "$sum"
check_match "BOGON_V4 keeps 100.64.0.0/10 without --bogon-exempt" "^set BOGON_V4 .*100\.64\.0\.0/10" "$sum"
check_match "rules match the --wan interface eth9" "^iifname eth9$" "$sum"
check_match "rules match the mesh interface wg0" "^iifname wg0$" "$sum"
if printf '%s\n' "$sum" | grep -q '^iifname eth0$'; then
	not_ok "no rule still names the shipped eth0"
else
	ok "no rule still names the shipped eth0"
fi
check_match "services chain accepts --service tcp/443:https" \
	"^rule services tcp dport 443 accept \| service: https \(mesh-only\)$" "$sum"
check_match "WireGuard port 51820 is in the ruleset" "udp dport 51820" "$sum"
# a break-glass address must not make the shipped intents fail (apply refuses then)
out=$("$XNFT" verify "$D" 2>&1)
check_eq "verify: the intents hold with --admin set (exit 0)" 0 "$?"
check_match "verify: every intent holds, break-glass among them" '^.*intents: ([0-9]+) of \1 intents hold$' "$out"

# --- a second init refuses, --force overwrites --------------------------------
before=$(md5sum "$D/rules/00-tables.nft")
out=$("$XNFT" init "$D" --wan eth7 2>&1)
check_eq "second init refuses (exit 2)" 2 "$?"
check_match "refusal names the file" "$D/nftables.conf already exists" "$out"
check_match "refusal hints --force" "hint: .*--force" "$out"
check_eq "refused init changed nothing" "$before" "$(md5sum "$D/rules/00-tables.nft")"

# A hand edit outside the owned lines, in two files: --force must keep it.
sed -i 's/^table inet xnft {$/&\n\t# hand edit: kept by init --force/' "$D/rules/00-tables.nft"
printf '# hand edit at the end\n' >> "$D/rules/40-services.nft"
out=$("$XNFT" init "$D" --force --wan eth7 --wg-port 4443 --ssh-port 2222 \
	--bogon-exempt 100.64.0.0/10 --admin 2a01:4f8::/32 2>&1)
check_eq "init --force exits 0" 0 "$?"
check_match "--force shows the values it changes" "WAN_IF +eth9 -> eth7" "$out"
check_match "--force shows the admin list it replaces" "ADMIN_ALLOWLIST +8.8.8.8/32 -> \(empty\)" "$out"
check_eq "--force does not mention the mesh it keeps" 0 "$(printf '%s\n' "$out" | grep -c MESH_PEERS)"
check_eq "--force keeps the hand edit in 00-tables.nft" 1 "$(grep -c 'hand edit: kept by init --force' "$D/rules/00-tables.nft")"
check_eq "--force keeps the hand edit in 40-services.nft" 1 "$(grep -c '^# hand edit at the end$' "$D/rules/40-services.nft")"
sum_before=$(cat "$D"/nftables.conf "$D"/rules/*.nft | md5sum)
out=$("$XNFT" init "$D" --force 2>&1)
check_eq "a second init --force exits 0" 0 "$?"
check_match "a second init --force changes nothing" "No value changed" "$out"
check_eq "a second init --force leaves every byte" "$sum_before" "$(cat "$D"/nftables.conf "$D"/rules/*.nft | md5sum)"
check_eq "--force leaves no temp files" "" "$(find "$D" -name '.*' -type f)"
err=$(ip netns exec "$NS" nft -I "$D" -f "$D/nftables.conf" 2>&1)
rc=$?
check_eq "the overwritten tree loads (replacing the table)" 0 "$rc"
out=$("$XNFT" verify "$D" 2>&1)
check_eq "verify: the intents hold with an IPv6 --admin (exit 0)" 0 "$?"
[ "$rc" -eq 0 ] || diag "$err"
sum=$(summary)
check_match "after --force: rules match eth7" "^iifname eth7$" "$sum"
check_match "after --force: WireGuard on udp/4443" "udp dport 4443 accept" "$sum"
check_match "after --force: SSH on tcp/2222" "tcp dport 2222 accept" "$sum"
check_match "after --force: the mesh given before is kept" "^set MESH_PEERS 10.20.0.0/24$" "$sum"
check_match "after --force: ADMIN_ALLOWLIST6 holds 2a01:4f8::/32" \
	"^set ADMIN_ALLOWLIST6 2a01:4f8::/32$" "$sum"
if printf '%s\n' "$sum" | grep -E '^set BOGON_V4 ' | grep -q '100\.64\.0\.0/10'; then
	not_ok "--bogon-exempt 100.64.0.0/10 removed it from BOGON_V4"
else
	ok "--bogon-exempt 100.64.0.0/10 removed it from BOGON_V4"
fi
check_match "after --force without --service the https rule is kept" "service: https" "$sum"

# --- bad values: exit 1, the option and the value named, nothing written ------
# bad_value DESCRIPTION OPTION VALUE [more args...]
bad_value() {
	local desc=$1 opt=$2 val=$3; shift 3
	local dir=$T/bad out rc
	out=$("$XNFT" init "$dir" "$opt" "$val" "$@" 2>&1)
	rc=$?
	check_eq "$desc: exit 1" 1 "$rc"
	if printf '%s' "$out" | grep -qF -- "$opt" && printf '%s' "$out" | grep -qF -- "$val"; then
		ok "$desc: message names $opt and $val"
	else
		not_ok "$desc: message names $opt and $val"
		diag "$out"
	fi
	if [ -e "$dir" ]; then not_ok "$desc: nothing written"; else ok "$desc: nothing written"; fi
}
bad_value "whole-internet mesh" --mesh 0.0.0.0/0
bad_value "whole-internet IPv6 mesh" --mesh ::/0
bad_value "mesh with host bits" --mesh 10.20.0.1/24
bad_value "not a CIDR" --mesh 10.20.0.0/33
bad_value "documentation admin" --admin 203.0.113.7
bad_value "documentation IPv6 admin" --admin 2001:db8::1
bad_value "admin 0.0.0.0/0" --admin 0.0.0.0/0
bad_value "port 0" --wg-port 0
bad_value "port 65536" --ssh-port 65536
bad_value "port with a sign" --wg-port +5
bad_value "bad service protocol" --service icmp/1
bad_value "service on the SSH port" --service tcp/22
bad_value "service on the WireGuard port" --service udp/51820
bad_value "interface with a slash" --wan eth0/1
bad_value "bogon exemption not in the set" --bogon-exempt 100.64.0.0/11
bad_value "same WireGuard and SSH port" --ssh-port 51820

out=$("$XNFT" init "$T/bad" --mesh 10.20.0.1/24 2>&1)
check_match "host bits: hint names the network" "did you mean 10.20.0.0/24\?" "$out"

# --- usage errors: exit 2 ------------------------------------------------------
"$XNFT" init "$T/bad" --frobnicate >/dev/null 2>&1
check_eq "unknown option exits 2" 2 "$?"
"$XNFT" init "$T/bad" --mesh >/dev/null 2>&1
check_eq "missing option value exits 2" 2 "$?"
out=$("$XNFT" init --help)
check_eq "--help exits 0" 0 "$?"
for opt in --wan --mesh-if --mesh --wg-port --ssh-port --admin --service --bogon-exempt --force; do
	check_match "--help documents $opt" "^  $opt " "$out"
done

finish
