#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/test_cli.sh KMM - end-to-end tests of the kmm command-line tool.
#
# KMM is the path of the kmm binary (CTest passes it).  Each check runs the
# binary, compares its output and exit status with what is expected and
# prints "ok: WHAT" or "FAIL: WHAT" with the reason and the output seen.
# Ends with "N passed, N failed" and exits 1 if anything failed.
set -eu

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/kmm  (got: ${1:-nothing})" >&2
	exit 2
fi
KMM=$1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kmm-test-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0
# Bound each run, so that a hang fails the test instead of stalling CTest.
TIMEOUT=()
if command -v timeout >/dev/null 2>&1; then
	TIMEOUT=(timeout 120)
fi

ok() {
	echo "ok: $1"
	passed=$((passed + 1))
}

# fail WHAT REASON: print the reason and what the last run printed.
fail() {
	echo "FAIL: $1: $2" >&2
	if [ -s "$TMP/out" ]; then
		echo "  --- stdout (first 40 lines) ---" >&2
		head -n 40 "$TMP/out" | sed 's/^/  | /' >&2
	fi
	if [ -s "$TMP/err" ]; then
		echo "  --- stderr (first 40 lines) ---" >&2
		head -n 40 "$TMP/err" | sed 's/^/  | /' >&2
	fi
	failed=$((failed + 1))
}

# run ARGS...: run kmm with stdin from /dev/null; sets $rc, output in
# $TMP/out and $TMP/err.
run() {
	rc=0
	"${TIMEOUT[@]}" "$KMM" "$@" </dev/null >"$TMP/out" 2>"$TMP/err" || rc=$?
}

# Lines of $TMP/out between the N-th and (N+1)-th "--mark--" line.
section() {
	awk -v n="$1" '/^--mark--$/ { i++; next } i == n' "$TMP/out"
}

# ---- boot and /proc -------------------------------------------------------------------

t="boot quiet -c 'cat /proc/buddyinfo' prints Node lines"
run boot quiet -c 'cat /proc/buddyinfo'
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -Eq '^Node [0-9]+, zone +[A-Za-z0-9]+( +[0-9]+){11} *$' "$TMP/out"; then
	fail "$t" "no 'Node N, zone NAME' line with 11 counts in the output"
else
	ok "$t"
fi

t="quiet keeps the boot log off the console"
if grep -Eq '^\[ *[0-9]+\.[0-9]{6}\] ' "$TMP/out"; then
	fail "$t" "timestamped log lines printed despite quiet"
else
	ok "$t"
fi

t="boot without quiet prints a dmesg-style timestamped log"
run boot -c 'exit'
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! head -n 1 "$TMP/out" | grep -Eq '^\[ *[0-9]+\.[0-9]{6}\] .'; then
	fail "$t" "the first line is not like '[    0.000000] text'"
else
	ok "$t"
fi

t="a bad parameter (mem=12Q) exits 2 naming mem="
run boot mem=12Q -c 'cat /proc/buddyinfo'
if [ $rc -ne 2 ]; then
	fail "$t" "exit status $rc, expected 2"
elif ! grep -q 'mem=' "$TMP/err"; then
	fail "$t" "stderr does not name mem="
else
	ok "$t"
fi

t="echo 300 > /proc/sys/vm/min_free_kbytes, then cat reads 300"
run boot quiet -c 'echo 300 > /proc/sys/vm/min_free_kbytes; cat /proc/sys/vm/min_free_kbytes'
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$(cat "$TMP/out")" != "300" ]; then
	fail "$t" "read back '$(cat "$TMP/out")', expected 300"
else
	ok "$t"
fi

t="writing a bad value to a sysctl fails, naming the file"
run boot quiet -c 'echo bogus > /proc/sys/vm/min_free_kbytes'
if [ $rc -ne 1 ]; then
	fail "$t" "exit status $rc, expected 1"
elif ! grep -q '^-c:1: .*/proc/sys/vm/min_free_kbytes' "$TMP/err"; then
	fail "$t" "stderr lacks '-c:1: ... /proc/sys/vm/min_free_kbytes'"
else
	ok "$t"
fi

t="cat of a missing file: No such file or directory"
run boot quiet -c 'cat /proc/nonexistent'
if [ $rc -ne 1 ]; then
	fail "$t" "exit status $rc, expected 1"
elif ! grep -q '^-c:1: cat: /proc/nonexistent: No such file or directory$' "$TMP/err"; then
	fail "$t" "stderr lacks '-c:1: cat: /proc/nonexistent: No such file or directory'"
else
	ok "$t"
fi

t="ls /proc lists buddyinfo and sys/"
run boot quiet -c 'ls /proc'
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -qx 'buddyinfo' "$TMP/out" || ! grep -qx 'sys/' "$TMP/out"; then
	fail "$t" "'buddyinfo' or 'sys/' missing"
else
	ok "$t"
fi

# ---- scripts --------------------------------------------------------------------------------

t="a script failing on line 3 reports SCRIPT:3: and exits 1"
script=$TMP/fail.kmm
printf '# a comment, then a blank line\n\ncat /proc/no_such_file\ncat /proc/meminfo\n' >"$script"
run boot quiet -f "$script"
if [ $rc -ne 1 ]; then
	fail "$t" "exit status $rc, expected 1"
elif ! grep -q "^$script:3: " "$TMP/err"; then
	fail "$t" "stderr lacks '$script:3: '"
elif grep -q 'MemTotal' "$TMP/out"; then
	fail "$t" "the command after the failing one ran"
else
	ok "$t"
fi

t="-c numbers its commands: the failing second one is -c:2:"
run boot quiet -c 'cat /proc/buddyinfo; no_such_command'
if [ $rc -ne 1 ]; then
	fail "$t" "exit status $rc, expected 1"
elif ! grep -q '^-c:2: .*no_such_command' "$TMP/err"; then
	fail "$t" "stderr lacks '-c:2: ... no_such_command'"
else
	ok "$t"
fi

t="commands are read from standard input when it is not a terminal"
rc=0
printf 'cat /proc/sys/vm/min_free_kbytes\n' |
	"${TIMEOUT[@]}" "$KMM" boot quiet sysctl.vm.min_free_kbytes=2048 >"$TMP/out" 2>"$TMP/err" ||
	rc=$?
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$(cat "$TMP/out")" != "2048" ]; then
	fail "$t" "read '$(cat "$TMP/out")', expected 2048"
else
	ok "$t"
fi

t="exit N ends the script with status N"
run boot quiet -c 'exit 3; cat /proc/meminfo'
if [ $rc -ne 3 ]; then
	fail "$t" "exit status $rc, expected 3"
elif [ -s "$TMP/out" ]; then
	fail "$t" "commands after exit ran"
else
	ok "$t"
fi

# ---- the page allocator -------------------------------------------------------------------------

t="alloc_pages/free_pages/drain round trip restores /proc/buddyinfo"
run boot quiet -c 'drain; echo --mark--; cat /proc/buddyinfo; echo --mark--
alloc_pages 3 count=4 as=x; alloc_pages 0 count=10; alloc_pages 9; alloc_pages 1 node=0
echo --mark--; cat /proc/buddyinfo; echo --mark--
free_pages x a1 a2 a3; drain; echo --mark--; cat /proc/buddyinfo'
before=$(section 1)
middle=$(section 3)
after=$(section 5)
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -Eq '^x: pfn 0x[0-9a-f]+ order 3 node [0-9]+ zone [A-Za-z0-9]+$' "$TMP/out"; then
	fail "$t" "no 'x: pfn 0x… order 3 node N zone NAME' line"
elif [ "$(grep -c '^x: ' "$TMP/out")" -ne 4 ] || [ "$(grep -c '^a1: ' "$TMP/out")" -ne 10 ]; then
	fail "$t" "expected 4 lines for x and 10 for a1"
elif [ -z "$before" ] || [ "$before" = "$middle" ]; then
	fail "$t" "buddyinfo did not change while the blocks were allocated"
elif [ "$before" != "$after" ]; then
	fail "$t" "buddyinfo differs after freeing and draining"
	diff <(echo "$before") <(echo "$after") | sed 's/^/  /' >&2 || true
else
	ok "$t"
fi

t="a failing allocation is a command error"
run boot quiet -c 'alloc_pages 11'
if [ $rc -ne 1 ]; then
	fail "$t" "exit status $rc, expected 1"
elif ! grep -q '^-c:1: alloc_pages: order 11 allocation failed' "$TMP/err"; then
	fail "$t" "stderr lacks '-c:1: alloc_pages: order 11 allocation failed'"
else
	ok "$t"
fi

t="argument errors print a usage naming the command"
run boot quiet -c 'alloc_pages x'
if [ $rc -ne 1 ]; then
	fail "$t" "exit status $rc, expected 1"
elif ! grep -q 'alloc_pages: .*usage: alloc_pages ORDER' "$TMP/err"; then
	fail "$t" "stderr lacks 'alloc_pages: … usage: alloc_pages ORDER'"
else
	ok "$t"
fi

t="free_pages of an unknown name fails"
run boot quiet -c 'free_pages nothing'
if [ $rc -ne 1 ] || ! grep -q 'free_pages: nothing' "$TMP/err"; then
	fail "$t" "exit status $rc (expected 1) or no 'free_pages: nothing' on stderr"
else
	ok "$t"
fi

t="dmesg shows the boot log even when quiet"
run boot quiet -c 'dmesg'
if [ $rc -ne 0 ] || [ "$(wc -l <"$TMP/out")" -lt 3 ]; then
	fail "$t" "exit status $rc or fewer than 3 log lines"
else
	ok "$t"
fi

# ---- demo, help, usage ----------------------------------------------------------------------------

t="kmm demo exits 0 and shows a page allocation failure"
run demo
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -q 'page allocation failure' "$TMP/out"; then
	fail "$t" "no 'page allocation failure' in the output"
elif ! grep -q '^==> ' "$TMP/out"; then
	fail "$t" "no '==> ' step lines"
elif ! grep -q '^MemAvailable:' "$TMP/out"; then
	fail "$t" "no MemAvailable line from /proc/meminfo"
else
	ok "$t"
fi

t="kmm help exits 0 and lists the commands"
run help
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -q 'boot' "$TMP/out" || ! grep -q 'alloc_pages' "$TMP/out"; then
	fail "$t" "boot or alloc_pages missing from the listing"
else
	ok "$t"
fi

t="kmm boot --help exits 0 with a man-style page"
run boot --help
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -q '^SYNOPSIS' "$TMP/out" || ! grep -q '^DESCRIPTION' "$TMP/out"; then
	fail "$t" "no SYNOPSIS/DESCRIPTION sections"
else
	ok "$t"
fi

t="kmm help alloc_pages prints its page"
run help alloc_pages
if [ $rc -ne 0 ] || ! grep -q '^EXAMPLES' "$TMP/out"; then
	fail "$t" "exit status $rc (expected 0) or no EXAMPLES section"
else
	ok "$t"
fi

t="an unknown command exits 2 with the usage"
run frobnicate
if [ $rc -ne 2 ]; then
	fail "$t" "exit status $rc, expected 2"
elif ! grep -q 'frobnicate' "$TMP/err" || ! grep -q 'usage: kmm' "$TMP/err"; then
	fail "$t" "stderr does not name the command and show the usage"
else
	ok "$t"
fi

t="kmm --version"
run --version
if [ $rc -ne 0 ] || ! grep -Eq '^kmm [0-9]+\.[0-9]+' "$TMP/out"; then
	fail "$t" "exit status $rc or no 'kmm X.Y' line"
else
	ok "$t"
fi

echo "test_cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
