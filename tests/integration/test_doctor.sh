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

finish
