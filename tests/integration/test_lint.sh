#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft lint as a command: output format (file:line: severity[ID]: message, the
# rule, "  fix: ..."), exit status (1 for errors only, 0 with warnings and
# infos alone, 2 for usage and a missing policy), --json, --ids, --live in a
# namespace holding a broken ruleset, and the host's ruleset left alone.
source "$(dirname "$0")/lib.sh"
require_root

LINT=$ROOT/tests/lint
POLICY=$ROOT/policy

run_lint() {
	OUT=$("$XNFT" lint "$@" 2>&1)
	RC=$?
}

host_before=$(nft list ruleset 2>&1)

# --- the default policy ------------------------------------------------------
run_lint "$POLICY"
check_eq "default policy: exit 0" 0 "$RC"
check_match "default policy: no error" "^$POLICY: 0 errors," "$OUT"

# --- an error: text form ---------------------------------------------------------
run_lint "$LINT/XL001-bad.nft"
check_eq "dead code: exit 1" 1 "$RC"
check_match "dead code: file:line: severity[id]" "^$LINT/XL001-bad.nft:15: error\[XL001\]: dead code" "$OUT"
check_match "dead code: the rule as written, with its comment" \
	'^    iifname "wg0" ip saddr != 10.10.0.0/24 counter drop comment "mesh: spoofed source"$' "$OUT"
check_match "dead code: a fix" "^  fix: move this rule above the jump" "$OUT"
check_match "dead code: summary" "1 error, 0 warnings" "$OUT"

# --- warnings alone exit 0 ---------------------------------------------------------
run_lint "$LINT/XL006-bad.nft"
check_eq "warning only: exit 0" 0 "$RC"
check_match "warning only: reported" "warning\[XL006\]" "$OUT"

# --- a policy that does not load ------------------------------------------------------
run_lint "$LINT/XL061-bad.nft"
check_eq "overlapping intervals: exit 1" 1 "$RC"
check_match "overlapping intervals: XL061 at the elements line" "XL061-bad.nft:9: error\[XL061\]" "$OUT"

# --- --json ----------------------------------------------------------------------------
run_lint --json "$LINT/XL020-bad.nft"
check_eq "--json: exit 1" 1 "$RC"
check "--json: valid JSON" python3 -c 'import json,sys; json.loads(sys.argv[1])' "$OUT"
ids=$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(f["id"]+"@"+str(f["line"]) for f in d["findings"]), d["errors"])')
check_eq "--json: the finding and the count" "XL020@8 1" "$ids"

# --- no mesh words on a ruleset without a mesh (fw4's syn_flood and an ICMPv6 limit) ------
run_lint "$LINT/XL020-bad3.nft"
check_eq "no mesh: warnings alone exit 0" 0 "$RC"
check_match "no mesh: the shared SYN budget is found" "XL020-bad3.nft:11: warning\[XL020\].*SYN" "$OUT"
if printf '%s\n' "$OUT" | grep -qi mesh; then
	not_ok "no mesh: no finding speaks of a mesh"
	printf '%s\n' "$OUT" | grep -i mesh | sed 's/^/#   /'
else
	ok "no mesh: no finding speaks of a mesh"
fi

# --- XL043 names the define's value (it once printed a dead stack buffer) ------------------
run_lint --json "$LINT/XL043-bad.nft"
check_eq "XL043: exit 1" 1 "$RC"
msg=$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["findings"][0]["message"])')
check_match "XL043: the define's value, as valid JSON" '\$MESH_IF is "wg0" ' "$msg"

# --- --ids --------------------------------------------------------------------------------
run_lint --ids
check_eq "--ids: exit 0" 0 "$RC"
check_match "--ids: lists XL000" "^XL000 +error" "$OUT"
check_match "--ids: lists XL062" "^XL062 +info" "$OUT"

# --- usage and environment ---------------------------------------------------------------
run_lint /nonexistent/policy
check_eq "missing policy: exit 2" 2 "$RC"
run_lint --bogus
check_eq "unknown option: exit 2" 2 "$RC"
run_lint --live "$POLICY"
check_eq "--live with a policy: exit 2" 2 "$RC"
run_lint --help
check_eq "--help: exit 0" 0 "$RC"
check_match "--help: usage" "^Usage: xnft lint" "$OUT"

# --- --live in a namespace holding a broken ruleset ------------------------------------------
NS=$(ns_add lint)
if ip netns exec "$NS" nft -f "$LINT/XL022-bad.nft"; then
	OUT=$(ip netns exec "$NS" "$XNFT" lint --live 2>&1)
	RC=$?
	# someone else's table: a log flood lets nothing in, so a warning
	check_eq "--live: exit 0 (a warning outside xnft's table)" 0 "$RC"
	check_match "--live: unlimited log found, located by chain" "^inet t input: warning\[XL022\]" "$OUT"
else
	not_ok "--live: the broken ruleset loads in the namespace"
fi
# the same rules as xnft's own table, which promises every log is limited: an error
ip netns exec "$NS" nft delete table inet t
if sed 's/^table inet t /table inet xnft /' "$LINT/XL022-bad.nft" | ip netns exec "$NS" nft -f -; then
	OUT=$(ip netns exec "$NS" "$XNFT" lint --live 2>&1)
	RC=$?
	check_eq "--live, xnft's table: exit 1" 1 "$RC"
	check_match "--live, xnft's table: an error" "^inet xnft input: error\[XL022\]" "$OUT"
else
	not_ok "--live: the broken ruleset loads as table inet xnft"
fi

check_eq "host ruleset unchanged" "$host_before" "$(nft list ruleset 2>&1)"
finish
