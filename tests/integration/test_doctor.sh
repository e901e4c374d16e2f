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
# (a check may be given once per thing found, e.g. each published port: the worst counts)
status() {
	printf '%s' "$DOC" | jq -r --arg id "$1" \
		'[.checks[] | select(.id == $id) | .status] | if index("FAIL") then "FAIL"
		 elif index("WARN") then "WARN" elif length > 0 then "PASS" else "" end'
}
expect() { check_eq "$3 ($1 $2)" "$2" "$(status "$1")"; }

# ---- kernel: real sysctls of the namespace, then --fix ----------------------
ip netns exec "$NS" sysctl -qw net.ipv4.conf.all.accept_redirects=1 net.ipv4.tcp_syncookies=0 \
	net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.all.log_martians=0 \
	net.ipv4.conf.all.send_redirects=1 net.ipv4.conf.all.accept_source_route=1 \
	net.ipv6.conf.all.accept_redirects=1 net.ipv6.conf.all.accept_source_route=1
doc
expect sysctl.log_martians WARN "kernel: martians not logged warns"
expect sysctl.send_redirects WARN "kernel: sending redirects warns"
expect sysctl.accept_source_route FAIL "kernel: accepting source routes fails"
expect sysctl.ipv6.accept_redirects FAIL "kernel: accepting ICMPv6 redirects fails"
expect sysctl.ipv6.accept_source_route FAIL "kernel: accepting IPv6 source routes fails"
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
for id in log_martians send_redirects accept_source_route ipv6.accept_redirects \
	ipv6.accept_source_route; do
	expect "sysctl.$id" PASS "kernel: after --fix"
done

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

# ---- policy: state of the apply, boot unit, pending confirmation ------------
doc
expect policy.state PASS "policy: the apply state and the live table are read"
expect neighbours.live_ruleset PASS "neighbours: the live ruleset is read"
expect policy.loaded FAIL "policy: no table inet xnft loaded fails"
check_match "policy: the fix applies this policy with a confirm window" \
	"^xnft apply $POL --confirm 120; then, from a second SSH session: xnft confirm\$" \
	"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "policy.loaded") | .fix')"
expect policy.boot_unit FAIL "policy: xnft.service not enabled fails"
expect policy.pending PASS "policy: nothing pending passes"
expect policy.fallback PASS "policy: the fallback policy not in use passes"
# root without CAP_NET_ADMIN (a container's root, say): the kernel's ruleset cannot be listed
DOC=$(ip netns exec "$NS" setpriv --bounding-set -net_admin --inh-caps -net_admin \
	"$XNFT" doctor --json --root "$F" "$POL" 2>/dev/null); DOC_RC=$?
expect policy.state FAIL "policy: apply state unreadable without CAP_NET_ADMIN fails"
check_match "policy: ... and says why" 'cannot be read: .*Operation not permitted' \
	"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "policy.state") | .found')"
expect neighbours.live_ruleset WARN "neighbours: live ruleset unreadable without CAP_NET_ADMIN warns"
expect policy.loaded "" "policy: ... and the checks that need the state are not guessed at"
check_eq "policy: ... exit 1" 1 "$DOC_RC"
out=$(xn apply "$POL" 2>&1) || { not_ok "apply the policy in the namespace"; diag "$out"; }
ln -s /lib/systemd/system/xnft.service "$F/etc/systemd/system/multi-user.target.wants/xnft.service"
doc
expect policy.loaded PASS "policy: the loaded table is the confirmed one"
expect policy.boot_unit PASS "policy: xnft.service enabled passes"
ip netns exec "$NS" nft insert rule inet xnft input tcp dport 4444 accept
doc
expect policy.loaded WARN "policy: a table changed by hand after confirm warns"
check_match "policy: what differs is said as xnft diff says it" 'input, now accepted: .*dport 4444' \
	"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "policy.loaded") | .found')"
out=$(xn apply --confirm 120 "$POL" 2>&1) || { not_ok "apply --confirm in the namespace"; diag "$out"; }
doc
expect policy.pending WARN "policy: a pending confirmation warns"
check_match "policy: the fix is xnft confirm" '^xnft confirm$' \
	"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "policy.pending") | .fix')"
xn confirm >/dev/null 2>&1
check "confirm ends the pending apply" test ! -e "$XNFT_STATE_DIR/pending"
doc
expect policy.pending PASS "policy: after confirm nothing is pending"

# ---- policy: host values -------------------------------------------------------
expect policy.values PASS "policy: a policy that loads passes (its values are judged)"
expect policy.admin_allowlist PASS "policy: a routable ADMIN_ALLOWLIST passes"
expect policy.mesh_peers PASS "policy: MESH_PEERS 10.10.0.0/24 passes"
expect policy.mesh_if PASS "policy: MESH_IF wg0 exists"
expect policy.wan_if PASS "policy: WAN_IF wan0 exists"
expect policy.ipv6 PASS "policy: an inet table filters IPv6"
expect policy.wg_port WARN "policy: no wg0.conf to compare WG_PORT with warns"
check_eq "policy: ... the fix names the interface" "wg show wg0 listen-port   # compare with WG_PORT by hand" \
	"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "policy.wg_port") | .fix')"
printf '[Interface]\nPrivateKey = x\nListenPort = 51820\n' >"$F/etc/wireguard/wg0.conf"
chmod 600 "$F/etc/wireguard/wg0.conf"
doc
expect policy.wg_port PASS "policy: ListenPort equal to WG_PORT passes"
expect policy.key_modes PASS "policy: a 0600 wg0.conf passes"
printf '[Interface]\nListenPort=51821\n' >"$F/etc/wireguard/wg0.conf"
chmod 644 "$F/etc/wireguard/wg0.conf"
doc
expect policy.wg_port FAIL "policy: ListenPort other than WG_PORT fails"
expect policy.key_modes FAIL "policy: a world-readable wg0.conf fails"
check_match "policy: the fix is chmod 600 on the file" 'chmod 600 /etc/wireguard/wg0.conf' \
	"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "policy.key_modes") | .fix')"
printf '[Interface]\nListenPort = 51820\n' >"$F/etc/wireguard/wg0.conf"
chmod 600 "$F/etc/wireguard/wg0.conf"

# variants of the policy, each breaking one value
POL_GOOD=$POL
POL=$T/pol-bad
cp -r "$POL_GOOD" "$POL"
sed -i 's|elements = { 10.10.0.0/24 }|elements = { 0.0.0.0/0 }|; s|elements = { 8.8.8.0/24 }|elements = { 192.168.1.0/24, 203.0.113.7 }|; s|define WAN_IF = .*|define WAN_IF = "eth9"|' \
	"$POL/rules/00-tables.nft" "$POL/nftables.conf"
doc
expect policy.mesh_peers FAIL "policy: MESH_PEERS 0.0.0.0/0 fails"
expect policy.admin_allowlist WARN "policy: private and documentation break-glass sources warn"
check_match "policy: each unroutable source is named with its kind" \
	'192.168.1.0/24 \(private\), 203.0.113.7 \(documentation\)' \
	"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "policy.admin_allowlist") | .found')"
expect policy.wan_if FAIL "policy: WAN_IF naming a missing interface fails"
sed -i 's|elements = { 192.168.1.0/24, 203.0.113.7 }|elements = { 0.0.0.0/0 }|' "$POL/rules/00-tables.nft"
doc
expect policy.admin_allowlist FAIL "policy: break-glass open to 0.0.0.0/0 fails"
mkdir -p "$T/pol-v4"
printf 'table ip v4only {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t}\n}\n' \
	>"$T/pol-v4/nftables.conf"
POL=$T/pol-v4
doc
expect policy.ipv6 FAIL "policy: IPv6 on and only an ip table fails"
POL=$T/missing
doc
expect policy.values FAIL "policy: a policy that does not load fails"
check_match "policy: ... and says why" 'does not load: .*missing' \
	"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "policy.values") | .found')"
ip -n "$NS" link set wg0 name wg9
POL=$POL_GOOD
doc
expect policy.mesh_if FAIL "policy: MESH_IF wg0 gone fails"
ip -n "$NS" link set wg9 name wg0

# ---- exit status: WARNs pass unless --strict; usage errors are 2 ----------------
doc
printf '%s' "$DOC" | jq -r '.checks[] | select(.status == "FAIL") | "# still failing: \(.id): \(.found)"'
check_eq "no FAIL left: exit 0 (WARNs allowed)" 0 "$DOC_RC"
check_eq "the JSON says ok" true "$(printf '%s' "$DOC" | jq -r .ok)"
if [ "$(printf '%s' "$DOC" | jq -r .summary.warn)" -gt 0 ]; then
	doc --strict
	check_eq "--strict: a WARN exits 1" 1 "$DOC_RC"
else
	not_ok "a WARN is left to test --strict with"
fi
check_fails "an unknown option is refused" xn doctor --bogus
xn doctor --bogus >/dev/null 2>&1
check_eq "an unknown option exits 2" 2 "$?"
out=$(xn doctor --json --root "$T/nowhere" 2>/dev/null); rc=$?
check_eq "--root that is not a directory exits 2" 2 "$rc"
check_match "... with the JSON failure object naming it" '"error".*nowhere.*"ok": false' "$(printf '%s' "$out" | tr -d '\n')"

out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$XNFT" doctor --json "$POL" 2>/dev/null); rc=$?
check_eq "not root: exit 2" 2 "$rc"
check_match "not root: the failure object says it needs root" '"message": "needs root' "$out"

# ---- neighbours: nftables.service, ufw, firewalld from /etc --------------------
W=$F/etc/systemd/system/sysinit.target.wants
mkdir -p "$W"
ln -s /lib/systemd/system/nftables.service "$W/nftables.service"
printf '#!/usr/sbin/nft -f\n\nflush ruleset\n\ntable inet filter {\n}\n' >"$F/etc/nftables.conf"
echo 'ENABLED=yes' >"$F/etc/ufw/ufw.conf"
ln -s /lib/systemd/system/firewalld.service "$F/etc/systemd/system/multi-user.target.wants/firewalld.service"
doc
expect neighbours.nftables_service FAIL "neighbours: nftables.service with flush ruleset fails"
expect neighbours.ufw FAIL "neighbours: ufw enabled fails"
expect neighbours.firewalld FAIL "neighbours: firewalld enabled fails"
printf '#!/usr/sbin/nft -f\n# flush ruleset\ntable inet filter {\n}\n' >"$F/etc/nftables.conf"
printf '# ufw\nENABLED=no\n' >"$F/etc/ufw/ufw.conf"
rm "$F/etc/systemd/system/multi-user.target.wants/firewalld.service"
doc
expect neighbours.nftables_service PASS "neighbours: nftables.service without flush ruleset passes"
expect neighbours.ufw PASS "neighbours: ufw disabled passes"
expect neighbours.firewalld PASS "neighbours: firewalld disabled passes"
ip netns exec "$NS" nft add table inet firewalld
ip netns exec "$NS" nft add table ip filter && ip netns exec "$NS" nft add chain ip filter ufw-before-input
doc
expect neighbours.firewalld FAIL "neighbours: firewalld's table loaded (running) fails"
expect neighbours.ufw FAIL "neighbours: ufw's chains loaded (active) fails"
ip netns exec "$NS" nft delete table inet firewalld
ip netns exec "$NS" nft delete table ip filter

# ---- neighbours: real iptables-legacy rules in the namespace --------------------
# (no --root: the rule dump is of the namespace's kernel, so only on "/")
ldoc() { DOC=$(xn doctor --json "$POL" 2>/dev/null); }
ldoc
expect neighbours.iptables_legacy PASS "neighbours: no iptables-legacy rules passes"
if ip netns exec "$NS" iptables-legacy -A INPUT -p tcp --dport 9 -j DROP; then
	ldoc
	expect neighbours.iptables_legacy FAIL "neighbours: an iptables-legacy rule fails"
	check_match "neighbours: the rule is counted, with its table" '^1 iptables-legacy rules .*filter' \
		"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "neighbours.iptables_legacy") | .found')"
	ip netns exec "$NS" iptables-legacy -F INPUT
	ldoc
	expect neighbours.iptables_legacy PASS "neighbours: an empty iptables-legacy table passes"
else
	not_ok "iptables-legacy can add a rule in the namespace"
fi

# ---- neighbours: container and VM managers' bridges and tables ------------------
doc
expect neighbours.containers PASS "neighbours: no container bridges or tables passes"
expect neighbours.published PASS "neighbours: no port forwarded passes"
ip -n "$NS" link add docker0 type bridge || not_ok "create bridge docker0"
ip netns exec "$NS" nft add table inet lxd
ip netns exec "$NS" nft add table ip libvirt_network
ip -n "$NS" link add incusbr0 type bridge
ip netns exec "$NS" nft add table ip nat && ip netns exec "$NS" nft add chain ip nat NETAVARK_FORWARD
doc
expect neighbours.docker WARN "neighbours: Docker's bridge docker0 warns"
expect neighbours.lxd WARN "neighbours: LXD's table inet lxd warns"
expect neighbours.podman WARN "neighbours: Podman's NETAVARK_FORWARD chain warns"
expect neighbours.libvirt WARN "neighbours: libvirt's table ip libvirt_network warns"
expect neighbours.incus WARN "neighbours: Incus's bridge incusbr0 warns"
check_match "neighbours: the table and chain are named" 'chain NETAVARK_FORWARD in table ip nat' \
	"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "neighbours.podman") | .found')"
expect neighbours.containers "" "neighbours: the all-clear is not given beside them"
ip netns exec "$NS" nft delete table ip nat
ip -n "$NS" addr add 203.0.113.1/24 dev wan0 && ip -n "$NS" link set wan0 up
if ip netns exec "$NS" nft -f "$ROOT/tests/integration/fixtures_nat/docker_published.nft"; then
	doc
	expect neighbours.published PASS "neighbours: a port Docker publishes but xnft's forward chain drops passes"
	ip netns exec "$NS" nft delete table inet xnft
	doc
	expect neighbours.published WARN "neighbours: Docker's published port, forwarded, warns"
	check_match "neighbours: the published port is listed with its target" \
		'tcp dport 8080 → 172\.17\.0\.2:80' \
		"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "neighbours.published") | .found')"
else
	not_ok "load Docker's published-port fixture in the namespace"
fi

# ---- policy: the built-in fallback, loaded for real by `xnft boot` -------------
echo 'this is not nft' >>"$XNFT_STATE_DIR/confirmed.nft"
ip netns exec "$NS" nft delete table inet xnft 2>/dev/null
xn boot >/dev/null 2>&1
check_eq "boot with a broken confirmed policy falls back (exit 1)" 1 "$?"
doc
expect policy.fallback FAIL "policy: the fallback policy in use fails"
check_match "policy: the boot's reason is shown" 'FALLBACK.*confirmed.nft' \
	"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "policy.fallback") | .found')"

# ---- garbage in the readers' files: reported or skipped, never a crash ---------
G=$T/garbage
mkdir -p "$G/proc/sys/net/netfilter" "$G/proc/sys/net/ipv4" "$G/proc/net/stat" "$G/etc/ufw" \
	"$G/etc/wireguard" "$G/sys/class/net"
echo lots >"$G/proc/sys/net/netfilter/nf_conntrack_max"
: >"$G/proc/sys/net/ipv4/tcp_syncookies"
echo 'drop early_drop' >"$G/proc/net/stat/nf_conntrack"
printf 'zz\n\n  \n' >>"$G/proc/net/stat/nf_conntrack"
head -c 4096 /dev/urandom >"$G/etc/ufw/ufw.conf"
{ printf 'ListenPort = '; head -c 100000 /dev/zero | tr '\0' 9; echo; } >"$G/etc/wireguard/wg0.conf"
err=$(xn doctor --json --root "$G" "$POL" 2>&1 >/dev/null); rc=$?
check_match "garbage fixture: exit 0 or 1, not a crash" '^[01]$' "$rc"
check_eq "garbage fixture: no sanitizer report" "" "$(printf '%s\n' "$err" | grep -E 'Sanitizer|runtime error:')"
echo 5 >"$G/proc/sys/net/netfilter/nf_conntrack_max"
echo 1 >"$G/proc/sys/net/netfilter/nf_conntrack_count"
DOC=$(xn doctor --json --root "$G" "$POL" 2>/dev/null)
check_match "garbage fixture: a stat file without numbers sums to 0" 'drop 0, early_drop 0' \
	"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "conntrack.drops") | .found')"

# ---- WireGuard's own listen port (wg show: wireguard-go's UAPI), no config file --
WGIF=wgd$$
POLWG=$T/polwg
"$XNFT" init "$POLWG" --wan wan0 --mesh-if "$WGIF" --wg-port 51820 >/dev/null 2>&1
ip netns exec "$NS" wireguard-go -f "$WGIF" >"$T/wg.log" 2>&1 &
WGPID=$!
WGSTART=$(pid_start "$WGPID")
track_pid "$WGPID"
for _ in $(seq 1 50); do [ -S "/var/run/wireguard/$WGIF.sock" ] && break; sleep 0.1; done
(umask 077 && wg genkey >"$T/wg.key")
if ip netns exec "$NS" wg set "$WGIF" listen-port 51820 private-key "$T/wg.key"; then
	DOC=$(xn doctor --json "$POLWG" 2>/dev/null)
	expect policy.wg_port PASS "policy: WireGuard asked with wg show listens on WG_PORT"
	check_match "policy: ... and says where the port came from" "\(wg show $WGIF\)" \
		"$(printf '%s' "$DOC" | jq -r '.checks[] | select(.id == "policy.wg_port") | .found')"
	ip netns exec "$NS" wg set "$WGIF" listen-port 51999
	DOC=$(xn doctor --json "$POLWG" 2>/dev/null)
	expect policy.wg_port FAIL "policy: WireGuard listening on another port than WG_PORT fails"
else
	not_ok "wireguard-go interface $WGIF in the namespace"; sed 's/^/#   /' "$T/wg.log"
fi
# stop the wireguard-go this test started, only while the PID is still that process
[ -n "$WGSTART" ] && [ "$(pid_start "$WGPID")" = "$WGSTART" ] && kill "$WGPID"
for _ in $(seq 1 50); do [ -S "/var/run/wireguard/$WGIF.sock" ] || break; sleep 0.1; done
check_fails "wireguard-go's control socket is gone" test -e "/var/run/wireguard/$WGIF.sock"

finish
