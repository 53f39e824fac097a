# Install files of cvmd, the hook and cvmctl's companions (docs/cvmd.md).
# The system bus (dbus 1.14, dbus-daemon(1)) reads policies from
# /usr/share/dbus-1/system.d and /etc/dbus-1/system.d only, and activation
# files from /usr/share and /usr/local/share/dbus-1/system-services; systemd
# reads units, sysusers.d and tmpfiles.d under /usr/lib, /usr/local/lib and
# /etc. Any other PREFIX puts these files where they are read.
ifeq ($(PREFIX),/usr)
DBUSPOLICYDIR  ?= $(DATADIR)/dbus-1/system.d
else
DBUSPOLICYDIR  ?= $(SYSCONFDIR)/dbus-1/system.d
endif
ifneq ($(filter /usr /usr/local,$(PREFIX)),)
DBUSSERVICEDIR ?= $(DATADIR)/dbus-1/system-services
SYSTEMDLIBDIR  ?= $(PREFIX)/lib
else
DBUSSERVICEDIR ?= /usr/local/share/dbus-1/system-services
SYSTEMDLIBDIR  ?= $(SYSCONFDIR)
endif
SYSTEMDUNITDIR ?= $(SYSTEMDLIBDIR)/systemd/system
SYSUSERSDIR    ?= $(SYSTEMDLIBDIR)/sysusers.d
TMPFILESDIR    ?= $(SYSTEMDLIBDIR)/tmpfiles.d
LIBEXECDIR     ?= $(PREFIX)/libexec
DBUSDATADIR    ?= $(DATADIR)/dbus-1
BASHCOMPDIR    ?= $(DATADIR)/bash-completion/completions
HOOKDIR        ?= $(SYSCONFDIR)/libvirt/hooks/qemu.d

.PHONY: install-cvmd
install-cvmd:
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(DBUSPOLICYDIR) \
		$(DESTDIR)$(DBUSSERVICEDIR) $(DESTDIR)$(DBUSDATADIR)/interfaces \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(LIBEXECDIR)/cvm $(DESTDIR)$(HOOKDIR) $(DESTDIR)$(SYSCONFDIR)/cvm/policy.d \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' dist/systemd/cvmd.service.in > $(DESTDIR)$(SYSTEMDUNITDIR)/cvmd.service
	sed 's|@SBINDIR@|$(SBINDIR)|g' dist/dbus/org.cvm.Cvmd1.service.in \
		> $(DESTDIR)$(DBUSSERVICEDIR)/org.cvm.Cvmd1.service
	install -m 0644 dist/dbus/org.cvm.Cvmd1.conf $(DESTDIR)$(DBUSPOLICYDIR)/
	install -m 0644 dist/sysusers/cvm.conf $(DESTDIR)$(SYSUSERSDIR)/cvm.conf
	install -m 0644 dist/tmpfiles/cvm.conf $(DESTDIR)$(TMPFILESDIR)/cvm.conf
	install -m 0644 docs/dbus/org.cvm.Cvmd1.*.xml $(DESTDIR)$(DBUSDATADIR)/interfaces/
	install -m 0755 $(BUILDDIR)/cvm-qemu-hook $(DESTDIR)$(LIBEXECDIR)/cvm/
	ln -sf $(LIBEXECDIR)/cvm/cvm-qemu-hook $(DESTDIR)$(HOOKDIR)/cvm
	install -m 0644 docs/man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 dist/completion/cvmctl $(DESTDIR)$(BASHCOMPDIR)/cvmctl

INSTALL_EXTRA += $(MAKE) --no-print-directory CVM_DEPS_DONE=1 install-cvmd;
