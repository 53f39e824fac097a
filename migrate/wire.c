/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Frame codecs: the COCONUT fork's raw records and cvm's checked frames. */
#include "migrate/migrate-private.h"

#include <string.h>
#include <zlib.h>

static void
put_be16(guint8 *p, guint16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put_be32(guint8 *p, guint32 v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v & 0xffff);
}

static void
put_be64(guint8 *p, guint64 v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, v & 0xffffffffu);
}

static guint16
get_be16(const guint8 *p)
{
	return (guint16)((p[0] << 8) | p[1]);
}

static guint32
get_be32(const guint8 *p)
{
	return ((guint32)get_be16(p) << 16) | get_be16(p + 2);
}

static guint64
get_be64(const guint8 *p)
{
	return ((guint64)get_be32(p) << 32) | get_be32(p + 4);
}

/* cvm frame header, big-endian like the fork's records:
 *   0 magic "CVM1"   4 type   5 flags (0)   6 payload length
 *   8 seq (BE64)    16 CRC-32 of header (this field zero) + payload   20 reserved (0) */
static guint32
frame_crc(const guint8 *header, const guint8 *payload, gsize length)
{
	guint8 h[CVMI_FRAME_HEADER];
	memcpy(h, header, sizeof h);
	memset(h + 16, 0, 4);
	uLong crc = crc32(0L, Z_NULL, 0);
	crc = crc32(crc, h, sizeof h);
	if (length > 0)
		crc = crc32(crc, payload, (uInt)length);
	return (guint32)crc;
}

void
cvmi_frame_append(GByteArray *out, guint8 type, guint64 seq, const void *payload, gsize length)
{
	g_return_if_fail(length <= CVMI_FRAME_MAX_PAYLOAD);
	guint8 h[CVMI_FRAME_HEADER] = { 0 };
	put_be32(h, CVMI_FRAME_MAGIC);
	h[4] = type;
	put_be16(h + 6, (guint16)length);
	put_be64(h + 8, seq);
	put_be32(h + 16, frame_crc(h, payload, length));
	g_byte_array_append(out, h, sizeof h);
	if (length > 0)
		g_byte_array_append(out, payload, (guint)length);
}

static gboolean
frame_type_known(guint8 type)
{
	return type >= CVMI_FRAME_HELLO && type <= CVMI_FRAME_CANCEL;
}

gsize
cvmi_frame_whole(const guint8 *buf, gsize len)
{
	if (len < CVMI_FRAME_HEADER)
		return 0;
	gsize size = CVMI_FRAME_HEADER + (gsize)get_be16(buf + 6);
	return len >= size ? size : 0;
}

gssize
cvmi_frame_decode(const guint8 *buf, gsize len, CvmiFrame *frame, GError **error)
{
	if (len < CVMI_FRAME_HEADER)
		return 0;
	if (get_be32(buf) != CVMI_FRAME_MAGIC) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL,
			    "frame magic 0x%08x at offset 0 is not \"CVM1\"", get_be32(buf));
		return -1;
	}
	if (!frame_type_known(buf[4]) || buf[5] != 0 || get_be32(buf + 20) != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL,
			    "unknown frame (type %u at offset 4, flags %u at offset 5, "
			    "reserved 0x%x at offset 20)", buf[4], buf[5], get_be32(buf + 20));
		return -1;
	}
	guint16 length = get_be16(buf + 6);
	if (length > CVMI_FRAME_MAX_PAYLOAD) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL,
			    "frame length %u at offset 6 exceeds %u", length, CVMI_FRAME_MAX_PAYLOAD);
		return -1;
	}
	if (len - CVMI_FRAME_HEADER < length)
		return 0;
	guint32 want = get_be32(buf + 16);
	guint32 got = frame_crc(buf, buf + CVMI_FRAME_HEADER, length);
	if (want != got) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_CHECKSUM,
			    "frame seq %" G_GUINT64_FORMAT " CRC-32 0x%08x at offset 16 does not "
			    "match 0x%08x", get_be64(buf + 8), want, got);
		return -1;
	}
	frame->type = buf[4];
	frame->length = length;
	frame->seq = get_be64(buf + 8);
	frame->payload = buf + CVMI_FRAME_HEADER;
	return CVMI_FRAME_HEADER + length;
}

/* HELLO payload: 0 version_min  2 version_max  4 reserved (0)  8 next_seq  16 session[16] */
void
cvmi_hello_encode(const CvmiHello *hello, guint8 out[CVMI_HELLO_SIZE])
{
	memset(out, 0, CVMI_HELLO_SIZE);
	put_be16(out, hello->version_min);
	put_be16(out + 2, hello->version_max);
	put_be64(out + 8, hello->next_seq);
	memcpy(out + 16, hello->session, CVMI_SESSION_SIZE);
}

gboolean
cvmi_hello_decode(const CvmiFrame *frame, CvmiHello *hello, GError **error)
{
	if (frame->type != CVMI_FRAME_HELLO || frame->length != CVMI_HELLO_SIZE) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL,
			    "expected a %u-byte HELLO frame, got type %u with %u bytes",
			    CVMI_HELLO_SIZE, frame->type, frame->length);
		return FALSE;
	}
	const guint8 *p = frame->payload;
	hello->version_min = get_be16(p);
	hello->version_max = get_be16(p + 2);
	hello->next_seq = get_be64(p + 8);
	memcpy(hello->session, p + 16, CVMI_SESSION_SIZE);
	if (hello->version_min > hello->version_max) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL,
			    "HELLO version range %u..%u at offset 0 is empty", hello->version_min,
			    hello->version_max);
		return FALSE;
	}
	return TRUE;
}

guint8 *
cvmi_fork_append_data(GByteArray *out)
{
	guint len = out->len;
	g_byte_array_set_size(out, len + 8 + CVM_MIGRATE_BLOCK_SIZE);
	put_be64(out->data + len, CVM_MIGRATE_FORK_FLAG_DATA);
	return out->data + len + 8;
}

void
cvmi_fork_append_completed(GByteArray *out)
{
	guint8 h[8];
	put_be64(h, CVM_MIGRATE_FORK_FLAG_COMPLETED);
	g_byte_array_append(out, h, sizeof h);
}

gssize
cvmi_fork_decode(const guint8 *buf, gsize len, gboolean *completed, const guint8 **block,
		 GError **error)
{
	if (len < 8)
		return 0;
	guint64 header = get_be64(buf);
	if (header == CVM_MIGRATE_FORK_FLAG_COMPLETED) {
		*completed = TRUE;
		*block = NULL;
		return 8;
	}
	if (header != CVM_MIGRATE_FORK_FLAG_DATA) {
		/* The fork only logs this and reads on, out of step with the
		 * sender; stopping is the only safe answer. */
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL,
			    "unknown record header 0x%" G_GINT64_MODIFIER "x at offset 0", header);
		return -1;
	}
	if (len - 8 < CVM_MIGRATE_BLOCK_SIZE)
		return 0;
	*completed = FALSE;
	*block = buf + 8;
	return 8 + CVM_MIGRATE_BLOCK_SIZE;
}
