/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* QEMU firmware descriptors: those cvm writes are valid against a copy of
 * QEMU's schema (tests/data/third-party/qemu-firmware), read as QAPI here;
 * a host's folders resolve as libvirt resolves them (precedence, masking,
 * order); a flash-only host is refused clearly for IGVM platforms. */
#include "tests/lib/launch-files.h"
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/firmware.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <string.h>

/* ---- The schema, as QAPI: name -> definition. ---- */

static void
put_json(gpointer obj)
{
	json_object_put(obj);
}

static GHashTable *
load_schema(void)
{
	g_autofree gchar *path = cvmt_third_party_path("qemu-firmware/firmware.json");
	g_autofree gchar *text = NULL;
	g_autoptr(GString) json = g_string_new(NULL);
	GHashTable *types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, put_json);
	g_auto(GStrv) lines = NULL;

	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	/* QAPI: '#' starts a comment; strings are single-quoted and hold no quotes. */
	for (guint i = 0; lines[i] != NULL; i++) {
		gchar *hash = strchr(lines[i], '#');
		if (hash != NULL)
			*hash = '\0';
		g_strdelimit(lines[i], "'", '"');
		g_string_append_printf(json, "%s\n", lines[i]);
	}
	json_tokener *tok = json_tokener_new();
	const char *p = json->str;
	while (*p != '\0') {
		while (g_ascii_isspace(*p))
			p++;
		if (*p == '\0')
			break;
		json_object *expr = json_tokener_parse_ex(tok, p, (int)strlen(p));
		assert_int_equal(json_tokener_get_error(tok), json_tokener_success);
		p += json_tokener_get_parse_end(tok);
		json_tokener_reset(tok);
		const char *kinds[] = { "enum", "struct", "union" };
		gboolean kept = FALSE;
		for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
			json_object *name;
			if (json_object_object_get_ex(expr, kinds[k], &name)) {
				g_hash_table_insert(types, g_strdup(json_object_get_string(name)), expr);
				kept = TRUE;
			}
		}
		if (!kept)
			json_object_put(expr); /* pragma */
	}
	json_tokener_free(tok);
	assert_non_null(g_hash_table_lookup(types, "Firmware"));
	assert_non_null(g_hash_table_lookup(types, "FirmwareMappingIgvm"));
	return types;
}

static gboolean check_type(GHashTable *schema, json_object *type, json_object *value, const char *where, GString *why);

/* The members of @data (QAPI: "*name" is optional) against @value's. */
static gboolean
check_members(GHashTable *schema, json_object *data, json_object *value, GHashTable *allowed, const char *where,
	      GString *why)
{
	json_object_object_foreach(data, key, type) {
		gboolean optional = key[0] == '*';
		const char *name = optional ? key + 1 : key;
		json_object *member;
		g_autofree gchar *at = g_strdup_printf("%s.%s", where, name);

		g_hash_table_add(allowed, (gpointer)name);
		if (!json_object_object_get_ex(value, name, &member)) {
			if (optional)
				continue;
			g_string_append_printf(why, "%s: missing; ", at);
			return FALSE;
		}
		if (!check_type(schema, type, member, at, why))
			return FALSE;
	}
	return TRUE;
}

static gboolean
check_type(GHashTable *schema, json_object *type, json_object *value, const char *where, GString *why)
{
	if (json_object_is_type(type, json_type_array)) {
		if (!json_object_is_type(value, json_type_array)) {
			g_string_append_printf(why, "%s: not an array; ", where);
			return FALSE;
		}
		for (gsize i = 0; i < json_object_array_length(value); i++) {
			g_autofree gchar *at = g_strdup_printf("%s[%zu]", where, i);
			if (!check_type(schema, json_object_array_get_idx(type, 0), json_object_array_get_idx(value, i), at,
					why))
				return FALSE;
		}
		return TRUE;
	}
	const char *name = json_object_get_string(type);
	if (strcmp(name, "str") == 0) {
		if (!json_object_is_type(value, json_type_string))
			g_string_append_printf(why, "%s: not a string; ", where);
		return json_object_is_type(value, json_type_string);
	}
	json_object *def = g_hash_table_lookup(schema, name), *data, *x;
	assert_non_null(def);
	assert_true(json_object_object_get_ex(def, "data", &data));
	if (json_object_object_get_ex(def, "enum", &x)) {
		for (gsize i = 0; json_object_is_type(value, json_type_string) && i < json_object_array_length(data); i++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(data, i)),
				   json_object_get_string(value)) == 0)
				return TRUE;
		g_string_append_printf(why, "%s: \"%s\" is not a %s; ", where, json_object_get_string(value), name);
		return FALSE;
	}
	if (!json_object_is_type(value, json_type_object)) {
		g_string_append_printf(why, "%s: not an object; ", where);
		return FALSE;
	}
	g_autoptr(GHashTable) allowed = g_hash_table_new(g_str_hash, g_str_equal);
	if (json_object_object_get_ex(def, "union", &x)) {
		json_object *base, *disc, *tag, *variant;
		assert_true(json_object_object_get_ex(def, "base", &base));
		assert_true(json_object_object_get_ex(def, "discriminator", &disc));
		if (!check_members(schema, base, value, allowed, where, why))
			return FALSE;
		json_object_object_get_ex(value, json_object_get_string(disc), &tag);
		if (!json_object_object_get_ex(data, json_object_get_string(tag), &variant)) {
			g_string_append_printf(why, "%s: no variant for %s; ", where, json_object_get_string(tag));
			return FALSE;
		}
		json_object *vdef = g_hash_table_lookup(schema, json_object_get_string(variant)), *vdata;
		assert_true(json_object_object_get_ex(vdef, "data", &vdata));
		if (!check_members(schema, vdata, value, allowed, where, why))
			return FALSE;
	} else if (!check_members(schema, data, value, allowed, where, why)) {
		return FALSE;
	}
	/* QAPI refuses members it does not know. */
	json_object_object_foreach(value, key, member) {
		(void)member;
		if (!g_hash_table_contains(allowed, key)) {
			g_string_append_printf(why, "%s.%s: unknown member; ", where, key);
			return FALSE;
		}
	}
	return TRUE;
}

/* The Firmware type, and the rules its doc comments state in prose. */
static gboolean
descriptor_valid(GHashTable *schema, json_object *fw, GString *why)
{
	json_object *type = json_object_new_string("Firmware"), *list;
	gboolean ok = check_type(schema, type, fw, "Firmware", why);

	json_object_put(type);
	if (!ok)
		return FALSE;
	json_object_object_get_ex(fw, "interface-types", &list);
	if (json_object_array_length(list) == 0) {
		g_string_append(why, "interface-types is empty; ");
		return FALSE;
	}
	json_object_object_get_ex(fw, "features", &list);
	gboolean dyn = FALSE, stat = FALSE;
	for (gsize i = 0; i < json_object_array_length(list); i++) {
		dyn |= strcmp(json_object_get_string(json_object_array_get_idx(list, i)), "verbose-dynamic") == 0;
		stat |= strcmp(json_object_get_string(json_object_array_get_idx(list, i)), "verbose-static") == 0;
	}
	if (dyn && stat)
		g_string_append(why, "verbose-dynamic and verbose-static together; ");
	return !(dyn && stat);
}

/* ---- Fixture: an IGVM file (native, SEV-ES, SEV-SNP) and three folders. ---- */

typedef struct {
	CvmtLaunchDir *l; /* l->igvm: native, SEV-ES, SEV-SNP */
	gchar *sys, *etc, *user;
	GHashTable *schema;
} Fixture;

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);

	f->l = cvmt_launch_dir_new("guest.igvm");
	f->sys = g_build_filename(f->l->dir, "usr-share", NULL);
	f->etc = g_build_filename(f->l->dir, "etc", NULL);
	f->user = g_build_filename(f->l->dir, "home", NULL);
	g_mkdir(f->sys, 0755);
	g_mkdir(f->etc, 0755);
	g_mkdir(f->user, 0755);
	f->schema = load_schema();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	cvmt_launch_dir_free(f->l);
	g_free(f->sys);
	g_free(f->etc);
	g_free(f->user);
	g_hash_table_unref(f->schema);
	g_free(f);
	return 0;
}

static void
put(const char *dir, const char *name, const char *text)
{
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	assert_true(g_file_set_contents(path, text, -1, NULL));
}

static gchar *
igvm_descriptor(const char *filename, const char *features)
{
	return g_strdup_printf("{\"description\": \"d\", \"interface-types\": [\"uefi\"], "
			       "\"mapping\": {\"device\": \"igvm\", \"filename\": \"%s\"}, "
			       "\"targets\": [{\"architecture\": \"x86_64\", \"machines\": [\"pc-q35-*\"]}], "
			       "\"features\": [%s], \"tags\": []}", filename, features);
}

static const char flash_descriptor[] =
	"{\"description\": \"OVMF\", \"interface-types\": [\"uefi\"], \"mapping\": {\"device\": \"flash\", "
	"\"executable\": {\"filename\": \"/usr/share/OVMF/OVMF_CODE_4M.fd\", \"format\": \"raw\"}, "
	"\"nvram-template\": {\"filename\": \"/usr/share/OVMF/OVMF_VARS_4M.fd\", \"format\": \"raw\"}}, "
	"\"targets\": [{\"architecture\": \"x86_64\", \"machines\": [\"pc-q35-*\"]}], "
	"\"features\": [\"acpi-s3\", \"amd-sev\", \"amd-sev-es\", \"amd-sev-snp\", \"verbose-dynamic\"], \"tags\": []}";

static GPtrArray *
list(Fixture *f)
{
	const char *dirs[] = { f->sys, f->etc, f->user, NULL };
	g_autoptr(GError) error = NULL;
	GPtrArray *out = cvm_firmware_list(dirs, &error);

	cvmt_assert_no_error(error);
	return out;
}

static void
assert_platforms(const CvmFirmwareEntry *e, const char *expected)
{
	g_autofree gchar *got = g_strjoinv(",", e->platforms);
	assert_string_equal(got, expected);
}

static void
assert_in(const char *dir, const char *name, const char *path)
{
	g_autofree gchar *expected = g_build_filename(dir, name, NULL);
	assert_string_equal(path, expected);
}

static CvmFirmwareEntry *
entry(GPtrArray *l, guint i)
{
	assert_true(i < l->len);
	return g_ptr_array_index(l, i);
}

/* ---- Descriptors cvm writes. ---- */

static void
test_descriptor_for_igvm_is_valid_against_the_schema(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	json_object *fw = cvm_firmware_descriptor_for_igvm(f->l->igvm, &error);
	g_autoptr(GString) why = g_string_new(NULL);
	json_object *v;

	cvmt_assert_no_error(error);
	if (!descriptor_valid(f->schema, fw, why))
		fail_msg("%s\n%s", why->str, json_object_to_json_string(fw));
	/* Derived from the file: its platforms' features, in schema order. */
	assert_true(json_object_object_get_ex(fw, "features", &v));
	assert_string_equal(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), "[\"amd-sev-es\",\"amd-sev-snp\"]");
	assert_true(json_object_object_get_ex(fw, "mapping", &v));
	g_autofree gchar *mapping = g_strdup_printf("{\"device\":\"igvm\",\"filename\":\"%s\"}", f->l->igvm);
	assert_string_equal(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
			    mapping);
	assert_true(json_object_object_get_ex(fw, "description", &v));
	assert_string_equal(json_object_get_string(v), "cvm IGVM file guest.igvm (sev-es, sev-snp, native)");
	json_object_put(fw);
}

static void
test_the_schema_check_rejects_broken_descriptors(void **state)
{
	Fixture *f = *state;
	const char *broken[] = {
		/* an unknown feature */
		"{\"description\":\"d\",\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"igvm\",\"filename\":\"/x\"},"
		"\"targets\":[],\"features\":[\"amd-snp\"],\"tags\":[]}",
		/* igvm without filename */
		"{\"description\":\"d\",\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"igvm\"},"
		"\"targets\":[],\"features\":[],\"tags\":[]}",
		/* a member the schema does not have */
		"{\"description\":\"d\",\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"igvm\",\"filename\":\"/x\","
		"\"format\":\"raw\"},\"targets\":[],\"features\":[],\"tags\":[]}",
		/* no tags */
		"{\"description\":\"d\",\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"igvm\",\"filename\":\"/x\"},"
		"\"targets\":[],\"features\":[]}",
		/* empty interface-types */
		"{\"description\":\"d\",\"interface-types\":[],\"mapping\":{\"device\":\"igvm\",\"filename\":\"/x\"},"
		"\"targets\":[],\"features\":[],\"tags\":[]}",
		/* an unknown architecture */
		"{\"description\":\"d\",\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"igvm\",\"filename\":\"/x\"},"
		"\"targets\":[{\"architecture\":\"amd64\",\"machines\":[]}],\"features\":[],\"tags\":[]}",
		/* both verbose features */
		"{\"description\":\"d\",\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"igvm\",\"filename\":\"/x\"},"
		"\"targets\":[],\"features\":[\"verbose-dynamic\",\"verbose-static\"],\"tags\":[]}",
	};

	for (guint i = 0; i < G_N_ELEMENTS(broken); i++) {
		json_object *fw = json_tokener_parse(broken[i]);
		g_autoptr(GString) why = g_string_new(NULL);
		assert_non_null(fw);
		if (descriptor_valid(f->schema, fw, why))
			fail_msg("accepted: %s", broken[i]);
		json_object_put(fw);
	}
	/* And a flash descriptor of the schema's own shape passes. */
	json_object *fw = json_tokener_parse(flash_descriptor);
	g_autoptr(GString) why = g_string_new(NULL);
	if (!descriptor_valid(f->schema, fw, why))
		fail_msg("%s", why->str);
	json_object_put(fw);
}

static void
test_descriptor_refuses_a_file_that_is_not_igvm(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *junk = g_build_filename(f->l->dir, "junk.igvm", NULL);

	put(f->l->dir, "junk.igvm", "not an IGVM file");
	assert_null(cvm_firmware_descriptor_for_igvm(junk, &error));
	assert_non_null(error);
	assert_non_null(strstr(error->message, junk));
}

/* ---- A host's folders. ---- */

static void
test_specific_folders_override_and_empty_files_mask(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *snp = igvm_descriptor(f->l->igvm, "\"amd-sev-snp\"");
	g_autofree gchar *es = igvm_descriptor(f->l->igvm, "\"amd-sev-es\"");
	g_autoptr(GPtrArray) l = NULL;

	put(f->sys, "50-a.json", snp);         /* masked by etc */
	put(f->etc, "50-a.json", "");
	put(f->sys, "60-b.json", flash_descriptor); /* replaced by the user's */
	put(f->etc, "60-b.json", flash_descriptor);
	put(f->user, "60-b.json", es);
	put(f->etc, "40-c.json", snp);
	put(f->user, ".hidden.json", snp);     /* dot files are skipped */
	g_autofree gchar *sub = g_build_filename(f->user, "70-dir.json", NULL);
	g_mkdir(sub, 0755);                    /* and what is not a regular file */
	l = list(f);

	assert_int_equal(l->len, 3);
	assert_string_equal(entry(l, 0)->name, "40-c.json");
	assert_string_equal(entry(l, 1)->name, "50-a.json");
	assert_string_equal(entry(l, 2)->name, "60-b.json");
	assert_true(entry(l, 1)->masked);
	assert_in(f->sys, "50-a.json", entry(l, 1)->shadowed[0]);
	assert_in(f->user, "60-b.json", entry(l, 2)->path);
	assert_int_equal(g_strv_length(entry(l, 2)->shadowed), 2);
	assert_string_equal(entry(l, 2)->device, "igvm");
	/* The file has native, SEV-ES and SEV-SNP; each descriptor offers what it lists, and native. */
	assert_platforms(entry(l, 0), "sev-snp,native");
	assert_platforms(entry(l, 2), "sev-es,native");

	g_autoptr(GError) error = NULL;
	const CvmFirmwareEntry *e = cvm_firmware_pick(l, CVM_PLATFORM_SEV_ES, NULL, &error);
	cvmt_assert_no_error(error);
	assert_string_equal(e->name, "60-b.json");
	e = cvm_firmware_pick(l, CVM_PLATFORM_SEV_SNP, NULL, &error);
	assert_string_equal(e->name, "40-c.json");
	e = cvm_firmware_pick(l, CVM_PLATFORM_AUTO, NULL, &error);
	assert_string_equal(e->name, "40-c.json");
	assert_string_equal(e->filename, f->l->igvm);
}

static void
test_names_sort_by_strcmp_across_folders(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *snp = igvm_descriptor(f->l->igvm, "\"amd-sev-snp\"");
	g_autoptr(GPtrArray) l = NULL;

	put(f->user, "10-user.json", snp);
	put(f->sys, "05-sys.json", snp);
	put(f->etc, "5-etc.json", snp);  /* '5' sorts after '1' and '0' */
	put(f->sys, "B.json", snp);      /* upper case before lower case */
	put(f->etc, "a.json", snp);
	l = list(f);
	assert_int_equal(l->len, 5);
	assert_string_equal(entry(l, 0)->name, "05-sys.json");
	assert_string_equal(entry(l, 1)->name, "10-user.json");
	assert_string_equal(entry(l, 2)->name, "5-etc.json");
	assert_string_equal(entry(l, 3)->name, "B.json");
	assert_string_equal(entry(l, 4)->name, "a.json");
}

static void
test_flash_only_host_refuses_igvm_platforms_clearly(void **state)
{
	Fixture *f = *state;
	g_autoptr(GPtrArray) l = NULL;
	g_autoptr(GError) error = NULL;
	const char *searched[] = { f->sys, f->etc, NULL };

	put(f->sys, "60-edk2-x86_64.json", flash_descriptor);
	put(f->sys, "50-edk2-x86_64-secure.json", flash_descriptor);
	l = list(f);
	assert_int_equal(l->len, 2);
	assert_int_equal(g_strv_length(entry(l, 0)->platforms), 0);
	assert_null(cvm_firmware_pick(l, CVM_PLATFORM_SEV_SNP, searched, &error));
	assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_NOT_FOUND));
	assert_non_null(strstr(error->message, "no IGVM firmware descriptor can launch sev-snp"));
	assert_non_null(strstr(error->message, "50-edk2-x86_64-secure.json: flash firmware"));
	assert_non_null(strstr(error->message, "60-edk2-x86_64.json: flash firmware"));
	assert_non_null(strstr(error->message, f->sys));
	assert_non_null(strstr(error->message, "cvmctl igvm descriptor"));
	g_clear_error(&error);
	/* No descriptors at all: said so. */
	g_autoptr(GPtrArray) none = g_ptr_array_new();
	assert_null(cvm_firmware_pick(none, CVM_PLATFORM_NATIVE, NULL, &error));
	assert_non_null(strstr(error->message, "there are no descriptors"));
}

static void
test_claims_the_file_does_not_back_are_not_offered(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *tdx = igvm_descriptor(f->l->igvm, "\"intel-tdx\"");
	g_autofree gchar *missing_file = g_build_filename(f->l->dir, "gone.igvm", NULL);
	g_autofree gchar *gone = igvm_descriptor(missing_file, "\"amd-sev-snp\"");
	g_autoptr(GPtrArray) l = NULL;
	g_autoptr(GError) error = NULL;

	put(f->sys, "10-tdx.json", tdx);
	put(f->sys, "20-gone.json", gone);
	put(f->sys, "30-bad.json", "{\"description\": 1}");
	l = list(f);
	assert_platforms(entry(l, 0), "native");
	assert_non_null(strstr(entry(l, 0)->note, "lists intel-tdx but the IGVM file has no tdx platform"));
	assert_int_equal(g_strv_length(entry(l, 1)->platforms), 0);
	assert_non_null(strstr(entry(l, 1)->note, missing_file));
	assert_non_null(entry(l, 2)->error);
	assert_null(cvm_firmware_pick(l, CVM_PLATFORM_TDX, NULL, &error));
	assert_non_null(strstr(error->message, "30-bad.json: unreadable"));
}

static void
test_default_dirs_follow_the_override(void **state)
{
	(void)state;
	g_setenv(CVM_FIRMWARE_DIRS_ENV, "/a:/b", TRUE);
	g_auto(GStrv) dirs = cvm_firmware_default_dirs();
	g_unsetenv(CVM_FIRMWARE_DIRS_ENV);
	assert_int_equal(g_strv_length(dirs), 2);
	assert_string_equal(dirs[1], "/b");
	g_auto(GStrv) host = cvm_firmware_default_dirs();
	assert_string_equal(host[0], "/usr/share/qemu/firmware");
	assert_string_equal(host[1], "/etc/qemu/firmware");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_descriptor_for_igvm_is_valid_against_the_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_schema_check_rejects_broken_descriptors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_descriptor_refuses_a_file_that_is_not_igvm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_specific_folders_override_and_empty_files_mask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_sort_by_strcmp_across_folders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flash_only_host_refuses_igvm_platforms_clearly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claims_the_file_does_not_back_are_not_offered, setup, teardown),
		cmocka_unit_test(test_default_dirs_follow_the_override),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
