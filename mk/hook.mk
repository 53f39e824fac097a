# cvm-qemu-hook: the libvirt QEMU hook, a small separate program (hook/*.c).
HOOK_SRCS := $(sort $(wildcard hook/*.c))
HOOK_OBJS := $(HOOK_SRCS:%.c=$(BUILDDIR)/obj/%.o)
HOOK      := $(BUILDDIR)/cvm-qemu-hook

build: $(HOOK)
$(HOOK): $(HOOK_OBJS) $(BUILDDIR)/libcvm.a
	$(CC) $(LDFLAGS) -o $@ $(HOOK_OBJS) $(BUILDDIR)/libcvm.a $(PKG_LIBS)
