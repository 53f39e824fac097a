/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The embedded driver's qemu.conf (launch/launch-uri.c): run as root, cvm has
 * QEMU run as libvirt-qemu where that user can reach the state directory,
 * as root where it cannot; a file cvm wrote before is brought up to date,
 * an administrator's is kept. */
#include "tests/lib/testlib.h"
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <cvm/launch.h>

static gchar *
conf_under(const char *dir)
{
	g_autofree gchar *root = g_build_filename(dir, "state", "libvirt", NULL);
	g_autofree gchar *conf = g_build_filename(root, "etc", "qemu.conf", NULL);
	g_autoptr(GError) error = NULL;
	gchar *text = NULL;

	assert_true(cvm_launch_prepare_embed_root(root, &error));
	cvmt_assert_no_error(error);
	assert_true(g_file_get_contents(conf, &text, NULL, NULL));
	return text;
}

static gboolean
privileged_with_user(void)
{
	return geteuid() == 0 && getpwnam("libvirt-qemu") != NULL;
}

static void
test_qemu_runs_as_libvirt_qemu_where_it_reaches_the_state_dir(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *text = NULL;
	g_autofree gchar *sdir = g_build_filename(dir, "state", NULL);
	GStatBuf st;

	if (!privileged_with_user())
		skip();
	assert_int_equal(g_chmod(dir, 0711), 0);
	text = conf_under(dir);
	assert_non_null(strstr(text, "user = \"libvirt-qemu\""));
	assert_non_null(strstr(text, "group = \"libvirt-qemu\""));
	assert_non_null(strstr(text, "dynamic_ownership = 1"));
	assert_non_null(strstr(text, "namespaces = [ \"mount\" ]"));
	assert_null(strstr(text, "user = \"root\""));
	/* cvm creates the state directory searchable but not listable. */
	assert_int_equal(g_stat(sdir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	cvmt_rm_rf(dir);
}

static void
test_qemu_stays_root_below_a_private_directory(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp(); /* 0700 */
	g_autofree gchar *text = NULL;

	if (geteuid() != 0)
		skip();
	text = conf_under(dir);
	assert_non_null(strstr(text, "user = \"root\""));
	assert_non_null(strstr(text, "dynamic_ownership = 0"));
	assert_non_null(strstr(text, "namespaces = [ \"mount\" ]"));
	cvmt_rm_rf(dir);
}

static void
test_a_conf_cvm_wrote_is_updated_an_admins_is_kept(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *conf = g_build_filename(dir, "state", "libvirt", "etc", "qemu.conf", NULL);
	g_autofree gchar *etc = g_path_get_dirname(conf);
	g_autofree gchar *text = NULL;

	if (!privileged_with_user())
		skip();
	assert_int_equal(g_chmod(dir, 0711), 0);
	assert_int_equal(g_mkdir_with_parents(etc, 0755), 0);
	/* What cvm wrote before QEMU ran unprivileged. */
	assert_true(g_file_set_contents(conf,
					"# Written by cvm for libvirt's embedded QEMU driver (docs/launch.md).\n"
					"user = \"root\"\ngroup = \"root\"\ndynamic_ownership = 0\n",
					-1, NULL));
	text = conf_under(dir);
	assert_non_null(strstr(text, "user = \"libvirt-qemu\""));
	g_free(text);
	assert_true(g_file_set_contents(conf, "# tuned by the admin\nuser = \"root\"\n", -1, NULL));
	text = conf_under(dir);
	assert_string_equal(text, "# tuned by the admin\nuser = \"root\"\n");
	cvmt_rm_rf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_runs_as_libvirt_qemu_where_it_reaches_the_state_dir),
		cmocka_unit_test(test_qemu_stays_root_below_a_private_directory),
		cmocka_unit_test(test_a_conf_cvm_wrote_is_updated_an_admins_is_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
