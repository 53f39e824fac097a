/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The COCONUT SVSM's devices (--svsm-device, LaunchGuest's svsm-devices):
 * the QEMU options in the domain XML's <qemu:commandline> for host facts
 * that claim COCONUT SVSM's QEMU, with and without KVM planes; the refusal,
 * by name, on QEMU 7.2 (Debian 12) and on an upstream QEMU 10.1; the probe
 * of QEMU's help texts, on fed-in texts and on this host's QEMU. */
#include "tests/lib/launch-files.h"
#include "tests/lib/testlib.h"

#include "launch/launch-internal.h"

#include <cvm/error.h>
#include <cvm/guest-record.h>
#include <cvm/launch.h>
#include <cvm/state.h>
#include <string.h>

typedef CvmtLaunchDir Fixture; /* igvm: native + SEV-ES + SEV-SNP */

static const CvmHostInfo host_debian12 = {.libvirt_version = 9000000, .qemu_version = 7002000,
					  .qemu_virtio_blk_device = TRUE, .qemu_vhost_vsock_device = TRUE};
static const CvmHostInfo host_qemu_10_1 = {.libvirt_version = 10005000, .qemu_version = 10001000,
					   .qemu_igvm = TRUE, .sev = TRUE, .sev_snp = TRUE, .snp_id_block = TRUE,
					   .kvm = TRUE, .qemu_virtio_blk_device = TRUE,
					   .qemu_vhost_vsock_device = TRUE};
/* COCONUT SVSM's QEMU 11 with its patches, on a kernel with KVM planes. */
static const CvmHostInfo host_svsm_planes = {.libvirt_version = 10005000, .qemu_version = 11000000,
					     .qemu_igvm = TRUE, .sev = TRUE, .sev_snp = TRUE, .snp_id_block = TRUE,
					     .kvm = TRUE, .sev_cbitpos = 51, .sev_reduced_phys_bits = 1,
					     .qemu_svsm_virtio_mmio = TRUE, .qemu_device_plane = TRUE,
					     .qemu_virtio_blk_device = TRUE, .qemu_vhost_vsock_device = TRUE};

static int
setup(void **state)
{
	*state = cvmt_launch_dir_new("svsm.igvm");
	return 0;
}

/* A raw state disk, with a comma in its name (QEMU doubles it). */
static gchar *
state_disk(Fixture *f)
{
	gchar *path = g_build_filename(f->dir, "state,1.img", NULL);
	assert_true(g_file_set_contents(path, "", 0, NULL));
	return path;
}

static int
teardown(void **state)
{
	return cvmt_launch_dir_teardown(state);
}

static CvmLaunchPlan *
plan(Fixture *f, const CvmHostInfo *host, CvmPlatform platform, const char *const *devices, GError **error)
{
	CvmGuestSpec spec = {.name = "svsm", .igvm_path = f->igvm, .platform = platform, .svsm_devices = devices};
	return cvm_launch_plan_new(&spec, host, f->guest_dir, error);
}

/* The <qemu:commandline> arguments from the first "-machine x-svsm..." on,
 * one per line. */
static gchar *
svsm_args(const char *xml)
{
	g_autofree gchar *count = cvmt_xpath(xml, "string(count(/domain/q:commandline/q:arg))");
	g_autoptr(GString) out = g_string_new(NULL);
	gboolean on = FALSE;

	for (int i = 1; i <= atoi(count); i++) {
		g_autofree gchar *expr = g_strdup_printf("/domain/q:commandline/q:arg[%d]/@value", i);
		g_autofree gchar *v = cvmt_xpath(xml, expr);
		g_autofree gchar *next_expr = g_strdup_printf("/domain/q:commandline/q:arg[%d]/@value", i + 1);
		g_autofree gchar *next = cvmt_xpath(xml, next_expr);
		on = on || (g_strcmp0(v, "-machine") == 0 && g_strcmp0(next, "x-svsm-virtio-mmio=on") == 0);
		if (on)
			g_string_append_printf(out, "%s\n", v);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
test_blk_and_vsock_under_sev_snp_with_planes(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *disk = state_disk(f);
	g_autofree gchar *blk = g_strconcat("blk:", disk, NULL);
	const char *devices[] = { blk, "vsock:3", NULL };
	g_autoptr(CvmLaunchPlan) p = plan(f, &host_svsm_planes, CVM_PLATFORM_SEV_SNP, devices, &error);
	cvmt_assert_no_error(error);
	const char *xml = cvm_launch_plan_get_xml(p);
	g_autofree gchar *args = svsm_args(xml);
	/* coconut-svsm/scripts/launch_guest.sh's spelling; the comma in the path doubled. */
	g_autofree gchar *expected = g_strdup_printf(
		"-machine\nx-svsm-virtio-mmio=on\n"
		"-machine\nkernel-irqchip=split,device-plane=2\n"
		"-global\nvirtio-mmio.force-legacy=false\n"
		"-drive\nfile=%s/state,,1.img,format=raw,if=none,id=cvm-svsm-blk0,cache=none\n"
		"-device\nvirtio-blk-device,drive=cvm-svsm-blk0,plane=0\n"
		"-device\nvhost-vsock-device,guest-cid=3,plane=0\n", f->dir);

	assert_string_equal(args, expected);
	/* Still the IGVM loader and SNP's launch security. */
	g_autofree gchar *ls = cvmt_xpath(xml, "/domain/launchSecurity/@type");
	assert_string_equal(ls, "sev-snp");
	g_autofree gchar *igvm = cvmt_xpath(xml, "/domain/q:commandline/q:arg[2]/@value");
	assert_non_null(strstr(igvm, "igvm-cfg,id=cvm-igvm0"));
}

static void
test_without_planes_devices_have_no_plane(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	CvmHostInfo host = host_svsm_planes;
	const char *devices[] = { "vsock:42", NULL };

	host.qemu_device_plane = FALSE;
	g_autoptr(CvmLaunchPlan) p = plan(f, &host, CVM_PLATFORM_SEV_SNP, devices, &error);
	cvmt_assert_no_error(error);
	g_autofree gchar *args = svsm_args(cvm_launch_plan_get_xml(p));
	assert_string_equal(args, "-machine\nx-svsm-virtio-mmio=on\n-global\nvirtio-mmio.force-legacy=false\n"
				  "-device\nvhost-vsock-device,guest-cid=42\n");
}

static void
test_native_gets_devices_but_no_planes(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *disk = state_disk(f);
	g_autofree gchar *blk = g_strconcat("blk:", disk, NULL);
	const char *devices[] = { blk, NULL };
	g_autoptr(CvmLaunchPlan) p = plan(f, &host_svsm_planes, CVM_PLATFORM_NATIVE, devices, &error);
	cvmt_assert_no_error(error);
	g_autofree gchar *args = svsm_args(cvm_launch_plan_get_xml(p));
	assert_non_null(strstr(args, "virtio-blk-device,drive=cvm-svsm-blk0\n"));
	assert_null(strstr(args, "device-plane"));
}

static void
test_no_devices_no_options(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmLaunchPlan) p = plan(f, &host_svsm_planes, CVM_PLATFORM_SEV_SNP, NULL, &error);
	cvmt_assert_no_error(error);
	assert_null(strstr(cvm_launch_plan_get_xml(p), "x-svsm"));
	assert_null(strstr(cvm_launch_plan_get_xml(p), "virtio-mmio"));
}

static void
expect_refusal(Fixture *f, const CvmHostInfo *host, CvmPlatform platform, const char *const *devices, gint code,
	       const char *needle)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmLaunchPlan) p = plan(f, host, platform, devices, &error);

	assert_null(p);
	if (!g_error_matches(error, CVM_ERROR, code) || strstr(error->message, needle) == NULL)
		fail_msg("want code %d with \"%s\", got %s", code, needle, error ? error->message : "no error");
}

static void
test_qemu_7_2_refuses_naming_what_it_lacks(void **state)
{
	Fixture *f = *state;
	const char *devices[] = { "vsock:3", NULL };

	expect_refusal(f, &host_debian12, CVM_PLATFORM_NATIVE, devices, CVM_ERROR_NOT_SUPPORTED,
		       "SVSM devices: QEMU 7.2.0 lacks the x-svsm-virtio-mmio machine property, the IGVM loader "
		       "(igvm-cfg)");
	/* Upstream QEMU 10.1 loads IGVM but has no SVSM slots. */
	expect_refusal(f, &host_qemu_10_1, CVM_PLATFORM_SEV_SNP, devices, CVM_ERROR_NOT_SUPPORTED,
		       "QEMU 10.1.0 lacks the x-svsm-virtio-mmio machine property (");
	CvmHostInfo no_vsock = host_svsm_planes;
	no_vsock.qemu_vhost_vsock_device = FALSE;
	expect_refusal(f, &no_vsock, CVM_PLATFORM_SEV_SNP, devices, CVM_ERROR_NOT_SUPPORTED,
		       "lacks vhost-vsock-device");
}

static void
test_bad_devices_are_refused(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *disk = state_disk(f);
	g_autofree gchar *blk = g_strconcat("blk:", disk, NULL);
	const char *unknown[] = { "net:user", NULL };
	const char *relative[] = { "blk:state.img", NULL };
	const char *cid[] = { "vsock:2", NULL };
	const char *two_vsock[] = { "vsock:3", "vsock:4", NULL };
	const char *five[] = { blk, blk, blk, blk, blk, NULL };
	const char *devices[] = { "vsock:3", NULL };

	const struct {
		const char *const *devices;
		const char *message;
	} bad[] = {
		{ unknown, "unknown device \"net:user\" (blk:PATH or vsock:CID)" },
		{ relative, "absolute path" },
		{ cid, "from 3 to 4294967294" },
		{ two_vsock, "one vsock device at most" },
		{ five, "at most 4 (x-svsm-virtio-mmio has 4 virtio-mmio slots from 0xfef00000)" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
		expect_refusal(f, &host_svsm_planes, CVM_PLATFORM_SEV_SNP, bad[i].devices,
			       CVM_ERROR_INVALID_ARGUMENT, bad[i].message);
	expect_refusal(f, &host_svsm_planes, CVM_PLATFORM_SEV_ES, devices, CVM_ERROR_NOT_SUPPORTED,
		       "the SVSM runs under sev-snp (or native), not sev-es");
}

static void
test_launch_spec_variant_carries_svsm_devices(void **state)
{
	(void)state;
	const char *devices[] = { "blk:/srv/state.img", "vsock:3", NULL };
	CvmGuestSpec spec = {.name = "g", .igvm_path = "/x.igvm", .svsm_devices = devices}, back;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) v = g_variant_ref_sink(cvm_guest_spec_to_variant(&spec));

	assert_true(cvm_guest_spec_from_variant(v, &back, &error));
	assert_int_equal(g_strv_length((gchar **)back.svsm_devices), 2);
	assert_string_equal(back.svsm_devices[0], "blk:/srv/state.img");
	assert_string_equal(back.svsm_devices[1], "vsock:3");
	g_free((gpointer)back.svsm_devices);

	GVariantBuilder b;
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "name", g_variant_new_string("g"));
	g_variant_builder_add(&b, "{sv}", "igvm", g_variant_new_string("/x.igvm"));
	g_variant_builder_add(&b, "{sv}", "svsm-devices", g_variant_new_string("vsock:3"));
	g_autoptr(GVariant) wrong = g_variant_ref_sink(g_variant_builder_end(&b));
	assert_false(cvm_guest_spec_from_variant(wrong, &back, &error));
	assert_non_null(strstr(error->message, "\"svsm-devices\" must be of type as"));
}

/* The devices of a launch are in the guest's record, and what is launched
 * again from the record (a firmware relaunch, a migration's destination:
 * cvmi_launch_spec_from_record(), also after the guest was forgotten) gets
 * the same QEMU options as the first launch. Before, the record had no
 * devices and the relaunched domain none either. (libvirt's test driver
 * keeps no <qemu:commandline>: the options are read from the plans.) */
static void
test_svsm_devices_are_kept_for_a_relaunch(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *disk = state_disk(f);
	g_autofree gchar *blk = g_strconcat("blk:", disk, NULL);
	const char *devices[] = { blk, "vsock:9", NULL };
	CvmGuestSpec spec = {.name = "svsmrec", .igvm_path = f->igvm, .platform = CVM_PLATFORM_NATIVE,
			     .memory_bytes = 64 << 20, .svsm_devices = devices};
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmState) st = cvm_state_open(f->dir, &error);
	virConnectPtr conn = cvm_libvirt_open("test:///default", &error);
	cvmt_assert_no_error(error);

	g_autoptr(CvmLaunchPlan) p1 = cvm_launch_plan_new(&spec, &host_svsm_planes, f->guest_dir, &error);
	cvmt_assert_no_error(error);
	g_autofree gchar *first = svsm_args(cvm_launch_plan_get_xml(p1));
	assert_non_null(strstr(first, "vhost-vsock-device,guest-cid=9"));
	assert_non_null(strstr(first, "virtio-blk-device,drive=cvm-svsm-blk0"));
	virDomainPtr dom = cvm_launch_guest_on_host(conn, st, &spec, &host_svsm_planes, NULL, &error);
	cvmt_assert_no_error(error);
	virDomainFree(dom);

	g_autoptr(CvmGuestRecord) rec = cvm_guest_record_load(st, "svsmrec", &error);
	cvmt_assert_no_error(error);
	assert_non_null(rec->svsm_devices);
	assert_int_equal(g_strv_length(rec->svsm_devices), 2);
	assert_string_equal(rec->svsm_devices[0], blk);
	assert_string_equal(rec->svsm_devices[1], "vsock:9");
	assert_true(cvm_launch_forget(conn, st, "svsmrec", &error));
	cvmt_assert_no_error(error);

	CvmGuestSpec again;
	assert_true(cvmi_launch_spec_from_record(rec, &again, &error));
	g_autoptr(CvmLaunchPlan) p2 = cvm_launch_plan_new(&again, &host_svsm_planes, f->guest_dir, &error);
	cvmt_assert_no_error(error);
	g_autofree gchar *relaunched = svsm_args(cvm_launch_plan_get_xml(p2));
	assert_string_equal(relaunched, first);
	cvm_libvirt_close(conn);
}

static void
test_qemu_help_texts_set_the_svsm_facts(void **state)
{
	(void)state;
	CvmHostInfo h = { 0 };
	/* The shapes of `-machine q35,help`, `-device help` and `-h` output. */
	const char *machine = "pc-q35-11.0-machine options:\n  acpi=<OnOffAuto>       - Enable ACPI\n"
			      "  x-svsm-virtio-mmio=<bool> - Enable virtio-mmio slots for the SVSM\n";
	const char *devices = "name \"virtio-blk-device\", bus virtio-bus\nname \"vhost-vsock-device\", bus virtio-bus\n";
	const char *help = "-machine [type=]name[,prop[=value][,...]]\n    device-plane=n plane the devices belong to\n";

	cvm_host_info_from_qemu_help(&h, machine, devices, help);
	assert_true(h.qemu_svsm_virtio_mmio && h.qemu_virtio_blk_device && h.qemu_vhost_vsock_device &&
		    h.qemu_device_plane);
	cvm_host_info_from_qemu_help(&h, "pc-q35-7.2-machine options:\n  acpi=<OnOffAuto>\n", "", NULL);
	assert_false(h.qemu_svsm_virtio_mmio || h.qemu_virtio_blk_device || h.qemu_vhost_vsock_device ||
		     h.qemu_device_plane);
}

static void
test_this_hosts_qemu_has_no_svsm_slots(void **state)
{
	Fixture *f = *state;
	const char *qemu = "/usr/bin/qemu-system-x86_64";
	g_autofree gchar *version = NULL;
	const char *argv[] = { qemu, "--version", NULL };
	CvmHostInfo h = host_debian12;
	const char *devices[] = { "vsock:3", NULL };

	if (!g_file_test(qemu, G_FILE_TEST_IS_EXECUTABLE)) {
		skip();
		return;
	}
	assert_true(g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &version, NULL,
				 NULL, NULL));
	h.qemu_virtio_blk_device = h.qemu_vhost_vsock_device = FALSE;
	cvm_host_probe_emulator(qemu, &h);
	/* Every QEMU x86 build has the virtio-mmio blk device. */
	assert_true(h.qemu_virtio_blk_device);
	if (strstr(version, "version 7.2") == NULL) {
		skip(); /* not Debian 12's QEMU: what it offers is not known here */
		return;
	}
	/* No QEMU release has the SVSM's slots; Debian 12's 7.2 certainly not:
	 * a launch with the facts its own help gives is refused by name. */
	assert_false(h.qemu_svsm_virtio_mmio);
	assert_false(h.qemu_device_plane);
	expect_refusal(f, &h, CVM_PLATFORM_AUTO, devices, CVM_ERROR_NOT_SUPPORTED,
		       "QEMU 7.2.0 lacks the x-svsm-virtio-mmio machine property");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_blk_and_vsock_under_sev_snp_with_planes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_planes_devices_have_no_plane, setup, teardown),
		cmocka_unit_test_setup_teardown(test_native_gets_devices_but_no_planes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_devices_no_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qemu_7_2_refuses_naming_what_it_lacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_devices_are_refused, setup, teardown),
		cmocka_unit_test(test_launch_spec_variant_carries_svsm_devices),
		cmocka_unit_test_setup_teardown(test_svsm_devices_are_kept_for_a_relaunch, setup, teardown),
		cmocka_unit_test(test_qemu_help_texts_set_the_svsm_facts),
		cmocka_unit_test_setup_teardown(test_this_hosts_qemu_has_no_svsm_slots, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
