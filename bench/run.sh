#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every benchmark, one after the other, each printing Markdown rows that
# compare xnft with the tool a user would otherwise use, in the same run.
# Usage: bench/run.sh [BUILD_DIR]   (a release build; needs root)
# The figures in bench/RESULTS.md come from this.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
rc=0
for b in "$ROOT"/bench/bench_*.sh; do
	echo "## $(basename "$b" .sh)"
	bash "$b" "$BUILD" || rc=1
	echo
done
exit "$rc"
