/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "vp_context_native": the x64 register state of a NATIVE/SEV boot
 * processor, one JSON key per CvmIgvmNativeVpContextX64 field. */
#include "igvm/manifest-private.h"

#include <cvm/error.h>
#include <string.h>

#define REG(name) { #name, offsetof(CvmIgvmNativeVpContextX64, name), \
		    sizeof(((CvmIgvmNativeVpContextX64 *)0)->name) }

static const struct {
	const char *name;
	gsize offset;
	gsize size;
} registers[] = {
	REG(rax), REG(rcx), REG(rdx), REG(rbx), REG(rsp), REG(rbp), REG(rsi), REG(rdi),
	REG(r8), REG(r9), REG(r10), REG(r11), REG(r12), REG(r13), REG(r14), REG(r15),
	REG(rip), REG(rflags), REG(idtr_base), REG(idtr_limit), REG(gdtr_limit), REG(gdtr_base),
	REG(code_selector), REG(code_attributes), REG(code_base), REG(code_limit),
	REG(data_selector), REG(data_attributes), REG(data_base), REG(data_limit),
	REG(gs_base), REG(cr0), REG(cr3), REG(cr4), REG(efer),
};

static void
store(guint8 *base, gsize offset, gsize size, guint64 value)
{
	guint16 v16 = (guint16)value;
	guint32 v32 = (guint32)value;

	/* Host order: the builder converts the struct to file byte order. */
	if (size == 2)
		memcpy(base + offset, &v16, 2);
	else if (size == 4)
		memcpy(base + offset, &v32, 4);
	else
		memcpy(base + offset, &value, 8);
}

gboolean
cvmi_mf_native_context(CvmiManifest *m, json_object *d, const char *path, guint32 unused,
		       GError **error)
{
	static const char *const keys[] = { "type", "platforms", "vp_index", "registers", NULL };
	CvmIgvmNativeVpContextX64 ctx = { 0 };
	g_autofree gchar *rpath = g_strdup_printf("%s.registers", path);
	json_object *regs = NULL;
	guint64 vp;
	guint32 mask;

	if (!cvmi_mf_check_keys(d, path, keys, error) || !cvmi_mf_get_mask(m, d, path, &mask, error) ||
	    !cvmi_mf_get_u64(d, "vp_index", path, FALSE, 0, G_MAXUINT16, &vp, error))
		return FALSE;
	if (!json_object_object_get_ex(d, "registers", &regs) ||
	    !json_object_is_type(regs, json_type_object)) {
		cvmi_mf_error(error, path, "\"registers\" must be an object");
		return FALSE;
	}
	json_object_object_foreach(regs, key, val) {
		gboolean known = FALSE;

		(void)val;
		for (guint i = 0; i < G_N_ELEMENTS(registers) && !known; i++) {
			guint64 max = registers[i].size == 8 ? G_MAXUINT64
							     : (1ull << (registers[i].size * 8)) - 1;
			guint64 value;

			if (strcmp(key, registers[i].name) != 0)
				continue;
			known = TRUE;
			if (!cvmi_mf_get_u64(regs, key, rpath, TRUE, 0, max, &value, error))
				return FALSE;
			store((guint8 *)&ctx, registers[i].offset, registers[i].size, value);
		}
		if (!known) {
			cvmi_mf_error(error, rpath, "unknown register \"%s\"", key);
			return FALSE;
		}
	}
	return cvm_igvm_builder_add_vp_context_native(m->builder, mask, (guint16)vp, &ctx, error);
}
