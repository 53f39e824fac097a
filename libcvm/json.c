/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON helpers shared inside libcvm: parse text with a located error, bytes to hex. */
#include <cvm/error.h>
#include "libcvm/libcvm-internal.h"

json_object *
cvmi_json_parse(const char *data, gsize len, const char *what, GError **error)
{
	struct json_tokener *tok;
	json_object *root;
	gsize end;

	if (len > G_MAXINT) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "%s: too large (%zu bytes)",
			    what, len);
		return NULL;
	}
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, data, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (root == NULL) {
		enum json_tokener_error jerr = json_tokener_get_error(tok);

		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "%s is not valid JSON (at byte %zu): %s", what, end,
			    jerr == json_tokener_continue ? "unexpected end"
							  : json_tokener_error_desc(jerr));
	} else {
		while (end < len && g_ascii_isspace(data[end]))
			end++;
		if (end != len) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "%s is not valid JSON (at byte %zu): trailing text", what, end);
			g_clear_pointer(&root, json_object_put);
		}
	}
	json_tokener_free(tok);
	return root;
}

gchar *
cvmi_hex(const guint8 *data, gsize len)
{
	static const char digits[] = "0123456789abcdef";
	gchar *out = g_malloc(len * 2 + 1);

	for (gsize i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0xf];
	}
	out[len * 2] = '\0';
	return out;
}
