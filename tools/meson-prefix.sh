#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tools/meson-prefix.sh BUILD PREFIX: make an existing meson build directory
# use PREFIX, so that `make PREFIX=/usr/local install` after a plain `make`
# installs there (and the units name the binary there). Nothing is done when
# the prefix is already PREFIX: no reconfigure, no rebuild.
set -eu
build=$1
prefix=$2
current=$(meson introspect "$build" --buildoptions |
	python3 -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
if [ "$current" != "$prefix" ]; then
	echo "meson-prefix: $build was set up for prefix $current; reconfiguring for $prefix"
	meson configure "$build" -Dprefix="$prefix"
fi
