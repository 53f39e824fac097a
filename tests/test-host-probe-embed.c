/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host probe against the libvirt and QEMU installed here, through the
 * embedded QEMU driver in a private root: what it read from the real domain
 * capabilities, what launch then picks and why, and the native domain XML
 * defined on that libvirt and read back. make check-modern runs it inside
 * the Debian trixie and sid roots as well, so it meets libvirt 9.0 to 11.x
 * and QEMU 7.2 to 10.x. The expected values are asked of the programs
 * themselves (QEMU's -object help, /dev/kvm, /dev/sev), not hard-coded. */
#include "tests/lib/launch-files.h"
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/host.h>
#include <cvm/launch.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	gchar *dir;
	virConnectPtr conn;
	gchar *caps;
} Fixture;

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;

	f->dir = cvmt_mkdtemp();
	g_autofree gchar *root = g_build_filename(f->dir, "libvirt", NULL);
	g_autofree gchar *uri = g_strconcat("qemu:///embed?root=", root, NULL);
	f->conn = cvm_libvirt_open(uri, &error);
	cvmt_assert_no_error(error);
	/* The same call the probe makes first: kvm, then TCG. */
	f->caps = virConnectGetDomainCapabilities(f->conn, NULL, "x86_64", NULL, "kvm", 0);
	if (f->caps == NULL)
		f->caps = virConnectGetDomainCapabilities(f->conn, NULL, "x86_64", NULL, "qemu", 0);
	if (f->caps == NULL)
		fail_msg("no x86_64 domain capabilities from %s: %s", uri, virGetLastErrorMessage());
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	free(f->caps);
	cvm_libvirt_close(f->conn);
	cvmt_rm_rf(f->dir);
	g_free(f->dir);
	g_free(f);
	return 0;
}

/* "major.minor.micro" as libvirt encodes versions. */
static gulong
version_number(const char *text)
{
	guint major = 0, minor = 0, micro = 0;

	if (text == NULL || sscanf(text, "%u.%u.%u", &major, &minor, &micro) < 2)
		return 0;
	return major * 1000000UL + minor * 1000UL + micro;
}

/* What the emulator itself says: its version line and whether its object
 * list has igvm-cfg (Debian builds QEMU without libigvm). */
static void
ask_emulator(const char *path, gulong *version, gboolean *igvm)
{
	g_autofree gchar *out = NULL;
	gint status = -1;
	const char *vargv[] = {path, "--version", NULL};
	const char *oargv[] = {path, "-object", "help", NULL};

	if (!g_spawn_sync(NULL, (gchar **)vargv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status,
			  NULL) ||
	    !g_spawn_check_wait_status(status, NULL))
		fail_msg("%s --version failed", path);
	const char *v = strstr(out, "version ");
	assert_non_null(v);
	*version = version_number(v + strlen("version "));
	g_clear_pointer(&out, g_free);
	if (!g_spawn_sync(NULL, (gchar **)oargv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status,
			  NULL) ||
	    !g_spawn_check_wait_status(status, NULL))
		fail_msg("%s -object help failed", path);
	*igvm = strstr(out, "\n  igvm-cfg\n") != NULL;
}

/* Whether this process may use /dev/kvm (absent on this machine). */
static gboolean
kvm_opens(void)
{
	return access("/dev/kvm", R_OK | W_OK) == 0;
}

static gboolean
host_has_tdx(void)
{
	g_autofree gchar *p = NULL;

	return g_file_get_contents("/sys/module/kvm_intel/parameters/tdx", &p, NULL, NULL) && p[0] == 'Y';
}

/* A plan for the shared native + SEV-ES + SEV-SNP file. */
static CvmLaunchPlan *
plan_for(Fixture *f, const CvmHostInfo *host, CvmPlatform platform)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *igvm = g_build_filename(f->dir, "native.igvm", NULL);
	g_autofree gchar *guest_dir = g_build_filename(f->dir, "guest", NULL);

	cvmt_write_launch_igvm(igvm);
	CvmGuestSpec spec = {.name = "cvm-probe-embed", .igvm_path = igvm, .memory_bytes = 128 << 20, .vcpus = 1,
			     .platform = platform};
	CvmLaunchPlan *p = cvm_launch_plan_new(&spec, host, guest_dir, &error);
	cvmt_assert_no_error(error);
	return p;
}

static void
test_probe_reads_this_libvirt_and_qemu(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	CvmHostInfo h;
	unsigned long libver = 0;
	g_autofree gchar *emulator = cvmt_xpath(f->caps, "string(/domainCapabilities/path)");
	g_autofree gchar *domain = cvmt_xpath(f->caps, "string(/domainCapabilities/domain)");
	gulong qemu_version = 0;
	gboolean igvm = FALSE;

	assert_true(cvm_host_probe(f->conn, &h, &error));
	cvmt_assert_no_error(error);
	assert_int_equal(virConnectGetLibVersion(f->conn, &libver), 0);
	assert_non_null(emulator);
	ask_emulator(emulator, &qemu_version, &igvm);
	printf("# libvirt %lu, %s %lu (%s domain), igvm-cfg %s, /dev/kvm %s, /dev/sev %s\n", libver, emulator,
	       qemu_version, domain, igvm ? "yes" : "no", kvm_opens() ? "opens" : "absent",
	       g_file_test("/dev/sev", G_FILE_TEST_EXISTS) ? "present" : "absent");
	printf("# probe: qemu_igvm=%d kvm=%d sev=%d sev_snp=%d tdx=%d snp_id_block=%d\n", h.qemu_igvm, h.kvm, h.sev,
	       h.sev_snp, h.tdx, h.snp_id_block);

	assert_int_equal(h.libvirt_version, libver);
	assert_int_equal(h.qemu_version, qemu_version);
	/* The binary settles igvm-cfg, whatever its version would suggest:
	 * Debian's QEMU 10.1+ is built without libigvm. */
	assert_int_equal(h.qemu_igvm, igvm);
	if (!igvm && qemu_version >= CVM_HOST_QEMU_IGVM_VERSION)
		printf("# QEMU %lu >= %lu but built without IGVM: the probe asked the binary\n", qemu_version,
		       CVM_HOST_QEMU_IGVM_VERSION);
	/* libvirt may offer kvm domains from its cache; the probe only says
	 * kvm when this process can open /dev/kvm. */
	assert_int_equal(h.kvm, g_strcmp0(domain, "kvm") == 0 && kvm_opens());
	assert_int_equal(h.snp_id_block, libver >= CVM_HOST_LIBVIRT_SNP_ID_VERSION);
	/* Without the hardware libvirt reports none of them, old or new. */
	if (!g_file_test("/dev/sev", G_FILE_TEST_EXISTS)) {
		assert_false(h.sev);
		assert_false(h.sev_snp);
		assert_int_equal(h.sev_cbitpos, 0);
	}
	if (!host_has_tdx())
		assert_false(h.tdx);
}

static void
test_launch_picks_from_what_the_probe_read(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	CvmHostInfo h;

	g_autofree gchar *emulator = cvmt_xpath(f->caps, "string(/domainCapabilities/path)");
	gulong qemu_version = 0;
	gboolean igvm = FALSE;

	assert_true(cvm_host_probe(f->conn, &h, &error));
	cvmt_assert_no_error(error);
	ask_emulator(emulator, &qemu_version, &igvm);
	g_autoptr(CvmLaunchPlan) p = plan_for(f, &h, CVM_PLATFORM_AUTO);
	/* The file offers native, SEV-ES and SEV-SNP: without the hardware
	 * the native platform; a QEMU without igvm-cfg (asked of the binary)
	 * gets the translation to firmware files, one with it the file. */
	if (!h.sev && !h.sev_snp)
		assert_int_equal(cvm_launch_plan_get_platform(p), CVM_PLATFORM_NATIVE);
	assert_int_equal(cvm_launch_plan_get_strategy(p), igvm ? CVM_LAUNCH_STRATEGY_IGVM_CFG
								: CVM_LAUNCH_STRATEGY_NATIVE_TRANSLATE);
	/* Without a usable /dev/kvm the guest runs under TCG. */
	g_autofree gchar *type = cvmt_xpath(cvm_launch_plan_get_xml(p), "string(/domain/@type)");
	assert_string_equal(type, h.kvm ? "kvm" : "qemu");
	printf("# picked platform %s, strategy %s, domain type %s\n",
	       cvm_platform_to_string(cvm_launch_plan_get_platform(p)),
	       cvm_launch_strategy_to_string(cvm_launch_plan_get_strategy(p)), type);
}

/* Everything cvm sets in the native domain, as XPath over its XML. */
static const char *const NATIVE_SETTINGS[] = {
	"string(/domain/@type)",
	"string(/domain/name)",
	"string(/domain/memory)",
	"string(/domain/vcpu)",
	"string(/domain/os/type)",
	"string(/domain/os/loader)",
	"string(/domain/os/loader/@type)",
	"string(/domain/os/loader/@readonly)",
	"string(/domain/devices/serial/@type)",
	"string(/domain/devices/serial/log/@file)",
	"string(/domain/metadata/cvm:guest/cvm:igvm/@path)",
	"string(/domain/metadata/cvm:guest/cvm:igvm/@sha256)",
	"string(/domain/metadata/cvm:guest/cvm:igvm/@platform)",
	"string(/domain/metadata/cvm:guest/cvm:igvm/@strategy)",
	"string(/domain/metadata/cvm:guest/cvm:igvm/@measurement)",
	"count(/domain/q:commandline/q:arg)",
	"string(/domain/q:commandline)",
};

/* The RNG schema this libvirt ships (libvirt-clients' checker, which uses
 * xmllint), before libvirt's own parser sees the XML. */
static void
assert_schema_valid(Fixture *f, const char *name, const char *xml)
{
	g_autofree gchar *base = g_strconcat(name, ".xml", NULL);
	g_autofree gchar *file = g_build_filename(f->dir, base, NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status = -1;
	const char *argv[] = {"virt-xml-validate", file, "domain", NULL};

	assert_true(g_file_set_contents(file, xml, -1, NULL));
	assert_true(g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
				 NULL));
	if (!g_spawn_check_wait_status(status, NULL))
		fail_msg("cvm's %s domain XML fails libvirt's RNG schema:\n%s%s\n%s", name, out, err, xml);
}

static void
test_native_domxml_is_defined_and_read_back(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	CvmHostInfo h;

	assert_true(cvm_host_probe(f->conn, &h, &error));
	cvmt_assert_no_error(error);
	g_autoptr(CvmLaunchPlan) p = plan_for(f, &h, CVM_PLATFORM_NATIVE);
	assert_true(cvm_launch_plan_write_files(p, &error));
	cvmt_assert_no_error(error);
	const char *xml = cvm_launch_plan_get_xml(p);
	assert_schema_valid(f, "native", xml);
	virDomainPtr dom = virDomainDefineXMLFlags(f->conn, xml, VIR_DOMAIN_DEFINE_VALIDATE);
	if (dom == NULL)
		fail_msg("libvirt refused cvm's native domain XML: %s\n%s", virGetLastErrorMessage(), xml);
	char *back = virDomainGetXMLDesc(dom, 0);
	assert_non_null(back);
	for (gsize i = 0; i < G_N_ELEMENTS(NATIVE_SETTINGS); i++) {
		g_autofree gchar *want = cvmt_xpath(xml, NATIVE_SETTINGS[i]);
		g_autofree gchar *got = cvmt_xpath(back, NATIVE_SETTINGS[i]);
		if (g_strcmp0(want, got) != 0)
			fail_msg("%s: cvm wrote \"%s\", libvirt kept \"%s\" in\n%s", NATIVE_SETTINGS[i], want, got,
				 back);
	}
	/* libvirt records the versioned machine the alias stands for. */
	g_autofree gchar *machine = cvmt_xpath(xml, "string(/domain/os/type/@machine)");
	g_autofree gchar *machine_back = cvmt_xpath(back, "string(/domain/os/type/@machine)");
	g_autofree gchar *versioned = g_strconcat("pc-", machine, "-", NULL);
	if (g_strcmp0(machine, machine_back) != 0 && !g_str_has_prefix(machine_back, versioned))
		fail_msg("machine: cvm wrote \"%s\", libvirt kept \"%s\"", machine, machine_back);
	printf("# defined and read back: machine %s -> %s\n", machine, machine_back);
	free(back);
	assert_int_equal(virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_NVRAM), 0);
	virDomainFree(dom);
}

/* The SEV-ES and SEV-SNP XML launch would hand this libvirt on SEV-SNP
 * hardware with a QEMU that has igvm-cfg (the hardware and Debian's QEMU
 * build are all this host lacks), checked against this libvirt's schema:
 * libvirt 10.5+ gets launchSecurity sev-snp with idBlock and idAuth. */
static void
test_confidential_domxml_passes_this_libvirts_schema(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	CvmHostInfo h;
	g_autofree gchar *igvm = g_build_filename(f->dir, "confidential.igvm", NULL);
	g_autofree gchar *guest_dir = g_build_filename(f->dir, "guest-snp", NULL);
	static const CvmPlatform platforms[] = {CVM_PLATFORM_SEV_ES, CVM_PLATFORM_SEV_SNP};

	assert_true(cvm_host_probe(f->conn, &h, &error));
	cvmt_assert_no_error(error);
	h.qemu_version = MAX(h.qemu_version, CVM_HOST_QEMU_IGVM_VERSION);
	h.qemu_igvm = h.kvm = h.sev = TRUE;
	h.sev_snp = h.libvirt_version >= CVM_HOST_LIBVIRT_SNP_ID_VERSION;
	h.sev_cbitpos = 51;
	h.sev_reduced_phys_bits = 1;
	cvmt_write_launch_igvm(igvm);
	for (gsize i = 0; i < G_N_ELEMENTS(platforms); i++) {
		CvmGuestSpec spec = {.name = "cvm-probe-snp", .igvm_path = igvm, .memory_bytes = 128 << 20,
				     .vcpus = 1, .platform = platforms[i]};
		g_autoptr(CvmLaunchPlan) p = cvm_launch_plan_new(&spec, &h, guest_dir, &error);
		cvmt_assert_no_error(error);
		const char *xml = cvm_launch_plan_get_xml(p);
		const char *name = cvm_platform_to_string(platforms[i]);
		g_autofree gchar *sectype = cvmt_xpath(xml, "string(/domain/launchSecurity/@type)");
		g_autofree gchar *id_block = cvmt_xpath(xml, "string(/domain/launchSecurity/idBlock)");

		assert_schema_valid(f, name, xml);
		printf("# %s: schema valid (launchSecurity %s%s)\n", name, *sectype ? sectype : "none, QEMU object",
		       *id_block ? " with idBlock/idAuth" : "");
		if (platforms[i] == CVM_PLATFORM_SEV_SNP && h.snp_id_block)
			assert_true(*id_block != '\0');
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_reads_this_libvirt_and_qemu),
		cmocka_unit_test(test_launch_picks_from_what_the_probe_read),
		cmocka_unit_test(test_native_domxml_is_defined_and_read_back),
		cmocka_unit_test(test_confidential_domxml_passes_this_libvirts_schema),
	};
	/* libvirt allows one embedded driver per process: one root for all. */
	return cmocka_run_group_tests(tests, setup, teardown);
}
