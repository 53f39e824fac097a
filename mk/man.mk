# cvmctl(1) is docs/cvmctl.md, turned into roff by pandoc (scripts/deps.sh
# installs it): one source for the manual and the documentation, so they
# cannot drift (-smart: "--bus" in a heading stays two hyphens, not a dash).
# The other man pages are written as roff (docs/man/).
MAN_CVMCTL := $(BUILDDIR)/man/cvmctl.1

$(MAN_CVMCTL): docs/cvmctl.md mk/man.mk
	@mkdir -p $(@D)
	@echo "  PANDOC  $@"
	$(Q)pandoc --standalone --from markdown-smart --to man \
		--metadata footer="cvm $(VERSION)" -o $@ docs/cvmctl.md

build: $(MAN_CVMCTL)

.PHONY: install-man
install-man: $(MAN_CVMCTL)
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(MAN_CVMCTL) $(DESTDIR)$(MANDIR)/man1/

INSTALL_EXTRA += $(MAKE) --no-print-directory CVM_DEPS_DONE=1 install-man;
