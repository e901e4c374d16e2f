# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the bench_*.sh scripts: timing, memory and ratio helpers.
# Each script sets WORK (a temp dir) before calling peak_kib.

# median_ms RUNS cmd...: median wall time of RUNS runs, in milliseconds.
# An exit status above BENCH_OK_RC (default 0; 1 where findings are expected,
# as from verify, diff or lint) stops the bench.
median_ms() {
	local runs=$1; shift
	local t=() s e rc
	for _ in $(seq "$runs"); do
		s=$(date +%s%N)
		rc=0; "$@" >/dev/null 2>&1 || rc=$?
		e=$(date +%s%N)
		if [ "$rc" -gt "${BENCH_OK_RC:-0}" ]; then
			echo "bench: command failed ($rc): $*" >&2; "$@" >&2 || true; exit 1
		fi
		t+=($(( (e - s) / 1000 )))
	done
	printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

# peak_kib cmd...: peak resident memory of one run, in KiB (GNU time).
peak_kib() {
	/usr/bin/time -f '%M' -o "$WORK/rss" "$@" >/dev/null 2>&1 || true
	tail -n 1 "$WORK/rss"
}

# peak_mib cmd...: the same in MiB, rounded.
peak_mib() { peak_kib "$@" | awk '{printf "%.0f", $1 / 1024}'; }

# cpu_ms cmd...: user+system CPU time of one run, in milliseconds (GNU time).
cpu_ms() {
	/usr/bin/time -f '%U %S' -o "$WORK/cpu" "$@" >/dev/null 2>&1 || true
	tail -n 1 "$WORK/cpu" | awk '{printf "%.0f", ($1 + $2) * 1000}'
}

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# make_large_policy DIR [SERVICES] [SHIFT]: the default policy (xnft init, in
# $XNFT) plus a 100,000-element interval blocklist and, with SERVICES > 0,
# that many generated service rules (bench_analyze.sh: 900, about 1,000
# rules in all); SHIFT moves the port of the middle one (a second policy
# that differs in one rule, for diff).
make_large_policy() {
	local dir=$1 services=${2:-0} shift_port=${3:-0}
	"$XNFT" init "$dir" --wan eth0 --mesh-if wg0 --force >/dev/null
	{
		echo "table inet xnft {"
		echo "	set BLOCKLIST {"
		echo "		type ipv4_addr; flags interval"
		printf '		elements = { '
		awk 'BEGIN { for (i = 0; i < 100000; i++) { a = 11 + int(i / 65536); b = int(i / 256) % 256; c = i % 256;
			printf "%s%d.%d.%d.0/24", (i ? ", " : ""), a, b, c } }'
		echo " }"
		echo "	}"
		echo "	chain input {"
		echo "		iifname \$WAN_IF ip saddr @BLOCKLIST counter drop comment \"blocklist: 100,000 networks\""
		echo "	}"
		if [ "$services" -gt 0 ]; then
			echo "	chain services {"
			awk -v n="$services" -v shift="$shift_port" 'BEGIN { for (i = 0; i < n; i++) {
				port = 10000 + i + (i == int(n / 2) ? shift : 0);
				printf "\t\tip saddr 10.10.0.%d tcp dport %d ct state new counter accept comment \"generated %d\"\n", i % 250 + 1, port, i } }'
			echo "	}"
		fi
		echo "}"
	} >"$dir/rules/16-blocklist.nft"
	sed -i 's|^include "rules/20-mesh.nft"|include "rules/16-blocklist.nft"\n&|' "$dir/nftables.conf"
}

# make_scattered_blocklist FILE: a ruleset as a CrowdSec or fail2ban host has
# it (issue 12): 18,000 scattered IPv4 and 2,000 IPv6 addresses in sets with
# timeouts, dropped at input priority -10 in a table of their own, in front
# of a plain inet filter table (established, lo, ICMP, tcp 22/80/443).
make_scattered_blocklist() {
	awk 'BEGIN {
		srand(12)
		print "table inet crowdsec {"
		print "\tset crowdsec-blacklists {\n\t\ttype ipv4_addr\n\t\tflags timeout"
		printf "\t\telements = { "
		for (i = 0; i < 18000; i++)
			printf "%s%d.%d.%d.%d timeout 4h", (i ? ", " : ""), 1 + int(rand() * 223),
				int(rand() * 256), int(rand() * 256), 1 + int(rand() * 254)
		print " }\n\t}"
		print "\tset crowdsec6-blacklists {\n\t\ttype ipv6_addr\n\t\tflags timeout"
		printf "\t\telements = { "
		for (i = 0; i < 2000; i++)
			printf "%s2001:db8:%x:%x::%x timeout 4h", (i ? ", " : ""), int(rand() * 65536),
				int(rand() * 65536), 1 + int(rand() * 65535)
		print " }\n\t}"
		print "\tchain crowdsec-chain {\n\t\ttype filter hook input priority filter - 10; policy accept;"
		print "\t\tip saddr @crowdsec-blacklists drop\n\t}"
		print "\tchain crowdsec6-chain {\n\t\ttype filter hook input priority filter - 10; policy accept;"
		print "\t\tip6 saddr @crowdsec6-blacklists drop\n\t}\n}"
		print "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;"
		print "\t\tct state established,related accept\n\t\tct state invalid drop\n\t\tiif lo accept"
		print "\t\tmeta l4proto { icmp, ipv6-icmp } accept\n\t\ttcp dport { 22, 80, 443 } accept\n\t}"
		print "\tchain forward { type filter hook forward priority filter; policy drop; }\n}"
	}' >"$1"
}
