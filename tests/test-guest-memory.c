/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the guest-memory accessor: bounds, writes, backings (libcvm/guest-memory.c). */
#include "tests/lib/testlib.h"
#include <cvm/error.h>
#include <cvm/guest-memory.h>

#include <libvirt/libvirt.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void
test_memfd_round_trip_at_base_gpa(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmGuestMemory) mem = cvm_guest_memory_new_memfd(0x4000, 0x100000, &error);
	cvmt_assert_no_error(error);
	assert_int_equal(cvm_guest_memory_get_base(mem), 0x100000);
	assert_int_equal(cvm_guest_memory_get_size(mem), 0x4000);
	assert_true(cvm_guest_memory_get_fd(mem) >= 0);
	assert_true(cvm_guest_memory_is_writable(mem));
	const guint8 in[4] = { 1, 2, 3, 4 };
	guint8 out[4] = { 0 };
	assert_true(cvm_guest_memory_write(mem, 0x103ffc, in, 4, &error));
	assert_true(cvm_guest_memory_read(mem, 0x103ffc, out, 4, &error));
	assert_memory_equal(in, out, 4);
	/* The same bytes are visible through the descriptor (another process's view). */
	guint8 via_fd[4] = { 0 };
	assert_int_equal(pread(cvm_guest_memory_get_fd(mem), via_fd, 4, 0x3ffc), 4);
	assert_memory_equal(in, via_fd, 4);
}

static void
test_read_past_end_is_rejected(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmGuestMemory) mem = cvm_guest_memory_new_memfd(0x1000, 0x1000, &error);
	guint8 buf[2];
	assert_false(cvm_guest_memory_read(mem, 0x1fff, buf, 2, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(error->message, "0x1fff"));
	g_clear_error(&error);
	assert_false(cvm_guest_memory_read(mem, 0xfff, buf, 1, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	assert_true(cvm_guest_memory_read(mem, 0x1fff, buf, 1, &error));
	assert_true(cvm_guest_memory_read(mem, 0x2000, buf, 0, &error));
}

static void
test_write_past_end_is_rejected_and_leaves_memory_unchanged(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmGuestMemory) mem = cvm_guest_memory_new_memfd(0x1000, 0, &error);
	const guint8 in[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	assert_false(cvm_guest_memory_write(mem, 0xffc, in, 8, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	guint8 out[4] = { 9, 9, 9, 9 };
	g_clear_error(&error);
	assert_true(cvm_guest_memory_read(mem, 0xffc, out, 4, &error));
	const guint8 zero[4] = { 0 };
	assert_memory_equal(out, zero, 4);
}

static void
test_contains_is_overflow_safe(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmGuestMemory) mem = cvm_guest_memory_new_memfd(0x1000, 0x10000, &error);
	assert_true(cvm_guest_memory_contains(mem, 0x10000, 0x1000));
	assert_false(cvm_guest_memory_contains(mem, 0x10000, 0x1001));
	assert_false(cvm_guest_memory_contains(mem, 0x10800, G_MAXUINT64));
	assert_false(cvm_guest_memory_contains(mem, G_MAXUINT64, 2));
	assert_false(cvm_guest_memory_contains(mem, G_MAXUINT64 - 0xfff, 0x2000));
	assert_false(cvm_guest_memory_contains(mem, 0xffff, 1));
	assert_true(cvm_guest_memory_contains(mem, 0x11000, 0));
	assert_false(cvm_guest_memory_contains(mem, 0x11001, 0));
}

static void
test_window_wrapping_address_space_is_rejected(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmGuestMemory) mem = cvm_guest_memory_new_memfd(0x2000, G_MAXUINT64 - 0xfff,
								  &error);
	assert_null(mem);
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
}

static void
test_memfd_of_zero_bytes_is_rejected(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmGuestMemory) mem = cvm_guest_memory_new_memfd(0, 0, &error);
	assert_null(mem);
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
}

static gchar *
write_tmp_file(const char *dir, gsize size, guint8 fill)
{
	gchar *path = g_build_filename(dir, "ram", NULL);
	g_autofree guint8 *bytes = g_malloc(size);
	memset(bytes, fill, size);
	assert_true(g_file_set_contents(path, (const char *)bytes, (gssize)size, NULL));
	return path;
}

static void
test_read_only_file_refuses_writes(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *path = write_tmp_file(dir, 0x2000, 0xa5);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmGuestMemory) mem = cvm_guest_memory_new_file(path, 0x800000, FALSE, &error);
	cvmt_assert_no_error(error);
	assert_false(cvm_guest_memory_is_writable(mem));
	guint8 b = 0;
	assert_true(cvm_guest_memory_read(mem, 0x801fff, &b, 1, &error));
	assert_int_equal(b, 0xa5);
	assert_false(cvm_guest_memory_write(mem, 0x800000, &b, 1, &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_SUPPORTED);
	cvmt_rm_rf(dir);
}

static void
test_writable_file_writes_reach_the_file(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *path = write_tmp_file(dir, 0x1000, 0);
	g_autoptr(GError) error = NULL;
	CvmGuestMemory *mem = cvm_guest_memory_new_file(path, 0, TRUE, &error);
	cvmt_assert_no_error(error);
	assert_true(cvm_guest_memory_write(mem, 0x10, "cvm", 3, &error));
	cvm_guest_memory_free(mem);
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	assert_true(g_file_get_contents(path, &contents, &len, NULL));
	assert_int_equal(len, 0x1000);
	assert_memory_equal(contents + 0x10, "cvm", 3);
	cvmt_rm_rf(dir);
}

static void
test_missing_file_is_not_found(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmGuestMemory) mem =
		cvm_guest_memory_new_file("/nonexistent/cvm-ram", 0, FALSE, &error);
	assert_null(mem);
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
}

static void
test_libvirt_backend_is_read_only_and_bounded(void **state)
{
	virConnectPtr conn = virConnectOpen("test:///default");
	assert_non_null(conn);
	virDomainPtr dom = virDomainLookupByName(conn, "test");
	assert_non_null(dom);
	g_autoptr(GError) error = NULL;
	CvmGuestMemory *mem = cvm_guest_memory_new_libvirt(dom, 0x1000, 0x20000, &error);
	virDomainFree(dom); /* the accessor holds its own reference */
	cvmt_assert_no_error(error);
	assert_false(cvm_guest_memory_is_writable(mem));
	assert_int_equal(cvm_guest_memory_get_fd(mem), -1);
	guint8 b = 0;
	assert_false(cvm_guest_memory_write(mem, 0x1000, &b, 1, &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	assert_false(cvm_guest_memory_read(mem, 0x21000, &b, 1, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	/* The test driver's peek returns (address & 0xff); a read larger than
	 * one 64 KiB peek must come back seamless across the chunk boundary. */
	g_autofree guint8 *buf = g_malloc(0x18000);
	assert_true(cvm_guest_memory_read(mem, 0x1003, buf, 0x18000, &error));
	cvmt_assert_no_error(error);
	for (gsize i = 0; i < 0x18000; i++)
		assert_int_equal(buf[i], (0x1003 + i) & 0xff);
	cvm_guest_memory_free(mem);
	virConnectClose(conn);
}

/* The child's copy of @buf differs from ours after the fork: what the
 * accessor reads and writes is the child's memory, and once the child is
 * gone every access fails. */
static void
test_process_backend_reaches_another_process(void **state)
{
	static guint8 buf[8192];
	memset(buf, 0xa5, sizeof buf);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	memset(buf, 0x11, sizeof buf);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmGuestMemory) mem =
		cvm_guest_memory_new_process(child, (guint64)(uintptr_t)buf, 0x10000, sizeof buf, &error);
	cvmt_assert_no_error(error);
	assert_true(cvm_guest_memory_is_writable(mem));
	assert_int_equal(cvm_guest_memory_get_fd(mem), -1);
	guint8 got[16], put[16];
	assert_true(cvm_guest_memory_read(mem, 0x10000 + 100, got, sizeof got, &error));
	for (guint i = 0; i < sizeof got; i++)
		assert_int_equal(got[i], 0xa5);
	memset(put, 0x5a, sizeof put);
	assert_true(cvm_guest_memory_write(mem, 0x10000 + sizeof buf - sizeof put, put, sizeof put, &error));
	assert_true(cvm_guest_memory_read(mem, 0x10000 + sizeof buf - sizeof put, got, sizeof got, &error));
	assert_memory_equal(got, put, sizeof put);
	assert_int_equal(buf[sizeof buf - 1], 0x11);
	/* Outside the window, nothing is touched. */
	assert_false(cvm_guest_memory_write(mem, 0x10000 + sizeof buf - 8, put, sizeof put, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_false(cvm_guest_memory_read(mem, 0x10000, got, sizeof got, &error));
	cvmt_assert_error(error, CVM_ERROR_IO);
}

static void
test_process_backend_refuses_bad_windows(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmGuestMemory) none = cvm_guest_memory_new_process(0, 0x1000, 0, 0x1000, &error);
	assert_null(none);
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_autoptr(CvmGuestMemory) wraps =
		cvm_guest_memory_new_process(getpid(), G_MAXUINT64 - 0x10, 0, 0x1000, &error);
	assert_null(wraps);
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	/* A pid that cannot exist (above pid_max's ceiling). */
	g_autoptr(CvmGuestMemory) gone = cvm_guest_memory_new_process(G_MAXINT, 0x1000, 0, 0x1000, &error);
	assert_null(gone);
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
}

/* The test driver has no QEMU monitor: the QEMU backend says so. */
static void
test_qemu_backend_needs_a_qemu_domain(void **state)
{
	virConnectPtr conn = virConnectOpen("test:///default");
	assert_non_null(conn);
	virDomainPtr dom = virDomainLookupByName(conn, "test");
	assert_non_null(dom);
	g_autoptr(GError) error = NULL;
	CvmGuestMemory *mem = cvm_guest_memory_new_qemu(dom, 0x10000, 4096, &error);
	assert_null(mem);
	cvmt_assert_error(error, CVM_ERROR_NOT_SUPPORTED);
	assert_non_null(strstr(error->message, "no QEMU vCPU thread"));
	g_clear_error(&error);
	assert_null(cvm_guest_memory_new_qemu(dom, G_MAXUINT64 - 10, 4096, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	virDomainFree(dom);
	virConnectClose(conn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memfd_round_trip_at_base_gpa),
		cmocka_unit_test(test_read_past_end_is_rejected),
		cmocka_unit_test(test_write_past_end_is_rejected_and_leaves_memory_unchanged),
		cmocka_unit_test(test_contains_is_overflow_safe),
		cmocka_unit_test(test_window_wrapping_address_space_is_rejected),
		cmocka_unit_test(test_memfd_of_zero_bytes_is_rejected),
		cmocka_unit_test(test_read_only_file_refuses_writes),
		cmocka_unit_test(test_writable_file_writes_reach_the_file),
		cmocka_unit_test(test_missing_file_is_not_found),
		cmocka_unit_test(test_libvirt_backend_is_read_only_and_bounded),
		cmocka_unit_test(test_process_backend_reaches_another_process),
		cmocka_unit_test(test_process_backend_refuses_bad_windows),
		cmocka_unit_test(test_qemu_backend_needs_a_qemu_domain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
