#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft lint on rulesets other projects write (tests/lint/corpus, and the NAT
# rulesets of fixtures_nat): each loads with nft -c in a namespace, `xnft
# lint --json` gives exactly the errors and warnings tests/lint/corpus/
# expected.txt lists (README.md there says why each is right), with every
# rule checked (no "not checked: time limit"), and `xnft check` exits 0 on
# every file where none of them is an error (1 where one is).
source "$(dirname "$0")/lib.sh"
require_root

EXPECTED=$ROOT/tests/lint/corpus/expected.txt
NS=$(ns_add corpus) || { not_ok "a namespace for nft -c"; finish; }

# ID@LINE:SEVERITY of every error and warning, sorted; then "complete unchecked".
summary() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
ids = sorted(f["id"] + "@" + str(f["line"]) + ":" + f["severity"]
             for f in d["findings"] if f["severity"] != "info")
print(" ".join(ids))
print(d["complete"], d["redundancy_unchecked"])'
}

files=0
while IFS= read -r line; do
	case $line in ''|'#'*) continue ;; esac
	file=${line%%:*}
	want=${line#*:}
	want=${want# }
	path=$ROOT/$file
	files=$((files + 1))
	if ! ip netns exec "$NS" nft -c -f "$path" >/dev/null 2>&1; then
		not_ok "$file: loads with nft -c"
		continue
	fi
	want_rc=0
	case $want in *:error*) want_rc=1 ;; esac
	out=$("$XNFT" check -q "$path" 2>&1)
	rc=$?
	check_eq "$file: xnft check exits $want_rc" "$want_rc" "$rc"
	[ "$rc" -eq "$want_rc" ] || printf '%s\n' "$out" | sed -n '1,10s/^/#   /p'
	json=$("$XNFT" lint --json "$path" 2>/dev/null)
	rc=$?
	if [ "$rc" -gt 1 ]; then
		not_ok "$file: xnft lint --json ran (exit $rc)"
		continue
	fi
	got=$(printf '%s' "$json" | summary) || { not_ok "$file: lint --json parses"; continue; }
	check_eq "$file: the expected errors and warnings" "$want" "$(printf '%s\n' "$got" | sed -n 1p)"
	check_eq "$file: every rule checked" "True 0" "$(printf '%s\n' "$got" | sed -n 2p)"
done <"$EXPECTED"

# every corpus file has its line (a file added without expectations fails)
listed=$(grep -c '^tests/lint/corpus/' "$EXPECTED")
present=$(find "$ROOT/tests/lint/corpus" -name '*.nft' | wc -l)
check_eq "every corpus file is in expected.txt" "$present" "$listed"
check "all 33 rulesets were linted (25 of the corpus, 8 of fixtures_nat)" test "$files" -ge 33
finish
