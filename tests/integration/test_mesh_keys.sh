#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft mesh keys HOST: the public key is what `wg pubkey` derives from the
# private key (for keys xnft makes and for one `wg genkey` made); files are
# 0600 in a 0700 directory; a PSK per pair of direct peers (star: with the
# hub only); the private key is printed only with --show-private; the
# public key lands in the inventory; a second run keeps every key, --rotate
# replaces the host's pair.
source "$(dirname "$0")/lib.sh"
require_root

T=$(tmpdir) || exit 1
INV=$T/mesh.conf
K=$T/keys

run() {
	out=$("$XNFT" "$@" 2>"$T/err"); rc=$?
	err=$(cat "$T/err")
	if grep -Eq "Sanitizer|runtime error:" "$T/err"; then not_ok "no sanitizer report from xnft $*"; fi
}

"$XNFT" mesh init --inventory "$INV" >/dev/null &&
"$XNFT" mesh add hub --inventory "$INV" --address 10.10.0.1 --role hub --endpoint 192.0.2.1:51820 \
	--service tcp/22:ssh >/dev/null &&
"$XNFT" mesh add peer1 --inventory "$INV" --address 10.10.0.2 --reach hub:ssh >/dev/null &&
"$XNFT" mesh add peer2 --inventory "$INV" --address 10.10.0.3 >/dev/null
check_eq "inventory set up" "0" "$?"

for h in hub peer1; do
	run mesh keys "$h" --inventory "$INV" --keys-dir "$K"
	check_eq "mesh keys $h: exit 0" "0" "$rc"
	check_eq "$h: public key = wg pubkey of its private key" "$(wg pubkey <"$K/$h.key")" "$(cat "$K/$h.pub")"
	check_eq "$h: printed public key is that key" "host $h: public key $(cat "$K/$h.pub")" \
		"$(printf '%s\n' "$out" | head -1)"
	check_eq "$h: the private key is not printed" "" "$(printf '%s\n' "$out" | grep -F -- "$(cat "$K/$h.key")")"
	check_eq "$h: inventory holds the public key" "1" \
		"$(grep -cxF "public_key = $(cat "$K/$h.pub")" "$INV")"
done
# A key wg made: xnft keeps it and derives the same public key.
(umask 077 && wg genkey >"$K/peer2.key")
run mesh keys peer2 --inventory "$INV" --keys-dir "$K"
check_eq "a wg genkey private key is kept" "0 kept (mode" "$rc $(printf '%s\n' "$out" | grep -o 'kept (mode')" 
check_eq "... and its public key = wg pubkey" "$(wg pubkey <"$K/peer2.key")" "$(cat "$K/peer2.pub")"

check_eq "keys dir is 0700" "700" "$(stat -c %a "$K")"
check_eq "every key file is 0600" "" "$(find "$K" -type f ! -perm 0600)"
check_eq "PSKs: one per hub-peer pair, none between spokes" "hub+peer1.psk hub+peer2.psk" \
	"$(cd "$K/psk" && echo *)"
check_eq "a PSK is 32 bytes of base64" "32" "$(base64 -d <"$K/psk/hub+peer1.psk" | wc -c)"
check_eq "mesh check passes with the keys" "0" "$("$XNFT" mesh check --inventory "$INV" >/dev/null 2>&1; echo $?)"

psk=$(cat "$K/psk/hub+peer1.psk")
old=$(cat "$K/hub.pub")
run mesh keys hub --inventory "$INV" --keys-dir "$K" --show-private
check_eq "a second run keeps the key pair" "$old" "$(cat "$K/hub.pub")"
check_eq "... and the PSK" "$psk" "$(cat "$K/psk/hub+peer1.psk")"
check_eq "--show-private prints the private key" "  private key: $(cat "$K/hub.key")" \
	"$(printf '%s\n' "$out" | grep -F "private key: ")"
run mesh keys hub --inventory "$INV" --keys-dir "$K" --rotate
check_eq "--rotate: exit 0" "0" "$rc"
new=$(cat "$K/hub.pub")
[ "$new" != "$old" ] && ok "--rotate makes a new key pair" || not_ok "--rotate makes a new key pair"
check_eq "--rotate: wg pubkey agrees" "$(wg pubkey <"$K/hub.key")" "$new"
check_eq "--rotate: the inventory has the new key, once" "1 0" \
	"$(grep -cxF "public_key = $new" "$INV") $(grep -cF "$old" "$INV")"

run mesh keys nobody --inventory "$INV" --keys-dir "$K"
check_eq "an unknown host: exit 1" "1" "$rc"
echo garbage >"$K/peer1.key"
run mesh keys peer1 --inventory "$INV" --keys-dir "$K"
check_eq "a corrupt private key file: exit 1, named" "1" "$rc"
check_match "... the file is named" "$K/peer1.key" "$err"

finish
