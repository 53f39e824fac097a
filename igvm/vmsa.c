/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The initial VMSA (SEV-ES save area, 4096 bytes) a hypervisor builds for an
 * OVMF launch. Offsets follow the AMD APM save-area layout; the register
 * values are those QEMU/KVM (and EC2/GCE) use, as sev-snp-measure records them. */
#include "igvm/measure-private.h"

#include <string.h>

enum {
	OFF_ES = 0x00, OFF_CS = 0x10, OFF_SS = 0x20, OFF_DS = 0x30, OFF_FS = 0x40, OFF_GS = 0x50,
	OFF_GDTR = 0x60, OFF_LDTR = 0x70, OFF_IDTR = 0x80, OFF_TR = 0x90,
	OFF_EFER = 0xD0, OFF_CR4 = 0x148, OFF_CR0 = 0x158, OFF_DR7 = 0x160, OFF_DR6 = 0x168,
	OFF_RFLAGS = 0x170, OFF_RIP = 0x178, OFF_G_PAT = 0x268, OFF_RDX = 0x310,
	OFF_SEV_FEATURES = 0x3B0, OFF_XCR0 = 0x3E8, OFF_MXCSR = 0x408, OFF_X87_FCW = 0x410,
};

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
	seg(page, OFF_GDTR, 0, 0, 0xffff, 0);
	seg(page, OFF_IDTR, 0, 0, 0xffff, 0);
	seg(page, OFF_LDTR, 0, 0x82, 0xffff, 0);
	put64(page, OFF_EFER, 0x1000);	/* KVM sets EFER.SVME */
	put64(page, OFF_CR4, 0x40);	/* KVM sets CR4.MCE */
	put64(page, OFF_DR7, 0x400);
	put64(page, OFF_DR6, 0xffff0ff0);
	put64(page, OFF_RFLAGS, 0x2);
	put64(page, OFF_G_PAT, g_pat);
	put64(page, OFF_RDX, rdx);
	put64(page, OFF_SEV_FEATURES, sev_features);
	put64(page, OFF_XCR0, 0x1);
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
	seg(page, OFF_ES, 0, 0x93, 0xffff, 0);
	seg(page, OFF_CS, 0xf000, cs_attr, 0xffff, eip & 0xffff0000u);
	seg(page, OFF_SS, 0, ss_attr, 0xffff, 0);
	seg(page, OFF_DS, 0, 0x93, 0xffff, 0);
	seg(page, OFF_FS, 0, 0x93, 0xffff, 0);
	seg(page, OFF_GS, 0, 0x93, 0xffff, 0);
	seg(page, OFF_TR, 0, tr_attr, 0xffff, 0);
	common_regs(page, sev_features, rdx, g_pat);
	put64(page, OFF_CR0, 0x10);
	put64(page, OFF_RIP, eip & 0xffff);
	put32(page, OFF_MXCSR, mxcsr);
	put16(page, OFF_X87_FCW, fcw);
}

void
cvmi_vmsa_svsm(guint8 page[4096], guint64 rip, guint32 vcpu_sig)
{
	memset(page, 0, CVMI_PAGE_SIZE);
	seg(page, OFF_ES, 16, 0xc93, 0xffffffff, 0);
	seg(page, OFF_CS, 8, 0xc9b, 0xffffffff, 0);
	seg(page, OFF_SS, 16, 0xc93, 0xffffffff, 0);
	seg(page, OFF_DS, 16, 0xc93, 0xffffffff, 0);
	seg(page, OFF_FS, 16, 0xc93, 0xffffffff, 0);
	seg(page, OFF_GS, 0, 0x093, 0xffff, 0);
	seg(page, OFF_TR, 0, 0x8b, 0xffff, 0);
	common_regs(page, 0x1, vcpu_sig, 0x0007040600070406ull);
	put64(page, OFF_CR0, 0x11);
	put64(page, OFF_RIP, rip);
	/* x87 FCW stays 0: sev-snp-measure never sets it in this flow and the
	 * hardware-derived SVSM vectors agree. */
	put32(page, OFF_MXCSR, 0x1f80);
}
