#!/usr/bin/env bash
# scripts/freestanding-check.sh - prove the kmm core is freestanding.
#
# 1. Every #include <...> in the core (src/lib src/mm src/kernel src/arch
#    src/fs src/init, *.c and *.h) and in src/port/freestanding.c names one of
#    the allowed compiler-provided headers.
# 2. Every core .c file (and src/port/freestanding.c) compiles with
#    gcc -std=c11 -ffreestanding -nostdinc against gcc's own header directory
#    only, with -Wall -Wextra -Werror.
#
# Note on <limits.h>: gcc's limits.h is a wrapper that #include_next's the C
# library's limits.h (via syslimits.h) unless _LIBC_LIMITS_H_ is defined, and
# under -nostdinc there is none ("no include path in which to search for
# limits.h").  Defining _LIBC_LIMITS_H_ makes it define the C-standard limits
# itself.  (Defining _GCC_LIMITS_H_ instead would silently make it define
# nothing at all.)
set -euo pipefail

cd "$(dirname "$0")/.."

CC=${FREESTANDING_CC:-gcc}
CORE_DIRS=(src/lib src/mm src/kernel src/arch src/fs src/init)
EXTRA=(src/port/freestanding.c)
ALLOWED='stddef.h|stdint.h|stdbool.h|stdatomic.h|stdarg.h|limits.h'

dirs=()
for d in "${CORE_DIRS[@]}"; do
	[ -d "$d" ] && dirs+=("$d")
done
extra=()
for f in "${EXTRA[@]}"; do
	[ -f "$f" ] && extra+=("$f")
done

srcs=()
hdrs=()
if [ ${#dirs[@]} -gt 0 ]; then
	mapfile -t srcs < <(find "${dirs[@]}" -type f -name '*.c' | sort)
	mapfile -t hdrs < <(find "${dirs[@]}" -type f -name '*.h' | sort)
fi
srcs+=("${extra[@]}")

fail=0

# ---- 1. include whitelist ----------------------------------------------------
for f in "${srcs[@]}" "${hdrs[@]}"; do
	while IFS= read -r hit; do
		echo "freestanding-check: $f:${hit%%:*}: forbidden host include:" \
			"$(echo "${hit#*:}" | sed 's/^[[:space:]]*//')" >&2
		echo "  (the core may include only <${ALLOWED//|/>, <}>; reach the host" \
			"through kmm/port.h)" >&2
		fail=1
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' "$f" |
		grep -vE "<($ALLOWED)>" || true)
done

# ---- 2. compile every file freestanding ---------------------------------------
sysinc=$("$CC" -print-file-name=include)
if [ ! -f "$sysinc/stddef.h" ]; then
	echo "freestanding-check: cannot find $CC's own include directory ($sysinc)" >&2
	exit 1
fi
flags=(-std=c11 -ffreestanding -nostdinc -isystem "$sysinc" -D_LIBC_LIMITS_H_
	-Iinclude -Isrc -Wall -Wextra -Werror -c -o /dev/null)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jobs=$(nproc 2>/dev/null || echo 2)
i=0
for f in "${srcs[@]}"; do
	i=$((i + 1))
	# Run up to $jobs compilers at once; each writes its diagnostics to a file.
	(
		if ! "$CC" "${flags[@]}" "$f" >"$tmp/$i.log" 2>&1; then
			echo "$f" >"$tmp/$i.failed"
		fi
	) &
	if [ $((i % jobs)) -eq 0 ]; then
		wait
	fi
done
wait
for ((j = 1; j <= i; j++)); do
	if [ -f "$tmp/$j.failed" ]; then
		echo "freestanding-check: $(cat "$tmp/$j.failed") does not compile freestanding:" >&2
		cat "$tmp/$j.log" >&2
		fail=1
	fi
done

if [ $fail -ne 0 ]; then
	echo "freestanding-check: FAILED" >&2
	exit 1
fi
echo "freestanding-check: ${#srcs[@]} files OK ($CC -ffreestanding -nostdinc, allowed headers only)"
