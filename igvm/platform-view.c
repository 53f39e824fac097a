/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-platform view: the headers a loader for one platform would act on. */
#include "igvm/reader-private.h"

#include <cvm/error.h>

void
cvm_igvm_platform_iter_init(CvmIgvmPlatformIter *iter, const CvmIgvm *igvm, guint32 mask)
{
	iter->igvm = igvm;
	iter->mask = mask;
	iter->next = 0;
}

gboolean
cvm_igvm_platform_iter_init_type(CvmIgvmPlatformIter *iter, const CvmIgvm *igvm, CvmPlatform type,
				 GError **error)
{
	guint32 mask = cvm_igvm_platform_mask(igvm, type);

	if (mask == 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "IGVM file has no %s platform",
			    cvm_platform_to_string(type));
		return FALSE;
	}
	cvm_igvm_platform_iter_init(iter, igvm, mask);
	return TRUE;
}

/* PARAMETER_AREA and the parameter types carry no mask: they belong to the
 * platforms whose PARAMETER_INSERT places their area. */
static guint32
area_mask(const CvmIgvm *igvm, const CvmIgvmHeader *h)
{
	const CvmIgvmParameterArea *a = cvm_igvm_header_parameter_area(h);
	const CvmIgvmParameter *p = cvm_igvm_header_parameter(h);
	guint32 index;

	if (a != NULL)
		index = cvm_le32(a->parameter_area_index);
	else if (p != NULL)
		index = cvm_le32(p->parameter_area_index);
	else
		return 0;
	return GPOINTER_TO_UINT(g_hash_table_lookup(igvm->area_insert_mask, GUINT_TO_POINTER(index)));
}

gboolean
cvm_igvm_platform_iter_next(CvmIgvmPlatformIter *iter, CvmIgvmHeader *out)
{
	while (cvm_igvm_get_header(iter->igvm, iter->next, out)) {
		guint32 mask;
		iter->next++;
		if (!cvm_igvm_header_get_mask(out, &mask))
			mask = area_mask(iter->igvm, out);
		if ((mask & iter->mask) != 0)
			return TRUE;
	}
	return FALSE;
}
