/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the tests (linked into every test program, not libcvm). */
#pragma once

#include <glib.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* Path of a real third-party input in tests/data/third-party/ (ORIGIN/FILE;
 * each origin's licence and provenance lie beside it). A missing file fails
 * the test: these inputs are part of the project's contract. */
gchar *cvmt_third_party_path(const char *relative);

/* Path of a file in the source tree (tests/data/..., examples/...). */
gchar *cvmt_src_path(const char *relative);

/* A fresh temporary directory, removed recursively by cvmt_rm_rf(). */
gchar *cvmt_mkdtemp(void);
void cvmt_rm_rf(const char *path);

/* Read a whole file or fail the test. */
GBytes *cvmt_read_file(const char *path);

/* Assert that @error is set with CVM_ERROR @code; prints the message otherwise. */
#define cvmt_assert_error(error, expected_code) \
	do { \
		if ((error) == NULL) \
			fail_msg("expected error %d, got success", (int)(expected_code)); \
		if ((error)->code != (int)(expected_code)) \
			fail_msg("expected error %d, got %d: %s", (int)(expected_code), \
				 (error)->code, (error)->message); \
	} while (0)

#define cvmt_assert_no_error(error) \
	do { \
		if ((error) != NULL) \
			fail_msg("unexpected error: %s", (error)->message); \
	} while (0)

/* Stops @loop, which another thread runs or is about to run: the quit is
 * an idle source in the loop's own context, so it cannot be lost by coming
 * before g_main_loop_run() (a plain g_main_loop_quit() then would be, and
 * the joining thread would wait forever). */
void cvmt_loop_quit(GMainLoop *loop);
