#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft mesh init|add|remove|list|check: an inventory built from the command
# line checks clean; each kind of bad inventory is refused with its file:line;
# a refused change leaves the file byte for byte as it was.
source "$(dirname "$0")/lib.sh"
require_root

T=$(tmpdir) || exit 1
INV=$T/mesh.conf
KEY=YMAanVSBlQ3tGBlRmh8m3wQTnlRy/8tTHNsNfL7xR0o=

# run ARGS...: xnft's exit status in $rc, stdout in $out, stderr in $err.
run() {
	out=$("$XNFT" "$@" 2>"$T/err"); rc=$?
	err=$(cat "$T/err")
	if grep -Eq "Sanitizer|runtime error:" "$T/err"; then not_ok "no sanitizer report from xnft $*"; fi
}

run mesh init --inventory "$INV" --network 10.10.0.0/24 --network6 fd10::/64
check_eq "mesh init writes a new inventory" "0 wrote $INV" "$rc $out"
run mesh init --inventory "$INV"
check_eq "mesh init refuses to overwrite an inventory" "2" "$rc"
check_match "... and says so" "already exists" "$err"

run mesh add hub --inventory "$INV" --address 10.10.0.1 --address6 fd10::1 --role hub \
	--endpoint 192.0.2.1:51820 --public-key "$KEY" --service tcp/22:ssh --service tcp/5432:postgres
check_eq "mesh add hub" "0" "$rc"
run mesh add peer1 --inventory "$INV" --address 10.10.0.2 --keepalive 25 --reach hub:ssh --reach hub:postgres
check_eq "mesh add peer1" "0" "$rc"
run mesh add peer2 --inventory "$INV" --address 10.10.0.3 --reach hub:ssh
check_eq "mesh add peer2" "0" "$rc"
run mesh check --inventory "$INV"
check_eq "mesh check: valid" "0 $INV: valid: 3 hosts (1 hub), star topology, interface wg0, port 51820" "$rc $out"
run mesh list --inventory "$INV"
check_match "mesh list shows peer1's access" "reaches  hub:postgres" "$out"
check_eq "mesh list: one line per host plus services and reach" "9" "$(printf '%s\n' "$out" | wc -l)"
run mesh list --inventory "$INV" --json
check_eq "mesh list --json: the hosts, with roles, services and reach" \
	"1 hub,peer,peer ssh,postgres hub:ssh,hub:postgres" \
	"$(printf '%s' "$out" | jq -r '[.version, ([.hosts[].role] | join(",")), ([.hosts[0].services[].name] | join(",")), ([.hosts[1].reach[] | .host + ":" + .service] | join(","))] | join(" ")')"

# Refused changes: exit 1, the line and reason named, the file untouched.
before=$(sha256sum <"$INV")
refused() {
	local what=$1 pattern=$2; shift 2
	run "$@"
	check_eq "refused ($what): exit 1" "1" "$rc"
	check_match "refused ($what): names file:line and the reason" "$pattern" "$err"
	check_eq "refused ($what): the file is unchanged" "$before" "$(sha256sum <"$INV")"
}
refused "duplicate address" "^$INV:[0-9]+: error: .*duplicate address: host bob has 10.10.0.2/32, already host peer1's" \
	mesh add bob --inventory "$INV" --address 10.10.0.2
refused "overlapping AllowedIPs" "overlapping AllowedIPs: 10.10.0.0/30 of host bob" \
	mesh add bob --inventory "$INV" --address 10.10.0.9 --allowed-ips 10.10.0.0/30
refused "bad key" "public_key of host bob is not 32 bytes of base64" \
	mesh add bob --inventory "$INV" --address 10.10.0.9 --public-key c2hvcnQ=
refused "service not open" "bob may reach hub:http, but host hub does not open a service 'http'" \
	mesh add bob --inventory "$INV" --address 10.10.0.9 --reach hub:http
refused "remove a host others reach" "peer1 may reach hub:ssh, but there is no host 'hub'" \
	mesh remove hub --inventory "$INV"
run mesh add 'bad name' --inventory "$INV" --address 10.10.0.9
check_eq "a bad host name is a usage error" "2" "$rc"
run mesh add bob --inventory "$INV" --address $'10.10.0.9\n[host evil]'
check_eq "a value with a newline is refused" "2" "$rc"
check_eq "... and the file is unchanged" "$before" "$(sha256sum <"$INV")"

# A hub-less star, written by hand: the error points at the first host's header.
printf '[mesh]\n\n[host a]\naddress = 10.0.0.1\n[host b]\naddress = 10.0.0.2\n' >"$T/star.conf"
run mesh check --inventory "$T/star.conf"
check_eq "hub-less star: exit 1" "1" "$rc"
check_match "hub-less star: file:line" "^$T/star.conf:3: error: a star mesh without a hub" "$err"
check_match "hub-less star: hint" "hint: give one host 'role = hub'" "$err"
run mesh check --inventory "$T/star.conf" --json
check_eq "mesh check --json: the failure object with file and line" "$T/star.conf 3 1" \
	"$(printf '%s' "$out" | jq -r '[.error.file, .error.line, .error.exit] | join(" ")')"

run mesh check --inventory "$T/missing.conf"
check_eq "a missing inventory is an environment error" "2" "$rc"
check_match "... pointing to mesh init" "xnft mesh init" "$err"

run mesh remove peer2 --inventory "$INV"
check_eq "mesh remove peer2" "0" "$rc"
run mesh list --inventory "$INV"
check_eq "peer2 is gone from the list" "" "$(printf '%s\n' "$out" | grep peer2)"
run mesh check --inventory "$INV"
check_match "the inventory still checks" "valid: 2 hosts" "$out"
run mesh remove peer2 --inventory "$INV"
check_eq "removing an unknown host: exit 1" "1" "$rc"

finish
