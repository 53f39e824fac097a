/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writes the seed corpus of tests/fuzz/fuzz-igvm (small crafted IGVM files,
 * valid and broken, v1 and v2) into the directory given as argument:
 *   build/tests/helpers/igvm-seed-corpus tests/fuzz/corpus/fuzz-igvm */
#include "../lib/igvm-craft.h"

#include <stdio.h>
#include <string.h>

static guint8 page[4096];

static void
save(const char *dir, const char *name, CvmtIgvmCraft *c)
{
	gsize len;
	g_autofree guint8 *buf = cvmt_craft_finish(c, &len);
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	if (!g_file_set_contents(path, (const char *)buf, len, NULL))
		fprintf(stderr, "cannot write %s\n", path);
	cvmt_craft_free(c);
}

static CvmtIgvmCraft *
snp_native(guint32 version)
{
	CvmtIgvmCraft *c = cvmt_craft_new(version, 0, 1024);
	cvmt_craft_platform(c, 1, CVM_PLATFORM_SEV_SNP);
	cvmt_craft_platform(c, 2, CVM_PLATFORM_NATIVE);
	CvmIgvmGuestPolicy gp = { GUINT64_TO_LE(0x30000), GUINT32_TO_LE(1), 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_GUEST_POLICY, &gp, sizeof(gp));
	guint32 pg = cvmt_craft_data(c, page, 512);
	CvmIgvmParameterArea pa = { GUINT64_TO_LE(4096), 0, 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PARAMETER_AREA, &pa, sizeof(pa));
	cvmt_craft_param(c, CVM_IGVM_VHT_VP_COUNT_PARAMETER, 0, 0);
	cvmt_craft_param(c, CVM_IGVM_VHT_MEMORY_MAP, 0, 8);
	CvmIgvmParameterInsert pi = { GUINT64_TO_LE(0x10000), GUINT32_TO_LE(3), 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PARAMETER_INSERT, &pi, sizeof(pi));
	cvmt_craft_page(c, 0x1000, 3, pg);
	cvmt_craft_page(c, 0x2000, 1, 0);
	CvmIgvmVpContext vp = { GUINT64_TO_LE(0x3000), GUINT32_TO_LE(1), GUINT32_TO_LE(pg), 0, 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_VP_CONTEXT, &vp, sizeof(vp));
	return c;
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 1;
	}
	const char *dir = argv[1];
	memset(page, 0xA5, 256);
	save(dir, "snp-native-v1.igvm", snp_native(1));
	save(dir, "snp-native-v2.igvm", snp_native(2));

	CvmtIgvmCraft *c = cvmt_craft_new(1, 0, 2048);
	cvmt_craft_platform(c, 1, CVM_PLATFORM_VSM);
	CvmIgvmRelocatableRegion rr = { GUINT32_TO_LE(1), 0, 0, 0, GUINT64_TO_LE(0x1000), GUINT64_TO_LE(0x1000),
					GUINT64_TO_LE(0x1000), GUINT64_TO_LE(0x1000), GUINT64_TO_LE(0x10000) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_RELOCATABLE_REGION, &rr, sizeof(rr));
	CvmIgvmPageTableRelocation pt = { GUINT32_TO_LE(1), 0, 0, 0, GUINT64_TO_LE(0x8000), GUINT64_TO_LE(0x2000), 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PAGE_TABLE_RELOCATION_REGION, &pt, sizeof(pt));
	guint32 doc = cvmt_craft_data(c, "doc", 3);
	CvmIgvmCorimData cd = { GUINT32_TO_LE(1), GUINT32_TO_LE(doc), GUINT32_TO_LE(3), 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_CORIM_DOCUMENT, &cd, sizeof(cd));
	cvmt_craft_tlv(c, CVM_IGVM_VHT_CORIM_SIGNATURE, &cd, sizeof(cd));
	CvmIgvmRequiredMemory rm = { GUINT64_TO_LE(0x100000), GUINT32_TO_LE(1), GUINT32_TO_LE(0x1000), 0, 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_REQUIRED_MEMORY, &rm, sizeof(rm));
	CvmIgvmErrorRange er = { GUINT64_TO_LE(0x200000), GUINT32_TO_LE(1), GUINT32_TO_LE(0x1000) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_ERROR_RANGE, &er, sizeof(er));
	guint32 regs = cvmt_craft_data(c, "\0\0\0\0", 4);
	CvmIgvmVpContext vp = { 0, GUINT32_TO_LE(1), GUINT32_TO_LE(regs), 0, 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_VP_CONTEXT, &vp, sizeof(vp));
	CvmIgvmVbsMeasurement vbs = { .compatibility_mask = GUINT32_TO_LE(1) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_VBS_MEASUREMENT, &vbs, sizeof(vbs));
	save(dir, "vsm-init-headers.igvm", c);

	c = cvmt_craft_new(2, 1, 256);
	cvmt_craft_platform(c, 1, CVM_PLATFORM_CCA);
	CvmIgvmCcaPolicy cca = { GUINT32_TO_LE(1), 0, GUINT64_TO_LE(1), GUINT64_TO_LE(2), 2, 1, { 0 } };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_CCA_POLICY, &cca, sizeof(cca));
	cvmt_craft_data(c, page, 8);
	save(dir, "cca-v2.igvm", c);

	c = cvmt_craft_new(1, 0, 1024);
	cvmt_craft_platform(c, 1, CVM_PLATFORM_SEV_SNP);
	CvmIgvmSnpIdBlock id = { .compatibility_mask = GUINT32_TO_LE(1) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_SNP_ID_BLOCK, &id, sizeof(id));
	guint64 x = 0;
	cvmt_craft_tlv(c, 0x3F0 | CVM_IGVM_VHT_OPTIONAL_BIT, &x, 8);
	cvmt_craft_param(c, CVM_IGVM_VHT_SRAT, 9, 0);
	cvmt_craft_page(c, 0x1001, 5, 7);
	cvmt_craft_data(c, page, 8);
	save(dir, "snp-broken-rules.igvm", c);
	return 0;
}
