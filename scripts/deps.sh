#!/usr/bin/env bash
# scripts/deps.sh - install the Debian packages kmm needs to build and test.
#
# Checks each package with dpkg -s and installs only the missing ones
# (apt-get update runs once, and only if something is missing).  Does
# nothing when everything is present.  Set KMM_NO_APT=1 to skip entirely.
set -euo pipefail

PACKAGES=(
	libcmocka-dev
	libedit-dev
	libzstd-dev
	pkg-config
	libclang-rt-14-dev
	clang-format
	valgrind
	libjemalloc2
	libmimalloc2.0
	libtcmalloc-minimal4
)

if [ "${KMM_NO_APT:-0}" = "1" ]; then
	exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
	# dpkg -s also knows removed packages whose config files remain: require "installed".
	status=$(dpkg -s "$p" 2>/dev/null || true)
	if [[ $status != *$'\nStatus: install ok installed'* ]]; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi

echo "deps.sh: installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "deps.sh: not root and no sudo; please install: ${missing[*]}" >&2
		exit 1
	fi
fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "deps.sh: installed: ${missing[*]}"
