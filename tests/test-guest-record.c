/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The typed guest record (cvm/guest-record.h): stored and read back, older
 * records migrated, unknown keys kept, damaged fields refused, the status
 * and D-Bus forms, and the one-writer rules of the state folder. */
#include "tests/lib/testlib.h"
#include <string.h>
#include <cvm/guest-record.h>
#include <cvm/state.h>

static CvmGuestRecord *
full_record(void)
{
	CvmGuestRecord *r = cvm_guest_record_new("web1");

	r->uuid = g_strdup("6f1c2c4e-3d0b-4a59-9c39-0d6f8f2a1b11");
	r->state = g_strdup("running");
	r->platform = g_strdup("sev-snp");
	r->image = (CvmGuestImage){ g_strdup("/srv/a.igvm"), g_strdup("aa11"), g_strdup("bb22") };
	r->strategy = g_strdup("igvm-cfg");
	r->accel = g_strdup("kvm");
	r->accel_requested = g_strdup("auto");
	r->serial_log = g_strdup("/var/lib/cvm/guests.d/web1/serial.log");
	r->uri = g_strdup("qemu:///system");
	r->disk = g_strdup("/srv/disk.qcow2");
	r->command_line = g_strdup("console=ttyS0");
	r->memory_mib = 2048;
	r->vcpus = 4;
	r->has_snp_policy = TRUE;
	r->snp_policy = 0x30000;
	r->created = 1796000000;
	r->staged = (CvmGuestImage){ g_strdup("/var/lib/cvm/firmware/cc.igvm"), g_strdup("cc33"), g_strdup("dd44") };
	r->previous = (CvmGuestImage){ g_strdup("/srv/old.igvm"), g_strdup("ee55"), g_strdup("") };
	r->host_igvm_path = g_strdup("/srv/a.igvm");
	r->fwupdate_one_reset = TRUE;
	r->svsm_devices = g_strsplit("blk:/srv/svsm-state.img vsock:7", " ", -1);
	r->migration = g_strdup("outgoing");
	r->migration_peer = g_strdup("web1-incoming");
	r->migration_started = 1796000100;
	r->migration_error = g_strdup("the last one timed out");
	return r;
}

/* @text as the stored record @name in @dir; returns its path. */
static gchar *
put_raw(const char *dir, const char *name, const char *text)
{
	g_autofree gchar *gdir = g_build_filename(dir, "guests", NULL);
	g_autofree gchar *file = g_strconcat(name, ".json", NULL);
	gchar *path = g_build_filename(gdir, file, NULL);

	assert_int_equal(g_mkdir_with_parents(gdir, 0700), 0);
	assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

/* @text stored as the record @name in @dir (its path in @path), loaded
 * through @st. */
static CvmGuestRecord *
load_raw(CvmState *st, const char *dir, const char *name, const char *text, gchar **path)
{
	g_autoptr(GError) error = NULL;
	CvmGuestRecord *r;

	*path = put_raw(dir, name, text);
	r = cvm_guest_record_load(st, name, &error);
	cvmt_assert_no_error(error);
	return r;
}

/* @a and @b (both taken) are the same JSON. */
static void
assert_json_equal(json_object *a, json_object *b)
{
	if (!json_object_equal(a, b))
		fail_msg("%s\n!=\n%s", json_object_to_json_string(a), json_object_to_json_string(b));
	json_object_put(a);
	json_object_put(b);
}

static void
assert_same(const CvmGuestRecord *a, const CvmGuestRecord *b)
{
	assert_json_equal(cvm_guest_record_to_disk_json(a), cvm_guest_record_to_disk_json(b));
}

static void
test_saved_record_loads_back_the_same(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autoptr(CvmGuestRecord) r = full_record(), back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(dir, "guests", "web1.json", NULL);
	g_autofree gchar *text = NULL;

	(void)state;
	assert_true(cvm_guest_record_save(st, r, &error));
	cvmt_assert_no_error(error);
	back = cvm_guest_record_load(st, "web1", &error);
	cvmt_assert_no_error(error);
	assert_same(r, back);
	assert_string_equal(back->image.igvm_sha256, "aa11");
	assert_string_equal(back->staged.igvm_path, "/var/lib/cvm/firmware/cc.igvm");
	assert_int_equal(back->memory_mib, 2048);
	assert_int_equal(back->vcpus, 4);
	assert_true(back->has_snp_policy);
	assert_int_equal(back->snp_policy, 0x30000);
	assert_true(back->fwupdate_one_reset);
	assert_false(back->fwupdate_disabled);
	assert_int_equal(g_strv_length(back->svsm_devices), 2);
	assert_string_equal(back->svsm_devices[0], "blk:/srv/svsm-state.img");
	assert_string_equal(back->svsm_devices[1], "vsock:7");
	assert_string_equal(back->migration, "outgoing");
	assert_string_equal(back->migration_peer, "web1-incoming");
	assert_int_equal(back->migration_started, 1796000100);
	assert_string_equal(back->migration_error, "the last one timed out");
	/* the file says its version, and keeps the kebab-case keys of main */
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_non_null(strstr(text, "\"record-version\": 3"));
	json_object *file = json_object_from_file(path), *devs;
	assert_true(json_object_object_get_ex(file, "svsm-devices", &devs));
	assert_string_equal(json_object_to_json_string_ext(devs, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
			    "[\"blk:/srv/svsm-state.img\",\"vsock:7\"]");
	json_object_put(file);
	assert_non_null(strstr(text, "\"expected-measurement\": \"bb22\""));
	assert_non_null(strstr(text, "\"staged-igvm-sha256\": \"cc33\""));
	/* a copy is deep and equal */
	g_autoptr(CvmGuestRecord) copy = cvm_guest_record_copy(back);
	assert_same(back, copy);
	assert_ptr_not_equal(copy->uuid, back->uuid);
	assert_ptr_not_equal(copy->svsm_devices, back->svsm_devices);
	cvmt_rm_rf(dir);
}

/* A record as cvm wrote it before "record-version" (version 1): the same
 * keys, no version, no name unless rebuilt, and an Apply from an image
 * without a path left the previous slot as empty strings. */
static const char v1_record[] = "{\n"
				"  \"state\": \"running\",\n"
				"  \"platform\": \"sev-snp\",\n"
				"  \"igvm-path\": \"/srv/b.igvm\",\n"
				"  \"igvm-sha256\": \"0b0b\",\n"
				"  \"expected-measurement\": \"\",\n"
				"  \"strategy\": \"igvm-cfg\",\n"
				"  \"accel\": \"kvm\",\n"
				"  \"memory-mib\": 512,\n"
				"  \"vcpus\": 2,\n"
				"  \"accel-requested\": \"auto\",\n"
				"  \"serial-log\": \"/tmp/s.log\",\n"
				"  \"uri\": \"test:///default\",\n"
				"  \"created\": 1790000000,\n"
				"  \"uuid\": \"0e6a4c39-8a55-4f6c-9d43-3e51d8a5a0c2\",\n"
				"  \"previous-igvm-path\": \"\",\n"
				"  \"previous-igvm-sha256\": \"\",\n"
				"  \"previous-measurement\": \"\",\n"
				"  \"fwupdate-disabled\": false,\n"
				"  \"host-igvm-path\": \"/srv/b.igvm\"\n"
				"}\n";

static void
test_version_1_record_is_migrated_on_load(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *path = put_raw(dir, "old1", v1_record);
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autoptr(CvmGuestRecord) r = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;

	(void)state;
	r = cvm_guest_record_load(st, "old1", &error);
	cvmt_assert_no_error(error);
	assert_string_equal(r->name, "old1");
	assert_string_equal(r->uuid, "0e6a4c39-8a55-4f6c-9d43-3e51d8a5a0c2");
	assert_string_equal(r->image.igvm_path, "/srv/b.igvm");
	assert_string_equal(r->image.measurement, "");
	assert_int_equal(r->memory_mib, 512);
	assert_int_equal(r->vcpus, 2);
	assert_int_equal(r->created, 1790000000);
	assert_false(r->has_snp_policy);
	assert_string_equal(r->host_igvm_path, "/srv/b.igvm");
	/* the empty previous slot is no slot */
	assert_null(r->previous.igvm_path);
	assert_null(r->previous.igvm_sha256);
	assert_null(r->svsm_devices);
	/* saved, it is the current version and keeps what it had */
	assert_true(cvm_guest_record_save(st, r, &error));
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_non_null(strstr(text, "\"record-version\": 3"));
	assert_non_null(strstr(text, "\"name\": \"old1\""));
	assert_null(strstr(text, "previous-igvm-path"));
	assert_non_null(strstr(text, "\"accel-requested\": \"auto\""));
	cvmt_rm_rf(dir);
}

/* Version 2 had no SVSM devices nor migration keys: none is read, a save
 * stores version 3 with everything else as it was, and an empty device
 * list is stored as none. */
static void
test_version_2_record_is_migrated_on_load(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp(), *path = NULL, *text = NULL;
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autoptr(CvmGuestRecord) r = load_raw(st, dir, "two",
					       "{\"record-version\": 2, \"name\": \"two\", \"state\": \"running\","
					       " \"igvm-path\": \"/srv/a.igvm\", \"vcpus\": 2, \"memory-mib\": 256}",
					       &path);
	g_autoptr(CvmGuestRecord) back = NULL;
	g_autoptr(GError) error = NULL;

	(void)state;
	assert_null(r->svsm_devices);
	assert_null(r->migration);
	assert_int_equal(r->vcpus, 2);
	assert_true(cvm_guest_record_save(st, r, &error));
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_non_null(strstr(text, "\"record-version\": 3"));
	assert_non_null(strstr(text, "\"igvm-path\": \"/srv/a.igvm\""));
	assert_null(strstr(text, "svsm-devices"));
	assert_null(strstr(text, "migration"));
	r->svsm_devices = g_new0(gchar *, 1);
	assert_true(cvm_guest_record_save(st, r, &error));
	back = cvm_guest_record_load(st, "two", &error);
	cvmt_assert_no_error(error);
	assert_null(back->svsm_devices);
	cvmt_rm_rf(dir);
}

static void
test_unknown_keys_survive_a_save(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp(), *path = NULL;
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autoptr(CvmGuestRecord) r = load_raw(st, dir, "fut",
					       "{\"record-version\": 2, \"name\": \"fut\", \"state\": \"shutoff\","
					       " \"tpm-state\": {\"version\": \"2.0\", \"pcrs\": [0, 7]},"
					       " \"future-flag\": true}",
					       &path);
	g_autoptr(CvmGuestRecord) again = NULL;
	g_autoptr(GError) error = NULL;
	json_object *obj, *v;

	(void)state;
	cvm_guest_record_set(&r->state, "running");
	assert_true(cvm_guest_record_save(st, r, &error));
	obj = json_object_from_file(path);
	assert_non_null(obj);
	assert_true(json_object_object_get_ex(obj, "tpm-state", &v));
	assert_string_equal(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN),
			    "{\"version\":\"2.0\",\"pcrs\":[0,7]}");
	assert_true(json_object_object_get_ex(obj, "future-flag", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(obj, "state", &v));
	assert_string_equal(json_object_get_string(v), "running");
	json_object_put(obj);
	/* and through a copy too */
	again = cvm_guest_record_copy(r);
	obj = cvm_guest_record_to_disk_json(again);
	assert_true(json_object_object_get_ex(obj, "tpm-state", NULL));
	json_object_put(obj);
	cvmt_rm_rf(dir);
}

static void
expect_refused(const char *text, const char *message)
{
	json_object *obj = json_tokener_parse(text);
	g_autoptr(GError) error = NULL;
	CvmGuestRecord *r;

	assert_non_null(obj);
	r = cvm_guest_record_from_json(obj, "x", &error);
	json_object_put(obj);
	assert_null(r);
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
	if (strstr(error->message, message) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", error->message, message);
}

static void
test_damaged_field_is_refused_by_name(void **state)
{
	(void)state;
	expect_refused("{\"uuid\": 7}", "field \"uuid\" is int, not string (7)");
	expect_refused("{\"memory-mib\": \"lots\"}", "field \"memory-mib\" is string, not int (\"lots\")");
	expect_refused("{\"vcpus\": -1}", "field \"vcpus\" is -1, not in 0..4294967295");
	expect_refused("{\"vcpus\": 4294967296}", "field \"vcpus\" is 4294967296, not in 0..4294967295");
	expect_refused("{\"fwupdate-disabled\": 1}", "field \"fwupdate-disabled\" is int, not boolean (1)");
	expect_refused("{\"state\": [\"running\"]}", "field \"state\" is array, not string");
	expect_refused("{\"svsm-devices\": \"vsock:3\"}", "field \"svsm-devices\" is string, not array of strings");
	expect_refused("{\"svsm-devices\": [\"vsock:3\", 4]}", "field \"svsm-devices\" is array, not array of strings");
	expect_refused("{\"record-version\": \"2\"}", "field \"record-version\" is string, not int");
	expect_refused("[1]", "guest record is not a JSON object");
}

static void
test_damaged_record_is_set_aside_on_load(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *path = put_raw(dir, "bad", "{\"vcpus\": \"two\"}");
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autoptr(GError) error = NULL;

	(void)state;
	assert_null(cvm_guest_record_load(st, "bad", &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
	assert_non_null(strstr(error->message, "field \"vcpus\" is string, not int"));
	assert_non_null(strstr(error->message, "set aside as"));
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	cvmt_rm_rf(dir);
}

static void
test_newer_record_is_not_read_nor_set_aside(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *path = put_raw(dir, "new", "{\"record-version\": 4}");
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autoptr(GError) error = NULL;
	json_object *obj = json_tokener_parse("{\"record-version\": 4}");

	(void)state;
	assert_null(cvm_guest_record_from_json(obj, "new", &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_SUPPORTED);
	assert_non_null(strstr(error->message, "record-version 4 is newer than this cvm's (3)"));
	g_clear_error(&error);
	json_object_put(obj);
	assert_null(cvm_guest_record_load(st, "new", &error));
	assert_non_null(error);
	assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
	cvmt_rm_rf(dir);
}

static void
test_status_json_and_variant_say_the_same(void **state)
{
	g_autoptr(CvmGuestRecord) r = full_record(), back = NULL;
	g_autoptr(GVariant) dict = NULL;
	json_object *a, *b, *v;
	const char *s;
	guint64 created = 0;

	(void)state;
	cvm_guest_record_set(&r->state_reason, "booted");
	a = cvm_guest_record_to_json(r);
	assert_true(json_object_object_get_ex(a, "created", &v));
	assert_string_equal(json_object_get_string(v), "2026-11-30T00:53:20Z");
	assert_true(json_object_object_get_ex(a, "expected-measurement", &v));
	assert_string_equal(json_object_get_string(v), "bb22");
	assert_true(json_object_object_get_ex(a, "state-reason", &v));
	assert_false(json_object_object_get_ex(a, "qemu-log", NULL));
	/* what is stored but not status is not in it */
	assert_false(json_object_object_get_ex(a, "staged-igvm-path", NULL));
	assert_false(json_object_object_get_ex(a, "record-version", NULL));
	dict = g_variant_ref_sink(cvm_guest_record_to_variant(r));
	assert_true(g_variant_lookup(dict, "IgvmSha256", "&s", &s));
	assert_string_equal(s, "aa11");
	assert_true(g_variant_lookup(dict, "UUID", "&s", &s));
	assert_true(g_variant_lookup(dict, "QemuLog", "&s", &s));
	assert_string_equal(s, "");
	assert_true(g_variant_lookup(dict, "Created", "t", &created));
	assert_int_equal(created, 1796000000);
	/* cvmd's a{sv} read back gives the status the in-process path gives,
	 * serial log included (Guest.SerialLog) */
	back = cvm_guest_record_from_variant(dict);
	b = cvm_guest_record_to_json(back);
	assert_json_equal(a, b);
}

/* One writer per state folder: while a handle has claimed the folder (cvmd
 * does at start-up), writes through any other handle are refused, naming
 * the owner's pid; once it lets go they work again. */
static void
test_claimed_folder_refuses_other_writers(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmState) owner = cvm_state_open(dir, NULL);
	g_autoptr(CvmState) other = cvm_state_open(dir, NULL), second = cvm_state_open(dir, NULL);
	g_autoptr(CvmGuestRecord) r = full_record();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *pid = g_strdup_printf("(pid %d)", (int)getpid());

	(void)state;
	assert_true(cvm_state_dir_check_owner(dir, &error));
	assert_true(cvm_state_claim(owner, &error));
	cvmt_assert_no_error(error);
	assert_true(cvm_guest_record_save(owner, r, &error));
	cvmt_assert_no_error(error);
	/* another writer, and a second owner, are refused */
	assert_false(cvm_guest_record_save(other, r, &error));
	cvmt_assert_error(error, CVM_ERROR_BUSY);
	assert_non_null(strstr(error->message, "is owned by cvmd"));
	assert_non_null(strstr(error->message, pid));
	assert_non_null(strstr(error->message, dir));
	g_clear_error(&error);
	assert_false(cvm_guest_record_remove(other, "web1", &error));
	cvmt_assert_error(error, CVM_ERROR_BUSY);
	g_clear_error(&error);
	assert_false(cvm_state_dir_check_owner(dir, &error));
	cvmt_assert_error(error, CVM_ERROR_BUSY);
	g_clear_error(&error);
	assert_false(cvm_state_claim(second, &error));
	cvmt_assert_error(error, CVM_ERROR_BUSY);
	g_clear_error(&error);
	/* the owner lets go */
	g_clear_pointer(&owner, cvm_state_free);
	assert_true(cvm_state_dir_check_owner(dir, &error));
	assert_true(cvm_guest_record_remove(other, "web1", &error));
	cvmt_assert_no_error(error);
	cvmt_rm_rf(dir);
}

typedef struct {
	guint saves, removes;
	CvmState *state;
} Writes;

static gboolean
count_writes(const CvmGuestRecord *rec, const char *name, gpointer data, GError **error)
{
	Writes *w = data;

	if (rec == NULL) {
		w->removes++;
		return cvm_guest_record_unlink(w->state, name, error);
	}
	w->saves++;
	return cvm_guest_record_write(w->state, rec, error);
}

static void
test_writer_sees_every_save_and_remove(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autoptr(CvmGuestRecord) r = full_record(), back = NULL;
	Writes w = { .state = st };

	(void)state;
	cvm_guest_record_set_writer(st, count_writes, &w);
	assert_true(cvm_guest_record_save(st, r, NULL));
	assert_true(cvm_guest_record_save(st, r, NULL));
	back = cvm_guest_record_load(st, "web1", NULL);
	assert_non_null(back);
	assert_true(cvm_guest_record_remove(st, "web1", NULL));
	assert_int_equal(w.saves, 2);
	assert_int_equal(w.removes, 1);
	assert_null(cvm_guest_record_load(st, "web1", NULL));
	cvmt_rm_rf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_saved_record_loads_back_the_same),
		cmocka_unit_test(test_version_1_record_is_migrated_on_load),
		cmocka_unit_test(test_version_2_record_is_migrated_on_load),
		cmocka_unit_test(test_unknown_keys_survive_a_save),
		cmocka_unit_test(test_damaged_field_is_refused_by_name),
		cmocka_unit_test(test_damaged_record_is_set_aside_on_load),
		cmocka_unit_test(test_newer_record_is_not_read_nor_set_aside),
		cmocka_unit_test(test_status_json_and_variant_say_the_same),
		cmocka_unit_test(test_claimed_folder_refuses_other_writers),
		cmocka_unit_test(test_writer_sees_every_save_and_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
