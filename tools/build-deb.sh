#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tools/build-deb.sh [OUTDIR]: build the xnft Debian package from a copy of
# this tree's files (git's tracked files when it is a git checkout), so that
# no build product lands in the tree. The .deb, .buildinfo and .changes end
# up in OUTDIR (default dist/). Extra arguments for dpkg-buildpackage can be
# given in DEB_BUILD_ARGS; DEB_BUILD_OPTIONS=nocheck skips the unit tests.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/dist}
if ! command -v dpkg-buildpackage >/dev/null 2>&1; then
	echo "build-deb: dpkg-buildpackage not found: apt-get install dpkg-dev debhelper (or make deps)" >&2
	exit 2
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d /tmp/xnft-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/xnft
mkdir "$src"
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# the files git knows or would add, as they are in the work tree
	# (uncommitted edits included, deleted ones left out)
	(cd "$root" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do if [ -e "$f" ]; then cp -P --parents -t "$0" -- "$f" || exit 1; fi; done' "$src")
else
	(cd "$root" && tar -cf - --exclude='./build*' --exclude='./dist' .) | tar -xf - -C "$src"
fi
# shellcheck disable=SC2086
(cd "$src" && dpkg-buildpackage -us -uc -b ${DEB_BUILD_ARGS:-})
for f in "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes; do
	[ -e "$f" ] && cp "$f" "$out"/
done
echo "build-deb: packages in $out:"
ls "$out"/*.deb
