# SPDX-License-Identifier: GPL-2.0-or-later
# Thin wrapper over meson/ninja. Every target installs the Debian packages it
# needs first (tools/install-deps.sh; idempotent).
#   make          build ./build/src/xnft
#   make check    every test: unit (ASan+UBSan), fuzz (bounded), integration (root, namespaces)
#   make demo     the lab: protected host, mesh peer and internet attacker in namespaces
#   make install  DESTDIR=... PREFIX=/usr
#   make bench    benchmarks; figures go to bench/RESULTS.md by hand

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
PREFIX     ?= /usr
DESTDIR    ?=

.PHONY: all deps build check unit demo install bench clean

all: build

deps:
	@./tools/install-deps.sh

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) --prefix=$(PREFIX) --buildtype=release

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(ASAN_BUILD)/build.ninja: | deps
	meson setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

$(FUZZ_BUILD)/build.ninja: | deps
	CC=clang meson setup $(FUZZ_BUILD) --buildtype=debug -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false

check: deps $(ASAN_BUILD)/build.ninja $(FUZZ_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ninja -C $(FUZZ_BUILD)
	./tests/run.sh $(abspath $(ASAN_BUILD)) $(abspath $(FUZZ_BUILD))

demo: build
	./$(BUILD)/src/xnft lab demo

install: build
	DESTDIR=$(DESTDIR) meson install -C $(BUILD) --no-rebuild

bench: build
	./bench/run.sh $(abspath $(BUILD))

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
