# Install files of cvmd, the hook and cvmctl's companions (docs/cvmd.md).
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
LIBEXECDIR     ?= $(PREFIX)/libexec
DBUSDATADIR    ?= $(DATADIR)/dbus-1
BASHCOMPDIR    ?= $(DATADIR)/bash-completion/completions
HOOKDIR        ?= $(SYSCONFDIR)/libvirt/hooks/qemu.d

.PHONY: install-cvmd
install-cvmd:
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(DBUSDATADIR)/system.d \
		$(DESTDIR)$(DBUSDATADIR)/system-services $(DESTDIR)$(DBUSDATADIR)/interfaces \
		$(DESTDIR)$(LIBEXECDIR)/cvm $(DESTDIR)$(HOOKDIR) $(DESTDIR)$(SYSCONFDIR)/cvm/policy.d \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' dist/systemd/cvmd.service.in > $(DESTDIR)$(SYSTEMDUNITDIR)/cvmd.service
	sed 's|@SBINDIR@|$(SBINDIR)|g' dist/dbus/org.cvm.Cvmd1.service.in \
		> $(DESTDIR)$(DBUSDATADIR)/system-services/org.cvm.Cvmd1.service
	install -m 0644 dist/dbus/org.cvm.Cvmd1.conf $(DESTDIR)$(DBUSDATADIR)/system.d/
	install -m 0644 docs/dbus/org.cvm.Cvmd1.*.xml $(DESTDIR)$(DBUSDATADIR)/interfaces/
	install -m 0755 $(BUILDDIR)/cvm-qemu-hook $(DESTDIR)$(LIBEXECDIR)/cvm/
	ln -sf $(LIBEXECDIR)/cvm/cvm-qemu-hook $(DESTDIR)$(HOOKDIR)/cvm
	install -m 0644 docs/man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 dist/completion/cvmctl $(DESTDIR)$(BASHCOMPDIR)/cvmctl

INSTALL_EXTRA += $(MAKE) --no-print-directory CVM_DEPS_DONE=1 install-cvmd;
