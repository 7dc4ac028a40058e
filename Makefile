# Makefile — the commands in README.md. Each installs what is missing first,
# so they work on a fresh Debian 12 machine with nothing else done.
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

BUILDDIR ?= _build
MESON ?= meson
# Warnings are errors in every build made here; distributions building with
# meson directly keep the default (werror=false).
MESON_SETUP_ARGS ?= -Dwerror=true
SUITE ?=
# The hostile, imap, unit and sync suites run once more under AddressSanitizer
# and UBSan (the sync suite's slow kill tests excepted), and the libFuzzer
# targets for a short while, in `make check`.
ASAN_BUILDDIR ?= _build-asan
FUZZ_BUILDDIR ?= _build-fuzz
FUZZ_SECONDS ?= 15
# intercept_tls_get_addr=0: GCC 12's sanitizer runtime sometimes mistakes a
# glibc >= 2.25 dynamic TLS block (glib-networking's, on the TLS threads) for
# the old 2.19 layout and the leak checker's tracer then segfaults at exit
# ("Tracer caught signal 11"), failing a test that leaked nothing.  Dynamic TLS
# is no longer scanned as a root; static TLS, stacks and globals still are.
SANITIZER_ENV = ASAN_OPTIONS=detect_leaks=1:intercept_tls_get_addr=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

.PHONY: all deps build run demo check check-asan check-fuzz fuzz bench format clean

all: build

deps:
	@./build-aux/install-deps

$(BUILDDIR)/build.ninja:
	@./build-aux/install-deps
	$(MESON) setup $(BUILDDIR) $(MESON_SETUP_ARGS)

build: deps $(BUILDDIR)/build.ninja
	$(MESON) compile -C $(BUILDDIR)

run: build
	$(MESON) devenv -C $(BUILDDIR) ./src/tern

demo: build
	./build-aux/demo $(BUILDDIR)

# The sanitizer and fuzzing runs come first so that the output ends with the
# summary of the whole suite. `make check SUITE=x` runs only that suite.
check: build $(if $(SUITE),,check-asan check-fuzz)
	./tests/harness/run-in-session $(MESON) test -C $(BUILDDIR) --print-errorlogs \
		$(if $(SUITE),--suite $(SUITE),)

$(ASAN_BUILDDIR)/build.ninja:
	@./build-aux/install-deps
	$(MESON) setup $(ASAN_BUILDDIR) $(MESON_SETUP_ARGS) -Db_sanitize=address,undefined

check-asan: deps $(ASAN_BUILDDIR)/build.ninja
	$(MESON) compile -C $(ASAN_BUILDDIR)
	$(SANITIZER_ENV) ./tests/harness/run-in-session $(MESON) test -C $(ASAN_BUILDDIR) \
		--print-errorlogs --suite unit --suite imap --suite hostile --suite sync \
		--no-suite slow

check-fuzz: deps
	TERN_FUZZ_BUILD_DIR=$(FUZZ_BUILDDIR) ./tests/fuzz/run-fuzzers $(FUZZ_SECONDS)

# `make fuzz FUZZ_SECONDS=600` fuzzes each target for as long as asked.
fuzz: check-fuzz

bench: build
	./tests/harness/run-in-session $(MESON) test -C $(BUILDDIR) --benchmark --verbose --print-errorlogs

format:
	find src tests bench -name '*.[ch]' | xargs clang-format -i

clean:
	rm -rf $(BUILDDIR) $(ASAN_BUILDDIR) $(FUZZ_BUILDDIR)
