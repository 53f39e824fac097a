/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: a small launchable IGVM file, and XPath queries on domain XML. */
#include "tests/lib/launch-files.h"
#include "tests/lib/testlib.h"

#include <cvm/igvm-builder.h>
#include <cvm/launch.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <string.h>

#define FOUR_GIB G_GUINT64_CONSTANT(0x100000000)

void
cvmt_write_launch_igvm(const char *path)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	guint32 snp = cvm_igvm_builder_add_platform(b, CVM_PLATFORM_SEV_SNP, 0, 0, 0, &error);
	guint32 native = cvm_igvm_builder_add_platform(b, CVM_PLATFORM_NATIVE, 0, 0, 0, &error);
	guint32 es = cvm_igvm_builder_add_platform(b, CVM_PLATFORM_SEV_ES, 0, 0, 0, &error);
	g_autoptr(GBytes) top = g_bytes_new_take(memset(g_malloc(4096), 0xf4, 4096), 4096);
	CvmIgvmSnpIdBlock id = {0};

	assert_true(cvm_igvm_builder_add_guest_policy(b, snp, 0x30000, &error));
	assert_true(cvm_igvm_builder_add_page_data(b, snp | native | es, FOUR_GIB - 4096, 0, CVM_IGVM_PAGE_DATA_NORMAL,
						   top, &error));
	id.compatibility_mask = GUINT32_TO_LE(snp);
	memset(id.ld, 0xab, sizeof(id.ld));
	id.id_key_algorithm = GUINT32_TO_LE(1);
	id.author_key_enabled = 1;
	id.author_key_algorithm = GUINT32_TO_LE(1);
	memset(id.id_key_signature.r_comp, 0x11, sizeof(id.id_key_signature.r_comp));
	assert_true(cvm_igvm_builder_add_snp_id_block(b, snp, &id, &error));
	cvmt_assert_no_error(error);
	assert_true(cvm_igvm_builder_write_file(b, path, &error));
	cvmt_assert_no_error(error);
}

CvmtLaunchDir *
cvmt_launch_dir_new(const char *igvm_name)
{
	CvmtLaunchDir *d = g_new0(CvmtLaunchDir, 1);

	d->dir = cvmt_mkdtemp();
	d->igvm = g_build_filename(d->dir, igvm_name, NULL);
	d->guest_dir = g_build_filename(d->dir, "guest", NULL);
	cvmt_write_launch_igvm(d->igvm);
	return d;
}

void
cvmt_launch_dir_free(CvmtLaunchDir *d)
{
	cvmt_rm_rf(d->dir);
	g_free(d->dir);
	g_free(d->igvm);
	g_free(d->guest_dir);
	g_free(d);
}

int
cvmt_launch_dir_teardown(void **state)
{
	cvmt_launch_dir_free(*state);
	return 0;
}

gchar *
cvmt_xpath(const char *xml, const char *expr)
{
	xmlDocPtr doc = xmlReadMemory(xml, strlen(xml), "d.xml", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(ctx, (const xmlChar *)"q", (const xmlChar *)"http://libvirt.org/schemas/domain/qemu/1.0");
	xmlXPathRegisterNs(ctx, (const xmlChar *)"cvm", (const xmlChar *)CVM_LAUNCH_METADATA_NS);
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	gchar *out = NULL;
	if (o != NULL && o->type == XPATH_NODESET && o->nodesetval != NULL && o->nodesetval->nodeNr > 0) {
		xmlChar *s = xmlXPathCastToString(o);
		out = g_strdup((const char *)s);
		xmlFree(s);
	} else if (o != NULL && o->type == XPATH_STRING) {
		out = g_strdup((const char *)o->stringval);
	}
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return out;
}
