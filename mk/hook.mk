# cvm-qemu-hook: the libvirt QEMU hook, a small separate program (hook/*.c).
HOOK_SRCS := $(sort $(wildcard hook/*.c))
HOOK_OBJS := $(HOOK_SRCS:%.c=$(BUILDDIR)/obj/%.o)
HOOK      := $(BUILDDIR)/cvm-qemu-hook

build: $(HOOK)
$(HOOK): $(HOOK_OBJS) $(BUILDDIR)/libcvm.a
	$(CC) $(LDFLAGS) -o $@ $(HOOK_OBJS) $(BUILDDIR)/libcvm.a $(PKG_LIBS)

# tests/test-hook.c and the domain-XML fuzz target link the hook's sources
# (all but main.c) besides libcvm.
HOOK_LIB_OBJS := $(filter-out %/main.o,$(HOOK_OBJS))
HOOK_TESTLIB  := $(patsubst %.c,$(BUILDDIR)/obj/%.o,$(sort $(wildcard tests/lib/*.c)))
$(BUILDDIR)/tests/test-hook: $(BUILDDIR)/obj/tests/test-hook.o $(HOOK_LIB_OBJS) $(HOOK_TESTLIB) $(BUILDDIR)/libcvm.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)
$(BUILDDIR)/tests/fuzz/fuzz-hook-domxml: $(BUILDDIR)/obj/tests/fuzz/fuzz-hook-domxml.o $(BUILDDIR)/obj/tests/fuzz/standalone.o $(HOOK_LIB_OBJS) $(HOOK_TESTLIB) $(BUILDDIR)/libcvm.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)
HOOK_FUZZ_OBJS := $(patsubst %.c,$(BUILDDIR)/fuzz/obj/%.o,$(filter-out hook/main.c,$(HOOK_SRCS)))
$(BUILDDIR)/fuzz/fuzz-hook-domxml: tests/fuzz/fuzz-hook-domxml.c $(HOOK_FUZZ_OBJS) $(BUILDDIR)/fuzz/libcvm-fuzz.a
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(HOOK_FUZZ_OBJS) $(BUILDDIR)/fuzz/libcvm-fuzz.a $(PKG_LIBS) $(CMOCKA_LIBS)
