# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the bench_*.sh scripts: timing, memory and ratio helpers.
# Each script sets WORK (a temp dir) before calling peak_kib.

# median_ms RUNS cmd...: median wall time of RUNS runs, in milliseconds.
median_ms() {
	local runs=$1; shift
	local t=() s e
	for _ in $(seq "$runs"); do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 || { echo "bench: command failed: $*" >&2; "$@" >&2 || true; exit 1; }
		e=$(date +%s%N)
		t+=($(( (e - s) / 1000 )))
	done
	printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

# peak_kib cmd...: peak resident memory of one run, in KiB (GNU time).
peak_kib() {
	/usr/bin/time -f '%M' -o "$WORK/rss" "$@" >/dev/null 2>&1 || true
	tail -n 1 "$WORK/rss"
}

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
