#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/test_cli_reclaim.sh KMM - end-to-end tests of the reclaim and swap
# commands of the kmm shell (vmstat, mkswap, swapon, swapoff) and of
# `kmm demo pressure`.
#
# Swap files live in a temporary directory removed at the end.  Numbers are
# compared with what the machine's own /proc files say in the same run; no
# check depends on timing.  Prints "ok: WHAT" or "FAIL: WHAT" per check and
# ends with "N passed, N failed"; exits 1 if anything failed.
set -eu

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/kmm  (got: ${1:-nothing})" >&2
	exit 2
fi
KMM=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1") # absolute: one check runs elsewhere
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kmm-test-reclaim.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# kmm names swap files by their absolute, symlink-free path
TMPR=$(cd "$TMP" && pwd -P)

# shellcheck source=cli_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_lib.sh"

# boot SCRIPT: run SCRIPT (one command per line) on a small machine.
boot() {
	printf '%s\n' "$1" >"$TMP/script.kmm"
	run boot quiet mem=64M -f "$TMP/script.kmm"
}

# Lines of $TMP/out between the N-th and (N+1)-th "--mark--" line.
section() {
	awk -v n="$1" '/^--mark--$/ { i++; next } i == n' "$TMP/out"
}

# field FILE-TEXT NAME: the number after "NAME:" (meminfo) or "NAME " (vmstat).
field() {
	awk -v k="$2" '$1 == k":" || $1 == k { print $2; exit }' <<<"$1"
}

# The data line of vmstat output (the last line that starts with " -").
vmstat_row() {
	grep -E '^ +- +- ' <<<"$1" | tail -n 1
}

HDR1='procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----'
HDR2=' r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st'

# ---- mkswap ---------------------------------------------------------------------------

t="mkswap FILE 1M creates the file and prints size and UUID like mkswap(8)"
boot "mkswap $TMP/sw1 1M"
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -qx 'Setting up swapspace version 1, size = 1020 KiB (1044480 bytes)' "$TMP/out"; then
	fail "$t" "no 'Setting up swapspace version 1, size = 1020 KiB (1044480 bytes)' line"
elif ! grep -Eqx 'no label, UUID=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}' "$TMP/out"; then
	fail "$t" "no 'no label, UUID=...' line with a version-4 UUID"
elif [ ! -f "$TMP/sw1" ] || [ "$(wc -c <"$TMP/sw1")" -ne 1048576 ]; then
	fail "$t" "$TMP/sw1 is not a file of 1048576 bytes"
elif [ "$(tail -c +4087 "$TMP/sw1" | head -c 10)" != "SWAPSPACE2" ]; then
	fail "$t" "no SWAPSPACE2 signature at byte 4086 of the file"
elif [ "$(stat -c %a "$TMP/sw1" 2>/dev/null || echo 600)" != 600 ]; then
	fail "$t" "a new swap file should be mode 600, is $(stat -c %a "$TMP/sw1")"
else
	ok "$t"
fi

t="mkswap rounds SIZE down to pages: 100K+123 is 25 pages, 24 usable"
boot "mkswap $TMP/sw-odd 100K+123"
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -qx 'Setting up swapspace version 1, size = 96 KiB (98304 bytes)' "$TMP/out"; then
	fail "$t" "expected 'size = 96 KiB (98304 bytes)'"
elif [ "$(wc -c <"$TMP/sw-odd")" -ne 102400 ]; then
	fail "$t" "the file is $(wc -c <"$TMP/sw-odd") bytes, expected 102400"
else
	ok "$t"
fi

# ---- swapon, /proc/swaps, swapon --show, swapoff ------------------------------------------

t="swapon: /proc/swaps and swapon --show list the device with its size and priority"
boot "mkswap $TMP/sw1 1M
mkswap $TMP/sw2 2M
swapon $TMP/sw1
swapon $TMP/sw2 prio=7
echo --mark--
cat /proc/swaps
echo --mark--
swapon
echo --mark--
swapon --show --bytes
echo --mark--
cat /proc/meminfo"
swaps=$(section 1)
show=$(section 2)
bytes=$(section 3)
mem=$(section 4)
line1=$(awk -v p="$TMPR/sw1" '$1 == p' <<<"$swaps")
line2=$(awk -v p="$TMPR/sw2" '$1 == p' <<<"$swaps")
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$(head -n 1 <<<"$swaps")" != $'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority' ]; then
	fail "$t" "/proc/swaps lacks its header line"
elif [ "$(awk '{ print $2, $3, $4, $5 }' <<<"$line1")" != "file 1020 0 -2" ]; then
	fail "$t" "/proc/swaps line of sw1 is '$line1', expected 'file 1020 0 -2' (KiB, default priority -2)"
elif [ "$(awk '{ print $2, $3, $4, $5 }' <<<"$line2")" != "file 2044 0 7" ]; then
	fail "$t" "/proc/swaps line of sw2 is '$line2', expected 'file 2044 0 7'"
elif [ "$(head -n 1 <<<"$show" | tr -s ' ')" != "NAME TYPE SIZE USED PRIO" ]; then
	fail "$t" "swapon --show header is not 'NAME TYPE SIZE USED PRIO'"
elif [ "$(awk -v p="$TMPR/sw1" '$1 == p { print $2, $3, $4, $5 }' <<<"$show")" != "file 1020K 0B -2" ]; then
	fail "$t" "swapon --show row of sw1 is not 'file 1020K 0B -2'"
elif [ "$(awk -v p="$TMPR/sw2" '$1 == p { print $2, $3, $4, $5 }' <<<"$show")" != "file 2M 0B 7" ]; then
	fail "$t" "swapon --show row of sw2 is not 'file 2M 0B 7' (2044 KiB rounds to 2M, as util-linux prints it)"
elif [ "$(awk -v p="$TMPR/sw1" '$1 == p { print $3, $4 }' <<<"$bytes")" != "1044480 0" ]; then
	fail "$t" "swapon --show --bytes gives sw1 '$(awk -v p="$TMPR/sw1" '$1 == p { print $3, $4 }' <<<"$bytes")', expected '1044480 0'"
elif [ "$(field "$mem" SwapTotal)" != 3064 ] || [ "$(field "$mem" SwapFree)" != 3064 ]; then
	fail "$t" "meminfo SwapTotal/SwapFree are $(field "$mem" SwapTotal)/$(field "$mem" SwapFree), expected 3064/3064"
else
	ok "$t"
fi

t="the swapon --show columns line up (SIZE, USED, PRIO right-aligned under their headers)"
hdr=$(head -n 1 <<<"$show")
row=$(awk -v p="$TMPR/sw2" '$1 == p' <<<"$show")
if [ "${#hdr}" -ne "${#row}" ]; then
	fail "$t" "header and row differ in length: '$hdr' / '$row'"
elif [ "${row: -1}" != 7 ] || [ "${hdr: -4}" != PRIO ]; then
	fail "$t" "PRIO is not right-aligned: '$hdr' / '$row'"
else
	ok "$t"
fi

t="swapoff: the device leaves /proc/swaps, SwapTotal goes back to 0, swapon lists nothing"
boot "mkswap $TMP/sw1 1M
swapon $TMP/sw1
swapoff $TMP/sw1
echo --mark--
cat /proc/swaps
echo --mark--
swapon
echo --mark--
cat /proc/meminfo"
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$(section 1 | wc -l)" -ne 1 ]; then
	fail "$t" "/proc/swaps still lists a device"
elif [ -n "$(section 2)" ]; then
	fail "$t" "swapon without a device printed something"
elif [ "$(field "$(section 3)" SwapTotal)" != 0 ]; then
	fail "$t" "SwapTotal is $(field "$(section 3)" SwapTotal) kB, expected 0"
else
	ok "$t"
fi

t="swapon takes a relative FILE and shows it by its absolute path; swapoff -a turns all off"
rc=0
(cd "$TMP" && "${TIMEOUT[@]}" "$KMM" boot quiet mem=64M \
	-c 'mkswap rel 64K; swapon rel; swapon; swapoff -a; echo --mark--; cat /proc/swaps' \
	</dev/null >"$TMP/out" 2>"$TMP/err") || rc=$?
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! section 0 | grep -Eq "^$TMPR/rel +file +60K +0B +-2\$"; then
	fail "$t" "swapon --show does not list $TMPR/rel (60K)"
elif [ "$(section 1 | wc -l)" -ne 1 ]; then
	fail "$t" "a device is left after swapoff -a"
else
	ok "$t"
fi

# ---- bad input --------------------------------------------------------------------------

# expect_error WHAT SCRIPT PATTERN...: SCRIPT's last command must fail (status 1)
# with a message matching every PATTERN (grep -E) on stderr.
expect_error() {
	local what=$1 script=$2 p
	shift 2
	t="$what"
	boot "$script"
	if [ $rc -ne 1 ]; then
		fail "$t" "exit status $rc, expected 1"
		return
	fi
	for p in "$@"; do
		if ! grep -Eq -- "$p" "$TMP/err"; then
			fail "$t" "stderr does not match '$p'"
			return
		fi
	done
	ok "$t"
}

expect_error "mkswap without SIZE is a usage error" "mkswap $TMP/x" \
	'script.kmm:1: mkswap: missing SIZE \(usage: mkswap FILE SIZE\)'
expect_error "mkswap with a malformed size names it" "mkswap $TMP/x 12x" \
	"mkswap: invalid size '12x'"
expect_error "mkswap below 10 pages: EINVAL, says the minimum" "mkswap $TMP/x 36K" \
	'mkswap: .*/x: size: Invalid argument \(EINVAL\)' 'at least 10 pages'
t="mkswap that fails on its size leaves no file behind"
if [ -e "$TMP/x" ]; then fail "$t" "$TMP/x exists"; else ok "$t"; fi
expect_error "mkswap in a missing directory: ENOENT" "mkswap $TMP/no/such/dir/f 1M" \
	'mkswap: .*/no/such/dir/f: No such file or directory \(ENOENT\)'
expect_error "swapon of a missing file: ENOENT" "swapon $TMP/missing" \
	'swapon: .*/missing: cannot open: No such file or directory \(ENOENT\)'
head -c 1048576 /dev/zero >"$TMP/zeros"
expect_error "swapon of a file without a swap header: EINVAL and the kernel's reason" \
	"swapon $TMP/zeros" \
	'swapon: .*/zeros: swapon failed: Invalid argument \(EINVAL\): Unable to find swap-space signature'
expect_error "swapon twice: EBUSY, already swapping on it" \
	"mkswap $TMP/sw1 1M
swapon $TMP/sw1
swapon $TMP/sw1" \
	'script.kmm:3: swapon: .*/sw1: swapon failed: Device or resource busy \(EBUSY\): already swapping on it'
expect_error "mkswap of a file the machine swaps on: EBUSY" \
	"mkswap $TMP/sw1 1M
swapon $TMP/sw1
mkswap $TMP/sw1 2M" \
	'script.kmm:3: mkswap: .*/sw1: Device or resource busy \(EBUSY\): swapping on it'
expect_error "swapoff of a file that is not a swap device in use: EINVAL" \
	"mkswap $TMP/sw1 1M
swapoff $TMP/sw1" \
	'script.kmm:2: swapoff: .*/sw1: swapoff failed: Invalid argument \(EINVAL\): not a swap device in use'
expect_error "swapon with a priority out of range names it" "swapon $TMP/sw1 prio=40000" \
	"swapon: invalid priority '40000' \(0 to 32767\)"
expect_error "vmstat with a bad delay names it" "vmstat 0" "vmstat: invalid delay '0'"
expect_error "vmstat DELAY without COUNT needs a terminal" "vmstat 1" \
	'vmstat: DELAY without COUNT .* give a COUNT'
expect_error "vmstat -s takes no DELAY" "vmstat -s 1 2" 'vmstat: -s takes no other argument'

t="after a refused swapon the device that is on keeps working (swapoff succeeds)"
boot "mkswap $TMP/sw1 1M
swapon $TMP/sw1
swapon $TMP/zeros"
if [ $rc -ne 1 ]; then
	fail "$t" "exit status $rc, expected 1 (the second swapon must fail)"
else
	boot "mkswap $TMP/sw1 1M
swapon $TMP/sw1
swapoff $TMP/zeros
swapoff $TMP/sw1"
	if [ $rc -ne 1 ] || ! grep -q 'script.kmm:3:' "$TMP/err"; then
		fail "$t" "expected line 3 (swapoff of a non-device) to fail"
	else
		boot "mkswap $TMP/sw1 1M
swapon $TMP/sw1
swapoff $TMP/sw1
cat /proc/swaps"
		if [ $rc -ne 0 ] || [ "$(wc -l <"$TMP/out")" -ne 3 ]; then
			fail "$t" "swapon/swapoff sequence failed (status $rc)"
		else
			ok "$t"
		fi
	fi
fi

# ---- vmstat ----------------------------------------------------------------------------

t="vmstat prints procps' two header lines and one row; swpd and free agree with /proc/meminfo"
printf '%s\n' "mkswap $TMP/sw1 64M" "swapon $TMP/sw1" 'spawn app as=A' 'mmap $A 40M as=a' \
	'mmap $A 40M as=b' 'fill $A $a 40M 1' 'fill $A $b 40M 2' 'munmap $A $b 40M' \
	'echo --mark--' 'vmstat' 'cat /proc/meminfo' 'echo --mark--' 'vmstat -a' \
	'cat /proc/meminfo' 'echo --mark--' 'cat /proc/vmstat' >"$TMP/vm.kmm"
# one CPU: kswapd has no slot to run on, so nothing changes between the reads
run boot quiet mem=64M nr_cpus=1 -f "$TMP/vm.kmm"
s1=$(section 1)
s2=$(section 2)
row=$(vmstat_row "$s1")
rowa=$(vmstat_row "$s2")
read -r _ _ swpd free buff cache si so bi bo rest <<<"$row"
read -r _ _ aswpd afree inact active _ <<<"$rowa"
swaptotal=$(field "$s1" SwapTotal)
swapfree=$(field "$s1" SwapFree)
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$(sed -n 1p <<<"$s1")" != "$HDR1" ] || [ "$(sed -n 2p <<<"$s1")" != "$HDR2" ]; then
	fail "$t" "the header lines differ from procps vmstat's"
elif [ "$(wc -w <<<"$row")" -ne 17 ]; then
	fail "$t" "the row has $(wc -w <<<"$row") columns, expected 17: '$row'"
elif [ "$swpd" -ne $((swaptotal - swapfree)) ]; then
	fail "$t" "swpd $swpd != SwapTotal - SwapFree = $((swaptotal - swapfree))"
elif [ "$swpd" -eq 0 ]; then
	fail "$t" "80 MiB written on a 64 MiB machine, but swpd is 0"
elif [ "$free" -ne "$(field "$s1" MemFree)" ]; then
	fail "$t" "free $free != MemFree $(field "$s1" MemFree)"
elif [ "$buff" -ne "$(field "$s1" Buffers)" ]; then
	fail "$t" "buff $buff != Buffers $(field "$s1" Buffers)"
elif [ "$cache" -ne $(($(field "$s1" Cached) + $(field "$s1" SReclaimable))) ]; then
	fail "$t" "cache $cache != Cached + SReclaimable"
elif [ "$(awk '{ print $1, $2, $11, $12, $13, $14, $15, $16, $17 }' <<<"$row")" != "- - - - - - - - -" ]; then
	fail "$t" "r, b, in, cs and the cpu columns should be '-' (kmm has no source for them)"
elif [ "$(sed -n 2p <<<"$s2")" != "${HDR2/   buff  cache/  inact active}" ]; then
	fail "$t" "vmstat -a does not name its columns inact and active"
elif [ "$inact" -ne "$(field "$s2" Inactive)" ] || [ "$active" -ne "$(field "$s2" Active)" ]; then
	fail "$t" "vmstat -a inact/active $inact/$active != Inactive/Active $(field "$s2" Inactive)/$(field "$s2" Active)"
else
	ok "$t"
fi

t="under pressure so and bo are non-zero: the first row's totals since boot (KiB)"
pswpout=$(field "$(section 3)" pswpout)
pgpgout=$(field "$(section 3)" pgpgout)
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$so" -le 0 ] || [ "$bo" -le 0 ]; then
	fail "$t" "so is $so and bo $bo after swapping"
elif [ "$so" -gt $((pswpout * 4)) ] || [ "$bo" -gt "$pgpgout" ]; then
	fail "$t" "so $so / bo $bo exceed pswpout*4 = $((pswpout * 4)) / pgpgout $pgpgout read after them"
elif [ "$bo" -lt "$so" ]; then
	fail "$t" "bo ($bo KiB written) does not include the swap writes (so $so KiB)"
else
	ok "$t"
fi

t="re-reading swapped data makes si non-zero; vmstat -s lists the same totals as /proc/vmstat"
printf '%s\n' "mkswap $TMP/sw1 64M" "swapon $TMP/sw1" 'spawn app as=A' 'mmap $A 40M as=a' \
	'mmap $A 40M as=b' 'fill $A $a 40M 1' 'fill $A $b 40M 2' 'check $A $a 40M 1' \
	'munmap $A $b 40M' 'echo --mark--' 'vmstat' 'echo --mark--' 'vmstat -s' \
	'echo --mark--' 'cat /proc/vmstat' 'cat /proc/meminfo' >"$TMP/vm2.kmm"
run boot quiet mem=64M -f "$TMP/vm2.kmm"
row=$(vmstat_row "$(section 1)")
sum=$(section 2)
counters=$(section 3)
read -r _ _ swpd free buff cache si so bi bo rest <<<"$row"
pswpin=$(field "$counters" pswpin)
pswpout=$(field "$counters" pswpout)
sum_of() { awk -v k="$1" 'substr($0, 15) == k { print $1 }' <<<"$sum"; }
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$si" -le 0 ] || [ "$pswpin" -le 0 ]; then
	fail "$t" "si is $si, pswpin $pswpin: nothing came back from swap"
elif [ "$si" -gt $((pswpin * 4)) ]; then
	fail "$t" "si $si (KiB since boot) > pswpin*4 = $((pswpin * 4)) read after it"
elif [ "$(sum_of 'pages swapped in')" -le 0 ] ||
	[ "$(sum_of 'pages swapped in')" -gt "$pswpin" ]; then
	fail "$t" "vmstat -s 'pages swapped in' $(sum_of 'pages swapped in') is not in 1..pswpin ($pswpin)"
elif [ "$(sum_of 'pages swapped out')" -le 0 ] ||
	[ "$(sum_of 'pages swapped out')" -gt "$pswpout" ]; then
	fail "$t" "vmstat -s 'pages swapped out' $(sum_of 'pages swapped out') is not in 1..pswpout ($pswpout)"
elif [ "$(sum_of 'K total memory')" != "$(field "$counters" MemTotal)" ]; then
	fail "$t" "vmstat -s 'K total memory' != MemTotal"
elif [ "$(sum_of 'K total swap')" != "$(field "$counters" SwapTotal)" ]; then
	fail "$t" "vmstat -s 'K total swap' != SwapTotal"
elif [ "$(wc -l <<<"$sum")" -ne 14 ]; then
	fail "$t" "vmstat -s printed $(wc -l <<<"$sum") lines, expected 14"
else
	ok "$t"
fi

t="vmstat DELAY COUNT prints COUNT rows under one header; idle intervals show rates of 0"
boot "vmstat 0.05 3"
rows=$(grep -cE '^ +- +- ' "$TMP/out" || true)
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$(grep -c '^procs' "$TMP/out")" -ne 1 ] || [ "$rows" -ne 3 ]; then
	fail "$t" "expected 1 header and 3 rows, got $(grep -c '^procs' "$TMP/out") and $rows"
elif [ "$(grep -E '^ +- +- ' "$TMP/out" | tail -n 2 | awk '{ print $7 $8 $9 $10 }' | sort -u)" != 0000 ]; then
	fail "$t" "si so bi bo of the interval rows on an idle machine are not all 0"
else
	ok "$t"
fi

t="vmstat repeats its header every 21 rows unless -n"
boot "vmstat 0.001 23
echo --mark--
vmstat -n 0.001 23"
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif [ "$(section 0 | grep -c '^procs')" -ne 2 ] || [ "$(section 1 | grep -c '^procs')" -ne 1 ]; then
	fail "$t" "headers: $(section 0 | grep -c '^procs') without -n (expected 2), $(section 1 | grep -c '^procs') with -n (expected 1)"
else
	ok "$t"
fi

# ---- help -------------------------------------------------------------------------------

t="every new command has a manual page and is in the listing"
bad=""
for c in vmstat mkswap swapon swapoff; do
	run help "$c"
	if [ $rc -ne 0 ] || ! grep -q "^NAME" "$TMP/out" || ! grep -q "^    $c - " "$TMP/out" ||
		! grep -q '^SYNOPSIS' "$TMP/out" || ! grep -q '^DESCRIPTION' "$TMP/out" ||
		! grep -q '^EXAMPLES' "$TMP/out"; then
		bad="$bad $c"
	fi
done
run help
for c in vmstat mkswap swapon swapoff; do
	grep -q "^  $c  " "$TMP/out" || bad="$bad listing:$c"
done
if [ -n "$bad" ]; then
	fail "$t" "missing or incomplete:$bad"
else
	ok "$t"
fi

# ---- the interactive shell (a pseudo-terminal) -------------------------------------------

if command -v python3 >/dev/null 2>&1; then
	t="on a terminal: errors do not stop the shell, and vmstat DELAY runs until q"
	rc=0
	"${TIMEOUT[@]}" python3 - "$KMM" "$TMP" >"$TMP/out" 2>"$TMP/err" <<'EOF' || rc=$?
import os, pty, select, sys, time, termios

kmm, tmp = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execv(kmm, [kmm, "boot", "quiet", "mem=64M"])
out = b""

def read_until(token, secs=20):
    global out
    end = time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            out += data
            if token.encode() in out:
                return True
    return False

def send(line):
    os.write(fd, line.encode())

assert read_until("kmm#"), "no prompt"
send("swapon %s/missing\n" % tmp)
assert read_until("ENOENT"), "no ENOENT error"
send("mkswap %s/tty-sw 64K\n" % tmp)
assert read_until("Setting up swapspace"), "mkswap after the error did not run"
send("vmstat 0.1\n")
assert read_until("\n -  -"), "vmstat printed no row"
time.sleep(0.5)
send("q")
n = out.count(b"\n -  -")
assert read_until("kmm#"), "vmstat did not stop at q"
# cooked mode again: a typed line is echoed and runs
send("swapon\n")
time.sleep(0.5)
send("exit\n")
read_until("NOTHING", 3)
os.waitpid(pid, 0)
rows = out.count(b"\n -  -")
print("rows %d" % rows)
sys.stdout.flush()
sys.exit(0 if rows >= 2 else 3)
EOF
	if [ $rc -ne 0 ]; then
		fail "$t" "the pty session failed (status $rc)"
	else
		ok "$t"
	fi
else
	echo "skip: on a terminal (no python3 for a pseudo-terminal)"
fi

# ---- kmm demo pressure ----------------------------------------------------------------------

t="kmm demo pressure: swap on, the task outgrows RAM, kswapd and swap at work, swapoff, cleanup"
mkdir -p "$TMP/demo-tmp"
rc=0
TMPDIR="$TMP/demo-tmp" "${TIMEOUT[@]}" "$KMM" demo pressure </dev/null >"$TMP/out" 2>"$TMP/err" || rc=$?
grow=$(grep -E 'task: 80 MiB$' "$TMP/out" || true)
after=$(sed -n '/^kmm# swapoff /,$p' "$TMP/out")
if [ $rc -ne 0 ]; then
	fail "$t" "exit status $rc, expected 0"
elif ! grep -q '^---- memory pressure' "$TMP/out"; then
	fail "$t" "no chapter title"
elif ! grep -qx 'Setting up swapspace version 1, size = 64 MiB (67104768 bytes)' "$TMP/out"; then
	fail "$t" "no mkswap output for the 64 MiB swap file"
elif ! grep -Eq '/swap +file +64M +0B +-2$' "$TMP/out"; then
	fail "$t" "swapon does not list the swap file"
elif ! grep -q 'zone    DMA32' "$TMP/out" || ! grep -Eq '^ +low +[0-9]+$' "$TMP/out"; then
	fail "$t" "no watermarks shown"
elif [ -z "$grow" ] || [ "$(awk '{ print $3 }' <<<"$grow")" -le 0 ]; then
	fail "$t" "no vmstat row with swap in use after the task reached 80 MiB: '$grow'"
elif [ "$(grep -c 'task: .. MiB$' "$TMP/out")" -ne 6 ]; then
	fail "$t" "expected 6 vmstat rows during the growth"
elif ! grep -Eq '^pswpout [1-9][0-9]*$' "$TMP/out"; then
	fail "$t" "pswpout is not shown non-zero"
elif ! grep -Eq '^pgscan_kswapd [0-9]+$' "$TMP/out" || ! grep -Eq '^pageoutrun [0-9]+$' "$TMP/out"; then
	fail "$t" "the kswapd counters are not shown"
elif ! grep -Eq '^VmSwap:[[:space:]]+[1-9][0-9]* kB$' "$TMP/out"; then
	fail "$t" "the task's VmSwap is not shown non-zero"
elif ! grep -Eq '^pswpin [1-9][0-9]*$' "$TMP/out" || ! grep -Eq '^pgmajfault [1-9][0-9]*$' "$TMP/out"; then
	fail "$t" "pswpin and pgmajfault are not shown non-zero after the re-read"
elif ! grep -q 'every byte came back intact' "$TMP/out"; then
	fail "$t" "no statement that the check passed"
elif [ "$(vmstat_row "$after" | awk '{ print $3 }')" != 0 ]; then
	fail "$t" "swpd is not 0 after swapoff"
elif ! grep -Eq '^VmSwap:[[:space:]]+0 kB$' <<<"$after"; then
	fail "$t" "VmSwap is not 0 kB after swapoff"
elif ! grep -Eq 'swapoff read [1-9][0-9]* pages back' "$TMP/out"; then
	fail "$t" "no 'swapoff read N pages back'"
elif [ -n "$(ls -A "$TMP/demo-tmp")" ]; then
	fail "$t" "the temporary directory was not removed: $(ls -A "$TMP/demo-tmp")"
else
	ok "$t"
fi

t="kmm demo --list includes the pressure chapter"
run demo --list
if [ $rc -ne 0 ] || ! grep -q '^pressure ' "$TMP/out"; then
	fail "$t" "no 'pressure' line in kmm demo --list"
else
	ok "$t"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
