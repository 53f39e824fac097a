# cvm — top-level GNU Makefile. No autotools, no meson: sources are picked up by
# directory, so adding a file never means editing this one.
#
#   make            deps, then libcvm.so, libcvm.a, cvmctl, cvmd
#   make check      deps, build, every test, then the unit tests under ASan+UBSan
#   make bench      deps, build, run every benchmark
#   make fuzz       deps, build libFuzzer targets, run each for FUZZ_RUNS
#                   executions or FUZZ_SECONDS, print a table (tests/fuzz/run.sh)
#   make soak       deps, build, the long runs in tests/soak (not in make check):
#                   CVM_SOAK_CYCLES cvmd lifecycles, the attestation services x3
#   make demo       deps, build, run the README's main job
#   make modern-stack   Debian trixie and sid roots with libvirt and QEMU (cache)
#   make check-modern   build and unit-test cvm in each root, then tests/modern/run.sh there
#   make install    PREFIX=/usr/local DESTDIR=

VERSION     := 0.1.0
SOVERSION   := 0
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
SBINDIR     ?= $(PREFIX)/sbin
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
DATADIR     ?= $(PREFIX)/share
MANDIR      ?= $(DATADIR)/man
SYSCONFDIR  ?= /etc
DESTDIR     ?=
BUILDDIR    ?= build
FUZZ_SECONDS ?=
FUZZ_RUNS   ?=

# Targets that need the Debian packages first. They re-enter make once
# deps.sh has run, so pkg-config below sees what it installed.
DEPS_GOALS := all check check-unit check-asan bench fuzz soak demo
ifndef CVM_DEPS_DONE
# The inner make compiles one job per core (make check builds three trees:
# plain, ASan and the .debs); -jN on the command line still wins.
CVM_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
INNER := $(MAKE) --no-print-directory $(if $(filter -j%,$(MAKEFLAGS)),,-j$(CVM_JOBS)) CVM_DEPS_DONE=1
# This level only hands each goal to the inner make, one goal after the
# other: two inner makes at once (make -j2 build tests) would build the same
# objects and libcvm.a side by side.
.NOTPARALLEL:
.PHONY: $(DEPS_GOALS) deps
$(DEPS_GOALS):
	@./scripts/deps.sh
	@$(INNER) $@
deps:
	@./scripts/deps.sh
.DEFAULT:
	@$(INNER) $@
# Existing files under the build directory would otherwise count as up to
# date here: let the inner make, which knows their rules, decide.
$(or $(BUILDDIR),build)/%: FORCE
	@$(INNER) $@
.PHONY: FORCE
install build tests clean:
	@$(INNER) $@
.PHONY: install build tests clean
else

PKGS        := glib-2.0 gio-2.0 gio-unix-2.0 libvirt libvirt-qemu json-c libcrypto zlib libxml-2.0
PKG_CFLAGS  := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS    := $(shell pkg-config --libs $(PKGS)) -lpthread
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka)

CC          ?= cc
WARNINGS    := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 \
               -Wmissing-prototypes -Wstrict-prototypes -Wvla
CPPFLAGS    += -D_GNU_SOURCE -DCVM_VERSION=\"$(VERSION)\" \
               -DCVM_DATADIR=\"$(DATADIR)/cvm\" -DCVM_SYSCONFDIR=\"$(SYSCONFDIR)\" \
               -DCVM_SRCDIR=\"$(CURDIR)\" \
               -Ilibcvm/include -I. -I$(BUILDDIR)/gen
CFLAGS      ?= -O2 -g
CFLAGS      += -std=gnu11 -fPIC $(WARNINGS) $(PKG_CFLAGS)
ifdef SANITIZE
CFLAGS      += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS     += -fsanitize=address,undefined
endif

# The library: core, IGVM, attestation, migration and firmware update.
LIB_DIRS    := libcvm igvm measure launch attest migrate fwupdate
LIB_SRCS    := $(sort $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
LIB_OBJS    := $(LIB_SRCS:%.c=$(BUILDDIR)/obj/%.o)
GEN_SRCS    :=
GEN_OBJS    :=

# Generated code (gdbus-codegen and friends) registers itself in these files.
-include $(wildcard mk/*.mk)

CVMCTL_SRCS := $(sort $(wildcard cvmctl/*.c))
CVMCTL_OBJS := $(CVMCTL_SRCS:%.c=$(BUILDDIR)/obj/%.o)
CVMD_SRCS   := $(sort $(wildcard cvmd/*.c))
CVMD_OBJS   := $(CVMD_SRCS:%.c=$(BUILDDIR)/obj/%.o)

TEST_SRCS   := $(sort $(wildcard tests/test-*.c))
TEST_BINS   := $(TEST_SRCS:tests/%.c=$(BUILDDIR)/tests/%)
TESTLIB_SRCS := $(sort $(wildcard tests/lib/*.c))
TESTLIB_OBJS := $(TESTLIB_SRCS:%.c=$(BUILDDIR)/obj/%.o)
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILDDIR)/tests/helpers/%)
BENCH_SRCS  := $(sort $(wildcard tests/bench/bench-*.c))
BENCH_BINS  := $(BENCH_SRCS:tests/bench/%.c=$(BUILDDIR)/tests/bench/%)
FUZZ_SRCS   := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_PLAIN  := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILDDIR)/tests/fuzz/%)
FUZZ_LF     := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILDDIR)/fuzz/%)

LIBSO_NAME  := libcvm.so.$(SOVERSION)
LIBSO       := $(BUILDDIR)/libcvm.so.$(VERSION)
LIBA        := $(BUILDDIR)/libcvm.a
CVMCTL      := $(BUILDDIR)/cvmctl
CVMD        := $(BUILDDIR)/cvmd

.PHONY: all build check check-unit check-asan bench fuzz soak demo install clean tests modern-stack check-modern
.DEFAULT_GOAL := all
.SECONDARY:
ifndef V
Q := @
endif

all: build
build: $(LIBSO) $(LIBA) $(CVMCTL) $(CVMD) $(BUILDDIR)/cvm.pc $(BUILDDIR)/cvm-data

# Programs run from the build tree find the tree's data/ through this link
# (cvm_data_dir(), cvm/data.h); installed ones use DATADIR/cvm.
$(BUILDDIR)/cvm-data:
	@mkdir -p $(@D)
	ln -sfn $(CURDIR)/data $@

$(BUILDDIR)/obj/%.o: %.c $(GEN_SRCS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBA): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# Only the functions the installed headers declare leave the shared library,
# each named in libcvm/libcvm.map (tests/integration/test-abi.sh checks both).
# The generated D-Bus code ($(GEN_OBJS)) is cvmd's alone and is not in it.
$(LIBSO): $(LIB_OBJS) libcvm/libcvm.map
	$(CC) -shared -Wl,-soname,$(LIBSO_NAME) -Wl,--version-script=libcvm/libcvm.map \
		-Wl,--no-undefined $(LDFLAGS) -o $@ $(LIB_OBJS) $(PKG_LIBS)
	ln -sf libcvm.so.$(VERSION) $(BUILDDIR)/$(LIBSO_NAME)
	ln -sf $(LIBSO_NAME) $(BUILDDIR)/libcvm.so

$(CVMCTL): $(CVMCTL_OBJS) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $(CVMCTL_OBJS) $(LIBA) $(PKG_LIBS)

$(CVMD): $(CVMD_OBJS) $(GEN_OBJS) $(LIBA)
	@if [ -n "$(CVMD_OBJS)" ]; then \
		echo "$(CC) -o $@ ..."; $(CC) $(LDFLAGS) -o $@ $(CVMD_OBJS) $(GEN_OBJS) $(LIBA) $(PKG_LIBS); \
	else touch $@; fi

PC_SUBST = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	       -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' libcvm/cvm.pc.in
$(BUILDDIR)/cvm.pc: libcvm/cvm.pc.in Makefile
	@mkdir -p $(@D)
	$(PC_SUBST) > $@

# Tests: one cmocka program per tests/test-*.c, linked with tests/lib/*.c.
$(BUILDDIR)/tests/test-%: $(BUILDDIR)/obj/tests/test-%.o $(TESTLIB_OBJS) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(TESTLIB_OBJS) $(LIBA) $(PKG_LIBS) $(CMOCKA_LIBS)
$(BUILDDIR)/tests/helpers/%: $(BUILDDIR)/obj/tests/helpers/%.o $(TESTLIB_OBJS) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(TESTLIB_OBJS) $(LIBA) $(PKG_LIBS) $(CMOCKA_LIBS)
$(BUILDDIR)/obj/tests/%.o: CFLAGS += $(CMOCKA_CFLAGS) -Wno-missing-prototypes
$(BUILDDIR)/tests/bench/%: $(BUILDDIR)/obj/tests/bench/%.o $(TESTLIB_OBJS) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(TESTLIB_OBJS) $(LIBA) $(PKG_LIBS) $(CMOCKA_LIBS)
# Fuzz targets built as plain programs: tests/fuzz/standalone.c feeds each
# corpus file to LLVMFuzzerTestOneInput once.
$(BUILDDIR)/tests/fuzz/fuzz-%: $(BUILDDIR)/obj/tests/fuzz/fuzz-%.o $(BUILDDIR)/obj/tests/fuzz/standalone.o $(TESTLIB_OBJS) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

tests: build $(TEST_BINS) $(HELPER_BINS) $(FUZZ_PLAIN)

# The closing line sums both runs, so CI reads one tally.
check: tests
	@rm -f $(BUILDDIR)/tally; rc=0; \
	CVM_TEST_TALLY=$(CURDIR)/$(BUILDDIR)/tally BUILDDIR=$(BUILDDIR) ./tests/run.sh all || rc=1; \
	CVM_TEST_TALLY=$(CURDIR)/$(BUILDDIR)/tally $(MAKE) --no-print-directory BUILDDIR=$(BUILDDIR)-asan SANITIZE=1 check-asan || rc=1; \
	./scripts/check-modern.sh --if-built || rc=1; \
	awk '{p+=$$1; f+=$$2} END {print "total: " p " passed, " f " failed"}' $(BUILDDIR)/tally; \
	exit $$rc

check-unit: tests
	@BUILDDIR=$(BUILDDIR) ./tests/run.sh unit

check-asan: tests
	@BUILDDIR=$(BUILDDIR) ./tests/run.sh asan

# Debian trixie and sid roots in a cache outside the tree (CVM_MODERN_CACHE),
# and cvm built and unit-tested in each with that suite's toolchain.
modern-stack:
	@./scripts/modern-stack.sh
check-modern:
	@./scripts/check-modern.sh

bench: build $(BENCH_BINS) $(HELPER_BINS)
	@BUILDDIR=$(BUILDDIR) ./tests/run.sh bench

soak: build $(HELPER_BINS)
	@BUILDDIR=$(BUILDDIR) ./tests/run.sh soak

# libFuzzer builds live in their own tree: clang, the library compiled once
# with fuzzer coverage (-fsanitize=fuzzer-no-link), each target linked with it.
FUZZ_SAN    := -fsanitize=address,undefined
FUZZ_CFLAGS := -O1 -g -std=gnu11 $(PKG_CFLAGS) $(CPPFLAGS)
FUZZ_OBJS   := $(patsubst %.c,$(BUILDDIR)/fuzz/obj/%.o,$(LIB_SRCS) $(TESTLIB_SRCS))
$(BUILDDIR)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<
$(BUILDDIR)/fuzz/libcvm-fuzz.a: $(FUZZ_OBJS)
	rm -f $@ && ar rcs $@ $^
$(BUILDDIR)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(BUILDDIR)/fuzz/libcvm-fuzz.a
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(BUILDDIR)/fuzz/libcvm-fuzz.a $(PKG_LIBS) $(CMOCKA_LIBS)
fuzz: build $(FUZZ_LF)
	@BUILDDIR=$(BUILDDIR) FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_SECONDS=$(FUZZ_SECONDS) ./tests/fuzz/run.sh $(FUZZ_TARGETS)

demo: build
	@BUILDDIR=$(BUILDDIR) ./scripts/demo.sh

install: build
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/cvm \
		$(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR)/cvm
	install -m 0755 $(LIBSO) $(DESTDIR)$(LIBDIR)/
	ln -sf libcvm.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(LIBSO_NAME)
	ln -sf $(LIBSO_NAME) $(DESTDIR)$(LIBDIR)/libcvm.so
	install -m 0644 $(LIBA) $(DESTDIR)$(LIBDIR)/
	install -m 0644 libcvm/include/cvm/*.h $(DESTDIR)$(INCLUDEDIR)/cvm/
	@# Written here, not at build time: PREFIX may differ between the two.
	$(PC_SUBST) > $(DESTDIR)$(LIBDIR)/pkgconfig/cvm.pc
	install -m 0755 $(CVMCTL) $(DESTDIR)$(BINDIR)/
	@if [ -s $(CVMD) ]; then install -m 0755 $(CVMD) $(DESTDIR)$(SBINDIR)/; fi
	@if [ -n "$$(ls data 2>/dev/null)" ]; then cp -r data/. $(DESTDIR)$(DATADIR)/cvm/; fi
	$(INSTALL_EXTRA)

clean:
	rm -rf $(BUILDDIR) $(BUILDDIR)-asan

-include $(shell find $(BUILDDIR)/obj -name '*.d' 2>/dev/null)

endif
