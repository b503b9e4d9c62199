# SPDX-License-Identifier: MIT
#
# tests/cli_lib.sh - what the tests/test_cli*.sh scripts share; sourced after
# they set KMM (the binary), TMP (a scratch directory) and, optionally,
# CLI_TIMEOUT (seconds a run may take, 120 by default).
#
#   ok WHAT            count a passed check and say so
#   fail WHAT REASON   count a failed one: the reason and what the last run printed
#   run ARGS...        run kmm with stdin from /dev/null: $rc, $TMP/out, $TMP/err

passed=0
failed=0
# Bound each run, so that a hang fails the test instead of stalling CTest.
TIMEOUT=()
if command -v timeout >/dev/null 2>&1; then
	TIMEOUT=(timeout "${CLI_TIMEOUT:-120}")
fi

ok() {
	echo "ok: $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL: $1: $2" >&2
	if [ -s "$TMP/out" ]; then
		echo "  --- stdout (first 60 lines) ---" >&2
		head -n 60 "$TMP/out" | sed 's/^/  | /' >&2
	fi
	if [ -s "$TMP/err" ]; then
		echo "  --- stderr (first 40 lines) ---" >&2
		head -n 40 "$TMP/err" | sed 's/^/  | /' >&2
	fi
	failed=$((failed + 1))
}

run() {
	rc=0
	"${TIMEOUT[@]}" "$KMM" "$@" </dev/null >"$TMP/out" 2>"$TMP/err" || rc=$?
}
