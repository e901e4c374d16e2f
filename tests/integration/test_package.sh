#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installing like a Debian tool:
#  - plain `make` in a fresh copy of the tree runs no package manager (apt,
#    dpkg are shims on PATH that record being called and fail), and
#    `make PREFIX=/usr/local install` after it installs there, units included;
#  - the package builds with dpkg-buildpackage (release build, from a copy of
#    the tree: nothing is written into the work tree), lintian reports no
#    error or warning;
#  - installed with apt: the installed xnft runs init, check and boot (boot
#    with only the capabilities xnft.service leaves it; its system calls,
#    sockets and writes, traced, all allowed by the unit's sandbox), no unit
#    is enabled, the units verify and rate OK in systemd-analyze security,
#    the completions load in bash and zsh and complete;
#  - reinstall (the upgrade path) and remove keep /etc/xnft and the state
#    directory; purge leaves none of the package's files and no
#    /var/lib/xnft.
# The package is purged at exit whatever happens: this machine is shared.
. "$(dirname "$0")/lib.sh"
require_root
T=$(tmpdir)
VERSION=$(sed -nE "s/^ *version : '([^']+)',/\1/p" "$ROOT/meson.build")
APT=(apt-get -y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold)

# ---- what this machine had before, put back at exit
SAVED=$T/saved
mkdir -p "$SAVED"
for d in /etc/xnft /var/lib/xnft; do
	if [ -e "$d" ]; then
		diag "$d exists before the test: moved aside and put back at exit"
		mkdir -p "$SAVED$(dirname "$d")" && mv "$d" "$SAVED$d"
	fi
done
INSTALLED_BY_US=0
restore_machine() {
	if [ "$INSTALLED_BY_US" -eq 1 ] && dpkg-query -W xnft >/dev/null 2>&1; then
		"${APT[@]}" purge xnft >/dev/null 2>&1 || dpkg --purge xnft >/dev/null 2>&1
	fi
	for d in /etc/xnft /var/lib/xnft; do
		if [ -e "$SAVED$d" ]; then rm -rf "$d"; mv "$SAVED$d" "$d"; fi
	done
	_cleanup
}
trap restore_machine EXIT

if dpkg-query -W -f='${Status}' xnft 2>/dev/null | grep -q 'ok installed'; then
	not_ok "no xnft package installed before the test"
	diag "an xnft package is installed on this machine: purge it first (apt-get purge xnft)"
	finish
fi
check "no /usr/sbin/xnft before the test" test ! -e /usr/sbin/xnft

# copy_tree DEST: the files git knows (or would add) as they are in the tree
copy_tree() {
	mkdir -p "$1"
	(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do if [ -e "$f" ]; then cp -P --parents -t "$0" -- "$f" || exit 1; fi; done' "$1")
}

# ---- plain make runs no package manager
SHIM=$T/shim
mkdir -p "$SHIM"
for tool in apt apt-get aptitude dpkg dpkg-query; do
	cat >"$SHIM/$tool" <<EOF
#!/bin/sh
echo "$tool \$*" >>"$T/pm-calls"
echo "test_package: $tool called during a plain make" >&2
exit 100
EOF
	chmod +x "$SHIM/$tool"
done
CLONE=$T/clone
copy_tree "$CLONE"
: >"$T/pm-calls"
PATH=$SHIM:$PATH nice make -C "$CLONE" >"$T/make.log" 2>&1; rc=$?
check_eq "plain make in a fresh copy: exit 0" 0 "$rc"
[ "$rc" -eq 0 ] || tail -20 "$T/make.log" | sed 's/^/#   /'
check_eq "plain make called no package manager" "" "$(cat "$T/pm-calls")"
check "plain make built build/src/xnft" test -x "$CLONE/build/src/xnft"
check_match "the unit built for the default prefix names /usr/sbin/xnft" \
	'^ExecStart=/usr/sbin/xnft boot$' "$(cat "$CLONE/build/systemd/xnft.service" 2>&1)"
# the shims do catch a package manager: make deps goes through one
PATH=$SHIM:$PATH make -C "$CLONE" deps >/dev/null 2>&1
check_match "the shims see make deps asking dpkg" '^dpkg' "$(cat "$T/pm-calls")"
: >"$T/pm-calls"
PATH=$SHIM:$PATH make -C "$CLONE" PREFIX=/usr/local DESTDIR="$T/inst" install >"$T/install.log" 2>&1
rc=$?
check_eq "make PREFIX=/usr/local install after a plain make: exit 0" 0 "$rc"
[ "$rc" -eq 0 ] || tail -20 "$T/install.log" | sed 's/^/#   /'
check_eq "make install called no package manager" "" "$(cat "$T/pm-calls")"
check "the binary is in PREFIX/sbin" test -x "$T/inst/usr/local/sbin/xnft"
check "nothing under /usr/sbin of DESTDIR" test ! -e "$T/inst/usr/sbin"
check "nothing under /etc of DESTDIR (make install leaves /etc alone)" test ! -e "$T/inst/etc"
for u in xnft.service xnft-daemon.service xnft-monitor.service; do
	check_match "$u installed with ExecStart=/usr/local/sbin/xnft" '^ExecStart=/usr/local/sbin/xnft( |$)' \
		"$(cat "$T/inst/usr/local/lib/systemd/system/$u" 2>&1)"
done
check "xnft-monitor.timer installed" test -f "$T/inst/usr/local/lib/systemd/system/xnft-monitor.timer"
check "bash completion installed" test -f "$T/inst/usr/local/share/bash-completion/completions/xnft"
check "zsh completion installed" test -f "$T/inst/usr/local/share/zsh/site-functions/_xnft"
check "docs/lint-ids.md installed" test -f "$T/inst/usr/local/share/doc/xnft/lint-ids.md"
rm -rf "$CLONE" "$T/inst"

# ---- build the package and lint it
OUT=$T/dist
tree_before=$(git -C "$ROOT" status --porcelain --ignored 2>&1)
nice "$ROOT/tools/build-deb.sh" "$OUT" >"$T/deb.log" 2>&1; rc=$?
check_eq "tools/build-deb.sh (dpkg-buildpackage -us -uc -b): exit 0" 0 "$rc"
[ "$rc" -eq 0 ] || tail -30 "$T/deb.log" | sed 's/^/#   /'
DEB=$OUT/xnft_${VERSION}_$(dpkg --print-architecture).deb
check "the package is $(basename "$DEB")" test -f "$DEB"
if [ ! -f "$DEB" ]; then finish; fi
check_eq "building the package wrote nothing into the tree (git status --ignored)" \
	"$tree_before" "$(git -C "$ROOT" status --porcelain --ignored 2>&1)"
lint=$(lintian --fail-on error,warning "$OUT"/xnft_*.changes 2>&1); rc=$?
check_eq "lintian: no error or warning" 0 "$rc"
printf '%s\n' "$lint" | grep -E '^[EW]:' | sed 's/^/#   /'

# ---- install
INSTALLED_BY_US=1
"${APT[@]}" install --no-install-recommends "$DEB" >"$T/apt.log" 2>&1; rc=$?
check_eq "apt-get install ./$(basename "$DEB"): exit 0" 0 "$rc"
[ "$rc" -eq 0 ] || tail -20 "$T/apt.log" | sed 's/^/#   /'
if ! dpkg-query -W xnft >/dev/null 2>&1; then finish; fi
dpkg -L xnft | sort >"$T/files"
check_eq "xnft --version from the installed binary" "xnft $VERSION" "$(/usr/sbin/xnft --version 2>&1)"
check_match "/etc/xnft/xnft.conf is a conffile" '/etc/xnft/xnft.conf' \
	"$(dpkg-query -W -f='${Conffiles}' xnft)"
check "the shipped xnft.conf passes xnft daemon --check" \
	/usr/sbin/xnft daemon --check --config /etc/xnft/xnft.conf
check_eq "no unit enabled on install" "" \
	"$(find /etc/systemd/system -name 'xnft*' 2>/dev/null)"
for u in xnft.service xnft-daemon.service xnft-monitor.service xnft-monitor.timer; do
	out=$(systemd-analyze verify --man=no "/lib/systemd/system/$u" 2>&1); rc=$?
	check_eq "systemd-analyze verify the installed $u" 0 "$rc"
	[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/#   /'
done
for f in /usr/share/man/man8/xnft.8.gz /usr/share/man/man5/xnft.conf.5.gz \
	/usr/share/doc/xnft/lint-ids.md /usr/share/doc/xnft/log-prefixes.md \
	/usr/share/doc/xnft/xnft.conf.example /usr/share/xnft/policy/nftables.conf; do
	check "installed: $f" test -f "$f"
done

POL=$T/policy
out=$(/usr/sbin/xnft init "$POL" --wan eth0 --mesh-if wg0 --mesh 10.10.0.0/24 2>&1); rc=$?
check_eq "installed xnft init into a temp dir: exit 0" 0 "$rc"
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/#   /'
out=$(/usr/sbin/xnft check "$POL" 2>&1); rc=$?
check_eq "installed xnft check on it: exit 0" 0 "$rc"
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/#   /'

# xnft.service's capabilities: boot loads the policy with CAP_NET_ADMIN
# alone, no new privileges, and writes the real state directory.
NS=$(ns_add boot)
ip -n "$NS" link add eth0 type bridge && ip -n "$NS" link add wg0 type bridge
check_match "xnft.service runs after nftables.service (its flush ruleset first)" \
	'^After=.*\bnftables\.service\b' "$(cat /lib/systemd/system/xnft.service)"
bound=$(sed -n 's/^CapabilityBoundingSet=//p' /lib/systemd/system/xnft.service)
check_eq "xnft.service keeps only CAP_NET_ADMIN" CAP_NET_ADMIN "$bound"
out=$(ip netns exec "$NS" setpriv --bounding-set=-all,+net_admin --inh-caps=-all --no-new-privs \
	/usr/sbin/xnft boot "$POL" 2>&1); rc=$?
check_eq "installed xnft boot with only CAP_NET_ADMIN: the policy loads (exit 0)" 0 "$rc"
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/#   /'
check "boot loaded table inet xnft into the namespace" ip netns exec "$NS" nft list table inet xnft
check "boot wrote its record into /var/lib/xnft" test -s /var/lib/xnft/boot.last

# The rest of xnft.service's sandbox, checked against what boot really does
# (strace of the installed binary): every system call is in the unit's
# SystemCallFilter, every socket in RestrictAddressFamilies, every write in
# a directory ProtectSystem=strict leaves writable (StateDirectory, PrivateTmp).
UNIT=/lib/systemd/system/xnft.service
# syscalls SET...: the system calls of filter sets and names, groups expanded
syscalls() {
	local s
	for s in "$@"; do
		case $s in
			@*) syscalls $(systemd-analyze syscall-filter "$s" | sed -n '2,$p' |
				sed -e 's/^ *//' -e '/^#/d') ;;
			*) echo "$s" ;;
		esac
	done
}
allowed=$(syscalls $(sed -n 's/^SystemCallFilter=\([^~]\)/\1/p' "$UNIT") | sort -u)
denied=$(syscalls $(sed -n 's/^SystemCallFilter=~//p' "$UNIT") | sort -u)
ip netns exec "$NS" nft delete table inet xnft
ip netns exec "$NS" strace -f -qq -o "$T/boot.strace" /usr/sbin/xnft boot "$POL" >/dev/null 2>&1
check_eq "boot under strace: exit 0" 0 "$?"
used=$(sed -nE 's/^[0-9]+ +([a-z_0-9]+)\(.*/\1/p' "$T/boot.strace" | sort -u)
check "strace saw boot's system calls" test -n "$used"
check_eq "every system call of boot ($(wc -w <<<"$used")) is in xnft.service's SystemCallFilter" "" \
	"$(comm -23 <(echo "$used") <(comm -23 <(echo "$allowed") <(echo "$denied")) | tr '\n' ' ')"
families=$(sed -nE 's/.* socket\((AF_[A-Z0-9]+),.*/\1/p' "$T/boot.strace" | sort -u)
check_eq "boot opens sockets only of RestrictAddressFamilies ($(echo $families))" "" \
	"$(comm -23 <(echo "$families") <(sed -n 's/^RestrictAddressFamilies=//p' "$UNIT" | tr ' ' '\n' | sort -u) | tr '\n' ' ')"
writes=$(sed -nE -e 's/.* openat\(AT_FDCWD, "([^"]+)", [^)]*(O_WRONLY|O_RDWR|O_CREAT).*/\1/p' \
	-e 's/.* (mkdir|unlink|rename)\("([^"]+)".* = 0$/\2/p' "$T/boot.strace" |
	grep -vE '^(/var/lib/xnft|/tmp|/var/tmp)(/|$)' | sort -u)
check_eq "boot writes only in /var/lib/xnft (ProtectSystem=strict, StateDirectory=xnft)" "" "$writes"
# The same for xnft-daemon.service: the installed daemon with the shipped
# config, under CAP_NET_ADMIN alone, puts a ban (control socket, netlink to
# the ban set, sqlite) and stops; its trace must fit the unit's sandbox.
DUNIT=/lib/systemd/system/xnft-daemon.service
dallowed=$(syscalls $(sed -n 's/^SystemCallFilter=\([^~]\)/\1/p' "$DUNIT") | sort -u)
ddenied=$(syscalls $(sed -n 's/^SystemCallFilter=~//p' "$DUNIT") | sort -u)
DSOCK=/run/xnft/xt$$-daemon.sock
made_run=0   # what RuntimeDirectory=xnft would have made
if [ ! -d /run/xnft ]; then mkdir -m 0755 /run/xnft && made_run=1; fi
: >"$T/events.log"
NOTIFY_SOCKET=$T/no-manager.sock ip netns exec "$NS" \
	setpriv --bounding-set=-all,+net_admin --inh-caps=-all --no-new-privs \
	strace -f -qq -o "$T/daemon.strace" /usr/sbin/xnft daemon --config /etc/xnft/xnft.conf \
	--source "file:$T/events.log" --socket "$DSOCK" </dev/null >"$T/daemon.log" 2>&1 &
STRACE_PID=$!
track_pid "$STRACE_PID"
up=0
for _ in $(seq 100); do
	ip netns exec "$NS" /usr/sbin/xnft bans list --socket "$DSOCK" >/dev/null 2>&1 && { up=1; break; }
	kill -0 "$STRACE_PID" 2>/dev/null || break
	sleep 0.1
done
check_eq "the installed daemon with the shipped config, CAP_NET_ADMIN only, answers" 1 "$up"
[ "$up" -eq 1 ] || sed 's/^/#   /' "$T/daemon.log"
ip netns exec "$NS" /usr/sbin/xnft bans add 203.0.113.9 1h --socket "$DSOCK" >/dev/null 2>&1
check_match "the daemon's ban is in the kernel set" '203\.0\.113\.9' \
	"$(ip netns exec "$NS" nft list set inet xnft BANNED4 2>&1)"
DPID=$(pgrep -P "$STRACE_PID" -x xnft | head -n 1)
if [ -n "$DPID" ]; then kill -TERM "$DPID"; fi
for _ in $(seq 100); do kill -0 "$STRACE_PID" 2>/dev/null || break; sleep 0.1; done
wait "$STRACE_PID"
check_eq "the daemon stopped on SIGTERM: exit 0" 0 "$?"
used=$(sed -nE 's/^[0-9]+ +([a-z_0-9]+)\(.*/\1/p' "$T/daemon.strace" | sort -u)
check_eq "every system call of the daemon ($(wc -w <<<"$used")) is in xnft-daemon.service's SystemCallFilter" "" \
	"$(comm -23 <(echo "$used") <(comm -23 <(echo "$dallowed") <(echo "$ddenied")) | tr '\n' ' ')"
families=$(sed -nE 's/.* socket\((AF_[A-Z0-9]+),.*/\1/p' "$T/daemon.strace" | sort -u)
check_eq "the daemon opens sockets only of RestrictAddressFamilies ($(echo $families))" "" \
	"$(comm -23 <(echo "$families") <(sed -n 's/^RestrictAddressFamilies=//p' "$DUNIT" | tr ' ' '\n' | sort -u) | tr '\n' ' ')"
writes=$(sed -nE -e 's/.* openat\(AT_FDCWD, "([^"]+)", [^)]*(O_WRONLY|O_RDWR|O_CREAT).*/\1/p' \
	-e 's/.* (mkdir|unlink|rename)\("([^"]+)".* = 0$/\2/p' \
	-e 's/.* bind\([0-9]+, \{sa_family=AF_UNIX, sun_path="([^"]+)".* = 0$/\1/p' "$T/daemon.strace" |
	grep -vE '^(/var/lib/xnft|/run/xnft|/tmp|/var/tmp)(/|$)|^/dev/null$' | sort -u)
check_eq "the daemon writes only in /var/lib/xnft and /run/xnft (ProtectSystem=strict)" "" "$writes"
rm -f "$DSOCK"
if [ "$made_run" -eq 1 ]; then rmdir /run/xnft 2>/dev/null; fi

for u in xnft.service xnft-daemon.service xnft-monitor.service; do
	level=$(systemd-analyze security --offline=yes "/lib/systemd/system/$u" 2>&1 |
		sed -nE 's/.*Overall exposure level for [^:]+: ([0-9.]+) .*/\1/p')
	diag "systemd-analyze security --offline: $u ${level:-?}"
	check "systemd-analyze security rates $u OK or better (${level:-?} < 3.0)" \
		awk -v l="${level:-99}" 'BEGIN { exit !(l < 3.0) }'
done

# ---- completion, from the installed files
BASHC=/usr/share/bash-completion/completions/xnft
out=$(bash -c '. "$1"' _ "$BASHC" 2>&1); rc=$?
check_eq "bash completion loads without errors" "0:" "$rc:$out"
# bash_completion's loader finds it by the command's name
out=$(bash -c '. /usr/share/bash-completion/bash_completion; _completion_loader xnft; complete -p xnft' 2>&1)
check_match "bash-completion's loader finds the installed completion" '-F _xnft xnft$' "$out"
bcomplete() {  # bcomplete WORD...: what bash offers for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _xnft
		printf "%s\n" "${COMPREPLY[@]}"' _ "$BASHC" "$@" 2>&1
}
check_eq "bash completes 'xnft tr' to trace" trace "$(bcomplete /usr/sbin/xnft tr)"
commands=$(/usr/sbin/xnft --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
check_eq "bash offers exactly the commands of xnft --help" \
	"$(printf '%s\n' $commands --help --version | sort)" "$(bcomplete /usr/sbin/xnft '' | sort)"
n_cmds=0 bad=""
for c in $commands; do
	n_cmds=$((n_cmds + 1))
	help=$(/usr/sbin/xnft "$c" --help 2>&1)
	for o in $(bcomplete /usr/sbin/xnft "$c" --); do
		grep -qE -- "(^|[ ,\[])$o([ =,|[]|\]|$)" <<<"$help" || bad="$bad $c:$o"
	done
done
check_eq "every option bash offers, for each of $n_cmds commands, is in its --help" "" "$bad"
check_match "bash offers trace's --in-set" '^--in-set$' "$(bcomplete /usr/sbin/xnft trace --)"
check_match "bash completes set names from the policy" '^MESH_PEERS$' \
	"$(bcomplete /usr/sbin/xnft trace "$POL" --in-set M)"
check_match "bash completes interface names" '^lo$' "$(bcomplete /usr/sbin/xnft exposure --from l)"
check_match "bash completes policy directories" "^$POL/rules\$" "$(bcomplete /usr/sbin/xnft check "$POL/r")"
mkdir -p "$T/with blank/dir one"
check_eq "bash keeps a directory with a blank in its name whole" "$T/with blank/dir one" \
	"$(bcomplete /usr/sbin/xnft init "$T/with blank/d")"

# compinit's dump file: never /dev/null, which zsh replaces with a regular file (every later
# test's redirections would then write into that file)
ZDUMP=$T/zcompdump
out=$(ZDUMP=$ZDUMP zsh -f -c 'autoload -Uz compinit && compinit -u -D -d "$ZDUMP" && print -r -- $_comps[xnft]' 2>&1)
check_eq "zsh's compinit finds the installed _xnft without errors" _xnft "$out"
check "... and /dev/null is still the null device" test -c /dev/null
# The completion function run with compadd and friends standing in for
# compsys's (no terminal here): what it would offer.
zcomplete() {
	ZDUMP=$ZDUMP zsh -f -c 'autoload -Uz compinit && compinit -u -D -d "$ZDUMP" || exit 1
		compadd() { local a arr=0; for a in "$@"; do case $a in
			-a) arr=1 ;; --|-S|-*|"") ;; *) if ((arr)); then print -rl -- ${(P)a}; else print -r -- $a; fi ;;
			esac; done }
		_describe() { local -a arr; arr=(${(P)${@[-1]}}); print -rl -- ${arr%%:*} }
		_files() { print -r -- "_files $*" }
		_message() { : }
		words=("$@"); CURRENT=$#; PREFIX=${words[-1]}
		autoload -Uz _xnft && _xnft' _ "$@" 2>&1
}
check_eq "zsh offers exactly the commands of xnft --help" "$(printf '%s\n' $commands | sort)" \
	"$(zcomplete /usr/sbin/xnft tr | grep -v '^--' | sort)"
check_match "zsh offers trace's --in-set" '^--in-set$' "$(zcomplete /usr/sbin/xnft trace --)"
check_match "zsh completes set names from the policy" '^MESH_PEERS$' \
	"$(zcomplete /usr/sbin/xnft trace "$POL" --in-set '')"
check_match "zsh completes interface names" '^lo$' "$(zcomplete /usr/sbin/xnft exposure --from '')"

# ---- reinstall (dpkg's upgrade path) and remove keep /etc/xnft and state
echo "# edited by the admin" >>/etc/xnft/xnft.conf
"${APT[@]}" install --reinstall --no-install-recommends "$DEB" >"$T/apt2.log" 2>&1
check_eq "reinstall: exit 0" 0 "$?"
check_match "reinstall kept the admin's edit of xnft.conf" 'edited by the admin' "$(cat /etc/xnft/xnft.conf)"
check "reinstall kept the state directory" test -s /var/lib/xnft/boot.last
"${APT[@]}" remove xnft >"$T/remove.log" 2>&1
check_eq "apt-get remove: exit 0" 0 "$?"
check "remove took the binary" test ! -e /usr/sbin/xnft
check "remove kept /etc/xnft/xnft.conf" test -f /etc/xnft/xnft.conf
check "remove kept the state directory" test -s /var/lib/xnft/boot.last

# ---- purge leaves nothing
"${APT[@]}" purge xnft >"$T/purge.log" 2>&1
check_eq "apt-get purge: exit 0" 0 "$?"
check "dpkg knows no xnft any more" bash -c '! dpkg-query -W -f="\${Status}" xnft 2>/dev/null | grep -q installed'
left=""
while read -r f; do
	case $f in
		*xnft*) [ -e "$f" ] && left="$left $f" ;;   # xnft's own files and directories
	esac
done <"$T/files"
check_eq "every file and directory of the package is gone" "" "$left"
check "/var/lib/xnft is gone" test ! -e /var/lib/xnft
check "/etc/xnft is gone" test ! -e /etc/xnft
check_eq "no systemd enablement state left" "" \
	"$(find /var/lib/systemd/deb-systemd-helper-enabled /etc/systemd/system -name 'xnft*' 2>/dev/null)"
INSTALLED_BY_US=0
finish
