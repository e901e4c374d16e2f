# SPDX-License-Identifier: GPL-2.0-or-later
# The fixture of the xnft monitor tests, sourced after lib.sh: a namespace,
# a CA and a certificate for 127.0.0.1 made here with openssl, and
# monitor_fixture.py serving the five sources (fixtures_monitor/), hostile
# answers, webhook and SMTP sinks on its loopback. Sets T, NS, LOG, HTTPS,
# HOOK, SMTP, SMTPTLS and B (the https base URL); conf NAME KEY=PATH... writes
# $T/NAME.conf pointing at them.

T=$(tmpdir) || { not_ok "temp dir"; finish; }
NS=$(ns_add mon) || { not_ok "namespace"; finish; }
FIX=$ROOT/tests/integration/fixtures_monitor

# ---- a CA and a certificate for 127.0.0.1, made here
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=xnft test CA" -keyout "$T/ca.key" \
	-out "$T/ca.pem" -addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign" >/dev/null 2>&1 &&
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$T/srv.key" -out "$T/srv.csr" \
	>/dev/null 2>&1 &&
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$T/ext" &&
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
	-extfile "$T/ext" -out "$T/srv.pem" >/dev/null 2>&1
check_eq "openssl makes the test's CA and server certificate" 0 "$?"

LOG=$T/fixture.log
ip netns exec "$NS" python3 "$ROOT/tests/integration/monitor_fixture.py" "$FIX" "$T/srv.pem" \
	"$T/srv.key" "$LOG" "$T/ports" >"$T/fixture.out" 2>&1 &
track_pid $!
for _ in $(seq 100); do [ -s "$T/ports" ] && break; sleep 0.1; done
read -r HTTPS HOOK SMTP SMTPTLS <"$T/ports" 2>/dev/null
if [ -z "$SMTPTLS" ]; then
	not_ok "the fixture servers listen"; sed 's/^/#   /' "$T/fixture.out"; finish
fi
ok "the fixture servers listen (https $HTTPS, webhooks $HOOK, smtp $SMTP, smtp with STARTTLS $SMTPTLS)"
touch "$LOG"
B=https://127.0.0.1:$HTTPS

# conf NAME KEY=PATH...: a config whose sources are the fixture's, some replaced.
conf() {
	local name=$1 kernel=/releases.json nftables=/nftables/downloads.html nvd=/nvd
	local list=/list.atom git=/git.atom hook=slack
	shift
	[ $# -eq 0 ] || local "$@"
	cat >"$T/$name.conf" <<-CONF
		[notify]
		slack = http://127.0.0.1:$HOOK/hook/$hook
		ntfy = http://127.0.0.1:$HOOK/hook/ntfy
		email = smtp://127.0.0.1:$SMTP
		email_from = xnft@host.example
		email_to = admin@example.org, ops@example.org
		timeout = 5s

		[monitor]
		kernel_url = $B$kernel
		nftables_url = $B$nftables
		nvd_url = $B$nvd
		list_url = $B$list
		git_url = $B$git
		ca_file = $T/ca.pem
		database = $T/$name.db
		kernel_version = 6.1.70
		nft_version = 1.0.6
		timeout = 3s
		connect_timeout = 2s
		max_response_kb = 1024
	CONF
}

