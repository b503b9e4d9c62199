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

# ---- the slab allocator -------------------------------------------------------------------------

t="slabtop -o prints the procps header and a row per cache"
run boot quiet -c 'slabtop -o'
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -Eq '^ Active / Total Objects \(% used\)    : [0-9]+ / [0-9]+ \([0-9]+\.[0-9]%\)$' "$TMP/out"; then
	fail "$t" "no ' Active / Total Objects (% used)    : A / T (P%)' line"
elif ! grep -q '^ Minimum / Average / Maximum Object : ' "$TMP/out"; then
	fail "$t" "no ' Minimum / Average / Maximum Object : ' line"
elif ! grep -qx '  OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME' "$TMP/out"; then
	fail "$t" "no column header line"
elif ! grep -Eq '^ +[0-9]+ +[0-9]+ +[0-9]+% +0\.06K +[0-9]+ +[0-9]+ +[0-9]+K kmalloc-64$' "$TMP/out"; then
	fail "$t" "no row for kmalloc-64"
else
	ok "$t"
fi

t="slabtop without -o prints once when not on a terminal"
run boot quiet -c 'slabtop -s n'
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$(grep -c '^  OBJS ACTIVE' "$TMP/out")" -ne 1 ]; then
	fail "$t" "expected exactly one listing"
else
	ok "$t"
fi

t="kmem_cache_create/alloc/free/destroy round trip, seen in /proc/slabinfo"
run boot quiet -c 'kmem_cache_create foo 100 flags=SLAB_HWCACHE_ALIGN|SLAB_NO_MERGE
echo --mark--; cat /proc/slabinfo; echo --mark--
kmem_cache_alloc foo count=5 as=f
echo --mark--; cat /proc/slabinfo; echo --mark--
kmem_cache_free f; echo 1 > /sys/kernel/slab/foo/shrink
echo --mark--; cat /proc/slabinfo; echo --mark--
kmem_cache_destroy foo
echo --mark--; cat /proc/slabinfo'
created=$(section 1 | grep '^foo ' || true)
used=$(section 3 | grep '^foo ' || true)
shrunk=$(section 5 | grep '^foo ' || true)
gone=$(section 7 | grep '^foo ' || true)
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -q '^foo: object size 100, slot 128 bytes' "$TMP/out"; then
	fail "$t" "kmem_cache_create did not report 'foo: object size 100, slot 128 bytes'"
elif [ "$(grep -Ec '^f: 0x[0-9a-f]+ \(cache foo\)$' "$TMP/out")" -ne 5 ]; then
	fail "$t" "expected 5 lines 'f: 0x… (cache foo)'"
elif ! echo "$created" | grep -Eq '^foo +0 +0 +128 '; then
	fail "$t" "a new cache's slabinfo line is not 'foo 0 0 128 …': '$created'"
elif [ "$(echo "$used" | awk '{ print ($2 >= 5 && $14 >= 1) }')" != 1 ]; then
	fail "$t" "slabinfo does not count the 5 objects: '$used'"
elif ! echo "$shrunk" | grep -Eq '^foo +0 +0 +128 '; then
	fail "$t" "shrink did not empty the cache: '$shrunk'"
elif [ -n "$gone" ]; then
	fail "$t" "foo still listed after kmem_cache_destroy"
elif grep -q 'BUG' "$TMP/out" "$TMP/err"; then
	fail "$t" "the kernel reported a bug"
else
	ok "$t"
fi

t="kmalloc rounds up to a size class"
run boot quiet -c 'kmalloc 100 as=p; kmalloc 1000 as=q; kfree p q'
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -Eq '^p: 0x[0-9a-f]+ \(cache kmalloc-128\)$' "$TMP/out" ||
	! grep -Eq '^q: 0x[0-9a-f]+ \(cache kmalloc-1k\)$' "$TMP/out"; then
	fail "$t" "expected 'p: … (cache kmalloc-128)' and 'q: … (cache kmalloc-1k)'"
else
	ok "$t"
fi

t="a double kfree is reported ('Object already free') and the script goes on"
run boot quiet -c 'kmalloc 64 as=p; kfree p; kfree p; echo still running'
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! cat "$TMP/out" "$TMP/err" | grep -q 'Object already free'; then
	fail "$t" "no 'Object already free' report"
elif ! grep -qx 'still running' "$TMP/out"; then
	fail "$t" "the command after the double free did not run"
else
	ok "$t"
fi

t="kmem_cache_create with an unknown flag fails naming it"
run boot quiet -c 'kmem_cache_create bar 64 flags=SLAB_HWCACHE_ALIGN|SLAB_BOGUS'
if [ $rc -ne 1 ]; then
	fail "$t" "exit status $rc, expected 1"
elif ! grep -q "kmem_cache_create: unknown flag 'SLAB_BOGUS'" "$TMP/err"; then
	fail "$t" "stderr does not name SLAB_BOGUS"
else
	ok "$t"
fi

t="tunables written to /proc/slabinfo show in its limit columns; bad ones fail"
run boot quiet -c 'echo kmalloc-64 60 30 4 > /proc/slabinfo; cat /proc/slabinfo'
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -Eq '^kmalloc-64 .* : tunables   60   30    4 : ' "$TMP/out"; then
	fail "$t" "kmalloc-64's line does not show 'tunables   60   30    4'"
else
	run boot quiet -c 'echo kmalloc-64 60 70 4 > /proc/slabinfo'
	if [ $rc -ne 1 ] || ! grep -q '/proc/slabinfo: Invalid argument' "$TMP/err"; then
		fail "$t" "batchcount > limit: exit status $rc (expected 1) or no 'Invalid argument'"
	else
		ok "$t"
	fi
fi

t="/sys/kernel/slab/<cache>/ lists the attributes"
run boot quiet -c 'ls /sys/kernel/slab/kmalloc-64; cat /sys/kernel/slab/kmalloc-64/object_size'
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -qx 'objs_per_slab' "$TMP/out" || ! grep -qx 'shrink' "$TMP/out" ||
	! grep -qx '64' "$TMP/out"; then
	fail "$t" "objs_per_slab, shrink or object_size 64 missing"
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
elif ! grep -q 'Object already free' "$TMP/out"; then
	fail "$t" "the slab chapter's double free report is missing"
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
