/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: raw IGVM files byte by byte, including ones the builder refuses. */
#include "igvm-craft.h"

#include <string.h>
#include <zlib.h>

struct CvmtIgvmCraft {
	guint32 version, arch, data_base;
	GByteArray *vh;
	GByteArray *data;
};

CvmtIgvmCraft *
cvmt_craft_new(guint32 version, guint32 arch, guint32 data_base)
{
	CvmtIgvmCraft *c = g_new0(CvmtIgvmCraft, 1);
	c->version = version;
	c->arch = arch;
	c->data_base = data_base;
	c->vh = g_byte_array_new();
	c->data = g_byte_array_new();
	return c;
}

void
cvmt_craft_free(CvmtIgvmCraft *c)
{
	if (c == NULL)
		return;
	g_byte_array_unref(c->vh);
	g_byte_array_unref(c->data);
	g_free(c);
}

void
cvmt_craft_raw(CvmtIgvmCraft *c, const void *bytes, gsize len)
{
	g_byte_array_append(c->vh, bytes, len);
}

void
cvmt_craft_tlv(CvmtIgvmCraft *c, guint32 type, const void *payload, gsize len)
{
	guint32 prefix[2] = { GUINT32_TO_LE(type), GUINT32_TO_LE((guint32)len) };
	static const guint8 zero[8];

	cvmt_craft_raw(c, prefix, sizeof(prefix));
	cvmt_craft_raw(c, payload, len);
	cvmt_craft_raw(c, zero, (8 - len % 8) % 8);
}

guint32
cvmt_craft_data(CvmtIgvmCraft *c, const void *data, gsize len)
{
	guint32 off = c->data_base + c->data->len;
	g_byte_array_append(c->data, data, len);
	return off;
}

void
cvmt_craft_platform(CvmtIgvmCraft *c, guint32 mask, CvmPlatform type)
{
	CvmIgvmSupportedPlatform p = { GUINT32_TO_LE(mask), 0, cvm_igvm_platform_to_wire(type), GUINT16_TO_LE(1), 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_SUPPORTED_PLATFORM, &p, sizeof(p));
}

void
cvmt_craft_page(CvmtIgvmCraft *c, guint64 gpa, guint32 mask, guint32 file_offset)
{
	CvmIgvmPageData p = { GUINT64_TO_LE(gpa), GUINT32_TO_LE(mask), GUINT32_TO_LE(file_offset), 0, 0, 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PAGE_DATA, &p, sizeof(p));
}

void
cvmt_igvm_fix_crc(guint8 *buf, gsize len)
{
	guint32 version, vh_off, vh_size, zero = 0;
	memcpy(&version, buf + 4, 4);
	memcpy(&vh_off, buf + 8, 4);
	memcpy(&vh_size, buf + 12, 4);
	gsize fixed = GUINT32_FROM_LE(version) == 2 ? 32 : 24;
	vh_off = GUINT32_FROM_LE(vh_off);
	vh_size = GUINT32_FROM_LE(vh_size);
	uLong crc = crc32(0, buf, 20);
	crc = crc32(crc, (const Bytef *)&zero, 4);
	crc = crc32(crc, buf + 24, fixed - 24);
	if ((guint64)vh_off + vh_size <= len)
		crc = crc32(crc, buf + vh_off, vh_size);
	guint32 le = GUINT32_TO_LE((guint32)crc);
	memcpy(buf + 20, &le, 4);
}

guint8 *
cvmt_craft_finish(CvmtIgvmCraft *c, gsize *len)
{
	guint32 fixed = c->version == 2 ? 32 : 24;
	guint32 vh_end = fixed + c->vh->len;
	guint32 base = MAX(c->data_base, vh_end);
	/* Data offsets were handed out against data_base: the VH must fit. */
	g_assert(base == c->data_base || c->data->len == 0);
	gsize total = base + c->data->len;
	guint8 *buf = g_malloc0(total);
	guint32 h[8] = { CVM_IGVM_MAGIC, c->version, fixed, c->vh->len, (guint32)total, 0, c->arch, 4096 };

	for (guint i = 0; i < 8; i++)
		h[i] = GUINT32_TO_LE(h[i]);
	memcpy(buf, h, fixed);
	/* An empty GByteArray has a NULL data pointer. */
	if (c->vh->len > 0)
		memcpy(buf + fixed, c->vh->data, c->vh->len);
	if (c->data->len > 0)
		memcpy(buf + base, c->data->data, c->data->len);
	cvmt_igvm_fix_crc(buf, total);
	*len = total;
	return buf;
}

GBytes *
cvmt_craft_finish_bytes(CvmtIgvmCraft *c)
{
	gsize len;
	guint8 *buf = cvmt_craft_finish(c, &len);
	return g_bytes_new_take(buf, len);
}

void
cvmt_craft_param(CvmtIgvmCraft *c, guint32 type, guint32 area_index, guint32 byte_offset)
{
	CvmIgvmParameter p = { GUINT32_TO_LE(area_index), GUINT32_TO_LE(byte_offset) };
	cvmt_craft_tlv(c, type, &p, sizeof(p));
}
