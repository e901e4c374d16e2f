# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by issue 24's kernel differentials (test_constructs.sh,
# test_cx_steal.sh, test_cx_ctvals.sh): the packet lines of a batch
# (trace_lib.sh's format: sender role, xpkt words, xnft's packet words,
# tab-separated) and kernel_batch. Source it after trace_setup; FX is the
# fixtures directory.

pk() { # ROLE SRC DST PROTO DPORT TAG: one packet line of the batch
	printf '%s\tsrc=%s dst=%s proto=%s ttl=64 tag=%d sport=40000 dport=%d\tiifname eth0 ip saddr %s ip daddr %s ip ttl 64 %s sport 40000 %s dport %d ct state new\n' \
		"$1" "$2" "$3" "$4" "$6" "$5" "$2" "$3" "$4" "$4" "$5"
}

pk6() { # like pk, IPv6
	printf '%s\tsrc=%s dst=%s proto=%s ttl=64 tag=%d sport=40000 dport=%d\tiifname eth0 ip6 saddr %s ip6 daddr %s ip6 hoplimit 64 %s sport 40000 %s dport %d ct state new\n' \
		"$1" "$2" "$3" "$4" "$6" "$5" "$2" "$3" "$4" "$4" "$5"
}

pkw() { # ROLE SRC DST DPORT TAG IFACE-WORDS: a UDP packet line with its interfaces
	local ip=ip ttl="ip ttl"
	[[ $2 == *:* ]] && ip=ip6 ttl="ip6 hoplimit"
	printf '%s\tsrc=%s dst=%s proto=udp ttl=64 tag=%d sport=40000 dport=%d\t%s %s saddr %s %s daddr %s %s 64 udp sport 40000 udp dport %d ct state new\n' \
		"$1" "$2" "$3" "$5" "$4" "$6" "$ip" "$2" "$ip" "$3" "$ttl" "$4"
}

pkf() { # ROLE SRC DST DPORT TAG FLAGS: a TCP packet line with these flags
	local ip=ip ttl="ip ttl"
	[[ $2 == *:* ]] && ip=ip6 ttl="ip6 hoplimit"
	printf '%s\tsrc=%s dst=%s proto=tcp ttl=64 tag=%d sport=40000 dport=%d flags=%s\tiifname eth0 %s saddr %s %s daddr %s %s 64 tcp sport 40000 tcp dport %d tcp flags %s ct state new\n' \
		"$1" "$2" "$3" "$5" "$4" "$6" "$ip" "$2" "$ip" "$3" "$ttl" "$4" "$6"
}

kernel_batch() { # NAME FIXTURE PACKETS (FIXTURE: in fixtures_constructs, or a path)
	local f=$2
	[[ $f == /* ]] || f=$FX/$f
	if load_fresh "$f"; then
		batch "$1" "$3" --local-addr "$HOST_V4" --local-addr 192.0.2.10
	else
		not_ok "$1: $2 loads in the kernel"
	fi
}
