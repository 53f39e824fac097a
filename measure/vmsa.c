/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The initial VMSA (SEV-ES save area, 4096 bytes) a hypervisor builds for an
 * OVMF launch. Offsets follow the AMD APM save-area layout; the register
 * values are those QEMU/KVM (and EC2/GCE) use, as sev-snp-measure records them. */
#include "measure/measure-private.h"

#include <cvm/igvm-defs.h>
#include <string.h>


static void
put16(guint8 *page, gsize off, guint16 v)
{
	v = GUINT16_TO_LE(v);
	memcpy(page + off, &v, 2);
}

static void
put32(guint8 *page, gsize off, guint32 v)
{
	v = GUINT32_TO_LE(v);
	memcpy(page + off, &v, 4);
}

static void
put64(guint8 *page, gsize off, guint64 v)
{
	v = GUINT64_TO_LE(v);
	memcpy(page + off, &v, 8);
}

static void
seg(guint8 *page, gsize off, guint16 selector, guint16 attrib, guint32 limit, guint64 base)
{
	put16(page, off, selector);
	put16(page, off + 2, attrib);
	put32(page, off + 4, limit);
	put64(page, off + 8, base);
}

/* Registers every flavour shares: reset-state control registers. */
static void
common_regs(guint8 *page, guint64 sev_features, guint64 rdx, guint64 g_pat)
{
	seg(page, CVM_VMSA_GDTR, 0, 0, 0xffff, 0);
	seg(page, CVM_VMSA_IDTR, 0, 0, 0xffff, 0);
	seg(page, CVM_VMSA_LDTR, 0, 0x82, 0xffff, 0);
	put64(page, CVM_VMSA_EFER, 0x1000);	/* KVM sets EFER.SVME */
	put64(page, CVM_VMSA_CR4, 0x40);	/* KVM sets CR4.MCE */
	put64(page, CVM_VMSA_DR7, 0x400);
	put64(page, CVM_VMSA_DR6, 0xffff0ff0);
	put64(page, CVM_VMSA_RFLAGS, 0x2);
	put64(page, CVM_VMSA_G_PAT, g_pat);
	put64(page, CVM_VMSA_RDX, rdx);
	put64(page, CVM_VMSA_SEV_FEATURES, sev_features);
	put64(page, CVM_VMSA_XCR0, 0x1);
}

void
cvmi_vmsa_ovmf(guint8 page[4096], guint32 eip, guint64 sev_features, guint32 vcpu_sig, CvmVmmType vmm)
{
	guint16 cs_attr = 0x9b, ss_attr = 0x93, tr_attr = 0x8b;
	guint64 rdx = vcpu_sig, g_pat = 0x0007040600070406ull;
	guint32 mxcsr = 0x1f80;
	guint16 fcw = 0x37f;

	if (vmm == CVM_VMM_EC2) {
		cs_attr = eip == 0xfffffff0u ? 0x9a : 0x9b;
		ss_attr = 0x92;
		tr_attr = 0x83;
		rdx = 0x600;
		mxcsr = 0;
		fcw = 0;
	} else if (vmm == CVM_VMM_GCE) {
		g_pat = 0x00070106;
		rdx = 0x600;
		mxcsr = 0;
		fcw = 0;
	}
	memset(page, 0, CVMI_PAGE_SIZE);
	seg(page, CVM_VMSA_ES, 0, 0x93, 0xffff, 0);
	seg(page, CVM_VMSA_CS, 0xf000, cs_attr, 0xffff, eip & 0xffff0000u);
	seg(page, CVM_VMSA_SS, 0, ss_attr, 0xffff, 0);
	seg(page, CVM_VMSA_DS, 0, 0x93, 0xffff, 0);
	seg(page, CVM_VMSA_FS, 0, 0x93, 0xffff, 0);
	seg(page, CVM_VMSA_GS, 0, 0x93, 0xffff, 0);
	seg(page, CVM_VMSA_TR, 0, tr_attr, 0xffff, 0);
	common_regs(page, sev_features, rdx, g_pat);
	put64(page, CVM_VMSA_CR0, 0x10);
	put64(page, CVM_VMSA_RIP, eip & 0xffff);
	put32(page, CVM_VMSA_MXCSR, mxcsr);
	put16(page, CVM_VMSA_X87_FCW, fcw);
}

void
cvmi_vmsa_svsm(guint8 page[4096], guint64 rip, guint32 vcpu_sig)
{
	memset(page, 0, CVMI_PAGE_SIZE);
	seg(page, CVM_VMSA_ES, 16, 0xc93, 0xffffffff, 0);
	seg(page, CVM_VMSA_CS, 8, 0xc9b, 0xffffffff, 0);
	seg(page, CVM_VMSA_SS, 16, 0xc93, 0xffffffff, 0);
	seg(page, CVM_VMSA_DS, 16, 0xc93, 0xffffffff, 0);
	seg(page, CVM_VMSA_FS, 16, 0xc93, 0xffffffff, 0);
	seg(page, CVM_VMSA_GS, 0, 0x093, 0xffff, 0);
	seg(page, CVM_VMSA_TR, 0, 0x8b, 0xffff, 0);
	common_regs(page, 0x1, vcpu_sig, 0x0007040600070406ull);
	put64(page, CVM_VMSA_CR0, 0x11);
	put64(page, CVM_VMSA_RIP, rip);
	/* x87 FCW stays 0: sev-snp-measure never sets it in this flow and the
	 * hardware-derived SVSM vectors agree. */
	put32(page, CVM_VMSA_MXCSR, 0x1f80);
}
