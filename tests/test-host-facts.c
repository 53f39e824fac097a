/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host facts (cvm/host.h): the probe result as `cvmctl host --json` prints
 * it and `cvmctl domxml --host-facts` reads it back on another machine. */
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/host.h>
#include <json-c/json.h>
#include <string.h>

/* An SEV-SNP host on libvirt 11.3 with an IGVM-capable QEMU 10.1. */
static const CvmHostInfo SNP_HOST = {
	.libvirt_version = 11003000, .qemu_version = 10001000, .qemu_igvm = TRUE, .sev = TRUE, .sev_snp = TRUE,
	.snp_id_block = TRUE, .kvm = TRUE, .sev_cbitpos = 51, .sev_reduced_phys_bits = 1,
};

static gboolean
from_text(const char *text, CvmHostInfo *out, GError **error)
{
	return cvm_host_info_from_json(text, strlen(text), out, error);
}

static void
test_facts_round_trip_every_field(void **state)
{
	(void)state;
	g_autoptr(GError) error = NULL;
	CvmHostInfo back;
	static const CvmHostInfo TDX_HOST = {.libvirt_version = 12008000, .qemu_version = 11001003, .tdx = TRUE,
					     .kvm = TRUE};
	const CvmHostInfo *hosts[] = {&SNP_HOST, &TDX_HOST};

	for (gsize i = 0; i < G_N_ELEMENTS(hosts); i++) {
		json_object *o = cvm_host_info_to_json(hosts[i]);
		const char *text = json_object_to_json_string(o);

		assert_true(from_text(text, &back, &error));
		cvmt_assert_no_error(error);
		assert_memory_equal(&back, hosts[i], sizeof(back));
		json_object_put(o);
	}
}

static void
test_facts_keys_are_cvmds(void **state)
{
	(void)state;
	json_object *o = cvm_host_info_to_json(&SNP_HOST);
	json_object *v;

	/* The names of cvmd's Capabilities dictionary (docs/dbus/README.md). */
	assert_true(json_object_object_get_ex(o, "qemu-igvm", &v) && json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "sev-snp", &v) && json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "snp-id-block", &v) && json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "libvirt-version", &v) && json_object_get_int64(v) == 11003000);
	assert_true(json_object_object_get_ex(o, "sev-cbitpos", &v) && json_object_get_int64(v) == 51);
	json_object_put(o);
}

static void
test_facts_unknown_keys_are_ignored_and_bit_counts_optional(void **state)
{
	(void)state;
	g_autoptr(GError) error = NULL;
	CvmHostInfo h;

	assert_true(from_text("{\"libvirt-version\":9000000,\"qemu-version\":7002000,\"qemu-igvm\":false,"
			      "\"kvm\":true,\"sev\":false,\"sev-snp\":false,\"tdx\":false,\"snp-id-block\":false,"
			      "\"platforms\":[\"native\"],\"later\":{}}",
			      &h, &error));
	cvmt_assert_no_error(error);
	assert_true(h.kvm);
	assert_int_equal(h.libvirt_version, 9000000);
	assert_int_equal(h.sev_cbitpos, 0);
}

static void
test_facts_missing_or_mistyped_key_is_refused(void **state)
{
	(void)state;
	static const struct {
		const char *text, *message;
	} bad[] = {
		{"{\"libvirt-version\":9000000,\"qemu-version\":7002000,\"qemu-igvm\":false,\"kvm\":true,"
		 "\"sev\":false,\"tdx\":false,\"snp-id-block\":false}", "lack \"sev-snp\""},
		{"{\"libvirt-version\":9000000,\"qemu-version\":7002000,\"qemu-igvm\":\"yes\",\"kvm\":true,"
		 "\"sev\":false,\"sev-snp\":false,\"tdx\":false,\"snp-id-block\":false}", "\"qemu-igvm\" must be true"},
		{"{\"libvirt-version\":\"11.3.0\",\"qemu-version\":7002000,\"qemu-igvm\":false,\"kvm\":true,"
		 "\"sev\":false,\"sev-snp\":false,\"tdx\":false,\"snp-id-block\":false}", "\"libvirt-version\" must be"},
		{"{\"libvirt-version\":-1,\"qemu-version\":7002000,\"qemu-igvm\":false,\"kvm\":true,"
		 "\"sev\":false,\"sev-snp\":false,\"tdx\":false,\"snp-id-block\":false}", "\"libvirt-version\" must be"},
		{"{\"libvirt-version\":9000000,\"qemu-version\":7002000,\"qemu-igvm\":false,\"kvm\":true,"
		 "\"sev\":true,\"sev-snp\":false,\"tdx\":false,\"snp-id-block\":false,\"sev-cbitpos\":64}",
		 "\"sev-cbitpos\" must be"},
		{"[1]", "not a JSON object"},
		{"{\"kvm\":true", "not valid JSON"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		CvmHostInfo h;

		memset(&h, 0xff, sizeof(h));
		assert_false(from_text(bad[i].text, &h, &error));
		cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
		if (strstr(error->message, bad[i].message) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, error->message, bad[i].message);
		/* Nothing half-read is left for a caller that ignores the result. */
		assert_false(h.kvm);
		assert_int_equal(h.libvirt_version, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_facts_round_trip_every_field),
		cmocka_unit_test(test_facts_keys_are_cvmds),
		cmocka_unit_test(test_facts_unknown_keys_are_ignored_and_bit_counts_optional),
		cmocka_unit_test(test_facts_missing_or_mistyped_key_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
