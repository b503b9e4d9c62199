#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/test_cli_replay.sh KMM - end-to-end tests of `kmm replay` (the
# trace reader, the reference simulator and the kmm runner, through the
# command line).  Small traces are written here byte by byte; the real
# ../shared/traces/git-blame.pgt.zst is used when it is there.
#
# Prints "ok: WHAT" or "FAIL: WHAT" per check and ends with
# "N passed, N failed"; exits 1 if anything failed.
set -eu

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/kmm  (got: ${1:-nothing})" >&2
	exit 2
fi
KMM=$1
TRACES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/shared/traces
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kmm-test-replay.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

CLI_TIMEOUT=300
# shellcheck source=cli_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_lib.sh"

# le VALUE BYTES: VALUE little-endian in BYTES bytes, on stdout.
le() {
	local v=$1 i
	for ((i = 0; i < $2; i++)); do
		printf "\\x$(printf %02x $(((v >> (8 * i)) & 255)))"
	done
}

# write_trace FILE PAGE[w]...: a PGREFTR1 trace of the pages (numbers;
# a trailing w marks a write), each at vpn 0x1000 + PAGE.
write_trace() {
	local file=$1 n=0 writes=0 p vpn w
	local -A seen=()
	shift
	for p in "$@"; do
		n=$((n + 1))
		[[ $p == *w ]] && writes=$((writes + 1))
		seen[${p%w}]=1
	done
	{
		printf 'PGREFTR1'
		le 1 4
		le 64 4
		le "$n" 8
		le 12 4
		le 1 4
		le "$n" 8
		le "${#seen[@]}" 8
		le "$writes" 8
		le 0 8
		for p in "$@"; do
			w=0
			[[ $p == *w ]] && w=1
			vpn=$((0x1000 + ${p%w}))
			le $(((vpn << 2) | w)) 8
		done
	} >"$file"
}

# The textbook string of Silberschatz et al.; page 0 is written on its
# second reference (so it is read before its first write).
BOOK=(7 0 1 2 0w 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1)
write_trace "$TMP/book.pgt" "${BOOK[@]}"

t="--reference --tsv: opt 9, lru 12, fifo 15 faults in 3 frames"
run replay "$TMP/book.pgt" --reference --frames 3 --tsv --policies opt,lru,fifo
expect=$(printf 'opt\t3\t9\nlru\t3\t12\nfifo\t3\t15')
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$(cat "$TMP/out")" != "$expect" ]; then
	fail "$t" "output differs from: $expect"
else
	ok "$t"
fi

t="the table shows faults, the ratio over OPT and writebacks"
run replay "$TMP/book.pgt" --reference --frames 3
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -Eq '^policy +faults +ratio/OPT +writebacks' "$TMP/out" ||
	! grep -Eq '^lru +12 +1\.333 +1 ' "$TMP/out" ||
	! grep -Eq '^memory: 3 frames' "$TMP/out"; then
	fail "$t" "no header line, or no 'lru 12 1.333 1' row"
else
	ok "$t"
fi

t="--pct rounds half up (F = round(P% x footprint))"
run replay "$TMP/book.pgt" --reference --pct 50 --tsv --policies lru
if [ $rc -ne 0 ] || [ "$(cut -f2 "$TMP/out")" != "3" ]; then
	fail "$t" "expected 3 frames (50% of 6 pages)"
else
	ok "$t"
fi

if command -v zstd >/dev/null 2>&1; then
	t="a zstd-compressed trace gives the same answers"
	zstd -q -c "$TMP/book.pgt" >"$TMP/book.pgt.zst"
	run replay "$TMP/book.pgt.zst" --reference --frames 3 --tsv --policies opt,lru,fifo
	if [ $rc -ne 0 ] || [ "$(cat "$TMP/out")" != "$expect" ]; then
		fail "$t" "exit status $rc or different output"
	else
		ok "$t"
	fi
fi

t="a truncated trace fails (status 1), naming the file and the record"
head -c -4 "$TMP/book.pgt" >"$TMP/cut.pgt"
run replay "$TMP/cut.pgt" --reference --frames 3
if [ $rc -ne 1 ]; then
	fail "$t" "exit status $rc, expected 1"
elif ! grep -q "cut.pgt: truncated: .*inside record 19" "$TMP/err"; then
	fail "$t" "stderr lacks 'cut.pgt: truncated: ... inside record 19'"
else
	ok "$t"
fi

t="a file that is not a trace: bad magic"
printf 'hello, world, this is not a trace at all; not even close to one...' >"$TMP/junk"
run replay "$TMP/junk" --reference --frames 3
if [ $rc -ne 1 ] || ! grep -q 'junk: header: bad magic' "$TMP/err"; then
	fail "$t" "exit status $rc (expected 1) or no 'bad magic' message"
else
	ok "$t"
fi

t="usage errors exit 2"
run replay "$TMP/book.pgt" --reference
rc1=$rc
run replay "$TMP/book.pgt" --frames 3 --policies nosuch
if [ $rc1 -ne 2 ] || [ $rc -ne 2 ] || ! grep -q "unknown policy 'nosuch'" "$TMP/err"; then
	fail "$t" "statuses $rc1 and $rc, expected 2 and 2"
else
	ok "$t"
fi

t="kmm replay --help prints the manual page"
run replay --help
if [ $rc -ne 0 ] || ! grep -q '^NAME' "$TMP/out" || ! grep -q -- '--reference' "$TMP/out"; then
	fail "$t" "exit status $rc or no manual page"
else
	ok "$t"
fi

t="kmm row with room for everything: a fault per page, one more for a read-then-write page"
run replay "$TMP/book.pgt" --pct 100 --tsv --policies kmm-classic
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$(cat "$TMP/out")" != "$(printf 'kmm-classic\t6\t7')" ]; then
	fail "$t" "expected 'kmm-classic 6 7' (6 pages, page 0 read before written)"
else
	ok "$t"
fi

t="kmm row report: sizing, frames held, vmstat counters"
run replay "$TMP/book.pgt" --pct 100 --policies opt,kmm-classic
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -q '6 frames free above the high watermark' "$TMP/out" ||
	! grep -q 'faults 7 = min_flt 7 + maj_flt 0' "$TMP/out" ||
	! grep -q 'pswpin 0  pswpout 0' "$TMP/out"; then
	fail "$t" "missing lines of the kmm report"
else
	ok "$t"
fi

if [ -r "$TRACES/git-blame.pgt.zst" ] && [ -r "$TRACES/reference_faults.csv" ]; then
	t="git-blame at 10%: every policy's faults as in reference_faults.csv"
	run replay "$TRACES/git-blame.pgt.zst" --reference --pct 10 --tsv
	want=$(awk -F, '$1 == "git-blame" && $5 == 10 { printf "%s\t%s\t%s\n", $4, $6, $7 }' \
		"$TRACES/reference_faults.csv")
	if [ $rc -ne 0 ]; then
		fail "$t" "exit status $rc, expected 0"
	elif [ "$(sort "$TMP/out")" != "$(echo "$want" | sort)" ]; then
		fail "$t" "differs from the CSV: $want"
	else
		ok "$t"
	fi
else
	echo "skipped: $TRACES/git-blame.pgt.zst is absent"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
