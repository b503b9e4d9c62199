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

# shellcheck source=cli_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_lib.sh"

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

# ---- tasks and virtual memory -------------------------------------------------------------

# expect_lines WHAT: the lines of $TMP/want must all be lines of $TMP/out, in order.
expect_lines() {
	if ! awk 'NR == FNR { want[n++] = $0; next } i < n && $0 == want[i] { i++ }
		END { exit i < n ? 1 : 0 }' "$TMP/want" "$TMP/out"; then
		fail "$1" "expected these lines, in this order:$(sed 's/^/\n    | /' "$TMP/want")"
		return 1
	fi
	return 0
}

t="spawn, mmap, fill, check, fork, copy-on-write and munmap; ps"
run boot quiet -c 'spawn app as=A; mmap $A 64K as=B; fill $A $B 64K 5; check $A $B 64K 5
fork $A kid as=C; check $C $B 64K 5; fill $C $B 16K 6; check $C $B 16K 6
check $A $B 64K 5; echo --mark--; ps; echo --mark--
munmap $A $B 64K; cat /proc/$A/maps; ps; exit $C; exit $A; echo --mark--; ps'
cat >"$TMP/want" <<'WANT'
    PID    PPID STAT    VSZ   RSS COMMAND
      1       0 R        64    64 app
      2       1 R        64    64 kid
WANT
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$(sed -n 1p "$TMP/out")" != 1 ] || [ "$(sed -n 3p "$TMP/out")" != 2 ]; then
	fail "$t" "spawn and fork did not print the pids 1 and 2"
elif ! sed -n 2p "$TMP/out" | grep -Eqx '0x7f[0-9a-f]{10}'; then
	fail "$t" "mmap did not print an address like 0x7f..."
elif [ "$(section 1)" != "$(cat "$TMP/want")" ]; then
	fail "$t" "ps printed '$(section 1)'"
elif [ "$(section 2 | sed -n 2p)" != "      1       0 R         0     0 app" ]; then
	fail "$t" "after munmap, ps does not show app with VSZ 0 and RSS 0"
elif [ "$(section 3)" != "    PID    PPID STAT    VSZ   RSS COMMAND" ]; then
	fail "$t" "exit TASK did not reap both tasks"
else
	ok "$t"
fi

t="/proc/PID/maps: anonymous, [heap], [stack], /dev/zero and file lines"
printf 'first line of a mapped file\n' >"$TMP/mapped"
head -c 8192 /dev/zero >>"$TMP/mapped"
dev=$(stat -c %d "$TMP/mapped")
ino=$(stat -c %i "$TMP/mapped")
devstr=$(printf '%02x:%02x' $(((dev >> 8) & 0xfff)) $(((dev & 0xff) | ((dev >> 12) & 0xfff00))))
run boot quiet -c "spawn app as=A; mmap \$A 8K flags=fixed at=0x10000000
mmap \$A 4K prot=r flags=fixed,growsdown at=0x20000000
mmap \$A 16K flags=shared,fixed at=0x30000000
mmap \$A 8K prot=r flags=shared,fixed file=$TMP/mapped off=4K at=0x40000000
mmap \$A 4K prot=rx flags=fixed at=0x50000000
brk \$A; brk \$A +12K; echo --mark--; cat /proc/\$A/maps"
# a name starts at column 74, whatever the width of the addresses
named() { printf '%-73s%s\n' "$1" "$2"; }
{
	echo '10000000-10002000 rw-p 00000000 00:00 0 '
	named '20000000-20001000 r--p 00000000 00:00 0 ' '[stack]'
	echo '30000000-30004000 rw-s 00000000 00:01 @'
	named "40000000-40002000 r--s 00001000 $devstr $ino " "$TMP/mapped"
	echo '50000000-50001000 r-xp 00000000 00:00 0 '
	named '555555654000-555555657000 rw-p 00000000 00:00 0 ' '[heap]'
} >"$TMP/want"
got=$(section 1 | sed -E 's/^(30000000-30004000 rw-s 00000000 00:01 )[0-9]+ +\/dev\/zero \(deleted\)$/\1@/')
# the heap comes first (it is lower); compare sorted by address
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$(sed -n 7,8p "$TMP/out" | tr '\n' ' ')" != "0x555555654000 0x555555657000 " ]; then
	fail "$t" "brk did not print 0x555555654000 then 0x555555657000"
elif [ "$got" != "$(sort "$TMP/want")" ]; then
	fail "$t" "maps differs:$(diff <(sort "$TMP/want") <(echo "$got") | sed 's/^/\n    /')"
elif ! section 1 | grep -Eq '^30000000-30004000 rw-s 00000000 00:01 [0-9]+ {2,}/dev/zero \(deleted\)$' ||
	[ "$(section 1 | grep /dev/zero | cut -c74-)" != "/dev/zero (deleted)" ]; then
	fail "$t" "the /dev/zero line is not padded to column 74"
else
	ok "$t"
fi

t="smaps: Pss halves after fork, Private_Dirty returns after the child writes"
run boot quiet -c 'spawn app as=A; mmap $A 64K flags=fixed at=0x10000000
fill $A 0x10000000 64K 1; fork $A kid as=C; echo --mark--; cat /proc/$A/smaps
echo --mark--; cat /proc/$C/smaps; fill $C 0x10000000 16K 2
echo --mark--; cat /proc/$C/smaps; echo --mark--; cat /proc/$A/smaps_rollup'
smaps_has() { # SECTION LINE...
	local s=$1 l
	shift
	for l in "$@"; do
		section "$s" | grep -qxF "$l" || { echo "$l"; return 1; }
	done
}
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! m=$(smaps_has 1 '10000000-10010000 rw-p 00000000 00:00 0 ' 'Size:                 64 kB' \
	'Rss:                  64 kB' 'Pss:                  32 kB' 'Shared_Dirty:         64 kB' \
	'Private_Dirty:         0 kB' 'Anonymous:            64 kB' 'VmFlags: rd wr mr mw me ac '); then
	fail "$t" "the parent's smaps after fork lacks '$m'"
elif ! m=$(smaps_has 2 'Rss:                  64 kB' 'Pss:                  32 kB' \
	'Shared_Dirty:         64 kB'); then
	fail "$t" "the child's smaps after fork lacks '$m'"
elif ! m=$(smaps_has 3 'Rss:                  64 kB' 'Pss:                  40 kB' \
	'Shared_Dirty:         48 kB' 'Private_Dirty:        16 kB'); then
	fail "$t" "the child's smaps after its writes lacks '$m'"
elif ! m=$(smaps_has 4 'Pss:                  40 kB' 'Pss_Anon:             40 kB' \
	'Pss_File:              0 kB'); then
	fail "$t" "the parent's smaps_rollup lacks '$m'"
elif ! section 4 | head -n 1 | grep -Eq '^10000000-10010000 ---p 00000000 00:00 0 +\[rollup\]$'; then
	fail "$t" "smaps_rollup's first line is not the [rollup] range"
else
	ok "$t"
fi

t="status: State, PPid, VmRSS, RssAnon, VmPTE; a killed task is a zombie"
run boot quiet -c 'spawn app as=A; mmap $A 1M as=B; fill $A $B 40K 1; fork $A kid as=C
echo --mark--; cat /proc/$A/status; echo --mark--; cat /proc/$C/status
kill $C; echo --mark--; cat /proc/$C/status; ps'
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! m=$(smaps_has 1 $'Name:\tapp' $'State:\tR (running)' $'Pid:\t1' $'PPid:\t0' \
	$'VmSize:\t    1024 kB' $'VmRSS:\t      40 kB' $'RssAnon:\t      40 kB' \
	$'RssFile:\t       0 kB' $'VmPTE:\t      16 kB' $'Threads:\t1'); then
	fail "$t" "the parent's status lacks '$m'"
elif ! m=$(smaps_has 2 $'Name:\tkid' $'PPid:\t1' $'VmRSS:\t      40 kB'); then
	fail "$t" "the child's status lacks '$m'"
elif ! m=$(smaps_has 3 $'State:\tZ (zombie)' '      2       1 Z         0     0 kid <defunct>'); then
	fail "$t" "the killed child lacks '$m'"
elif section 3 | grep -q VmRSS; then
	fail "$t" "a zombie's status shows VmRSS"
else
	ok "$t"
fi

t="check fails at the first bad byte with a non-zero status"
run boot quiet -c 'spawn app as=A; mmap $A 8K flags=fixed at=0x10000000
fill $A 0x10000000 8K 1; write $A 0x10001234 X; check $A 0x10000000 8K 1; echo not reached'
if [ $rc -ne 1 ]; then
	fail "$t" "exit status $rc, expected 1"
elif ! grep -Eqx -- '-c:5: check: mismatch at 0x10001234 \(offset 4660\): expected 0x[0-9a-f]{2}, found 0x58' "$TMP/err"; then
	fail "$t" "stderr lacks '-c:5: check: mismatch at 0x10001234 (offset 4660): expected 0x.., found 0x58'"
elif grep -q 'not reached' "$TMP/out"; then
	fail "$t" "the script went on after the failed check"
else
	ok "$t"
fi

t="a segfault prints the kernel's report and fails the script"
run boot quiet -c 'spawn app as=A; mmap $A 4K prot=r flags=fixed at=0x10000000
read $A 0x10000000 16; write $A 0x10000000 x; echo not reached'
if [ $rc -ne 1 ]; then
	fail "$t" "exit status $rc, expected 1"
elif ! grep -Eqx '\[ *[0-9]+\.[0-9]{6}\] app\[1\]: segfault at 10000000 ip 0000000000000000 sp 0000000000000000 error 7 likely on CPU 0 \(core 0, socket 0\)' "$TMP/out"; then
	fail "$t" "stdout lacks the 'app[1]: segfault at 10000000 ... error 7' report"
elif ! grep -qx -- '-c:4: write: task 1 (app) killed by SIGSEGV' "$TMP/err"; then
	fail "$t" "stderr lacks '-c:4: write: task 1 (app) killed by SIGSEGV'"
elif grep -q 'not reached' "$TMP/out"; then
	fail "$t" "the script went on after the segfault"
else
	run boot -c 'spawn app as=A; write $A 0x1000 x'
	if [ $rc -ne 1 ] || [ "$(grep -c 'app\[1\]: segfault at 1000 ' "$TMP/out")" -ne 1 ]; then
		fail "$t" "without quiet the console must show the report exactly once (status $rc)"
	else
		ok "$t"
	fi
fi

t="failing system calls print the errno"
errs=0
while IFS='|' read -r script want; do
	run boot quiet -c "$script"
	if [ $rc -ne 1 ] || ! grep -qxF -- "$want" "$TMP/err"; then
		fail "$t" "'$script': status $rc, expected 1 and '$want' on stderr"
		errs=1
		break
	fi
done <<'CASES'
spawn a as=A; munmap $A 0x10001 4K|-c:2: munmap: Invalid argument (EINVAL)
spawn a as=A; mmap $A 0|-c:2: mmap: Invalid argument (EINVAL)
echo 2 > /proc/sys/vm/overcommit_memory; spawn a as=A; mmap $A 64G|-c:3: mmap: Cannot allocate memory (ENOMEM)
spawn a as=A; mprotect $A 0x10000000 4K r|-c:2: mprotect: Cannot allocate memory (ENOMEM)
spawn a as=A; mmap $A 4K flags=fixed at=0x1000|-c:2: mmap: Operation not permitted (EPERM)
spawn a as=A; mmap $A 4K flags=fixed at=0x10000000; mmap $A 4K flags=fixed_noreplace at=0x10000000|-c:3: mmap: File exists (EEXIST)
spawn a as=A; mremap $A 0x10000000 4K 8K|-c:2: mremap: Bad address (EFAULT)
spawn a as=A; kill $A; mmap $A 4K|-c:3: mmap: No such process (ESRCH)
spawn a as=A; kill $A; fork $A b|-c:3: fork: No such process (ESRCH)
spawn a as=A; brk $A 0x1000|-c:2: brk: Cannot allocate memory (ENOMEM)
mmap 7 4K|-c:1: mmap: no such task: 7 (see `ps`)
echo $NOPE|-c:1: NOPE: unbound variable
spawn a as=A; mmap $A 4K flags=bogus|-c:2: mmap: unknown flag 'bogus' (usage: mmap TASK LEN [prot=rwx|r|rw|none] [flags=FLAG,...] [file=PATH [off=N]])
CASES
[ $errs -eq 0 ] && ok "$t"

t="read prints a hexdump -C; variables, \${VAR} and address arithmetic"
run boot quiet -c 'spawn app as=A; mmap $A 8K flags=fixed at=0x10000000 as=B
write $A ${B}+2 "hello, world"; read $A $B 64; echo --mark--; read $A $B+4K-16 20
echo --mark--; echo $A '"'"'$A'"'"' "$A"'
cat >"$TMP/want" <<'WANT'
10000000  00 00 68 65 6c 6c 6f 2c  20 77 6f 72 6c 64 00 00  |..hello, world..|
10000010  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
*
10000040
WANT
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$(sed -n 3,6p "$TMP/out")" != "$(cat "$TMP/want")" ]; then
	fail "$t" "the dump differs from the expected one"
elif [ "$(section 1)" != "$(printf '%s\n' \
	'10000ff0  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|' \
	'10001000  00 00 00 00                                       |....|' '10001004')" ]; then
	fail "$t" "a partial line is not padded as hexdump pads it"
elif [ "$(section 2)" != '1 $A 1' ]; then
	fail "$t" "variables: got '$(section 2)', expected '1 \$A 1'"
else
	ok "$t"
fi

t="a shared file mapping: write, msync, and the host file has the bytes"
printf '%4096s' '' | tr ' ' . >"$TMP/shared"
run boot quiet -c "spawn app as=A; mmap \$A 4K flags=shared file=$TMP/shared as=F
write \$A \$F+10 'from the machine'; msync \$A \$F 4K"
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$(head -c 30 "$TMP/shared")" != "..........from the machine...." ]; then
	fail "$t" "the host file begins '$(head -c 30 "$TMP/shared")'"
else
	ok "$t"
fi

t="exit TASK reaps; exit N still quits; quit N always quits"
run boot quiet -c 'spawn a; spawn b; exit 1; ps; quit 2; echo not reached'
if [ $rc -ne 2 ]; then
	fail "$t" "exit status $rc, expected 2"
elif [ "$(sed -n 3,4p "$TMP/out")" != "$(printf '    PID    PPID STAT    VSZ   RSS COMMAND\n      2       0 R         0     0 b')" ]; then
	fail "$t" "exit 1 did not reap task 1 alone"
else
	run boot quiet -c 'spawn a; exit 7; echo not reached'
	if [ $rc -ne 7 ] || grep -q 'not reached' "$TMP/out"; then
		fail "$t" "exit 7 with no task 7 did not quit with status 7 (status $rc)"
	else
		ok "$t"
	fi
fi

t="ls /proc lists pids; oom_score_adj takes -1000..1000"
run boot quiet -c 'spawn a as=A; ls /proc; ls /proc/$A; echo -500 > /proc/$A/oom_score_adj
cat /proc/$A/oom_score_adj; fork $A b as=B; cat /proc/$B/oom_score_adj
echo 1001 > /proc/$A/oom_score_adj'
if [ $rc -ne 1 ]; then
	fail "$t" "exit status $rc, expected 1 (the write of 1001 must fail)"
elif ! grep -qx '1/' "$TMP/out" || ! grep -qx 'smaps_rollup' "$TMP/out" ||
	! grep -qx 'oom_score_adj' "$TMP/out"; then
	fail "$t" "ls /proc or ls /proc/1 lacks 1/, smaps_rollup or oom_score_adj"
elif [ "$(grep -cx -- '-500' "$TMP/out")" -ne 2 ]; then
	fail "$t" "oom_score_adj did not read -500 in the task and its child"
elif ! grep -q 'oom_score_adj: Invalid argument' "$TMP/err"; then
	fail "$t" "writing 1001 did not fail with 'Invalid argument'"
else
	ok "$t"
fi

t="meminfo: Committed_AS follows private writable mappings; AnonPages the pages"
run boot quiet -c 'cat /proc/meminfo; echo --mark--; spawn a as=A; mmap $A 1M as=B
fill $A $B 64K 1; echo --mark--; cat /proc/meminfo'
kb() { section "$1" | awk -v f="$2:" '$1 == f { print $2 }'; }
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ $(($(kb 2 Committed_AS) - $(kb 0 Committed_AS))) -ne 1024 ]; then
	fail "$t" "Committed_AS grew by $(($(kb 2 Committed_AS) - $(kb 0 Committed_AS))) kB, expected 1024"
elif [ $(($(kb 2 AnonPages) - $(kb 0 AnonPages))) -ne 64 ]; then
	fail "$t" "AnonPages grew by $(($(kb 2 AnonPages) - $(kb 0 AnonPages))) kB, expected 64"
else
	ok "$t"
fi

t="tlb counts the MMU's hits and walks"
run boot quiet -c 'spawn a as=A; mmap $A 64K as=B; fill $A $B 64K 1; check $A $B 64K 1; tlb 0; tlb'
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$(grep -c '^CPU      L1_HITS      L2_HITS        WALKS  CTX_FLUSHES FULL_FLUSHES$' "$TMP/out")" -ne 2 ]; then
	fail "$t" "no header line"
elif ! awk '$1 == "0" && $4 >= 16 { found = 1 } END { exit !found }' "$TMP/out"; then
	fail "$t" "CPU 0 shows fewer than 16 page walks"
else
	ok "$t"
fi

# A fuzz-style robustness check of the argument parsing: random arguments
# to every task command must give success or a clean error (status 0 or 1,
# a message on stderr when 1), never a crash, a hang or a kernel report.
t="random arguments to the task commands fail cleanly"
RANDOM=4242
cmds=(spawn fork kill mmap munmap mprotect mremap madvise msync mlock munlock brk fill check
	write read tlb exit ps)
words=('$A' '$B' '$B+4K' '$B-1' '${A}' '${B' '$' '$1' '$NOPE' 0 1 -1 2 7 4096 4K 1M 64G 0x10000000
	0x7fffffffffff 0xffffffffffffffff 99999999999999999999 '' ' ' + - +4K -4K 1+ 0x 4KK 1T
	prot=r prot=rwx prot=none prot=rwq prot= flags=shared flags=private,fixed
	flags=anon,populate flags=fixed_noreplace flags=growsdown,locked 'flags=MAP_SHARED|MAP_ANONYMOUS'
	flags=, flags=bogus file=/dev/null file=/nonexistent "file=$TMP/mapped" off=4K off=1
	at=0x10000000 at=0 as=X as=9 as= maymove dontunmap fixed=0x20000000 onfault
	dontneed free willneed hugepage sequential sync async invalidate,sync -KILL -SEGV -0 name)
crashes=0
for i in $(seq 150); do
	c=${cmds[RANDOM % ${#cmds[@]}]}
	line="$c"
	for j in $(seq $((RANDOM % 6))); do
		w=${words[RANDOM % ${#words[@]}]}
		line="$line '$w'"
	done
	# single-quoted words keep '$' literal: unquote the variable ones half of the time
	[ $((RANDOM % 2)) -eq 0 ] && line=$(printf '%s' "$line" | sed "s/'\\(\\\$[^']*\\)'/\\1/g")
	run boot quiet mem=64M -c "spawn a as=A; mmap \$A 64K as=B; $line"
	if [ $rc -gt 1 ] && ! { [[ $c == exit ]] && [ $rc -le 255 ]; }; then
		fail "$t" "'$line' exited with status $rc"
		crashes=1
		break
	elif [ $rc -eq 1 ] && ! grep -q . "$TMP/err"; then
		fail "$t" "'$line' failed without a message"
		crashes=1
		break
	elif grep -qE 'BUG|Bad rmap|bad page' "$TMP/out" "$TMP/err"; then
		fail "$t" "'$line' made the kernel report a bug"
		crashes=1
		break
	fi
done
[ $crashes -eq 0 ] && ok "$t"

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
elif ! grep -q '^Pss: .* 160 kB$' "$TMP/out" || ! grep -q '^written by a simulated process' "$TMP/out"; then
	fail "$t" "the vm chapter's Pss after copy-on-write or its file write is missing"
else
	ok "$t"
fi

t="kmm help exits 0 and lists the commands"
run help
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -q 'boot' "$TMP/out" || ! grep -q 'alloc_pages' "$TMP/out"; then
	fail "$t" "boot or alloc_pages missing from the listing"
elif ! for c in spawn fork kill ps mmap munmap mprotect mremap madvise msync mlock munlock brk \
	fill check write read tlb; do grep -q "^  $c " "$TMP/out" || exit 1; done; then
	fail "$t" "a task or memory command is missing from the listing"
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
