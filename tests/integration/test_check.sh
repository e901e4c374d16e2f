#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft check: the default policy loads with no error and every rule gets its
# source line; broken policies give the exact file:line:col and exit 1; a
# missing policy exits 2 with a hint; it works for an unprivileged user
# through a user namespace; and neither the host's ruleset nor the ruleset
# of the namespace it runs in changes.
source "$(dirname "$0")/lib.sh"
require_root

FIX=$ROOT/tests/integration/fixtures_check
POLICY=$ROOT/policy

# run_check ARGS...: sets OUT (stdout+stderr) and RC
run_check() {
	OUT=$("$XNFT" check "$@" 2>&1)
	RC=$?
}

# --- the default policy ---------------------------------------------------
host_before=$(nft list ruleset 2>&1)

run_check "$POLICY"
check_eq "default policy: exit 0" 0 "$RC"
check_match "default policy: one-line summary" "^$POLICY: loads: 1 table, [0-9]+ chains" "$OUT"
rules=$(printf '%s\n' "$OUT" | sed -nE 's/.* ([0-9]+) rules,.*/\1/p')
located=$(printf '%s\n' "$OUT" | sed -nE 's/.*; ([0-9]+) of [0-9]+ rules with a source line.*/\1/p')
check "default policy: has rules" test "${rules:-0}" -gt 0
check_eq "default policy: every rule has its source line" "$rules" "$located"
check_eq "default policy: no line of errors or warnings" 0 "$(printf '%s\n' "$OUT" | grep -cE 'error:|error\[|warning\[')"

run_check "$POLICY/nftables.conf"
check_eq "default policy by file: exit 0" 0 "$RC"

run_check -q "$POLICY"
check_eq "-q: exit 0" 0 "$RC"
check_eq "-q: prints nothing" "" "$OUT"

run_check --json "$POLICY"
check_eq "--json: exit 0" 0 "$RC"
check_match "--json: ok true" '"ok": true' "$OUT"
check_match "--json: rules counted" "\"rules\": $rules" "$OUT"

# --- broken policies ------------------------------------------------------
run_check "$FIX/syntax"
check_eq "syntax error in an included file: exit 1" 1 "$RC"
check_match "syntax error: exact file:line:col" \
	"^$FIX/syntax/rules/10-lo.nft:8:31: error: syntax error, unexpected '}'" "$OUT"
check_match "syntax error: source line shown" "tcp dport 22 counter accept }" "$OUT"
check_match "syntax error: caret under the column" "^		                            \^$" "$OUT"

run_check "$FIX/overlap"
check_eq "overlapping intervals: exit 1" 1 "$RC"
check_match "overlapping intervals: file:line of the elements" \
	"^$FIX/overlap/nftables.conf:10:[0-9]+: error: conflicting intervals specified" "$OUT"

run_check "$FIX/missing_include"
check_eq "missing include: exit 1" 1 "$RC"
check_match "missing include: file:line of the include statement" \
	"^$FIX/missing_include/nftables.conf:6:1: error: File not found: rules/50-nothere.nft" "$OUT"

run_check "$FIX/ifaces"
check_eq "iif/oif naming interfaces the host lacks: exit 0" 0 "$RC"
check_match "iif/oif naming interfaces the host lacks: all rules" "3 rules" "$OUT"

run_check --json "$FIX/overlap"
check_eq "--json on a broken policy: exit 1" 1 "$RC"
check_match "--json on a broken policy: the error's line" '"line": 10' "$OUT"

# --- missing or unusable policy paths ------------------------------------
run_check /nonexistent/xnft-policy
check_eq "nonexistent policy: exit 2" 2 "$RC"
check_match "nonexistent policy: says so" "cannot open policy /nonexistent/xnft-policy" "$OUT"
check_match "nonexistent policy: hint" "hint: " "$OUT"

T=$(tmpdir)
mkdir "$T/empty"
run_check "$T/empty"
check_eq "directory without nftables.conf: exit 2" 2 "$RC"
check_match "directory without nftables.conf: names the file" "$T/empty/nftables.conf" "$OUT"

run_check --no-such-option
check_eq "unknown option: exit 2" 2 "$RC"
run_check --help
check_eq "--help: exit 0" 0 "$RC"
check_match "--help: usage" "^Usage: xnft check" "$OUT"

# --- what xnft apply would refuse ---------------------------------------------
printf '# no table at all\n' >"$T/notable.nft"
run_check "$T/notable.nft"
check_eq "a policy that creates no table: exit 1, as apply refuses it" 1 "$RC"
check_match "a policy that creates no table: apply's message" \
	"$T/notable.nft does not create table inet xnft" "$OUT"
check_eq "a policy that creates no table: --json ok false" false \
	"$("$XNFT" check --json "$T/notable.nft" 2>/dev/null | jq -r .ok)"
run_check "$ROOT/tests/lint/XL043-ok.nft"
check_match "another table than inet xnft: a note that apply would refuse it" \
	"^note: xnft apply would refuse it: .* does not create table inet xnft" "$OUT"
check_eq "the default policy: no note" 0 "$("$XNFT" check "$POLICY" 2>&1 | grep -c 'would refuse')"

# --- a binary file is not a policy ------------------------------------------------
head -c 4096 "$XNFT" >"$T/binary.nft"
run_check "$T/binary.nft"
check_eq "binary policy: exit 1" 1 "$RC"
check_match "binary policy: says so, with the path" "^$T/binary.nft: error: not a text file" "$OUT"
check_eq "binary policy: no control bytes printed" 0 "$(printf '%s' "$OUT" | tr -d '\n\t' | LC_ALL=C grep -c '[[:cntrl:]]')"
mkdir "$T/incbin"
printf 'include "bin.nft"\n' >"$T/incbin/nftables.conf"
head -c 300 "$XNFT" >"$T/incbin/bin.nft"
run_check "$T/incbin"
check_eq "binary included file: exit 1" 1 "$RC"
check_eq "binary included file: no control bytes printed" 0 \
	"$(printf '%s' "$OUT" | tr -d '\n\t' | LC_ALL=C grep -c '[[:cntrl:]]')"

# --- an unprivileged user, through a user namespace ---------------------
chmod 755 "$T"
cp -r "$POLICY" "$T/policy"
cp -r "$FIX/syntax" "$T/syntax"
chmod -R a+rX "$T/policy" "$T/syntax"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

OUT=$(as_nobody "$XNFT" check "$T/policy" 2>&1); RC=$?
check_eq "as uid 65534: default policy exit 0" 0 "$RC"
check_match "as uid 65534: summary" "loads: 1 table" "$OUT"
OUT=$(as_nobody "$XNFT" check "$T/syntax" 2>&1); RC=$?
check_eq "as uid 65534: syntax error exit 1" 1 "$RC"
check_match "as uid 65534: exact file:line:col" "^$T/syntax/rules/10-lo.nft:8:31: error" "$OUT"
chmod 600 "$T/policy/nftables.conf"
OUT=$(as_nobody "$XNFT" check "$T/policy" 2>&1); RC=$?
check_eq "as uid 65534: unreadable policy exit 2" 2 "$RC"
check_match "as uid 65534: unreadable policy hint" "hint: make it readable" "$OUT"

# --- nothing outside the sandbox changes ----------------------------------
check_eq "host ruleset unchanged" "$host_before" "$(nft list ruleset 2>&1)"

NS=$(ns_add chk)
ip netns exec "$NS" nft -f - <<'EOF'
table inet keepme {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 9 counter accept comment "must survive xnft check"
	}
}
EOF
ns_before=$(ip netns exec "$NS" nft list ruleset)
OUT=$(ip netns exec "$NS" "$XNFT" check "$POLICY" 2>&1); RC=$?
check_eq "check inside a namespace: exit 0" 0 "$RC"
check_eq "the namespace's own ruleset unchanged" "$ns_before" "$(ip netns exec "$NS" nft list ruleset)"
OUT=$(ip netns exec "$NS" "$XNFT" check --live 2>&1); RC=$?
check_eq "--live: exit 0" 0 "$RC"
check_match "--live: sees the namespace's table" "live ruleset: loads: 1 table, 1 chain \(1 base\), 1 rule" "$OUT"

# --- lint and intents run on a policy that loads ---------------------------
OUT=$("$XNFT" check "$POLICY" 2>&1); RC=$?
check_match "default policy: lint clean" "lint: 0 errors" "$OUT"
check_match "default policy: every intent holds" "intents: ([0-9]+) of \\1 hold" "$OUT"
"$XNFT" init "$T/open" --wan eth0 >/dev/null 2>&1
sed -i 's|^\t\tiif lo counter accept|\t\ttcp dport 22 counter accept comment "ssh for everyone"\n&|' "$T/open/rules/10-loopback.nft"
OUT=$("$XNFT" check "$T/open" 2>&1); RC=$?
check_eq "SSH opened to the internet: exit 1" 1 "$RC"
check_match "SSH opened to the internet: intent violated with its line" "open/intents:[0-9]+: expect drop iifname \\\$WAN_IF .*tcp dport \\\$SSH_PORT.*VIOLATED" "$OUT"
check_match "SSH opened to the internet: counterexample traced to the rule" "verdict: accept .* by rules/10-loopback.nft:9 \\(ssh for everyone\\)" "$OUT"
check_match "SSH opened to the internet: lint error XL010" "error\\[XL010\\]" "$OUT"

# --- --exposure: lint, intents and exposure from one load -----------------
OUT=$("$XNFT" check --exposure "$POLICY" 2>/dev/null); RC=$?
check_eq "--exposure on the default policy: exit 0" 0 "$RC"
EXP=$("$XNFT" exposure "$POLICY" 2>/dev/null)
check_eq "--exposure prints exactly what xnft exposure prints, after the summary" "$EXP" \
	"$(printf '%s\n' "$OUT" | sed -n '/: accepted for this host/,$p')"
check_match "--exposure still proves the intents" "intents: ([0-9]+) of \\1 hold" "$OUT"
JSON=$("$XNFT" check --exposure --json "$POLICY" 2>/dev/null)
check_eq "--exposure --json: the same input lines as xnft exposure --json" \
	"$("$XNFT" exposure --json "$POLICY" | jq -c .input)" "$(printf '%s\n' "$JSON" | jq -c .exposure.input)"
check_eq "-q --exposure: the exposure alone" "$EXP" "$("$XNFT" check -q --exposure "$POLICY" 2>/dev/null)"
check_eq "-q --exposure --new: exactly what xnft exposure --new prints" \
	"$("$XNFT" exposure "$POLICY" --new 2>/dev/null)" "$("$XNFT" check -q --exposure --new "$POLICY" 2>/dev/null)"
check_eq "--exposure --new --json: new_only" true \
	"$("$XNFT" check --exposure --new --json "$POLICY" 2>/dev/null | jq -r .exposure.new_only)"
check_eq "options may follow POLICY: check POLICY -q --exposure --new" \
	"$("$XNFT" exposure "$POLICY" --new 2>/dev/null)" "$("$XNFT" check "$POLICY" -q --exposure --new 2>/dev/null)"
check_eq "--new without --exposure is a usage error (exit 2)" 2 \
	"$("$XNFT" check --new "$POLICY" >/dev/null 2>&1; echo $?)"
check_eq "--json without --exposure: exposure is null" "null" \
	"$("$XNFT" check --json "$POLICY" | jq -c .exposure)"
OUT=$("$XNFT" check --exposure "$T/open" 2>&1); RC=$?
check_eq "--exposure with a violated intent: exit 1" 1 "$RC"
check_match "--exposure with a violated intent: the violation" "expect drop iifname .*VIOLATED" "$OUT"
check_match "--exposure with a violated intent: the exposure shows the open port" "tcp dport 22" "$OUT"

finish
