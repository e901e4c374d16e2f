# SPDX-License-Identifier: GPL-2.0-or-later
# Thin wrapper over meson/ninja. Building never installs packages: only
# `make deps` does (tools/install-deps.sh; idempotent), and the targets that
# set up a whole machine for the README's two commands call it first.
#   make          build ./build/src/xnft (release)
#   make deps     install the Debian packages to build, test and run the lab (root)
#   make check    deps, the release build, then every test: unit (ASan+UBSan), fuzz (bounded),
#                 integration (root)
#   make demo     deps, then the lab: protected host, mesh peer and internet attacker;
#                 then the mesh: hub and two peers from one inventory, revocation live
#   make install  DESTDIR=... PREFIX=/usr (default); a changed PREFIX reconfigures build/
#   make deb      the Debian package, built from a copy of the tree; lands in DEBDIR (dist/)
#   make bench    benchmarks; figures go to bench/RESULTS.md by hand

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
PREFIX     ?= /usr
DESTDIR    ?=
DEBDIR     ?= dist

.PHONY: all deps build check unit demo install deb bench clean

all: build

deps:
	@./tools/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX) --buildtype=release || \
		{ echo "hint: 'sudo make deps' installs the Debian packages the build needs" >&2; exit 1; }

# A build/ set up with another prefix is reconfigured, so that install paths
# and the units' ExecStart= follow PREFIX.
build: $(BUILD)/build.ninja
	@./tools/meson-prefix.sh $(BUILD) $(PREFIX)
	ninja -C $(BUILD)

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) --buildtype=debug -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false

check: deps
	$(MAKE) $(ASAN_BUILD)/build.ninja $(FUZZ_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ninja -C $(FUZZ_BUILD)
	@# the release build (-O2) warns where the debug builds do not: -Werror there too
	$(MAKE) build
	./tests/run.sh $(abspath $(ASAN_BUILD)) $(abspath $(FUZZ_BUILD))

demo: deps
	$(MAKE) build
	./$(BUILD)/src/xnft lab demo
	tools/mesh-demo.sh $(BUILD)

install: build
	DESTDIR=$(DESTDIR) meson install -C $(BUILD) --no-rebuild

deb:
	./tools/build-deb.sh $(DEBDIR)

bench: deps
	$(MAKE) build
	./bench/run.sh $(abspath $(BUILD))

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(DEBDIR)
