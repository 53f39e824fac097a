/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AMD's root bundles are parsed once per process (attest/snp-roots.c):
 * replacing, rewriting or removing a file in the roots folder must still
 * take effect at the next verification. */
#include "tests/lib/testlib.h"
#include <cvm/attest-snp.h>
#include <cvm/error.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

typedef struct {
	GBytes *report;
	GBytes *vcek;
	gchar *dir;
} Fixture;

static void
copy_root(const char *from, const char *dir, const char *to)
{
	g_autofree gchar *src = cvmt_third_party_path(from);
	g_autofree gchar *dst = g_build_filename(dir, to, NULL);
	g_autoptr(GBytes) b = cvmt_read_file(src);

	assert_true(g_file_set_contents(dst, g_bytes_get_data(b, NULL), (gssize)g_bytes_get_size(b), NULL));
}

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autofree gchar *report = cvmt_third_party_path("trustee/report-milan-v2.bin");
	g_autofree gchar *vcek = cvmt_third_party_path("trustee/vcek-milan.der");

	f->report = cvmt_read_file(report);
	f->vcek = cvmt_read_file(vcek);
	f->dir = cvmt_mkdtemp();
	copy_root("virtee-sev/ark-milan.pem", f->dir, "ark-milan.pem");
	copy_root("virtee-sev/ask-milan.pem", f->dir, "ask-milan.pem");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	cvmt_rm_rf(f->dir);
	g_bytes_unref(f->report);
	g_bytes_unref(f->vcek);
	g_free(f->dir);
	g_free(f);
	return 0;
}

static gboolean
verify(Fixture *f, CvmSnpVerifyStep *step, GError **error)
{
	CvmSnpVerifyOptions o = { .roots_dir = f->dir };

	return cvm_snp_verify_report(g_bytes_get_data(f->report, NULL), g_bytes_get_size(f->report), f->vcek,
				     &o, step, error);
}

static void
assert_verifies(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	CvmSnpVerifyStep step;

	assert_true(verify(f, &step, &error));
	cvmt_assert_no_error(error);
}

static void
assert_chain_fails(Fixture *f, const char *message)
{
	g_autoptr(GError) error = NULL;
	CvmSnpVerifyStep step = CVM_SNP_VERIFY_OK;

	assert_false(verify(f, &step, &error));
	assert_int_equal(step, CVM_SNP_VERIFY_CHAIN);
	assert_non_null(error);
	if (strstr(error->message, message) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", error->message, message);
}

/* A new file in its place (another inode): Genoa's ARK cannot sign the
 * Milan ASK, and putting Milan's back verifies again. */
static void
test_replaced_root_is_read_again(void **state)
{
	Fixture *f = *state;

	assert_verifies(f);
	copy_root("virtee-sev/ark-genoa.pem", f->dir, "ark-milan.pem");
	assert_chain_fails(f, "certificate chain");
	copy_root("virtee-sev/ark-milan.pem", f->dir, "ark-milan.pem");
	assert_verifies(f);
}

/* The same inode rewritten (as `cp` over it does), and a file removed. */
static void
test_rewritten_and_removed_roots_are_read_again(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *ark = g_build_filename(f->dir, "ark-milan.pem", NULL);
	g_autofree gchar *src = cvmt_third_party_path("virtee-sev/ark-genoa.pem");
	g_autoptr(GBytes) genoa = cvmt_read_file(src);
	FILE *fp;

	assert_verifies(f);
	fp = fopen(ark, "w");
	assert_non_null(fp);
	/* A trailing comment makes the size differ even where the clock
	 * would give both writes one modification time. */
	assert_int_equal(fwrite(g_bytes_get_data(genoa, NULL), 1, g_bytes_get_size(genoa), fp),
			 g_bytes_get_size(genoa));
	fputs("# rewritten in place\n", fp);
	assert_int_equal(fclose(fp), 0);
	assert_chain_fails(f, "certificate chain");
	assert_int_equal(g_unlink(ark), 0);
	assert_chain_fails(f, "no AMD root certificates");
	copy_root("virtee-sev/ark-milan.pem", f->dir, "ark-milan.pem");
	assert_verifies(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replaced_root_is_read_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewritten_and_removed_roots_are_read_again, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
