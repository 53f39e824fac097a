/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of cvm's launch metadata in domain XML (launch/launch-metadata.c). */
#include "tests/lib/testlib.h"
#include <string.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <cvm/error.h>
#include <cvm/launch.h>

static CvmLaunchMetadata
sample(void)
{
	CvmLaunchMetadata md = {
		.igvm_path = g_strdup("/var/lib/cvm/a&b<'\".igvm"),
		.igvm_sha256 = g_strdup("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"),
		.platform = g_strdup("native"),
		.measurement = g_strdup("abcd"),
		.strategy = g_strdup("native-translate"),
	};
	return md;
}

static void
test_metadata_round_trips_through_a_domain_document(void **state)
{
	CvmLaunchMetadata md = sample(), back = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree gchar *elem = cvm_launch_metadata_to_xml(&md, &error);
	g_autofree gchar *dom = NULL;

	cvmt_assert_no_error(error);
	assert_true(g_str_has_prefix(elem, "<cvm:guest"));
	dom = g_strdup_printf("<domain type='qemu'><name>x</name><metadata>%s</metadata></domain>", elem);
	assert_true(cvm_launch_metadata_from_domain_xml(dom, &back, &error));
	cvmt_assert_no_error(error);
	assert_string_equal(back.igvm_path, md.igvm_path);
	assert_string_equal(back.igvm_sha256, md.igvm_sha256);
	assert_string_equal(back.platform, "native");
	assert_string_equal(back.measurement, "abcd");
	assert_string_equal(back.strategy, "native-translate");
	cvm_launch_metadata_clear(&md);
	cvm_launch_metadata_clear(&back);
}

static void
test_metadata_reads_the_hook_shape(void **state)
{
	CvmLaunchMetadata back = { 0 };
	g_autoptr(GError) error = NULL;
	const char *xml = "<domain><metadata><cvm:guest xmlns:cvm='http://cvm.org/schemas/domain/1'>"
			  "<cvm:igvm path='/g.igvm' platform='sev-snp'/></cvm:guest></metadata></domain>";

	assert_true(cvm_launch_metadata_from_domain_xml(xml, &back, &error));
	assert_string_equal(back.igvm_path, "/g.igvm");
	assert_string_equal(back.platform, "sev-snp");
	assert_null(back.igvm_sha256);
	cvm_launch_metadata_clear(&back);
}

static void
test_metadata_in_a_foreign_namespace_is_not_found(void **state)
{
	CvmLaunchMetadata back = { 0 };
	g_autoptr(GError) error = NULL;
	const char *xml = "<domain><metadata><cvm:guest xmlns:cvm='http://example.org/other'>"
			  "<cvm:igvm path='/g.igvm' platform='native'/></cvm:guest></metadata></domain>";

	assert_false(cvm_launch_metadata_from_domain_xml(xml, &back, &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
}

static void
test_metadata_without_platform_is_invalid(void **state)
{
	CvmLaunchMetadata back = { 0 };
	g_autoptr(GError) error = NULL;
	const char *xml = "<cvm:guest xmlns:cvm='http://cvm.org/schemas/domain/1'><cvm:igvm path='/g'/></cvm:guest>";

	assert_false(cvm_launch_metadata_from_domain_xml(xml, &back, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
	assert_null(back.igvm_path);
}

static void
test_malformed_domain_xml_is_invalid(void **state)
{
	CvmLaunchMetadata back = { 0 };
	g_autoptr(GError) error = NULL;

	assert_false(cvm_launch_metadata_from_domain_xml("<domain><metadata>", &back, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
}

static void
test_metadata_missing_required_field_is_refused(void **state)
{
	CvmLaunchMetadata md = { .igvm_path = (gchar *)"/g", .platform = (gchar *)"native" };
	g_autoptr(GError) error = NULL;

	assert_null(cvm_launch_metadata_to_xml(&md, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
}

static void
test_explicit_uri_wins(void **state)
{
	g_autofree gchar *uri = cvm_launch_pick_uri("test:///default", "/nonexistent", "/var/lib/cvm");

	assert_string_equal(uri, "test:///default");
}

static void
test_no_system_socket_picks_embedded_driver(void **state)
{
	g_autofree gchar *uri = cvm_launch_pick_uri(NULL, "/nonexistent/sock", "/var/lib/my cvm");
	g_autofree gchar *root = cvm_launch_embed_root(uri);

	assert_string_equal(uri, "qemu:///embed?root=/var/lib/my%20cvm/libvirt");
	assert_string_equal(root, "/var/lib/my cvm/libvirt");
}

static void
test_system_socket_picks_qemu_system(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *sock = g_build_filename(dir, "libvirt-sock", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, &error);
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(sock);
	g_autofree gchar *uri = NULL;
	g_autofree gchar *plain = g_build_filename(dir, "not-a-socket", NULL);

	assert_true(g_socket_bind(s, addr, FALSE, &error));
	uri = cvm_launch_pick_uri(NULL, sock, dir);
	assert_string_equal(uri, "qemu:///system");
	g_free(uri);
	assert_true(g_file_set_contents(plain, "", 0, NULL));
	uri = cvm_launch_pick_uri(NULL, plain, dir);
	assert_true(g_str_has_prefix(uri, "qemu:///embed?root="));
	cvmt_rm_rf(dir);
}

static void
test_embed_root_of_other_uri_is_null(void **state)
{
	assert_null(cvm_launch_embed_root("qemu:///system"));
	assert_null(cvm_launch_embed_root(NULL));
}

static void
test_prepare_embed_root_writes_root_qemu_conf_once(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *root = g_build_filename(dir, "libvirt", NULL);
	g_autofree gchar *conf = g_build_filename(root, "etc", "qemu.conf", NULL);
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;

	assert_true(cvm_launch_prepare_embed_root(root, &error));
	cvmt_assert_no_error(error);
	assert_true(g_file_get_contents(conf, &text, NULL, NULL));
	assert_non_null(strstr(text, "user = \"root\""));
	assert_non_null(strstr(text, "dynamic_ownership = 0"));
	assert_true(g_file_set_contents(conf, "# admin\n", -1, NULL));
	assert_true(cvm_launch_prepare_embed_root(root, &error));
	g_free(text);
	assert_true(g_file_get_contents(conf, &text, NULL, NULL));
	assert_string_equal(text, "# admin\n");
	cvmt_rm_rf(dir);
}

static void
test_prepare_embed_root_under_a_file_fails_with_io(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *file = g_build_filename(dir, "f", NULL);
	g_autofree gchar *root = g_build_filename(file, "libvirt", NULL);
	g_autoptr(GError) error = NULL;

	assert_true(g_file_set_contents(file, "", 0, NULL));
	assert_false(cvm_launch_prepare_embed_root(root, &error));
	cvmt_assert_error(error, CVM_ERROR_IO);
	cvmt_rm_rf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metadata_round_trips_through_a_domain_document),
		cmocka_unit_test(test_metadata_reads_the_hook_shape),
		cmocka_unit_test(test_metadata_in_a_foreign_namespace_is_not_found),
		cmocka_unit_test(test_metadata_without_platform_is_invalid),
		cmocka_unit_test(test_malformed_domain_xml_is_invalid),
		cmocka_unit_test(test_metadata_missing_required_field_is_refused),
		cmocka_unit_test(test_explicit_uri_wins),
		cmocka_unit_test(test_no_system_socket_picks_embedded_driver),
		cmocka_unit_test(test_system_socket_picks_qemu_system),
		cmocka_unit_test(test_embed_root_of_other_uri_is_null),
		cmocka_unit_test(test_prepare_embed_root_writes_root_qemu_conf_once),
		cmocka_unit_test(test_prepare_embed_root_under_a_file_fails_with_io),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
