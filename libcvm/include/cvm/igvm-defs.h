/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IGVM wire format (microsoft/igvm's igvm_defs/src/lib.rs; see docs/igvm.md).
 * Every structure here mirrors bytes in a file:
 * all integers are little-endian, structures are packed, and their sizes and
 * field offsets are checked at compile time. Read fields through the
 * cvm_le*() accessors so the code stays correct on big-endian hosts.
 */
#pragma once

#include <cvm/platform.h>
#include <glib.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

#define CVM_IGVM_MAGIC 0x4D564749u /* "IGVM" read little-endian */
#define CVM_IGVM_PAGE_SIZE 4096u
#define CVM_IGVM_VHT_OPTIONAL_BIT 0x80000000u
#define CVM_IGVM_VHT_TYPE_MASK 0x7FFFFFFFu

/* Little-endian field accessors. */
static inline guint16 cvm_le16(guint16 v) { return GUINT16_FROM_LE(v); }
static inline guint32 cvm_le32(guint32 v) { return GUINT32_FROM_LE(v); }
static inline guint64 cvm_le64(guint64 v) { return GUINT64_FROM_LE(v); }

/* Little-endian values at any (unaligned) byte address; the caller has
 * checked the bounds. */
static inline guint16 cvm_read_le16(const guint8 *p) { guint16 v; memcpy(&v, p, 2); return GUINT16_FROM_LE(v); }
static inline guint32 cvm_read_le32(const guint8 *p) { guint32 v; memcpy(&v, p, 4); return GUINT32_FROM_LE(v); }
static inline guint64 cvm_read_le64(const guint8 *p) { guint64 v; memcpy(&v, p, 8); return GUINT64_FROM_LE(v); }

#define CVM_WIRE __attribute__((packed))
#define CVM_WIRE_ASSERT(type, size) \
	_Static_assert(sizeof(type) == (size), #type " must be " #size " bytes")
#define CVM_WIRE_OFFSET(type, field, off) \
	_Static_assert(offsetof(type, field) == (off), #type "." #field " must be at " #off)

/* 1. Fixed header: 24 bytes in version 1, 32 in version 2. */
typedef struct CVM_WIRE {
	guint32 magic;
	guint32 format_version;
	guint32 variable_header_offset;
	guint32 variable_header_size;
	guint32 total_file_size;
	guint32 checksum;
} CvmIgvmFixedHeaderV1;
CVM_WIRE_ASSERT(CvmIgvmFixedHeaderV1, 24);
CVM_WIRE_OFFSET(CvmIgvmFixedHeaderV1, checksum, 20);

typedef struct CVM_WIRE {
	CvmIgvmFixedHeaderV1 v1;
	guint32 architecture; /* CvmIgvmArchitecture */
	guint32 page_size;
} CvmIgvmFixedHeaderV2;
CVM_WIRE_ASSERT(CvmIgvmFixedHeaderV2, 32);
CVM_WIRE_OFFSET(CvmIgvmFixedHeaderV2, architecture, 24);
CVM_WIRE_OFFSET(CvmIgvmFixedHeaderV2, page_size, 28);

typedef enum {
	CVM_IGVM_ARCH_X64 = 0,
	CVM_IGVM_ARCH_AARCH64 = 1,
} CvmIgvmArchitecture;

/* 2. Variable header TLV prefix; the payload follows, padded to 8 bytes. */
typedef struct CVM_WIRE {
	guint32 type;   /* CvmIgvmHeaderType, possibly with CVM_IGVM_VHT_OPTIONAL_BIT */
	guint32 length; /* payload bytes, excluding this prefix and the padding */
} CvmIgvmVhsHeader;
CVM_WIRE_ASSERT(CvmIgvmVhsHeader, 8);

typedef enum {
	CVM_IGVM_VHT_SUPPORTED_PLATFORM = 0x001,
	CVM_IGVM_VHT_GUEST_POLICY = 0x101,
	CVM_IGVM_VHT_RELOCATABLE_REGION = 0x102,
	CVM_IGVM_VHT_PAGE_TABLE_RELOCATION_REGION = 0x103,
	CVM_IGVM_VHT_CORIM_DOCUMENT = 0x104,
	CVM_IGVM_VHT_CORIM_SIGNATURE = 0x105,
	CVM_IGVM_VHT_CCA_POLICY = 0x106,
	CVM_IGVM_VHT_PARAMETER_AREA = 0x301,
	CVM_IGVM_VHT_PAGE_DATA = 0x302,
	CVM_IGVM_VHT_PARAMETER_INSERT = 0x303,
	CVM_IGVM_VHT_VP_CONTEXT = 0x304,
	CVM_IGVM_VHT_REQUIRED_MEMORY = 0x305,
	/* 0x306 reserved (was SHARED_BOUNDARY_GPA) */
	CVM_IGVM_VHT_VP_COUNT_PARAMETER = 0x307,
	CVM_IGVM_VHT_SRAT = 0x308,
	CVM_IGVM_VHT_MADT = 0x309,
	CVM_IGVM_VHT_MMIO_RANGES = 0x30A,
	CVM_IGVM_VHT_SNP_ID_BLOCK = 0x30B,
	CVM_IGVM_VHT_MEMORY_MAP = 0x30C,
	CVM_IGVM_VHT_ERROR_RANGE = 0x30D,
	CVM_IGVM_VHT_COMMAND_LINE = 0x30E,
	CVM_IGVM_VHT_SLIT = 0x30F,
	CVM_IGVM_VHT_PPTT = 0x310,
	CVM_IGVM_VHT_VBS_MEASUREMENT = 0x311,
	CVM_IGVM_VHT_DEVICE_TREE = 0x312,
	CVM_IGVM_VHT_ENVIRONMENT_INFO_PARAMETER = 0x313,
} CvmIgvmHeaderType;

/* Section ranges of header types (inclusive). */
#define CVM_IGVM_VHT_PLATFORM_FIRST 0x001u
#define CVM_IGVM_VHT_PLATFORM_LAST 0x100u
#define CVM_IGVM_VHT_INIT_FIRST 0x101u
#define CVM_IGVM_VHT_INIT_LAST 0x200u
#define CVM_IGVM_VHT_DIRECTIVE_FIRST 0x301u
#define CVM_IGVM_VHT_DIRECTIVE_LAST 0x400u

/**
 * cvm_igvm_platform_from_wire:
 * @wire: a SUPPORTED_PLATFORM platform_type byte
 * @out: (out): the platform
 *
 * The IGVM numbers (NATIVE 0, VSM_ISOLATION 1, SEV_SNP 2, TDX 3, SEV 4,
 * SEV_ES 5, CCA 6) are the file format's; everything above the format
 * speaks CvmPlatform.
 *
 * Returns: FALSE for a number the format does not define.
 */
gboolean cvm_igvm_platform_from_wire(guint8 wire, CvmPlatform *out);

/**
 * cvm_igvm_platform_to_wire:
 * @platform: a platform
 *
 * Returns: its platform_type byte; CVM_IGVM_PLATFORM_WIRE_NONE for
 *   CVM_PLATFORM_AUTO or a value out of range, which no file declares.
 */
guint8 cvm_igvm_platform_to_wire(CvmPlatform platform);

/** What cvm_igvm_platform_to_wire() returns for no platform; not a wire number. */
#define CVM_IGVM_PLATFORM_WIRE_NONE 0xFFu

/* 0x001 */
typedef struct CVM_WIRE {
	guint32 compatibility_mask; /* exactly one bit */
	guint8 highest_vtl;
	guint8 platform_type; /* wire number: cvm_igvm_platform_from_wire() */
	guint16 platform_version; /* 1 */
	guint64 shared_gpa_boundary;
} CvmIgvmSupportedPlatform;
CVM_WIRE_ASSERT(CvmIgvmSupportedPlatform, 16);
CVM_WIRE_OFFSET(CvmIgvmSupportedPlatform, shared_gpa_boundary, 8);

/* 0x101 */
typedef struct CVM_WIRE {
	guint64 policy;
	guint32 compatibility_mask;
	guint32 reserved;
} CvmIgvmGuestPolicy;
CVM_WIRE_ASSERT(CvmIgvmGuestPolicy, 16);

/* SNP guest policy bits (SnpPolicy). */
#define CVM_SNP_POLICY_ABI_MINOR_MASK 0xFFull
#define CVM_SNP_POLICY_ABI_MAJOR_SHIFT 8
#define CVM_SNP_POLICY_SMT (1ull << 16)
#define CVM_SNP_POLICY_RESERVED_MBO (1ull << 17)
#define CVM_SNP_POLICY_MIGRATE_MA (1ull << 18)
#define CVM_SNP_POLICY_DEBUG (1ull << 19)
#define CVM_SNP_POLICY_SINGLE_SOCKET (1ull << 20)
/* TDX policy bits. */
#define CVM_TDX_POLICY_DEBUG_ALLOWED (1ull << 0)
#define CVM_TDX_POLICY_SEPT_VE_DISABLE (1ull << 1)
#define CVM_TDX_POLICY_MIGRATABLE (1ull << 2)

/* 0x102 */
#define CVM_IGVM_RELOC_FLAG_IS_VTL2 0x1u
#define CVM_IGVM_RELOC_FLAG_APPLY_RIP 0x2u
#define CVM_IGVM_RELOC_FLAG_APPLY_GDTR 0x4u
typedef struct CVM_WIRE {
	guint32 compatibility_mask;
	guint16 vp_index;
	guint8 vtl;
	guint8 flags;
	guint64 relocation_alignment;
	guint64 relocation_region_gpa;
	guint64 relocation_region_size;
	guint64 minimum_relocation_gpa;
	guint64 maximum_relocation_gpa;
} CvmIgvmRelocatableRegion;
CVM_WIRE_ASSERT(CvmIgvmRelocatableRegion, 48);
CVM_WIRE_OFFSET(CvmIgvmRelocatableRegion, maximum_relocation_gpa, 40);

/* 0x103 */
typedef struct CVM_WIRE {
	guint32 compatibility_mask;
	guint16 vp_index;
	guint8 vtl;
	guint8 reserved;
	guint64 gpa;
	guint64 size;
	guint64 used_size;
} CvmIgvmPageTableRelocation;
CVM_WIRE_ASSERT(CvmIgvmPageTableRelocation, 32);

/* 0x104 / 0x105 */
typedef struct CVM_WIRE {
	guint32 compatibility_mask;
	guint32 file_offset;
	guint32 size_bytes;
	guint32 reserved;
} CvmIgvmCorimData;
CVM_WIRE_ASSERT(CvmIgvmCorimData, 16);

/* 0x106 */
#define CVM_IGVM_CCA_ATTR_DEBUG (1ull << 0)
#define CVM_IGVM_CCA_ATTR_MEC (1ull << 1)
typedef struct CVM_WIRE {
	guint32 compatibility_mask;
	guint32 reserved;
	guint64 attributes_required_zeroes;
	guint64 attributes_required_ones;
	guint8 hash_algorithm; /* 0 SHA256, 1 SHA512, 2 SHA384 */
	guint8 lfa_policy;     /* 0 disallow, 1 allow */
	guint8 reserved2[6];
} CvmIgvmCcaPolicy;
CVM_WIRE_ASSERT(CvmIgvmCcaPolicy, 32);
CVM_WIRE_OFFSET(CvmIgvmCcaPolicy, hash_algorithm, 24);

/* 0x301 */
typedef struct CVM_WIRE {
	guint64 number_of_bytes;
	guint32 parameter_area_index;
	guint32 file_offset;
} CvmIgvmParameterArea;
CVM_WIRE_ASSERT(CvmIgvmParameterArea, 16);

/* 0x302 */
#define CVM_IGVM_PAGE_FLAG_2MB 0x1u
#define CVM_IGVM_PAGE_FLAG_UNMEASURED 0x2u
#define CVM_IGVM_PAGE_FLAG_SHARED 0x4u
#define CVM_IGVM_PAGE_FLAGS_KNOWN 0x7u
typedef enum {
	CVM_IGVM_PAGE_DATA_NORMAL = 0,
	CVM_IGVM_PAGE_DATA_SECRETS = 1,
	CVM_IGVM_PAGE_DATA_CPUID_DATA = 2,
	CVM_IGVM_PAGE_DATA_CPUID_XF = 3,
} CvmIgvmPageDataType;
typedef struct CVM_WIRE {
	guint64 gpa;
	guint32 compatibility_mask;
	guint32 file_offset;
	guint32 flags;
	guint16 data_type;
	guint16 reserved;
} CvmIgvmPageData;
CVM_WIRE_ASSERT(CvmIgvmPageData, 24);
CVM_WIRE_OFFSET(CvmIgvmPageData, data_type, 20);

/* 0x303 */
typedef struct CVM_WIRE {
	guint64 gpa;
	guint32 compatibility_mask;
	guint32 parameter_area_index;
} CvmIgvmParameterInsert;
CVM_WIRE_ASSERT(CvmIgvmParameterInsert, 16);

/* 0x307-0x310, 0x312, 0x313: where the loader writes a parameter. */
typedef struct CVM_WIRE {
	guint32 parameter_area_index;
	guint32 byte_offset;
} CvmIgvmParameter;
CVM_WIRE_ASSERT(CvmIgvmParameter, 8);

/* 0x304: 20 bytes on the wire (padded to 24 in the file). */
typedef struct CVM_WIRE {
	guint64 gpa;
	guint32 compatibility_mask;
	guint32 file_offset;
	guint16 vp_index;
	guint16 reserved;
} CvmIgvmVpContext;
CVM_WIRE_ASSERT(CvmIgvmVpContext, 20);

/* 0x305 */
#define CVM_IGVM_REQUIRED_MEMORY_VTL2_PROTECTABLE 0x1u
typedef struct CVM_WIRE {
	guint64 gpa;
	guint32 compatibility_mask;
	guint32 number_of_bytes;
	guint32 flags;
	guint32 reserved;
} CvmIgvmRequiredMemory;
CVM_WIRE_ASSERT(CvmIgvmRequiredMemory, 24);

/* 0x30D */
typedef struct CVM_WIRE {
	guint64 gpa;
	guint32 compatibility_mask;
	guint32 size_bytes;
} CvmIgvmErrorRange;
CVM_WIRE_ASSERT(CvmIgvmErrorRange, 16);

/* 0x30B: SNP ID block as carried in the IGVM file. */
typedef struct CVM_WIRE {
	guint8 r_comp[72];
	guint8 s_comp[72];
} CvmIgvmSnpSignature;
CVM_WIRE_ASSERT(CvmIgvmSnpSignature, 144);
typedef struct CVM_WIRE {
	guint32 curve; /* 2 = P-384 */
	guint32 reserved;
	guint8 qx[72];
	guint8 qy[72];
} CvmIgvmSnpPublicKey;
CVM_WIRE_ASSERT(CvmIgvmSnpPublicKey, 152);
typedef struct CVM_WIRE {
	guint32 compatibility_mask;
	guint8 author_key_enabled;
	guint8 reserved[3];
	guint8 ld[48];
	guint8 family_id[16];
	guint8 image_id[16];
	guint32 version;
	guint32 guest_svn;
	guint32 id_key_algorithm;     /* 1 = ECDSA P-384 with SHA-384 */
	guint32 author_key_algorithm;
	CvmIgvmSnpSignature id_key_signature;
	CvmIgvmSnpPublicKey id_public_key;
	CvmIgvmSnpSignature author_key_signature;
	CvmIgvmSnpPublicKey author_public_key;
} CvmIgvmSnpIdBlock;
CVM_WIRE_ASSERT(CvmIgvmSnpIdBlock, 696);
CVM_WIRE_OFFSET(CvmIgvmSnpIdBlock, ld, 8);
CVM_WIRE_OFFSET(CvmIgvmSnpIdBlock, version, 88);
CVM_WIRE_OFFSET(CvmIgvmSnpIdBlock, id_key_signature, 104);
CVM_WIRE_OFFSET(CvmIgvmSnpIdBlock, id_public_key, 248);
CVM_WIRE_OFFSET(CvmIgvmSnpIdBlock, author_key_signature, 400);
CVM_WIRE_OFFSET(CvmIgvmSnpIdBlock, author_public_key, 544);

/* 0x311 */
typedef struct CVM_WIRE {
	guint32 compatibility_mask;
	guint32 version;
	guint32 product_id;
	guint32 module_id;
	guint32 security_version;
	guint32 policy_flags;
	guint32 boot_digest_algo; /* 0 invalid, 1 SHA256 */
	guint32 signing_algo;     /* 0 invalid, 1 ECDSA_P384 */
	guint8 boot_measurement_digest[64];
	guint8 signature[256];
	guint8 public_key[512];
} CvmIgvmVbsMeasurement;
CVM_WIRE_ASSERT(CvmIgvmVbsMeasurement, 864);
CVM_WIRE_OFFSET(CvmIgvmVbsMeasurement, boot_measurement_digest, 32);
CVM_WIRE_OFFSET(CvmIgvmVbsMeasurement, signature, 96);
CVM_WIRE_OFFSET(CvmIgvmVbsMeasurement, public_key, 352);

/* Loader output: memory map entries written into a parameter area. */
typedef enum {
	CVM_IGVM_MEMORY_MAP_MEMORY = 0,
	CVM_IGVM_MEMORY_MAP_PLATFORM_RESERVED = 1,
	CVM_IGVM_MEMORY_MAP_PERSISTENT = 2,
	CVM_IGVM_MEMORY_MAP_VTL2_PROTECTABLE = 3,
	CVM_IGVM_MEMORY_MAP_SPECIFIC_PURPOSE = 4,
	CVM_IGVM_MEMORY_MAP_HIDDEN = 5,
} CvmIgvmMemoryMapType;
typedef struct CVM_WIRE {
	guint64 starting_gpa_page_number;
	guint64 number_of_pages;
	guint16 entry_type;
	guint16 flags; /* bit0 is_shared */
	guint32 reserved;
} CvmIgvmMemoryMapEntry;
CVM_WIRE_ASSERT(CvmIgvmMemoryMapEntry, 24);

typedef struct CVM_WIRE {
	guint64 starting_gpa_page_number;
	guint64 number_of_pages;
} CvmIgvmMemoryRange;
CVM_WIRE_ASSERT(CvmIgvmMemoryRange, 16);

/* VP_CONTEXT file data for NATIVE and SEV: 232 bytes, then zeros to 4 KiB. */
typedef struct CVM_WIRE {
	guint64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	guint64 r8, r9, r10, r11, r12, r13, r14, r15;
	guint64 rip;
	guint64 rflags;
	guint64 idtr_base;
	guint16 idtr_limit;
	guint16 reserved[2];
	guint16 gdtr_limit;
	guint64 gdtr_base;
	guint16 code_selector;
	guint16 code_attributes;
	guint32 code_base;
	guint32 code_limit;
	guint16 data_selector;
	guint16 data_attributes;
	guint32 data_base;
	guint32 data_limit;
	guint64 gs_base;
	guint64 cr0;
	guint64 cr3;
	guint64 cr4;
	guint64 efer;
} CvmIgvmNativeVpContextX64;
CVM_WIRE_ASSERT(CvmIgvmNativeVpContextX64, 232);
CVM_WIRE_OFFSET(CvmIgvmNativeVpContextX64, rip, 128);
CVM_WIRE_OFFSET(CvmIgvmNativeVpContextX64, idtr_limit, 152);
CVM_WIRE_OFFSET(CvmIgvmNativeVpContextX64, gdtr_limit, 158);
CVM_WIRE_OFFSET(CvmIgvmNativeVpContextX64, gdtr_base, 160);
CVM_WIRE_OFFSET(CvmIgvmNativeVpContextX64, code_selector, 168);
CVM_WIRE_OFFSET(CvmIgvmNativeVpContextX64, data_selector, 180);
CVM_WIRE_OFFSET(CvmIgvmNativeVpContextX64, gs_base, 192);
CVM_WIRE_OFFSET(CvmIgvmNativeVpContextX64, efer, 224);

/* AMD VMSA (SEV-ES save area), the fields cvm reads or writes. The page is
 * 4096 bytes; offsets from AMD APM vol. 2 table B-4 via sev-snp-measure. */
#define CVM_VMSA_SIZE 4096u
#define CVM_VMSA_ES 0x000u
#define CVM_VMSA_CS 0x010u
#define CVM_VMSA_SS 0x020u
#define CVM_VMSA_DS 0x030u
#define CVM_VMSA_FS 0x040u
#define CVM_VMSA_GS 0x050u
#define CVM_VMSA_GDTR 0x060u
#define CVM_VMSA_LDTR 0x070u
#define CVM_VMSA_IDTR 0x080u
#define CVM_VMSA_TR 0x090u
#define CVM_VMSA_EFER 0x0D0u
#define CVM_VMSA_CR4 0x148u
#define CVM_VMSA_CR3 0x150u
#define CVM_VMSA_CR0 0x158u
#define CVM_VMSA_DR7 0x160u
#define CVM_VMSA_DR6 0x168u
#define CVM_VMSA_RFLAGS 0x170u
#define CVM_VMSA_RIP 0x178u
#define CVM_VMSA_RSP 0x1D8u
#define CVM_VMSA_G_PAT 0x268u
#define CVM_VMSA_RDX 0x310u
#define CVM_VMSA_SEV_FEATURES 0x3B0u
#define CVM_VMSA_XCR0 0x3E8u
#define CVM_VMSA_MXCSR 0x408u
#define CVM_VMSA_X87_FCW 0x410u

/* A VMSA segment register: 16 bytes at each CVM_VMSA_<SEG> offset. */
typedef struct CVM_WIRE {
	guint16 selector;
	guint16 attrib;
	guint32 limit;
	guint64 base;
} CvmVmsaSegment;
CVM_WIRE_ASSERT(CvmVmsaSegment, 16);

/* KVM puts the (single measured) VMSA here; QEMU refuses any other GPA. */
#define CVM_SNP_KVM_VMSA_GPA 0xFFFFFFFFF000ull

G_END_DECLS
