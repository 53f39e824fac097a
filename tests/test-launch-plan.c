/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Launch plans: platform choice and the domain XML of each strategy, read
 * back with XPath; bad specifications. No libvirt connection is needed. */
#include "tests/lib/launch-files.h"
#include "tests/lib/testlib.h"
#include "igvm/igvm-internal.h"

#include <cvm/error.h>
#include <cvm/igvm-builder.h>
#include <cvm/launch.h>
#include <cvm/measure.h>
#include <string.h>

#define FOUR_GIB G_GUINT64_CONSTANT(0x100000000)

/* igvm: native + SEV-SNP (with ID block) + SEV-ES */
typedef CvmtLaunchDir Fixture;

static const CvmHostInfo host_debian12 = {.libvirt_version = 9000000, .qemu_version = 7002000};
static const CvmHostInfo host_qemu_igvm = {.libvirt_version = 9000000, .qemu_version = 10001000,
					   .qemu_igvm = TRUE};
static const CvmHostInfo host_snp_10_5 = {.libvirt_version = 10005000, .qemu_version = 10001000,
					  .qemu_igvm = TRUE, .sev = TRUE, .sev_snp = TRUE, .snp_id_block = TRUE,
					  .kvm = TRUE, .sev_cbitpos = 51, .sev_reduced_phys_bits = 1};
static const CvmHostInfo host_sev_9_0 = {.libvirt_version = 9000000, .qemu_version = 10001000,
					 .qemu_igvm = TRUE, .sev = TRUE, .kvm = TRUE, .sev_cbitpos = 47,
					 .sev_reduced_phys_bits = 5};

static GBytes *
page(guint8 fill)
{
	return g_bytes_new_take(memset(g_malloc(4096), fill, 4096), 4096);
}

static int
setup(void **state)
{
	/* Characters that need escaping in XML and in QEMU options. */
	*state = cvmt_launch_dir_new("a&b'c,d.igvm");
	return 0;
}

static int
teardown(void **state)
{
	return cvmt_launch_dir_teardown(state);
}

static CvmLaunchPlan *
plan(Fixture *f, const CvmHostInfo *host, CvmPlatform platform, GError **error)
{
	CvmGuestSpec spec = {.name = "g1", .igvm_path = f->igvm, .memory_bytes = 256 << 20, .vcpus = 2,
			     .platform = platform};
	return cvm_launch_plan_new(&spec, host, f->guest_dir, error);
}

static void
assert_xpath(const char *xml, const char *expr, const char *expected)
{
	g_autofree gchar *v = cvmt_xpath(xml, expr);
	if (g_strcmp0(v, expected) != 0)
		fail_msg("%s: expected \"%s\", got \"%s\" in\n%s", expr, expected ? expected : "(none)", v ? v : "(none)",
			 xml);
}

static void
test_qemu_7_2_translates_the_native_platform(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmLaunchPlan) p = plan(f, &host_debian12, CVM_PLATFORM_AUTO, &error);
	cvmt_assert_no_error(error);
	const char *xml = cvm_launch_plan_get_xml(p);
	g_autofree gchar *rom = g_build_filename(f->guest_dir, "firmware", "bios.rom", NULL);

	assert_int_equal(cvm_launch_plan_get_platform(p), CVM_PLATFORM_NATIVE);
	assert_int_equal(cvm_launch_plan_get_strategy(p), CVM_LAUNCH_STRATEGY_NATIVE_TRANSLATE);
	assert_xpath(xml, "/domain/@type", "qemu");
	assert_xpath(xml, "/domain/name", "g1");
	assert_xpath(xml, "/domain/memory", "262144");
	assert_xpath(xml, "/domain/vcpu", "2");
	assert_xpath(xml, "/domain/os/loader[@type='rom']", rom);
	assert_xpath(xml, "/domain/launchSecurity", NULL);
	assert_xpath(xml, "/domain/metadata/cvm:guest/cvm:igvm/@path", f->igvm);
	assert_xpath(xml, "/domain/metadata/cvm:guest/cvm:igvm/@platform", "native");
	assert_xpath(xml, "/domain/metadata/cvm:guest/cvm:igvm/@strategy", "native-translate");
	assert_xpath(xml, "/domain/devices/serial/log/@file", cvm_launch_plan_get_serial_log(p));
}

static void
test_qemu_7_2_refuses_sev_snp_naming_the_versions(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmLaunchPlan) p = plan(f, &host_debian12, CVM_PLATFORM_SEV_SNP, &error);

	assert_null(p);
	cvmt_assert_error(error, CVM_ERROR_NOT_SUPPORTED);
	assert_non_null(strstr(error->message, "QEMU 10.1"));
	assert_non_null(strstr(error->message, "7.2.0"));
}

static void
test_qemu_with_igvm_gets_igvm_cfg_passthrough(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmLaunchPlan) p = plan(f, &host_qemu_igvm, CVM_PLATFORM_AUTO, &error);
	cvmt_assert_no_error(error);
	const char *xml = cvm_launch_plan_get_xml(p);
	g_autofree gchar *escaped = g_strdup_printf("igvm-cfg,id=cvm-igvm0,file=%s/a&b'c,,d.igvm", f->dir);

	/* No SEV on this host: the native platform, loaded by QEMU itself. */
	assert_int_equal(cvm_launch_plan_get_platform(p), CVM_PLATFORM_NATIVE);
	assert_int_equal(cvm_launch_plan_get_strategy(p), CVM_LAUNCH_STRATEGY_IGVM_CFG);
	assert_xpath(xml, "/domain/os/loader", NULL);
	assert_xpath(xml, "/domain/q:commandline/q:arg[1]/@value", "-object");
	assert_xpath(xml, "/domain/q:commandline/q:arg[2]/@value", escaped);
	assert_xpath(xml, "/domain/q:commandline/q:arg[3]/@value", "-machine");
	assert_xpath(xml, "/domain/q:commandline/q:arg[4]/@value", "igvm-cfg=cvm-igvm0");
}

static void
test_libvirt_10_5_snp_uses_launch_security_with_id_block(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmLaunchPlan) p = plan(f, &host_snp_10_5, CVM_PLATFORM_AUTO, &error);
	cvmt_assert_no_error(error);
	const char *xml = cvm_launch_plan_get_xml(p);
	gsize len = 0;

	assert_int_equal(cvm_launch_plan_get_platform(p), CVM_PLATFORM_SEV_SNP);
	assert_xpath(xml, "/domain/@type", "kvm");
	assert_xpath(xml, "/domain/launchSecurity/@type", "sev-snp");
	assert_xpath(xml, "/domain/launchSecurity/policy", "0x00030000");
	assert_xpath(xml, "/domain/launchSecurity/cbitpos", "51");
	assert_xpath(xml, "/domain/cpu/model", "EPYC-v4");
	g_autofree gchar *b64 = cvmt_xpath(xml, "/domain/launchSecurity/idBlock");
	assert_non_null(b64);
	g_autofree guchar *block = g_base64_decode(b64, &len);
	assert_int_equal(len, 96);
	for (guint i = 0; i < 48; i++)
		assert_int_equal(block[i], 0xab); /* the launch digest field */
	assert_int_equal(block[0x58], 0x00);
	assert_int_equal(block[0x5a], 0x03); /* policy 0x30000, little-endian */
	g_autofree gchar *auth64 = cvmt_xpath(xml, "/domain/launchSecurity/idAuth");
	g_autofree guchar *auth = g_base64_decode(auth64, &len);
	assert_int_equal(len, 4096);
	assert_int_equal(auth[0], 1);	  /* ID key algorithm */
	assert_int_equal(auth[0x40], 0x11); /* signature R */
	/* The file enables the author key: idAuth carries it, and libvirt
	 * must tell the firmware (AUTH_KEY_EN), else it is ignored. */
	assert_int_equal(auth[4], 1);
	assert_xpath(xml, "/domain/launchSecurity/@authorKey", "yes");
	/* The expected measurement is the SNP digest: 48 bytes in hex. */
	const CvmLaunchMetadata *md = cvm_launch_plan_get_metadata(p);
	assert_non_null(md->measurement);
	assert_int_equal(strlen(md->measurement), 96);
	assert_xpath(xml, "/domain/metadata/cvm:guest/cvm:igvm/@measurement", md->measurement);
}

static void
test_libvirt_9_0_snp_uses_the_qemu_object(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmLaunchPlan) p = plan(f, &host_sev_9_0, CVM_PLATFORM_SEV_SNP, &error);
	cvmt_assert_no_error(error);
	const char *xml = cvm_launch_plan_get_xml(p);

	assert_xpath(xml, "/domain/launchSecurity", NULL);
	/* The ID block goes with the object as libvirt 10.5+ passes it
	 * (before, it was left out and the guest launched unchecked). */
	g_autofree gchar *obj = cvmt_xpath(xml, "string(/domain/q:commandline/q:arg[6]/@value)");
	const char *prefix = "sev-snp-guest,id=lsec0,cbitpos=47,reduced-phys-bits=5,policy=0x00030000,id-block=";
	if (!g_str_has_prefix(obj, prefix) || !g_str_has_suffix(obj, ",author-key-enabled=on"))
		fail_msg("SEV-SNP object: %s", obj);
	g_auto(GStrv) parts = g_strsplit(obj + strlen(prefix), ",", -1);
	gsize len = 0;
	g_autofree guchar *block = g_base64_decode(parts[0], &len);
	assert_int_equal(len, 96);
	assert_int_equal(block[0], 0xab);
	assert_true(g_str_has_prefix(parts[1], "id-auth="));
	g_autofree guchar *auth = g_base64_decode(parts[1] + strlen("id-auth="), &len);
	assert_int_equal(len, 4096);
	assert_int_equal(auth[0x40], 0x11);
	assert_xpath(xml, "/domain/q:commandline/q:arg[8]/@value", "confidential-guest-support=lsec0");
}

static void
test_sev_es_uses_launch_security_sev_with_es_policy(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmLaunchPlan) p = plan(f, &host_sev_9_0, CVM_PLATFORM_SEV_ES, &error);
	cvmt_assert_no_error(error);
	const char *xml = cvm_launch_plan_get_xml(p);

	assert_xpath(xml, "/domain/launchSecurity/@type", "sev");
	assert_xpath(xml, "/domain/launchSecurity/policy", "0x00000005");
	assert_xpath(xml, "/domain/launchSecurity/reducedPhysBits", "5");
	assert_int_equal(strlen(cvm_launch_plan_get_metadata(p)->measurement), 64);
}

static void
test_platform_missing_from_the_file_is_refused(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmLaunchPlan) p = plan(f, &host_sev_9_0, CVM_PLATFORM_TDX, &error);
	assert_null(p);
	cvmt_assert_error(error, CVM_ERROR_NOT_SUPPORTED);
	assert_non_null(strstr(error->message, "no tdx platform"));
}

static void
expect_spec_error(Fixture *f, CvmGuestSpec *spec, gint code, const char *needle)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmLaunchPlan) p = cvm_launch_plan_new(spec, &host_debian12, f->guest_dir, &error);
	assert_null(p);
	cvmt_assert_error(error, code);
	if (strstr(error->message, needle) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", error->message, needle);
	assert_false(g_file_test(f->guest_dir, G_FILE_TEST_EXISTS));
}

static void
test_bad_specs_are_refused_before_anything_is_written(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *missing = g_build_filename(f->dir, "missing.igvm", NULL);
	g_autofree gchar *junk = g_build_filename(f->dir, "junk.igvm", NULL);
	CvmGuestSpec spec = {.name = "g1", .igvm_path = missing};

	expect_spec_error(f, &spec, CVM_ERROR_NOT_FOUND, "missing.igvm");
	spec.igvm_path = "relative.igvm";
	expect_spec_error(f, &spec, CVM_ERROR_INVALID_ARGUMENT, "absolute");
	spec.igvm_path = f->dir;
	expect_spec_error(f, &spec, CVM_ERROR_INVALID_ARGUMENT, "not a regular file");
	assert_true(g_file_set_contents(junk, "not an IGVM file at all", -1, NULL));
	spec.igvm_path = junk;
	expect_spec_error(f, &spec, CVM_ERROR_VALIDATION, "fixed-header");
	spec.igvm_path = f->igvm;
	spec.name = "bad name";
	expect_spec_error(f, &spec, CVM_ERROR_INVALID_ARGUMENT, "[A-Za-z0-9_.-]");
	spec.name = "g1";
	spec.memory_bytes = 1 << 20;
	expect_spec_error(f, &spec, CVM_ERROR_INVALID_ARGUMENT, "16 MiB");
}

static void
test_pages_outside_guest_ram_are_refused(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = g_build_filename(f->dir, "high.igvm", NULL);
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	guint32 native = cvm_igvm_builder_add_platform(b, CVM_PLATFORM_NATIVE, 0, 0, 0, &error);
	g_autoptr(GBytes) p1 = page(1);

	assert_true(cvm_igvm_builder_add_page_data(b, native, FOUR_GIB - 4096, 0, 0, p1, &error));
	assert_true(cvm_igvm_builder_add_page_data(b, native, 0x20000000, 0, 0, p1, &error)); /* 512 MiB */
	assert_true(cvm_igvm_builder_write_file(b, path, &error));
	CvmGuestSpec spec = {.name = "g1", .igvm_path = path, .memory_bytes = 256 << 20};
	expect_spec_error(f, &spec, CVM_ERROR_INVALID_DATA, "MMIO hole");
}

static CvmPolicy *
policy_from(const char *json)
{
	g_autoptr(GError) error = NULL;
	CvmPolicy *p = cvm_policy_new();
	assert_true(cvm_policy_merge_json(p, json, strlen(json), "test.json", &error));
	cvmt_assert_no_error(error);
	return p;
}

static void
test_policy_checks_digest_and_id_key(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmLaunchPlan) p = plan(f, &host_snp_10_5, CVM_PLATFORM_SEV_SNP, &error);
	cvmt_assert_no_error(error);
	const char *digest = cvm_launch_plan_get_metadata(p)->measurement;
	g_autofree gchar *zeros = g_strnfill(96, '0');
	/* The fixture's ID block has an all-zero public key: its SNP-layout hash. */
	guint8 key[1028] = {0}, key_digest[48];
	gsize n = sizeof(key_digest);
	g_autoptr(GChecksum) c = g_checksum_new(G_CHECKSUM_SHA384);
	g_checksum_update(c, key, sizeof(key));
	g_checksum_get_digest(c, key_digest, &n);
	g_autofree gchar *key_hex = g_malloc0(97);
	for (guint i = 0; i < 48; i++)
		g_snprintf(key_hex + 2 * i, 3, "%02x", key_digest[i]);

	g_autofree gchar *ok_json = g_strdup_printf("{\"version\": 1, \"launch-digests\": [\"%s\"], "
						    "\"id-block-keys\": [\"%s\"]}", digest, key_hex);
	g_autoptr(CvmPolicy) ok = policy_from(ok_json);
	assert_true(cvm_launch_plan_check_policy(p, ok, &error));
	cvmt_assert_no_error(error);

	g_autofree gchar *bad_digest = g_strdup_printf("{\"version\": 1, \"launch-digests\": [\"%s\"]}", zeros);
	g_autoptr(CvmPolicy) denied = policy_from(bad_digest);
	assert_false(cvm_launch_plan_check_policy(p, denied, &error));
	cvmt_assert_error(error, CVM_ERROR_MEASUREMENT_MISMATCH);
	g_clear_error(&error);

	g_autofree gchar *bad_key = g_strdup_printf("{\"version\": 1, \"guests\": {\"g1\": {\"id-block-keys\": "
						    "[\"%s\"]}}}", zeros);
	g_autoptr(CvmPolicy) wrong_key = policy_from(bad_key);
	assert_false(cvm_launch_plan_check_policy(p, wrong_key, &error));
	cvmt_assert_error(error, CVM_ERROR_POLICY_DENIED);
	assert_non_null(strstr(error->message, "ID-block key"));
}

static CvmLaunchPlan *
plan_accel(Fixture *f, const CvmHostInfo *host, CvmPlatform platform, CvmLaunchAccel accel, GError **error)
{
	CvmGuestSpec spec = {.name = "g1", .igvm_path = f->igvm, .memory_bytes = 256 << 20, .platform = platform,
			     .accel = accel};
	return cvm_launch_plan_new(&spec, host, f->guest_dir, error);
}

static void
test_accel_picks_the_domain_type_and_refuses_what_cannot_run(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;

	/* auto: KVM where the host has it, TCG where it has not. */
	g_autoptr(CvmLaunchPlan) kvm = plan_accel(f, &host_snp_10_5, CVM_PLATFORM_AUTO, CVM_LAUNCH_ACCEL_AUTO,
						  &error);
	cvmt_assert_no_error(error);
	assert_int_equal(cvm_launch_plan_get_accel(kvm), CVM_LAUNCH_ACCEL_KVM);
	assert_xpath(cvm_launch_plan_get_xml(kvm), "/domain/@type", "kvm");
	g_autoptr(CvmLaunchPlan) none = plan_accel(f, &host_debian12, CVM_PLATFORM_AUTO, CVM_LAUNCH_ACCEL_AUTO,
						   &error);
	cvmt_assert_no_error(error);
	assert_int_equal(cvm_launch_plan_get_accel(none), CVM_LAUNCH_ACCEL_TCG);
	/* tcg on a KVM host: a qemu domain, and the native platform, as TCG has no SEV. */
	g_autoptr(CvmLaunchPlan) tcg = plan_accel(f, &host_snp_10_5, CVM_PLATFORM_AUTO, CVM_LAUNCH_ACCEL_TCG,
						  &error);
	cvmt_assert_no_error(error);
	assert_int_equal(cvm_launch_plan_get_accel(tcg), CVM_LAUNCH_ACCEL_TCG);
	assert_int_equal(cvm_launch_plan_get_platform(tcg), CVM_PLATFORM_NATIVE);
	assert_xpath(cvm_launch_plan_get_xml(tcg), "/domain/@type", "qemu");
	assert_xpath(cvm_launch_plan_get_xml(tcg), "/domain/launchSecurity", NULL);
	/* kvm where there is none, and tcg for a confidential platform. */
	assert_null(plan_accel(f, &host_debian12, CVM_PLATFORM_AUTO, CVM_LAUNCH_ACCEL_KVM, &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_SUPPORTED);
	assert_non_null(strstr(error->message, "no usable KVM"));
	g_clear_error(&error);
	assert_null(plan_accel(f, &host_snp_10_5, CVM_PLATFORM_SEV_SNP, CVM_LAUNCH_ACCEL_TCG, &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_SUPPORTED);
	assert_non_null(strstr(error->message, "sev-snp guest needs KVM"));
	g_clear_error(&error);
	assert_null(plan_accel(f, &host_snp_10_5, CVM_PLATFORM_AUTO, (CvmLaunchAccel)7, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
}

static void
test_spec_round_trips_through_the_dbus_variant(void **state)
{
	(void)state;
	CvmGuestSpec in = {.name = "g", .igvm_path = "/x.igvm", .memory_bytes = 1 << 30, .vcpus = 3,
			   .platform = CVM_PLATFORM_SEV_ES, .snp_policy = 0x30000, .has_snp_policy = TRUE,
			   .network = "user", .accel = CVM_LAUNCH_ACCEL_TCG};
	g_autoptr(GVariant) v = g_variant_ref_sink(cvm_guest_spec_to_variant(&in));
	CvmGuestSpec out;
	g_autoptr(GError) error = NULL;

	assert_true(cvm_guest_spec_from_variant(v, &out, &error));
	assert_string_equal(out.name, "g");
	assert_string_equal(out.igvm_path, "/x.igvm");
	assert_true(out.memory_bytes == (1 << 30));
	assert_int_equal(out.vcpus, 3);
	assert_int_equal(out.platform, CVM_PLATFORM_SEV_ES);
	assert_true(out.has_snp_policy && out.snp_policy == 0x30000);
	assert_string_equal(out.network, "user");
	assert_int_equal(out.accel, CVM_LAUNCH_ACCEL_TCG);
	assert_null(out.disk);
	g_autoptr(GVariant) bad = g_variant_ref_sink(g_variant_new_parsed("{'name': <'g'>, 'igvm': <'/x'>, "
									  "'vcpus': <'two'>}"));
	assert_false(cvm_guest_spec_from_variant(bad, &out, &error) && error == NULL);
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_autoptr(GVariant) unknown = g_variant_ref_sink(g_variant_new_parsed("{'name': <'g'>, 'igvm': <'/x'>, "
									      "'colour': <'red'>}"));
	assert_false(cvm_guest_spec_from_variant(unknown, &out, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_autoptr(GVariant) bad_accel = g_variant_ref_sink(g_variant_new_parsed("{'name': <'g'>, 'igvm': <'/x'>, "
										"'accel': <'hvf'>}"));
	assert_false(cvm_guest_spec_from_variant(bad_accel, &out, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(error->message, "auto, kvm, tcg"));
}

/* One parse serves the open, the validation and the measurement: the
 * expected digest is the one cvm_measure_igvm() gives for the file. */
static void
test_a_launch_parses_its_file_once(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	guint before = cvmi_igvm_parse_count();
	g_autoptr(CvmLaunchPlan) p = plan(f, &host_snp_10_5, CVM_PLATFORM_SEV_SNP, &error);
	cvmt_assert_no_error(error);
	assert_int_equal(cvmi_igvm_parse_count() - before, 1);

	g_autoptr(GMappedFile) map = g_mapped_file_new(f->igvm, FALSE, &error);
	cvmt_assert_no_error(error);
	CvmMeasureOptions opts;
	CvmDigest digest;
	cvm_measure_options_init(&opts);
	opts.platform = CVM_PLATFORM_SEV_SNP;
	opts.vcpus = 2;
	assert_true(cvm_measure_igvm((const guint8 *)g_mapped_file_get_contents(map), g_mapped_file_get_length(map),
				     &opts, &digest, NULL, &error));
	g_autofree gchar *hex = cvm_digest_to_hex(&digest);
	assert_string_equal(cvm_launch_plan_get_metadata(p)->measurement, hex);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_qemu_7_2_translates_the_native_platform, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qemu_7_2_refuses_sev_snp_naming_the_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qemu_with_igvm_gets_igvm_cfg_passthrough, setup, teardown),
		cmocka_unit_test_setup_teardown(test_libvirt_10_5_snp_uses_launch_security_with_id_block, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_libvirt_9_0_snp_uses_the_qemu_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sev_es_uses_launch_security_sev_with_es_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_missing_from_the_file_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_specs_are_refused_before_anything_is_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pages_outside_guest_ram_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_checks_digest_and_id_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_launch_parses_its_file_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accel_picks_the_domain_type_and_refuses_what_cannot_run, setup,
						teardown),
		cmocka_unit_test(test_spec_round_trips_through_the_dbus_variant),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
