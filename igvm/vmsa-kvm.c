/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Will QEMU and KVM launch an IGVM VMSA unchanged? QEMU's IGVM loader does
 * not hand the page to KVM: it copies some fields into the vCPU state
 * (target/i386/sev.c sev_apply_cpu_context, after check_vmsa_supported
 * refused any other non-zero field) and KVM builds and measures its own VMSA
 * from that state (arch/x86/kvm/svm/sev.c sev_es_sync_vmsa). The file's
 * digest is the launch digest only when that round trip gives back the same
 * page; each rule below is one place where it would not, or where QEMU or
 * KVM refuse the value. Sources and the table: docs/measurement.md,
 * "What KVM does with an IGVM VMSA". One function for `igvm measure
 * --check-kvm` and `igvm validate --for-qemu`. */
#include "igvm/igvm-internal.h"

#include <cvm/igvm-defs.h>
#include <string.h>

#define CR0_PE G_GUINT64_CONSTANT(0x1)
#define CR0_ET G_GUINT64_CONSTANT(0x10)
#define CR0_NW (G_GUINT64_CONSTANT(1) << 29)
#define CR0_CD (G_GUINT64_CONSTANT(1) << 30)
#define CR0_PG (G_GUINT64_CONSTANT(1) << 31)
#define CR4_PAE 0x20ull
#define CR4_MCE 0x40ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull
#define EFER_SVME 0x1000ull
#define DR7_FIXED_1 0x400ull
#define RFLAGS_FIXED 0x2ull
#define XCR0_X87 0x1ull
#define SEV_FEAT_SNP_ACTIVE 0x1ull

/* Byte ranges QEMU copies into the vCPU state (check_vmsa_supported clears
 * exactly these before it requires the rest of the save area to be zero). */
static const struct {
	guint16 off, len;
} synced[] = {
	{ CVM_VMSA_ES, 0xA0 },	     /* ES, CS, SS, DS, FS, GS, GDTR, LDTR, IDTR, TR */
	{ CVM_VMSA_EFER, 8 },
	{ CVM_VMSA_CR4, 0x38 },	     /* CR4, CR3, CR0, DR7, DR6, RFLAGS, RIP */
	{ CVM_VMSA_RSP, 8 },
	{ 0x1F8, 8 },		     /* RAX */
	{ CVM_VMSA_G_PAT, 8 },
	{ 0x308, 0x18 },	     /* RCX, RDX, RBX */
	{ 0x328, 0x58 },	     /* RBP, RSI, RDI, R8-R15 */
	{ CVM_VMSA_SEV_FEATURES, 8 },
	{ CVM_VMSA_XCR0, 8 },
	{ CVM_VMSA_MXCSR, 4 },
	{ CVM_VMSA_X87_FCW, 2 },
};

static void G_GNUC_PRINTF(2, 3)
add(GPtrArray *problems, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_ptr_array_add(problems, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

static gboolean
pat_valid(guint64 pat)
{
	for (guint i = 0; i < 8; i++) {
		guint8 t = (pat >> (8 * i)) & 0xff;
		if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6 && t != 7)
			return FALSE;
	}
	return TRUE;
}

static void
check_unsynced_bytes(const guint8 *vmsa, GPtrArray *problems)
{
	gsize off = 0;

	while (off < CVM_VMSA_SIZE) {
		gsize skip = 0;
		for (gsize i = 0; i < G_N_ELEMENTS(synced); i++)
			if (off == synced[i].off)
				skip = synced[i].len;
		if (skip != 0) {
			off += skip;
			continue;
		}
		if (vmsa[off] != 0) {
			add(problems, "VMSA byte 0x%zx is 0x%02x: QEMU copies only registers into the vCPU state and "
				      "refuses (or KVM rebuilds as zero) every other field", off, vmsa[off]);
			return;
		}
		off++;
	}
}

static void
check_segments(const guint8 *vmsa, GPtrArray *problems)
{
	static const struct {
		const char *name;
		guint16 off;
	} segs[] = { { "ES", CVM_VMSA_ES }, { "CS", CVM_VMSA_CS }, { "SS", CVM_VMSA_SS },
		     { "DS", CVM_VMSA_DS }, { "FS", CVM_VMSA_FS }, { "GS", CVM_VMSA_GS },
		     { "LDTR", CVM_VMSA_LDTR }, { "TR", CVM_VMSA_TR } };

	/* QEMU keeps the 12 architectural attribute bits, KVM rebuilds the rest as 0. */
	for (gsize i = 0; i < G_N_ELEMENTS(segs); i++)
		if (cvm_read_le16(vmsa + segs[i].off + 2) & 0xf000)
			add(problems, "VMSA %s attributes 0x%x have bits 12-15 set, which KVM drops", segs[i].name,
			    cvm_read_le16(vmsa + segs[i].off + 2));
	/* KVM takes only base and limit of the descriptor tables (KVM_SET_SREGS). */
	if (cvm_read_le32(vmsa + CVM_VMSA_GDTR) || cvm_read_le32(vmsa + CVM_VMSA_IDTR))
		add(problems, "VMSA GDTR/IDTR selector or attributes are not 0; KVM keeps only base and limit");
	/* KVM derives CPL from SS.DPL; QEMU requires the CPL byte to be 0. */
	if ((cvm_read_le16(vmsa + CVM_VMSA_SS + 2) >> 5) & 3)
		add(problems, "VMSA SS.DPL is %u; KVM sets CPL from it and QEMU requires CPL 0",
		    (cvm_read_le16(vmsa + CVM_VMSA_SS + 2) >> 5) & 3);
}

static void
check_control(const guint8 *vmsa, GPtrArray *problems)
{
	guint64 cr0 = cvm_read_le64(vmsa + CVM_VMSA_CR0), cr4 = cvm_read_le64(vmsa + CVM_VMSA_CR4);
	guint64 efer = cvm_read_le64(vmsa + CVM_VMSA_EFER);

	/* QEMU: cpu_x86_update_cr0(env, (uint32_t)cr0) stores cr0 | CR0_ET;
	 * KVM: svm_set_cr0() clears CD and NW (KVM_X86_QUIRK_CD_NW_CLEARED, on by default). */
	if (cr0 >> 32)
		add(problems, "VMSA CR0 0x%" G_GINT64_MODIFIER "x: QEMU keeps only the low 32 bits", cr0);
	if (!(cr0 & CR0_ET))
		add(problems, "VMSA CR0 0x%" G_GINT64_MODIFIER "x lacks ET (0x10), which QEMU always sets", cr0);
	if (cr0 & (CR0_CD | CR0_NW))
		add(problems, "VMSA CR0 0x%" G_GINT64_MODIFIER "x sets CD/NW, which KVM clears (measured CR0 0x%"
			      G_GINT64_MODIFIER "x)", cr0, (cr0 | CR0_ET) & ~(CR0_CD | CR0_NW) & G_GUINT64_CONSTANT(0xffffffff));
	if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
		add(problems, "VMSA CR0 0x%" G_GINT64_MODIFIER "x sets PG without PE; KVM refuses it", cr0);
	if ((cr0 & CR0_PG) && (efer & EFER_LME) && (!(cr4 & CR4_PAE) || !(efer & EFER_LMA)))
		add(problems, "VMSA enables long-mode paging without CR4.PAE and EFER.LMA; KVM refuses it");
	/* KVM: svm_set_efer() stores efer | EFER_SVME, svm_set_cr4() ORs the host's CR4.MCE. */
	if (!(efer & EFER_SVME))
		add(problems, "VMSA EFER 0x%" G_GINT64_MODIFIER "x lacks SVME (0x1000), which KVM always sets", efer);
	if (!(cr4 & CR4_MCE))
		add(problems, "VMSA CR4 0x%" G_GINT64_MODIFIER "x lacks MCE (0x40), which KVM copies from the host",
		    cr4);
}

static void
check_state(const guint8 *vmsa, GPtrArray *problems)
{
	guint64 dr7 = cvm_read_le64(vmsa + CVM_VMSA_DR7), dr6 = cvm_read_le64(vmsa + CVM_VMSA_DR6);
	guint64 rflags = cvm_read_le64(vmsa + CVM_VMSA_RFLAGS);
	guint64 xcr0 = cvm_read_le64(vmsa + CVM_VMSA_XCR0), pat = cvm_read_le64(vmsa + CVM_VMSA_G_PAT);
	guint32 mxcsr = cvm_read_le32(vmsa + CVM_VMSA_MXCSR);

	/* sev_es_sync_vmsa() fails the launch for any DR7 bit but the fixed one. */
	if (dr7 & ~DR7_FIXED_1)
		add(problems, "VMSA DR7 0x%" G_GINT64_MODIFIER "x: KVM refuses a VMSA with breakpoints enabled", dr7);
	if (dr6 >> 32)
		add(problems, "VMSA DR6 0x%" G_GINT64_MODIFIER "x: KVM refuses bits 32-63", dr6);
	/* KVM_SET_REGS stores rflags | X86_EFLAGS_FIXED. */
	if (!(rflags & RFLAGS_FIXED))
		add(problems, "VMSA RFLAGS 0x%" G_GINT64_MODIFIER "x lacks bit 1, which KVM always sets", rflags);
	/* KVM_SET_XCRS refuses an XCR0 without x87, KVM_SET_MSRS an invalid PAT. */
	if (!(xcr0 & XCR0_X87))
		add(problems, "VMSA XCR0 0x%" G_GINT64_MODIFIER "x lacks x87 (bit 0); KVM refuses it", xcr0);
	if (!pat_valid(pat))
		add(problems, "VMSA G_PAT 0x%" G_GINT64_MODIFIER "x has an invalid memory type; KVM refuses it", pat);
	if (mxcsr >> 16)
		add(problems, "VMSA MXCSR 0x%x sets reserved bits 16-31; KVM refuses it", mxcsr);
}

void
cvmi_vmsa_kvm_check(const guint8 *vmsa, guint64 gpa, gboolean snp, GPtrArray *problems)
{
	guint64 features = cvm_read_le64(vmsa + CVM_VMSA_SEV_FEATURES);

	/* KVM always measures the VMSA at this GPA; QEMU refuses any other. */
	if (gpa != CVM_SNP_KVM_VMSA_GPA)
		add(problems, "VMSA at 0x%" G_GINT64_MODIFIER "x; QEMU/KVM place it at 0x%" G_GINT64_MODIFIER "x",
		    gpa, (guint64)CVM_SNP_KVM_VMSA_GPA);
	if (snp != ((features & SEV_FEAT_SNP_ACTIVE) != 0))
		add(problems, "VMSA sev_features 0x%" G_GINT64_MODIFIER "x: SNPActive must be %s for %s", features,
		    snp ? "set" : "clear", snp ? "SEV-SNP" : "SEV-ES");
	check_unsynced_bytes(vmsa, problems);
	check_segments(vmsa, problems);
	check_control(vmsa, problems);
	check_state(vmsa, problems);
}
