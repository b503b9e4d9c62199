# SPDX-License-Identifier: MIT
# kmm - thin wrapper around CMake.  See `make help`.

SHELL := /bin/bash
MAKEFLAGS += --no-print-directory
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := build

PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CLANG_FORMAT ?= clang-format
SUITE ?=

BUILD_DIR := build
ASAN_DIR := build-asan
TSAN_DIR := build-tsan

ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer

# The default build: gcc, RelWithDebInfo (-O2 -g), warnings are errors.
CMAKE_GCC := cmake -S . -B $(BUILD_DIR) -DCMAKE_C_COMPILER=gcc \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo -DKMM_WERROR=ON -DCMAKE_INSTALL_PREFIX=$(PREFIX)
# Sanitizer builds: clang, -O1 -g.
CMAKE_ASAN := cmake -S . -B $(ASAN_DIR) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
	-DCMAKE_C_FLAGS_DEBUG="-g -O1" -DKMM_WERROR=ON -DKMM_SANITIZE="$(ASAN_FLAGS)"
CMAKE_TSAN := cmake -S . -B $(TSAN_DIR) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
	-DCMAKE_C_FLAGS_DEBUG="-g -O1" -DKMM_WERROR=ON -DKMM_SANITIZE="$(TSAN_FLAGS)"

FORMAT_DIRS := include src tools tests bench

.PHONY: all build deps configure demo test bench install format format-check freestanding \
	clean help

all: build

help:
	@echo "make [build]            deps + gcc RelWithDebInfo build in $(BUILD_DIR)/"
	echo "make demo               build, then run $(BUILD_DIR)/kmm demo"
	echo "make test               gcc tests, clang ASan+UBSan tests, clang TSan 'threads' tests,"
	echo "                        freestanding check; prints 'N passed, M failed'"
	echo "make bench [SUITE=name] build, then run $(BUILD_DIR)/bench/kmm-bench"
	echo "make install [PREFIX=$(PREFIX)]"
	echo "make format | format-check | freestanding | clean"

deps:
	@bash scripts/deps.sh

configure: deps
	@$(CMAKE_GCC)

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	@if [ ! -x $(BUILD_DIR)/kmm ]; then
		echo "make demo: $(BUILD_DIR)/kmm was not built (no tools/kmm/*.c?)" >&2
		exit 1
	fi
	./$(BUILD_DIR)/kmm demo

# Each stage runs even if an earlier one failed; the sum of the ctest counts is
# printed at the end and any failure makes the target fail.
test: deps
	@start=$$(date +%s)
	passed=0; failed=0; broken=()
	# run_ctest DIR NAME [ctest args...]: runs ctest, adds up its closing line.
	run_ctest() {
		local dir=$$1 name=$$2; shift 2
		local log=$$dir/ctest.log rc=0
		(cd "$$dir" && "$$@" ctest --output-on-failure -j2 --no-tests=error $${CTEST_ARGS:-}) \
			2>&1 | tee "$$log" || rc=$$?
		local line f=0 total=0
		line=$$(grep -E '[0-9]+ tests? failed out of [0-9]+' "$$log" | tail -n 1 || true)
		if [[ $$line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
			f=$${BASH_REMATCH[1]}; total=$${BASH_REMATCH[2]}
		fi
		# A run that failed without naming a failed test (no tests, crash) counts as one.
		if [ $$rc -ne 0 ] && [ $$f -eq 0 ]; then f=1; fi
		local ok=$$((total - f)); if [ $$ok -lt 0 ]; then ok=0; fi
		passed=$$((passed + ok)); failed=$$((failed + f))
		if [ $$rc -ne 0 ]; then broken+=("$$name tests"); fi
	}
	# A stage that could not run its tests (build error, freestanding check) counts as one failure.
	stage_failed() { broken+=("$$1"); failed=$$((failed + 1)); }
	stage() { echo; echo "==== make test: $$* ===="; }

	stage "gcc build ($(BUILD_DIR)/)"
	if $(CMAKE_GCC) && cmake --build $(BUILD_DIR) -j $(JOBS); then
		run_ctest $(BUILD_DIR) gcc
	else stage_failed "gcc build"; fi

	stage "clang ASan+UBSan build ($(ASAN_DIR)/)"
	if $(CMAKE_ASAN) && cmake --build $(ASAN_DIR) -j $(JOBS); then
		export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1
		export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		run_ctest $(ASAN_DIR) asan
		unset ASAN_OPTIONS UBSAN_OPTIONS
	else stage_failed "asan build"; fi

	stage "clang TSan build ($(TSAN_DIR)/), tests labelled 'threads'"
	if $(CMAKE_TSAN) && cmake --build $(TSAN_DIR) -j $(JOBS); then
		export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
		# TSan's shadow layout dislikes high mmap randomisation; run without ASLR.
		norand=()
		if setarch "$$(uname -m)" -R true 2>/dev/null; then norand=(setarch "$$(uname -m)" -R); fi
		CTEST_ARGS="-L threads" run_ctest $(TSAN_DIR) tsan "$${norand[@]}"
		unset TSAN_OPTIONS
	else stage_failed "tsan build"; fi

	stage "freestanding check"
	bash scripts/freestanding-check.sh || stage_failed "freestanding check"

	echo
	echo "make test: took $$(( $$(date +%s) - start ))s"
	if [ $${#broken[@]} -ne 0 ]; then
		printf 'make test: FAILED: %s\n' "$${broken[@]}"
	fi
	echo "$$passed passed, $$failed failed"
	[ $${#broken[@]} -eq 0 ] && [ $$failed -eq 0 ]

bench: build
	@if [ ! -f bench/CMakeLists.txt ]; then
		echo "make bench: bench/CMakeLists.txt is absent; there is no benchmark to run" >&2
		exit 1
	fi
	./$(BUILD_DIR)/bench/kmm-bench $(if $(SUITE),--suite $(SUITE))

install: build
	@cmake --install $(BUILD_DIR) --prefix $(PREFIX)

format:
	@find $(wildcard $(FORMAT_DIRS)) -type f \( -name '*.c' -o -name '*.h' \) -print0 |
		xargs -0 -r $(CLANG_FORMAT) -i

format-check:
	@files=$$(find $(wildcard $(FORMAT_DIRS)) -type f \( -name '*.c' -o -name '*.h' \) | sort)
	if [ -z "$$files" ]; then echo "format-check: no files"; exit 0; fi
	if ! $(CLANG_FORMAT) --dry-run -Werror $$files; then
		echo "format-check: the files above need 'make format'" >&2
		exit 1
	fi
	echo "format-check: $$(echo "$$files" | wc -l) files OK"

freestanding:
	@bash scripts/freestanding-check.sh

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR)
