/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the IGVM reader on arbitrary bytes, with and without
 * validation; the validator with every flag; the per-platform view of every
 * declared platform; and every file-data reference a header makes is read
 * through cvm_igvm_get_file_data() (which must refuse what is out of range). */
#include <cvm/igvm.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile guint8 sink;

static void
touch(const CvmIgvm *igvm, guint64 offset, guint64 len)
{
	const guint8 *p = NULL;
	g_autoptr(GError) error = NULL;

	if (offset == 0)
		return;
	if (!cvm_igvm_get_file_data(igvm, offset, MIN(len, 1u << 20), &p, &error)) {
		if (error == NULL)
			__builtin_trap();
		return;
	}
	for (guint64 i = 0; i < MIN(len, 1u << 20); i += 512)
		sink ^= p[i];
}

static void
touch_header(const CvmIgvm *igvm, const CvmIgvmHeader *h)
{
	const CvmIgvmPageData *pd = cvm_igvm_header_page_data(h);
	const CvmIgvmVpContext *vp = cvm_igvm_header_vp_context(h);
	const CvmIgvmParameterArea *pa = cvm_igvm_header_parameter_area(h);
	const CvmIgvmCorimData *cd = cvm_igvm_header_corim(h);
	guint32 mask;

	/* The payload lies inside the mapping: read its last byte. */
	if (h->length > 0)
		sink ^= ((const guint8 *)h->payload)[h->length - 1];
	(void)cvm_igvm_header_get_mask(h, &mask);
	if (pd != NULL)
		touch(igvm, cvm_le32(pd->file_offset), 4096);
	if (vp != NULL)
		touch(igvm, cvm_le32(vp->file_offset), 4096);
	if (pa != NULL)
		touch(igvm, cvm_le32(pa->file_offset), cvm_le64(pa->number_of_bytes));
	if (cd != NULL)
		touch(igvm, cvm_le32(cd->file_offset), cvm_le32(cd->size_bytes));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GBytes) input = g_bytes_new(data, size);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) checked = cvm_igvm_new_from_bytes(input, CVM_IGVM_STRICT | CVM_IGVM_FOR_QEMU, &error);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(input, CVM_IGVM_NO_VALIDATE, NULL);
	CvmIgvmHeader h;

	if (checked == NULL && error == NULL)
		__builtin_trap();
	if (igvm == NULL)
		return 0;
	g_autoptr(GPtrArray) problems = cvm_igvm_validate(igvm, CVM_IGVM_FOR_QEMU);
	for (guint i = 0; i < problems->len; i++)
		g_free(cvm_igvm_problem_to_string(problems->pdata[i]));
	/* A file the validator accepts opens with validation. */
	if (cvm_igvm_problems_count_errors(problems) == 0 && checked == NULL) {
		g_autoptr(CvmIgvm) again = cvm_igvm_new_from_bytes(input, CVM_IGVM_FOR_QEMU, NULL);
		if (again == NULL)
			__builtin_trap();
	}
	for (guint i = 0; cvm_igvm_get_header(igvm, i, &h); i++)
		touch_header(igvm, &h);
	GPtrArray *platforms = cvm_igvm_get_platforms(igvm);
	for (guint i = 0; i < platforms->len; i++) {
		const CvmIgvmSupportedPlatform *p = platforms->pdata[i];
		CvmIgvmPlatformIter it;
		cvm_igvm_platform_iter_init(&it, igvm, cvm_le32(p->compatibility_mask));
		while (cvm_igvm_platform_iter_next(&it, &h))
			touch_header(igvm, &h);
	}
	return 0;
}
