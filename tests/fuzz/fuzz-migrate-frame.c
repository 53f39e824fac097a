/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the migration channel decoders (cvm frames, HELLO
 * payloads, the COCONUT fork's records) over arbitrary streams, consumed
 * the way the relay does; whatever a decoder accepts must lie inside the
 * input and re-encode to the same bytes. */
#include "migrate/migrate-private.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
frames(const guint8 *p, gsize len)
{
	while (len > 0) {
		g_autoptr(GError) error = NULL;
		CvmiFrame f;
		gssize used = cvmi_frame_decode(p, len, &f, &error);
		if (used < 0 && error == NULL)
			__builtin_trap();
		if (used <= 0)
			return;
		if ((gsize)used > len || f.payload + f.length != p + used)
			__builtin_trap();
		g_autoptr(GByteArray) again = g_byte_array_new();
		cvmi_frame_append(again, f.type, f.seq, f.payload, f.length);
		if (again->len != (guint)used || memcmp(again->data, p, used) != 0)
			__builtin_trap();
		CvmiHello hello;
		g_autoptr(GError) herr = NULL;
		if (f.type == CVMI_FRAME_HELLO && !cvmi_hello_decode(&f, &hello, &herr) && herr == NULL)
			__builtin_trap();
		p += used;
		len -= (gsize)used;
	}
}

static void
fork_records(const guint8 *p, gsize len)
{
	while (len > 0) {
		g_autoptr(GError) error = NULL;
		gboolean done = FALSE;
		const guint8 *block = NULL;
		gssize used = cvmi_fork_decode(p, len, &done, &block, &error);
		if (used < 0 && error == NULL)
			__builtin_trap();
		if (used <= 0 || done)
			return;
		if ((gsize)used > len || block != p + 8)
			__builtin_trap();
		p += used;
		len -= (gsize)used;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	frames(data, size);
	fork_records(data, size);
	return 0;
}
