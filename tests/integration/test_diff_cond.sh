#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft diff when only the state a packet needs changes: a limit removed,
# added or changed in rate, a quota or meter added, a `meta cpu 0` condition
# removed, a dynamic set's membership test moved to another set, a limit's
# burst changed. Each keeps "accepted for a well-behaved source" and
# "accepted in some state" the same, and must still show, in both
# directions ("now / no longer accepted in some cases"), with exit 1. The
# same file, a comment, or a counter beside a limit changes nothing (exit 0).
# Expected lines are written by hand.
source "$(dirname "$0")/lib.sh"
require_root
XNFT=${XNFT:?set XNFT to the xnft binary}

T=$(tmpdir)

# policy NAME LINE...: an inet table whose input chain holds the lines.
policy() {
	local name=$1; shift
	{
		printf 'table inet t {\n'
		printf '\tset dyn { type ipv4_addr; flags dynamic, timeout; }\n'
		printf '\tset dyn2 { type ipv4_addr; flags dynamic, timeout; }\n'
		printf '\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n'
		printf '\t\t%s\n' "$@"
		printf '\t}\n}\n'
	} >"$T/$name.nft"
}

policy plain 'tcp dport 22 accept'
policy lim10 'tcp dport 22 limit rate 10/second accept'
policy lim1000 'tcp dport 22 limit rate 1000/second accept'
policy burst 'tcp dport 22 limit rate 10/second burst 50 packets accept'
policy before 'tcp dport 80 limit rate 10/second accept' 'tcp dport 22 limit rate 10/second accept'
policy comment '# ssh, rate-limited' 'tcp dport 22 limit rate 10/second accept'
policy counted 'tcp dport 80 limit rate 5/second counter' 'tcp dport 22 limit rate 10/second counter accept'
policy quota 'tcp dport 22 quota 100 mbytes accept'
policy meter 'tcp dport 22 meter m { ip saddr limit rate 5/second } accept'
policy cpu 'tcp dport 22 meta cpu 0 accept'
policy set1 'tcp dport 22 ip saddr @dyn accept'
policy set2 'tcp dport 22 ip saddr @dyn2 accept'

# diff_is DESC EXIT OLD NEW EXPECTED-LINES...: the output after its first line, the exit status, no stderr.
diff_is() {
	local desc=$1 want_rc=$2 old=$3 new=$4 out rc
	shift 4
	out=$("$XNFT" diff "$T/$old.nft" "$T/$new.nft" 2>"$T/err"); rc=$?
	check_eq "$desc: exit $want_rc" "$want_rc" "$rc"
	check_eq "$desc: nothing on stderr" "" "$(cat "$T/err")"
	check_eq "$desc: the lines" "$(printf '%s\n' "$@")" "$(printf '%s\n' "$out" | tail -n +2)"
}

S='tcp dport 22 — '
diff_is "limit removed" 1 lim10 plain \
	"input: now accepted in some cases: from any other interface, ${S}over 10/second" \
	"input: now accepted in some cases: from lo, ${S}over 10/second"
diff_is "limit added" 1 plain lim10 \
	"input: no longer accepted in some cases: from any other interface, ${S}over 10/second" \
	"input: no longer accepted in some cases: from lo, ${S}over 10/second"
diff_is "rate 10/second to 1000/second" 1 lim10 lim1000 \
	"input: now accepted in some cases: from any other interface, ${S}over 10/second, while under 1000/second" \
	"input: now accepted in some cases: from lo, ${S}over 10/second, while under 1000/second" \
	"input: no longer accepted in some cases: from any other interface, ${S}while under 10/second, over 1000/second" \
	"input: no longer accepted in some cases: from lo, ${S}while under 10/second, over 1000/second"
diff_is "rate 1000/second to 10/second" 1 lim1000 lim10 \
	"input: now accepted in some cases: from any other interface, ${S}over 1000/second, while under 10/second" \
	"input: now accepted in some cases: from lo, ${S}over 1000/second, while under 10/second" \
	"input: no longer accepted in some cases: from any other interface, ${S}while under 1000/second, over 10/second" \
	"input: no longer accepted in some cases: from lo, ${S}while under 1000/second, over 10/second"
# a rule with the same limit put before: ssh's limit is still the same one
diff_is "a rule with the same limit added before" 1 lim10 before \
	"input: now accepted: from any other interface, tcp dport 80 — while under 10/second" \
	"input: now accepted: from lo, tcp dport 80 — while under 10/second"
diff_is "a rule with the same limit removed before" 1 before lim10 \
	"input: no longer accepted: from any other interface, tcp dport 80 — while under 10/second" \
	"input: no longer accepted: from lo, tcp dport 80 — while under 10/second"
# another burst is another limit (the descriptions do not name the burst)
out=$("$XNFT" diff "$T/lim10.nft" "$T/burst.nft" 2>/dev/null); rc=$?
check_eq "burst 5 to 50: exit 1" 1 "$rc"
check_eq "burst 5 to 50: four lines, both ways, in some cases" \
	"2 2" "$(grep -c '^input: now accepted in some cases: .*tcp dport 22' <<<"$out") $(grep -c '^input: no longer accepted in some cases: .*tcp dport 22' <<<"$out")"
diff_is "quota added" 1 plain quota \
	"input: no longer accepted in some cases: from any other interface, ${S}over a quota of 104857600 bytes" \
	"input: no longer accepted in some cases: from lo, ${S}over a quota of 104857600 bytes"
diff_is "quota removed" 1 quota plain \
	"input: now accepted in some cases: from any other interface, ${S}over a quota of 104857600 bytes" \
	"input: now accepted in some cases: from lo, ${S}over a quota of 104857600 bytes"
# the meter keys on ip saddr: IPv6 packets no longer match the rule at all
diff_is "meter added" 1 plain meter \
	"input: no longer accepted: from any other interface, IPv6: tcp dport 22" \
	"input: no longer accepted: from lo, IPv6: tcp dport 22" \
	"input: no longer accepted in some cases: from any other interface, IPv4: ${S}over 5/second per ip saddr (meter m)" \
	"input: no longer accepted in some cases: from lo, IPv4: ${S}over 5/second per ip saddr (meter m)"
diff_is "meter removed" 1 meter plain \
	"input: now accepted: from any other interface, IPv6: tcp dport 22" \
	"input: now accepted: from lo, IPv6: tcp dport 22" \
	"input: now accepted in some cases: from any other interface, IPv4: ${S}over 5/second per ip saddr (meter m)" \
	"input: now accepted in some cases: from lo, IPv4: ${S}over 5/second per ip saddr (meter m)"
diff_is "meta cpu 0 removed" 1 cpu plain \
	"input: now accepted in some cases: from any other interface, ${S}unless meta cpu 0 (depends on the cpu)" \
	"input: now accepted in some cases: from lo, ${S}unless meta cpu 0 (depends on the cpu)"
diff_is "meta cpu 0 added" 1 plain cpu \
	"input: no longer accepted in some cases: from any other interface, ${S}unless meta cpu 0 (depends on the cpu)" \
	"input: no longer accepted in some cases: from lo, ${S}unless meta cpu 0 (depends on the cpu)"
S4='IPv4: tcp dport 22 — '
diff_is "dynamic set @dyn to @dyn2" 1 set1 set2 \
	"input: now accepted in some cases: from any other interface, ${S4}unless ip saddr is in @dyn, if ip saddr is in @dyn2 (filled at run time)" \
	"input: now accepted in some cases: from lo, ${S4}unless ip saddr is in @dyn, if ip saddr is in @dyn2 (filled at run time)" \
	"input: no longer accepted in some cases: from any other interface, ${S4}if ip saddr is in @dyn (filled at run time), unless ip saddr is in @dyn2" \
	"input: no longer accepted in some cases: from lo, ${S4}if ip saddr is in @dyn (filled at run time), unless ip saddr is in @dyn2"
diff_is "dynamic set @dyn2 to @dyn" 1 set2 set1 \
	"input: now accepted in some cases: from any other interface, ${S4}unless ip saddr is in @dyn2, if ip saddr is in @dyn (filled at run time)" \
	"input: now accepted in some cases: from lo, ${S4}unless ip saddr is in @dyn2, if ip saddr is in @dyn (filled at run time)" \
	"input: no longer accepted in some cases: from any other interface, ${S4}if ip saddr is in @dyn2 (filled at run time), unless ip saddr is in @dyn" \
	"input: no longer accepted in some cases: from lo, ${S4}if ip saddr is in @dyn2 (filled at run time), unless ip saddr is in @dyn"

# no verdict changes: the first line says so, nothing follows
for pair in "lim10 lim10" "lim10 comment" "comment lim10" "lim10 counted" "counted lim10" "set1 set1"; do
	read -r old new <<<"$pair"
	out=$("$XNFT" diff "$T/$old.nft" "$T/$new.nft" 2>"$T/err"); rc=$?
	check_eq "$old -> $new: no change, exit 0" 0 "$rc"
	check_eq "$old -> $new: says so, nothing on stderr" \
		"$T/$old.nft -> $T/$new.nft: no packet changes its verdict" "$out$(cat "$T/err")"
done

# rulesets other projects write, each against a copy with a comment added:
# their limits, meters and sets are the same conditions, so nothing changes
n=0 same=0
for f in "$ROOT"/tests/lint/corpus/*.nft; do
	n=$((n + 1))
	{ printf '# a comment\n'; cat "$f"; } >"$T/copy.nft"
	"$XNFT" diff "$f" "$T/copy.nft" >/dev/null 2>&1 && same=$((same + 1))
done
check "the lint corpus has rulesets ($n)" test "$n" -ge 20
check_eq "every corpus ruleset against its commented copy: no change" "$n" "$same"

# --json: the new kinds beside the old ones, every kind present on every path
json=$("$XNFT" diff "$T/lim10.nft" "$T/lim1000.nft" --json 2>/dev/null); rc=$?
check_eq "diff --json of a rate change exits 1" 1 "$rc"
check "diff --json: both 'in some cases' kinds, with their conditions" python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["changed"] is True
kinds = ["now accepted", "no longer accepted", "now possibly accepted",
         "no longer possibly accepted", "now accepted in some cases",
         "no longer accepted in some cases"]
for path in d["paths"].values():
    assert sorted(path) == sorted(kinds), sorted(path)
inp = d["paths"]["input"]
for k in kinds[:4]:
    assert inp[k] == [], k
now, gone = inp["now accepted in some cases"], inp["no longer accepted in some cases"]
assert len(now) == 2 and len(gone) == 2
assert all(l["packets"] == "tcp dport 22" for l in now + gone)
assert now[0]["conditions"] == ["over 10/second", "while under 1000/second"], now[0]
assert gone[0]["conditions"] == ["while under 10/second", "over 1000/second"], gone[0]
' <<<"$json"
json=$("$XNFT" diff "$T/lim10.nft" "$T/comment.nft" --json 2>/dev/null); rc=$?
check_eq "diff --json of a comment exits 0" 0 "$rc"
check "diff --json of a comment: changed false, no lines" python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["changed"] is False
assert all(l == [] for p in d["paths"].values() for l in p.values())
' <<<"$json"

finish
