#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft doctor: every check in a state where it passes and one where it
# fails. Per-namespace state (sysctls, tables, interfaces, iptables-legacy
# rules) is made for real in a namespace; the rest (/etc files, conntrack
# figures a namespace cannot fake) comes from a fixture root (--root), whose
# proc and sys point at the namespace's own.
. "$(dirname "$0")/lib.sh"
require_root

NS=$(ns_add doctor) || { not_ok "create namespace"; finish; }
T=$(tmpdir) || { not_ok "temp dir"; finish; }
export XNFT_STATE_DIR=$T/state
F=$T/root
mkdir -p "$F/etc/systemd/system/multi-user.target.wants" "$F/etc/wireguard" "$F/etc/ufw" \
	"$F/etc/sysctl.d" "$F/etc/modprobe.d" || { not_ok "fixture root"; finish; }
ln -s /proc "$F/proc" && ln -s /sys "$F/sys"
ip -n "$NS" link add wan0 type veth peer name wg0 || {
	not_ok "interfaces wan0 and wg0"; finish; }

POL=$T/pol
"$XNFT" init "$POL" --wan wan0 --mesh-if wg0 --wg-port 51820 --admin 8.8.8.0/24 >/dev/null 2>&1
check_eq "init writes the policy doctor reads" 0 "$?"

xn() { ip netns exec "$NS" "$XNFT" "$@"; }
# doc [ARGS]: doctor's JSON in the namespace on the fixture root; DOC_RC its exit status.
doc() {
	local err
	err=$(mktemp /tmp/xnft-test-stderr.XXXXXX)
	DOC=$(xn doctor --json --root "$F" "$@" "$POL" 2>"$err"); DOC_RC=$?
	if grep -Eq 'Sanitizer|runtime error:' "$err"; then
		not_ok "doctor ran without a sanitizer report"; sed -n '1,20s/^/#   /p' "$err"
	fi
	rm -f "$err"
}
# status ID: PASS, WARN or FAIL of the check ID in $DOC ("" when absent).
status() { printf '%s' "$DOC" | jq -r --arg id "$1" '.checks[] | select(.id == $id) | .status'; }
expect() { check_eq "$3 ($1 $2)" "$2" "$(status "$1")"; }

# ---- kernel: real sysctls of the namespace, then --fix ----------------------
ip netns exec "$NS" sysctl -qw net.ipv4.conf.all.accept_redirects=1 net.ipv4.tcp_syncookies=0 \
	net.ipv4.conf.all.rp_filter=0
doc
expect sysctl.accept_redirects FAIL "kernel: accepting ICMP redirects fails"
expect sysctl.tcp_syncookies WARN "kernel: no SYN cookies warns"
expect sysctl.rp_filter WARN "kernel: no reverse-path filter warns"
check_match "kernel: the fix is the exact sysctl command" \
	'sysctl -w net.ipv4.conf.all.accept_redirects=0' \
	"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "sysctl.accept_redirects") | .fix')"
check_eq "a FAIL exits 1" 1 "$DOC_RC"
check_eq "the JSON carries version 1" 1 "$(printf '%s' "$DOC" | jq -r .version)"

host_redirects=$(sysctl -n net.ipv4.conf.all.accept_redirects)
out=$(xn doctor --fix --root "$F" "$POL" 2>&1)
check_match "--fix shows the sysctl.d file before writing it" \
	'--fix writes /etc/sysctl.d/90-xnft-doctor.conf' "$out"
check "--fix wrote the sysctl.d file under the root" \
	grep -qx 'net.ipv4.conf.all.accept_redirects = 0' "$F/etc/sysctl.d/90-xnft-doctor.conf"
check_eq "--fix set the sysctl in the namespace" 0 \
	"$(ip netns exec "$NS" sysctl -n net.ipv4.conf.all.accept_redirects)"
check_eq "--fix left the host's own sysctl alone (set in the namespace only)" \
	"$host_redirects" "$(sysctl -n net.ipv4.conf.all.accept_redirects)"
check_match "--fix never writes a firewall rule" '^$' "$(ip netns exec "$NS" nft list ruleset)"
doc
expect sysctl.accept_redirects PASS "kernel: after --fix redirects are refused"
expect sysctl.tcp_syncookies PASS "kernel: after --fix SYN cookies are on"
expect sysctl.rp_filter PASS "kernel: after --fix rp_filter is on"

# ---- conntrack: the namespace's own loose pickup, fixed -----------------------
if ip netns exec "$NS" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=1; then
	doc
	expect conntrack.tcp_loose WARN "conntrack: loose pickup warns"
	xn doctor --fix --root "$F" "$POL" >/dev/null 2>&1
	check_eq "--fix turned loose pickup off in the namespace" 0 \
		"$(ip netns exec "$NS" sysctl -n net.netfilter.nf_conntrack_tcp_loose)"
	doc
	expect conntrack.tcp_loose PASS "conntrack: strict pickup passes"
else
	not_ok "nf_conntrack_tcp_loose settable in a namespace"
fi

# ---- conntrack figures from a fixture /proc (a namespace cannot fake them) ---
C=$T/ctroot
mkdir -p "$C/proc/sys/net/netfilter" "$C/proc/net/stat" "$C/etc/modprobe.d" "$C/etc/sysctl.d" || not_ok "conntrack fixture"
# ct_fixture COUNT MAX BUCKETS TIMEOUT HELPER DROP: write the fixture's figures.
ct_fixture() {
	local d=$C/proc/sys/net/netfilter/nf_conntrack_
	echo "$1" >"${d}count"; echo "$2" >"${d}max"; echo "$3" >"${d}buckets"
	echo "$4" >"${d}tcp_timeout_established"; echo 0 >"${d}tcp_loose"
	if [ -n "$5" ]; then echo "$5" >"${d}helper"; else rm -f "${d}helper"; fi
	{
		echo 'entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart'
		echo '00000001  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000  00000000 00000000 00000000 00000000'
		printf '00000001  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000002 %08x 00000000 00000000  00000000 00000000 00000000 00000000\n' "$6"
	} >"$C/proc/net/stat/nf_conntrack"
}
ctdoc() { DOC=$(xn doctor --json --root "$C" "$POL" 2>/dev/null); }
ct_fixture 10 1000 250 54000 0 0
ctdoc
expect conntrack.count PASS "conntrack: 1% full passes"
expect conntrack.buckets PASS "conntrack: hashsize = max / 4 passes"
expect conntrack.established_timeout PASS "conntrack: a 15-hour established timeout passes"
expect conntrack.helper PASS "conntrack: helper auto-assignment off passes"
expect conntrack.drops WARN "conntrack: insert_failed on one CPU warns"
check_match "conntrack: insert_failed is read from its column" 'insert_failed 2' \
	"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "conntrack.drops") | .found')"
ct_fixture 950 1000 100 432000 1 0x1f
ctdoc
expect conntrack.count FAIL "conntrack: 95% full fails"
expect conntrack.buckets WARN "conntrack: 10 entries per bucket warns"
expect conntrack.established_timeout WARN "conntrack: the 5-day default timeout warns"
expect conntrack.helper FAIL "conntrack: helper auto-assignment on fails"
check_match "conntrack: the drop column is read as hex" 'drop 31' \
	"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "conntrack.drops") | .found')"
ct_fixture 800 1000 250 54000 "" 0
ctdoc
expect conntrack.count WARN "conntrack: 80% full warns"
expect conntrack.helper PASS "conntrack: a kernel without helper auto-assignment passes"
ct_fixture 950 1000 100 432000 1 0
out=$(xn doctor --fix --root "$C" "$POL" 2>&1)
check "--fix writes the conntrack hashsize into modprobe.d under the root" \
	grep -qx 'options nf_conntrack hashsize=250' "$C/etc/modprobe.d/xnft-doctor.conf"
check_eq "--fix turned helper auto-assignment off" 0 \
	"$(cat "$C/proc/sys/net/netfilter/nf_conntrack_helper")"
check_eq "--fix leaves the established timeout alone (it would cut idle sessions)" 432000 \
	"$(cat "$C/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established")"

finish
