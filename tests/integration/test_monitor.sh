#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft monitor against a fixture on loopback of the test's own namespace:
# an https server (CA and certificate made here with openssl) serving each
# of the five sources in its real format (fixtures_monitor/, dates set to
# now), hostile answers, and webhook (Slack, ntfy) and SMTP sinks.
#   - --dry-run: every source read, findings mapped to rule files and to the
#     host ("fixed in 6.1.76: affected"), exit 1 (new HIGH); nothing sent,
#     no state file made;
#   - a real run: each new HIGH/CRITICAL finding that may touch the host
#     reaches Slack, ntfy and email once, the rest in one digest; the state
#     file is 0600; a second run sends nothing (conditional requests: 304);
#   - hostile sources (huge, truncated, wrong JSON, not JSON, HTML, redirect
#     to http, never-ending): a clear message each, bounded in time and
#     size, the other sources still processed, exit 2;
#   - the NVD refusing a client without an API key (403): the hint names
#     nvd_api_key_file; with it, the key goes in the apiKey header;
#   - a webhook that fails: exit 2, and the next run sends the findings again;
#   - a flood of HIGH entries: 20 messages of their own, the rest in the digest;
#   - SMTP AUTH (credentials from a 0600 file) goes over STARTTLS (the test's
#     CA as [notify] ca_file); to a server without STARTTLS the password is
#     never sent;
#   - an http:// source URL, an email secret file readable by others, a bad
#     --since: refused with a message.
source "$(dirname "$0")/lib.sh"
require_root

source "$(dirname "$0")/monitor_lib.sh"

OUT= RC= ERR=
# mon CONF ARGS...: xnft monitor in the namespace, bounded by timeout(1); stdout OUT, stderr ERR, status RC.
mon() {
	local conf=$1; shift
	OUT=$(timeout 60 ip netns exec "$NS" "$XNFT" monitor --config "$T/$conf.conf" "$@" 2>"$T/err")
	RC=$?
	ERR=$(cat "$T/err")
}
no_sanitizer() {
	if grep -Eq 'Sanitizer|runtime error:' <<<"$ERR"; then
		not_ok "$1: no sanitizer report"; grep -E -m 5 'Sanitizer|runtime error:' <<<"$ERR" | sed 's/^/#   /'
	else
		ok "$1: no sanitizer report"
	fi
}
hooks() { grep -c "\"hook\": \"$1\"" "$LOG"; }
mails() { grep -c '"smtp": true' "$LOG"; }

# ---- dry run: everything read and mapped, nothing sent, nothing written
conf good
chmod 644 "$T/good.conf"
mon good --dry-run
check_match "a config holding webhook URLs that others can read: a warning" \
	"warning: $T/good.conf holds \[notify\] endpoints and other users can read it" "$ERR"
chmod 600 "$T/good.conf"
mon good --dry-run
check_eq "... none when it is 0600" "" "$(grep warning <<<"$ERR")"
check_eq "--dry-run with new HIGH findings: exit 1" 1 "$RC"
no_sanitizer "--dry-run"
for s in kernel nftables nvd:netfilter nvd:nftables netfilter-devel netfilter-git; do
	check_match "--dry-run reads source $s" "^source $s +ok" "$OUT"
done
check_match "CVE-2024-1086 is HIGH and this host (6.1.70) is affected, fixed in 6.1.76" \
	'this host runs Linux 6.1.70; fixed in 6.1.76: affected' \
	"$(grep -A4 '^HIGH     CVE-2024-1086' <<<"$OUT")"
check_match "a conntrack CVE maps to 30-established.nft" 'rule files: 30-established.nft' \
	"$(grep -A2 'CVE-2023-39197' <<<"$OUT")"
check_match "a CVE outside the host's ranges says so" 'outside every vulnerable range' \
	"$(grep -A3 'CVE-2023-39197' <<<"$OUT")"
check_match "a WireGuard CVE maps to 20-mesh.nft and 50-vpn-endpoint.nft" \
	'rule files: 20-mesh.nft, 50-vpn-endpoint.nft' "$(grep -A2 'CVE-2099-0001' <<<"$OUT")"
check_match "an ICMPv6 CVE maps to 60-icmp.nft; unscored: MEDIUM" '^MEDIUM +CVE-2099-0002' "$OUT"
check_eq "escape sequences from a source never reach the terminal" "" \
	"$(grep -c $'\x1b' <<<"$OUT" | grep -v '^0$')"
check_match "the set CVE maps to 00-tables.nft" 'rule files: 00-tables.nft' \
	"$(grep -A2 'CVE-2024-26581' <<<"$OUT")"
check_match "the newer longterm kernel of the host's series is reported" \
	'this host runs Linux 6.1.70; 6.1.76 is newer: update' "$OUT"
check_eq "linux-next snapshots and old releases of other series are not" "" \
	"$(grep -E 'next-2024|5\.15\.148' <<<"$OUT")"
check_match "the newest nftables release against the host's 1.0.6" \
	'this host runs nftables 1.0.6; 1.0.9 is newer: update' "$OUT"
check_match "the list's use-after-free thread is HIGH (title joined on one line)" \
	'^HIGH +\[PATCH nf\] netfilter: nf_tables: fix use-after-free in set element catchall removal' "$OUT"
check_eq "its reply (Re:) and its v2 are the same thread: listed once" 1 \
	"$(grep -c 'fix use-after-free in set element catchall removal' <<<"$OUT")"
check_match "the list's crash thread is MEDIUM and maps to 30-established.nft" \
	'avoid crash on zone lookup' "$(grep -B0 -A2 '^MEDIUM.*zone lookup' <<<"$OUT")"
check_eq "list entries outside --since or without a security word are left out" "" \
	"$(grep -E 'nft_limit|list hooks' <<<"$OUT")"
check_match "the git log's out-of-bounds commit is HIGH" '^HIGH +netfilter: nft_set_pipapo' "$OUT"
check_match "the NVD is asked per keyword with a date window" \
	'keywordSearch=netfilter&pubStartDate=[0-9-]+T[0-9:.]+Z&pubEndDate=' "$(cat "$LOG")"
check_eq "--dry-run sent nothing (webhooks, email)" "0 0" "$(hooks slack) $(mails)"
check "--dry-run wrote no state file" test ! -e "$T/good.db"

# ---- JSON
mon good --dry-run --json
check_eq "--json: 12 findings, 6 sources" "12 6" \
	"$(jq -r '"\(.findings | length) \(.sources | length)"' <<<"$OUT" 2>&1)"
check_eq "--json: CVE-2024-1086 affected, cvss 7.8" "affected 7.8" \
	"$(jq -r '.findings[] | select(.id == "CVE-2024-1086") | "\(.host) \(.cvss)"' <<<"$OUT" 2>&1)"

# ---- a real run: sent once each
: >"$LOG"
mon good
check_eq "first run: exit 1 (new HIGH findings)" 1 "$RC"
no_sanitizer "first run"
check_eq "3 urgent findings + 1 digest to Slack, ntfy and email" "4 4 4" \
	"$(hooks slack) $(hooks ntfy) $(mails)"
check_match "Slack got CVE-2024-1086 with the host verdict" 'CVE-2024-1086.*fixed in 6.1.76: affected' \
	"$(grep '"hook": "slack"' "$LOG")"
check_match "the digest lists the MEDIUM findings and the HIGH one outside the host's ranges" \
	'digest: 9 findings' "$(grep '"hook": "ntfy"' "$LOG")"
check_match "the email went to both recipients with a Subject" \
	'"to": \["<admin@example.org>", "<ops@example.org>"\].*Subject: xnft monitor: HIGH CVE-2024-1086' \
	"$(grep '"smtp": true' "$LOG")"
check_eq "the state file is 0600" 600 "$(stat -c %a "$T/good.db" 2>&1)"
: >"$LOG"
mon good
check_eq "second run: nothing new, exit 0" 0 "$RC"
check_eq "second run sent nothing" "0 0 0" "$(hooks slack) $(hooks ntfy) $(mails)"
check_eq "second run: conditional requests, 304 for all 6" 6 "$(grep -c '"status": 304' "$LOG")"
mon good --dry-run
check_eq "a dry run after it: every finding shown again (no conditional request), none new, exit 0" \
	"0 12 0" "$RC $(grep -cE '^(LOW|MEDIUM|HIGH|CRITICAL) ' <<<"$OUT") $(grep -c '(new)$' <<<"$OUT")"
mon good --since 30d
check_eq "a wider window (other URL for the NVD): still nothing sent twice" "0 0" \
	"$(hooks slack) $(mails)"

# ---- RSS for the list: the same thread is not sent again, the new one is
conf rss list=/list.rss
cp "$T/good.db" "$T/rss.db"
: >"$LOG"
mon rss
check_eq "RSS list: one new HIGH thread (bypass), exit 1" 1 "$RC"
check_eq "RSS list: only it is sent (1 message + 0 digest per endpoint)" "1 1" "$(hooks slack) $(mails)"
check_match "the ICMP rate-limit bypass with fragments maps to 50-vpn-endpoint, 60-icmp, 15-antiscan" \
	'rule files: 50-vpn-endpoint.nft, 60-icmp.nft, 15-antiscan.nft' "$(grep -A2 'ICMP: bypass' <<<"$OUT")"

# ---- a flood of HIGH entries: 20 messages of their own a run, the rest in the digest
conf flood git=/flood.atom
: >"$LOG"
mon flood
check_eq "32 new urgent findings (CVE, list, 30 flood entries): 20 messages + 1 digest per endpoint" "21 21" "$(hooks slack) $(mails)"
check_match "the digest carries the 12 past the cap (and the 9 usual ones)" 'digest: 21 findings' "$(grep '"hook": "ntfy"' "$LOG")"
mon flood
check_eq "... and none of them is sent again" "21" "$(hooks slack)"

# ---- hostile sources
conf h1 kernel=/huge nftables=/truncated list=/redirect-http
mon h1
check_eq "huge, truncated, redirect to http: exit 2" 2 "$RC"
no_sanitizer "hostile run 1"
check_match "huge: refused at the size cap" 'source kernel .*larger than 1024 KiB: refused' "$ERR"
check_match "truncated: said so" 'source nftables .*truncated' "$ERR"
check_match "redirect to http: refused" 'source netfilter-devel .*redirected to http://127.0.0.1:[0-9]+/releases.json is not an https:// URL: refused' "$ERR"
check_match "the other sources were still processed (NVD, git)" \
	'source nvd:netfilter +ok, 5 findings' "$OUT"
check_match "... and the git feed" 'source netfilter-git +ok, 1 finding' "$OUT"
# the same under /usr/bin/time: its peak memory, for the record (the cap is what bounds it)
timeout 60 /usr/bin/time -f '%M' -o "$T/rss" ip netns exec "$NS" "$XNFT" monitor --config "$T/h1.conf" \
	--dry-run >/dev/null 2>&1
diag "hostile run 1 (a 256 MiB answer offered, 1 MiB cap): peak RSS $(tail -1 "$T/rss") KiB (ASan build)"
conf h2 kernel=/wrong.json nftables=/not-json nvd=/not-json list=/slow git=/redirect-ok
mon h2
check_eq "wrong JSON, HTML, never-ending: exit 2" 2 "$RC"
no_sanitizer "hostile run 2"
check_match "wrong JSON: named" "source kernel .*not kernel.org's releases.json: no \"releases\" array" "$ERR"
check_match "not JSON for the NVD: named" 'source nvd:netfilter .*not JSON' "$ERR"
check_match "HTML without releases: named" "source nftables .*not netfilter.org's download listing" "$ERR"
check_match "never-ending: stopped by the timeout" 'source netfilter-devel .*no complete answer within 3000 ms' "$ERR"
conf refused
sed -i "s|^git_url = .*|git_url = https://127.0.0.1:1/atom|" "$T/refused.conf"
mon refused --dry-run
check_match "nobody listening: said, with where to look" \
	'source netfilter-git .*127.0.0.1 port 1.*check this host.s DNS and outgoing https' "$ERR"
conf limited nvd=/nvd-limited
mon limited --dry-run
check_match "the NVD's 403 without an API key: the hint names nvd_api_key_file" \
	'source nvd:netfilter .*HTTP 403.*nvd_api_key_file' "$ERR"
(umask 077 && echo "test-api-key" >"$T/nvd.key")
sed -i "s|^nvd_url = .*|nvd_url = $B/nvd\nnvd_api_key_file = $T/nvd.key|" "$T/limited.conf"
: >"$LOG"
mon limited --dry-run
check_eq "the NVD API key from its 0600 file goes in the apiKey header of both queries" 2 \
	"$(grep '"path": "/nvd' "$LOG" | grep -c '"apikey": "test-api-key"')"
check_match "a redirect to https is followed (git feed still read)" 'source netfilter-git +ok, 1 finding' "$OUT"

# ---- a webhook that fails: nothing lost
conf fail hook=fail
: >"$LOG"
mon fail
check_eq "a failing webhook: exit 2" 2 "$RC"
check_match "said on stderr" 'failed; the findings stay unseen and are sent again next run' "$ERR"
sed -i "s|/hook/fail|/hook/slack|" "$T/fail.conf"
: >"$LOG"
mon fail
check_eq "the next run with the webhook back sends them again (4 messages)" "4" "$(hooks slack)"
check_eq "... and fetched whole every source that had findings (304 only for the NVD's nftables query: its CVEs all came with the netfilter one)" \
	"nvd?keywordSearch=nftables" "$(grep '"status": 304' "$LOG" | sed -E 's/.*"path": "\/([^&]*)&.*/\1/')"

# ---- email with SMTP AUTH: only over TLS
(umask 077 && echo "xnft-mailer:s3cret" >"$T/smtp.secret")
conf authtls
sed -i "s|^email = .*|email = smtp://127.0.0.1:$SMTPTLS\nemail_secret_file = $T/smtp.secret\nca_file = $T/ca.pem|" \
	"$T/authtls.conf"
: >"$LOG"
mon authtls
check_eq "SMTP AUTH over STARTTLS: the mails went, exit 1 (new findings)" 1 "$RC"
check_eq "every mail went over TLS as xnft-mailer (4 of 4)" 4 \
	"$(grep '"smtp": true' "$LOG" | grep -c '"tls": true, "user": "xnft-mailer"')"
check_eq "... with the password of the secret file, only ever over TLS" "4 4" \
	"$(grep -c '"auth": "xnft-mailer", "password": "s3cret", "tls": true' "$LOG") $(grep -c '"auth"' "$LOG")"
conf authplain
sed -i "s|^email = .*|email = smtp://127.0.0.1:$SMTP\nemail_secret_file = $T/smtp.secret\nca_file = $T/ca.pem|" \
	"$T/authplain.conf"
: >"$LOG"
mon authplain
check_eq "credentials for a server without STARTTLS: the mail fails, exit 2" 2 "$RC"
check_eq "... and the password was never sent (no AUTH, no mail)" "0 0" \
	"$(grep -c '"auth"' "$LOG") $(grep -c '"smtp": true' "$LOG")"

# ---- refused configuration and arguments
conf bad
sed -i "s|^git_url = https://|git_url = http://|" "$T/bad.conf"
mon bad --dry-run
check_eq "a config that does not parse: exit 2 (1 would read as findings)" 2 "$RC"
check_match "an http:// source URL is refused with file and line" 'bad.conf:[0-9]+: error: \[monitor\] git_url: .* is not an https:// URL' "$ERR"
conf sec
(umask 022 && echo "user:secret" >"$T/open.secret")
sed -i "s|^timeout = 5s|timeout = 5s\nemail_secret_file = $T/open.secret|" "$T/sec.conf"
mon sec
check_eq "an email secret file readable by others: exit 2" 2 "$RC"
check_match "... named, with the fix" "email_secret_file $T/open.secret is not a regular file readable by its owner only" "$ERR"
check "... and nothing was fetched or written" test ! -e "$T/sec.db"
mon good --since 1y
check_eq "--since past the NVD's 120 days: usage error" 2 "$RC"
check_fails "an unknown option fails cleanly" "$XNFT" monitor --bogus

finish
