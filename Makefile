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

.PHONY: all deps build run demo check bench format clean

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

check: build
	./tests/harness/run-in-session $(MESON) test -C $(BUILDDIR) --print-errorlogs \
		$(if $(SUITE),--suite $(SUITE),)

bench: build
	./tests/harness/run-in-session $(MESON) test -C $(BUILDDIR) --benchmark --print-errorlogs

format:
	find src tests bench -name '*.[ch]' | xargs clang-format -i

clean:
	rm -rf $(BUILDDIR)
