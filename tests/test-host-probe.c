/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of host capabilities read from libvirt's domain capabilities XML (launch/host-probe.c). */
#include "tests/lib/testlib.h"
#include <cvm/error.h>
#include <cvm/host.h>

/* Shape of libvirt 9.0 domain capabilities on an SEV host (no launchSecurity). */
static const char CAPS_LIBVIRT_9_0[] =
	"<domainCapabilities><path>/usr/bin/qemu-system-x86_64</path><domain>kvm</domain>"
	"<machine>pc-q35-7.2</machine><arch>x86_64</arch><features>"
	"<sev supported='yes'><cbitpos>51</cbitpos><reducedPhysBits>1</reducedPhysBits></sev>"
	"</features></domainCapabilities>";

/* Shape of libvirt 10.5+ on an SNP host: sectype enum lists sev-snp. */
static const char CAPS_LIBVIRT_10_5[] =
	"<domainCapabilities><domain>kvm</domain><features>"
	"<sev supported='yes'><cbitpos>51</cbitpos></sev>"
	"<launchSecurity supported='yes'><enum name='sectype'><value>sev</value><value>sev-snp</value></enum>"
	"</launchSecurity></features></domainCapabilities>";

static const char CAPS_TCG[] =
	"<domainCapabilities><domain>qemu</domain><features><sev supported='no'/>"
	"<launchSecurity supported='no'/></features></domainCapabilities>";

static void
test_libvirt_9_0_sev_host_has_sev_but_no_snp_id_block(void **state)
{
	CvmHostInfo h;
	g_autoptr(GError) error = NULL;

	assert_true(cvm_host_info_from_caps(CAPS_LIBVIRT_9_0, 9000000, 7002000, &h, &error));
	assert_true(h.kvm);
	assert_true(h.sev);
	assert_false(h.sev_snp);
	assert_false(h.tdx);
	assert_false(h.snp_id_block);
	assert_false(h.qemu_igvm);
	assert_int_equal(h.sev_cbitpos, 51);
	assert_int_equal(h.sev_reduced_phys_bits, 1);
}

static void
test_libvirt_10_5_snp_host_has_snp_and_id_block(void **state)
{
	CvmHostInfo h;
	g_autoptr(GError) error = NULL;

	assert_true(cvm_host_info_from_caps(CAPS_LIBVIRT_10_5, 10005000, 10001000, &h, &error));
	assert_true(h.sev);
	assert_true(h.sev_snp);
	assert_true(h.snp_id_block);
	assert_true(h.qemu_igvm);
}

static void
test_qemu_10_0_has_no_igvm_cfg(void **state)
{
	CvmHostInfo h;

	assert_true(cvm_host_info_from_caps(NULL, 10005000, 10000000, &h, NULL));
	assert_false(h.qemu_igvm);
}

static void
test_tcg_host_has_no_confidential_features(void **state)
{
	CvmHostInfo h;

	assert_true(cvm_host_info_from_caps(CAPS_TCG, 9000000, 7002000, &h, NULL));
	assert_false(h.kvm);
	assert_false(h.sev);
	assert_false(h.sev_snp);
	assert_false(h.tdx);
	assert_int_equal(h.sev_cbitpos, 0);
}

static void
test_malformed_caps_are_invalid(void **state)
{
	CvmHostInfo h;
	g_autoptr(GError) error = NULL;

	assert_false(cvm_host_info_from_caps("<domainCapabilities>", 9000000, 0, &h, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
}

static void
test_probe_of_test_driver_reports_libvirt_version(void **state)
{
	virConnectPtr conn = virConnectOpen("test:///default");
	CvmHostInfo h;
	g_autoptr(GError) error = NULL;
	unsigned long lib = 0;

	assert_non_null(conn);
	assert_true(cvm_host_probe(conn, &h, &error));
	cvmt_assert_no_error(error);
	assert_int_equal(virConnectGetLibVersion(conn, &lib), 0);
	assert_int_equal(h.libvirt_version, lib);
	assert_false(h.sev_snp);
	virConnectClose(conn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libvirt_9_0_sev_host_has_sev_but_no_snp_id_block),
		cmocka_unit_test(test_libvirt_10_5_snp_host_has_snp_and_id_block),
		cmocka_unit_test(test_qemu_10_0_has_no_igvm_cfg),
		cmocka_unit_test(test_tcg_host_has_no_confidential_features),
		cmocka_unit_test(test_malformed_caps_are_invalid),
		cmocka_unit_test(test_probe_of_test_driver_reports_libvirt_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
