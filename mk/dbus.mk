# D-Bus API: every docs/dbus/org.cvm.Cvmd1.*.xml is compiled by gdbus-codegen
# into one pair $(BUILDDIR)/gen/cvm-dbus.{c,h} (C names cvm_dbus_<iface>_*).
# Adding an interface means adding its XML file here and nothing else.
DBUS_XML    := $(sort $(wildcard docs/dbus/org.cvm.Cvmd1.*.xml))
DBUS_GEN_C  := $(BUILDDIR)/gen/cvm-dbus.c
DBUS_GEN_H  := $(BUILDDIR)/gen/cvm-dbus.h

$(DBUS_GEN_H): $(DBUS_GEN_C)
$(DBUS_GEN_C): $(DBUS_XML) mk/dbus.mk
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q)gdbus-codegen --interface-prefix org.cvm.Cvmd1. --c-namespace CvmDbus \
		--c-generate-object-manager --c-generate-autocleanup all --pragma-once \
		--output-directory $(BUILDDIR)/gen --generate-c-code cvm-dbus $(DBUS_XML)

# Generated code is not ours to fix for our extra warnings.
$(BUILDDIR)/obj/$(BUILDDIR)/gen/%.o: CFLAGS += -Wno-missing-prototypes -Wno-shadow -Wno-format-nonliteral

GEN_SRCS += $(DBUS_GEN_C) $(DBUS_GEN_H)
GEN_OBJS += $(BUILDDIR)/obj/$(BUILDDIR)/gen/cvm-dbus.o
