/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the files of libcvm/ (not exported: cvmi_ prefix). */
#pragma once

#include <glib.h>
#include <json-c/json.h>

/* Strict JSON parse of (data, len): whole input must be one JSON value
 * (trailing white space allowed). @what names the input in errors
 * ("policy file /etc/..."). CVM_ERROR_INVALID_DATA with the byte offset. */
json_object *cvmi_json_parse(const char *data, gsize len, const char *what, GError **error);

/* Test hook: SIGKILL here when CVM_TEST_FAULT names @stage (test-fault.c). */
void cvmi_test_fault(const char *stage);

/* Lower-case hex of (data, len). */
gchar *cvmi_hex(const guint8 *data, gsize len);
