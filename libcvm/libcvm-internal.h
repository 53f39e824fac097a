/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ground floor's helpers for every room of the library (JSON, hex, file
 * errors, the crash-test hook): not installed, not exported (cvmi_ prefix). */
#pragma once

#include <glib.h>
#include <json-c/json.h>

/* Strict JSON parse of (data, len): whole input must be one JSON value
 * (trailing white space allowed). @what names the input in errors
 * ("policy file /etc/..."). CVM_ERROR_INVALID_DATA with the byte offset. */
json_object *cvmi_json_parse(const char *data, gsize len, const char *what, GError **error);

/* @local, a G_FILE_ERROR from GLib's file functions, into @error as a
 * CVM_ERROR with the same message ("Failed to open file “x”: ... No such
 * file or directory"): NOT_FOUND for a missing file, PERMISSION_DENIED
 * when not allowed, else IO. */
void cvmi_file_error(GError **error, const GError *local);

/* Test hook: SIGKILL here when CVM_TEST_FAULT names @stage (test-fault.c). */
void cvmi_test_fault(const char *stage);

/* Lower-case hex of (data, len). */
gchar *cvmi_hex(const guint8 *data, gsize len);

/* The guest record writer of a state handle (cvm_guest_record_set_writer()),
 * or NULL; *@data its data. */
struct _CvmState;
#include <cvm/guest-record.h>
CvmGuestRecordWriter cvmi_state_guest_writer(struct _CvmState *state, gpointer *data);
