/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvm-qemu-hook's reading of a domain (hook/domxml.c, hook/qemu-args.c) and
 * its decision (hook/check.c): every spelling QEMU accepts for the IGVM
 * object is seen as the IGVM file, or refused as unclassifiable, so a
 * deny-all policy denies each (issue 22: other spellings were let through). */
#include "tests/lib/testlib.h"
#include <string.h>
#include <glib/gstdio.h>
#include <cvm/igvm-builder.h>
#include <cvm/igvm-manifest.h>
#include <cvm/policy.h>
#include "hook/hook.h"

typedef struct {
	gchar *dir;
	gchar *igvm;  /* an SNP IGVM file */
	gchar *comma; /* the same file under a name with a comma */
} Fixture;

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autofree gchar *manifest = cvmt_src_path("examples/snp-hello/manifest.json");
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_manifest_load(manifest, 0, &error);
	g_autoptr(GBytes) file = NULL;

	cvmt_assert_no_error(error);
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	f->dir = cvmt_mkdtemp();
	f->igvm = g_build_filename(f->dir, "g.igvm", NULL);
	f->comma = g_build_filename(f->dir, "g,1.igvm", NULL);
	assert_true(g_file_set_contents(f->igvm, g_bytes_get_data(file, NULL),
					(gssize)g_bytes_get_size(file), NULL));
	assert_true(g_file_set_contents(f->comma, g_bytes_get_data(file, NULL),
					(gssize)g_bytes_get_size(file), NULL));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	cvmt_rm_rf(f->dir);
	g_free(f->dir);
	g_free(f->igvm);
	g_free(f->comma);
	g_free(f);
	return 0;
}

/* An SEV-SNP domain with @body inside <domain>; "@F@" stands for the IGVM
 * path, "@C@" for the comma path written the way keyval escapes it. */
static gchar *
domain_xml(const Fixture *f, const char *body)
{
	g_autofree gchar *cpath = g_strdup_printf("%s/g,,1.igvm", f->dir);
	g_auto(GStrv) a = g_strsplit(body, "@F@", -1);
	g_autofree gchar *b1 = g_strjoinv(f->igvm, a);
	g_auto(GStrv) c = g_strsplit(b1, "@C@", -1);
	g_autofree gchar *b2 = g_strjoinv(cpath, c);

	return g_strdup_printf(
		"<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
		"<name>g1</name><vcpu>1</vcpu>"
		"<launchSecurity type='sev-snp'><policy>0x30000</policy></launchSecurity>%s</domain>",
		b2);
}

static void
parse(const Fixture *f, const char *body, HookDomain *dom)
{
	g_autofree gchar *xml = domain_xml(f, body);
	g_autoptr(GError) error = NULL;

	assert_true(hook_domain_parse(xml, strlen(xml), dom, &error));
	cvmt_assert_no_error(error);
}

static gboolean
has_igvm(const HookDomain *dom, const char *path)
{
	for (guint i = 0; i < dom->igvm->len; i++)
		if (strcmp(dom->igvm->pdata[i], path) == 0)
			return TRUE;
	return FALSE;
}

#define ARGS(...) "<qemu:commandline>" __VA_ARGS__ "</qemu:commandline>"
#define A(v) "<qemu:arg value='" v "'/>"

/* Spellings the hook reads: the IGVM file is found. */
static const struct {
	const char *what, *body; /* with "@C@", the file found is the comma one */
} seen[] = {
	{ "-object implied type", ARGS(A("-object") A("igvm-cfg,id=igvm0,file=@F@")) },
	{ "--object", ARGS(A("--object") A("igvm-cfg,id=igvm0,file=@F@")) },
	{ "qom-type= first", ARGS(A("-object") A("qom-type=igvm-cfg,id=igvm0,file=@F@")) },
	{ "qom-type= last", ARGS(A("-object") A("id=igvm0,file=@F@,qom-type=igvm-cfg")) },
	{ "repeated qom-type, last wins",
	  ARGS(A("-object") A("memory-backend-ram,qom-type=igvm-cfg,id=i,file=@F@")) },
	{ "repeated file, last wins", ARGS(A("-object") A("igvm-cfg,id=i,file=/dev/null,file=@F@")) },
	{ "trailing comma", ARGS(A("-object") A("igvm-cfg,id=i,file=@F@,")) },
	{ "comma escaped in the path", ARGS(A("-object") A("igvm-cfg,id=i,file=@C@")) },
	{ "JSON", ARGS(A("-object") A("{&quot;qom-type&quot;:&quot;igvm-cfg&quot;,&quot;id&quot;:&quot;i&quot;,&quot;file&quot;:&quot;@F@&quot;}")) },
	{ "JSON with blanks", ARGS(A("-object") A(" { &quot;id&quot; : &quot;i&quot; , &quot;file&quot; : &quot;@F@&quot; , &quot;qom-type&quot; : &quot;igvm-cfg&quot; } ")) },
	{ "JSON single quotes", ARGS("<qemu:arg value=\"-object\"/><qemu:arg value=\"{'qom-type':'igvm-cfg','id':'i','file':'@F@'}\"/>") },
	{ "JSON escape in the type", ARGS(A("--object") A("{&quot;qom-type&quot;:&quot;\\u0069gvm-cfg&quot;,&quot;id&quot;:&quot;i&quot;,&quot;file&quot;:&quot;@F@&quot;}")) },
	{ "-object=", ARGS(A("-object=igvm-cfg,id=igvm0,file=@F@")) },
	{ "--object=qom-type=", ARGS(A("--object=qom-type=igvm-cfg,id=igvm0,file=@F@")) },
	{ "XML character reference", ARGS(A("-object") A("&#105;gvm-cfg,id=i,file=@F@")) },
	{ "machine refers to it", ARGS(A("-object") A("igvm-cfg,id=igvm0,file=@F@") A("-machine") A("q35,igvm-cfg=igvm0")) },
	{ "-M with a QOM path", ARGS(A("-object") A("igvm-cfg,id=igvm0,file=@F@") A("-M") A("igvm-cfg=/objects/igvm0")) },
	{ "after other options", ARGS(A("-S") A("-trace") A("events=/dev/null") A("-device") A("virtio-rng-pci") A("--object") A("igvm-cfg,id=igvm0,file=@F@")) },
	{ "another namespace prefix", "<q:commandline xmlns:q='http://libvirt.org/schemas/domain/qemu/1.0'><q:arg value='-object'/><q:arg value='igvm-cfg,id=i,file=@F@'/></q:commandline>" },
	{ "libvirt IGVM loader", "<os><type>hvm</type><loader type='igvm'>@F@</loader></os>" },
	{ "metadata", "<metadata><cvm:guest xmlns:cvm='http://cvm.org/schemas/domain/1'><cvm:igvm path='@F@'/></cvm:guest></metadata>" },
	{ "metadata names another file than QEMU loads",
	  "<metadata><cvm:guest xmlns:cvm='http://cvm.org/schemas/domain/1'><cvm:igvm path='@F@'/></cvm:guest></metadata>"
	  ARGS(A("-object") A("igvm-cfg,id=i,file=@C@")) },
};

/* Spellings the hook cannot follow: refused while a policy is active. */
static const struct {
	const char *what, *body;
} refused[] = {
	{ "machine refers to an object not found", ARGS(A("-machine") A("q35,igvm-cfg=igvm0")) },
	{ "-M alone", ARGS(A("-M") A("igvm-cfg=igvm0")) },
	{ "--machine= alone", ARGS(A("--machine=q35,igvm-cfg=igvm0")) },
	{ "machine JSON", ARGS(A("-machine") A("{&quot;type&quot;:&quot;q35&quot;,&quot;igvm-cfg&quot;:&quot;x&quot;}")) },
	{ "-readconfig", ARGS(A("-readconfig") A("/etc/qemu/igvm.cfg")) },
	{ "-set object", ARGS(A("-set") A("object.igvm0.file=@F@")) },
	{ "unknown option", ARGS(A("-no-such-option") A("igvm-cfg,file=@F@")) },
	{ "value missing", ARGS(A("-object")) },
	{ "positional argument", ARGS(A("igvm-cfg,id=i,file=@F@")) },
	{ "JSON that does not parse", ARGS(A("-object") A("{&quot;qom-type&quot;:&quot;igvm-cfg&quot;")) },
	{ "JSON repeated type", ARGS(A("-object") A("{&quot;qom-type&quot;:&quot;igvm-cfg&quot;,&quot;file&quot;:&quot;@F@&quot;,&quot;qom-type&quot;:&quot;secret&quot;}")) },
	{ "JSON escape in a key", ARGS(A("-object") A("{&quot;qom-typ\\u0065&quot;:&quot;x&quot;,&quot;file&quot;:&quot;@F@&quot;}")) },
	{ "keyval that does not parse", ARGS(A("-object") A("igvm-cfg,file")) },
	{ "IGVM object without file", ARGS(A("-object") A("igvm-cfg,id=i")) },
	{ "IGVM type spelt otherwise", ARGS(A("-object") A("IGVM-cfg,id=i,file=@F@")) },
	{ "-global mentioning IGVM", ARGS(A("-global") A("driver=q35-machine,property=igvm-cfg,value=i")) },
	{ "flag given a value", ARGS(A("-S=igvm")) },
	{ "-smp changes the measured vCPUs", ARGS(A("-object") A("igvm-cfg,id=i,file=@F@") A("-smp") A("4")) },
	{ "-cpu changes the measured VMSA", ARGS(A("-cpu") A("host")) },
	{ "two confidential-guest objects", ARGS(A("-object") A("sev-snp-guest,id=s") A("-object") A("tdx-guest,id=t")) },
	{ "object and launchSecurity disagree", ARGS(A("-object") A("sev-guest,id=s,policy=0x1")) },
};

/* Arguments that cannot load IGVM: neither found nor refused. */
static const char *const harmless[] = {
	ARGS(A("-trace") A("events=/dev/null") A("-S") A("--no-reboot")),
	ARGS(A("-object") A("memory-backend-ram,id=m,size=1G") A("-device") A("virtio-rng-pci")),
	ARGS(A("-object") A("{&quot;qom-type&quot;:&quot;rng-random&quot;,&quot;id&quot;:&quot;r&quot;}")),
	ARGS(A("-machine") A("q35,confidential-guest-support=sev0") A("-set") A("device.net0.mac=52:54:00:00:00:01")),
	"<os><type>hvm</type><loader type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader></os>",
	"<qemu:capabilities/>",
	/* launch's native-translate arguments for a guest named "igvm-1" */
	ARGS(A("-device") A("loader,file=/var/lib/cvm/guests.d/igvm-1/firmware/blob-0,addr=0x1000,force-raw=on") A("-name") A("igvm-1")),
};

static CvmPolicy *
deny_all(void)
{
	CvmPolicy *p = cvm_policy_new();

	cvm_policy_set_require(p, TRUE);
	return p;
}

static void
test_every_spelling_of_the_igvm_object_is_found_and_denied(void **state)
{
	const Fixture *f = *state;
	g_autoptr(CvmPolicy) deny = deny_all();
	g_autoptr(CvmPolicy) allow = cvm_policy_new();

	for (guint i = 0; i < G_N_ELEMENTS(seen); i++) {
		g_auto(HookDomain) dom = { 0 };
		g_autoptr(GError) error = NULL;

		parse(f, seen[i].body, &dom);
		if (!has_igvm(&dom, strstr(seen[i].body, "@C@") ? f->comma : f->igvm) || dom.unclassified != NULL)
			fail_msg("%s: IGVM file not found (%u found; unclassified: %s)", seen[i].what,
				 dom.igvm->len, dom.unclassified ? dom.unclassified : "no");
		if (hook_check_domain(&dom, deny, &error))
			fail_msg("%s: allowed by a deny-all policy", seen[i].what);
		cvmt_assert_error(error, CVM_ERROR_POLICY_DENIED);
		g_clear_error(&error);
		/* The refusal is the policy's: the same domain passes an empty one. */
		if (!hook_check_domain(&dom, allow, &error))
			fail_msg("%s: refused by an empty policy: %s", seen[i].what, error->message);
	}
}

static void
test_arguments_the_hook_cannot_classify_are_denied_by_a_policy(void **state)
{
	const Fixture *f = *state;
	g_autoptr(CvmPolicy) deny = deny_all();
	g_autoptr(CvmPolicy) allow = cvm_policy_new();

	for (guint i = 0; i < G_N_ELEMENTS(refused); i++) {
		g_auto(HookDomain) dom = { 0 };
		g_autoptr(GError) error = NULL;

		parse(f, refused[i].body, &dom);
		if (dom.unclassified == NULL)
			fail_msg("%s: classified (%u IGVM files)", refused[i].what, dom.igvm->len);
		if (hook_check_domain(&dom, deny, &error))
			fail_msg("%s: allowed by a deny-all policy", refused[i].what);
		cvmt_assert_error(error, CVM_ERROR_POLICY_DENIED);
		if (strstr(error->message, "qemu:commandline") == NULL)
			fail_msg("%s: unclear message: %s", refused[i].what, error->message);
		g_clear_error(&error);
		/* Without a policy there is nothing to enforce. */
		if (dom.igvm->len == 0 && !hook_check_domain(&dom, allow, &error))
			fail_msg("%s: refused without a policy: %s", refused[i].what, error->message);
	}
}

static void
test_arguments_that_cannot_load_igvm_are_left_alone(void **state)
{
	const Fixture *f = *state;
	g_autoptr(CvmPolicy) deny = deny_all();

	for (guint i = 0; i < G_N_ELEMENTS(harmless); i++) {
		g_auto(HookDomain) dom = { 0 };
		g_autoptr(GError) error = NULL;

		parse(f, harmless[i], &dom);
		if (dom.igvm->len != 0 || dom.unclassified != NULL)
			fail_msg("%s: %u IGVM files, unclassified: %s", harmless[i], dom.igvm->len,
				 dom.unclassified ? dom.unclassified : "no");
		assert_true(hook_check_domain(&dom, deny, &error));
	}
}

static void
test_arguments_outside_the_qemu_namespace_are_ignored(void **state)
{
	const Fixture *f = *state;
	g_auto(HookDomain) dom = { 0 };

	/* libvirt reads only the qemu namespace: a decoy elsewhere must not
	 * shift the hook's reading of the real arguments. */
	parse(f,
	      "<x:commandline xmlns:x='urn:decoy'><x:arg value='-name'/></x:commandline>" ARGS(
		      A("-object") A("igvm-cfg,id=i,file=@F@")),
	      &dom);
	assert_true(has_igvm(&dom, f->igvm));
	assert_null(dom.unclassified);
}

/* Without <launchSecurity>, QEMU's own confidential-guest object decides
 * the platform (what launch writes for a libvirt without sev-snp): the
 * file is measured and checked, not let through as a native guest. */
static void
test_platform_of_a_passed_through_guest_object(void **state)
{
	const Fixture *f = *state;
	static const struct {
		const char *object, *platform;
	} cases[] = {
		{ "sev-snp-guest,id=sev0,cbitpos=51,reduced-phys-bits=1,policy=0x30000", "sev-snp" },
		{ "{&quot;qom-type&quot;:&quot;sev-guest&quot;,&quot;id&quot;:&quot;s&quot;,&quot;policy&quot;:&quot;0x5&quot;}", "sev-es" },
		{ "sev-guest,id=s,policy=0x1", "sev" },
		{ "tdx-guest,id=t", "tdx" },
	};
	g_autoptr(CvmPolicy) deny = deny_all();

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *body = g_strdup_printf(
			"<name>p</name><qemu:commandline>" A("-object") A("%s") A("-object")
			A("igvm-cfg,id=i,file=@F@") A("-machine") A("confidential-guest-support=s")
			"</qemu:commandline>", cases[i].object);
		g_autofree gchar *xml = NULL;
		g_auto(HookDomain) dom = { 0 };
		g_autoptr(GError) error = NULL;
		g_auto(GStrv) parts = g_strsplit(body, "@F@", -1);
		g_autofree gchar *joined = g_strjoinv(f->igvm, parts);

		/* No <launchSecurity>: a domain of its own. */
		xml = g_strdup_printf("<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>%s</domain>",
				      joined);
		assert_true(hook_domain_parse(xml, strlen(xml), &dom, &error));
		assert_string_equal(dom.platform, cases[i].platform);
		assert_null(dom.unclassified);
		assert_false(hook_check_domain(&dom, deny, &error));
	}
}

static void
test_keyval_follows_qemu(void **state)
{
	static const struct {
		const char *text, *implied, *key, *want; /* want NULL: rejected */
	} cases[] = {
		{ "igvm-cfg,id=a", "qom-type", "qom-type", "igvm-cfg" },
		{ "id=a,qom-type=x", "qom-type", "qom-type", "x" },
		{ "a=1,a=2", NULL, "a", "2" },
		{ "a=x,,y,b=2", NULL, "a", "x,y" },
		{ "a=,b=1", NULL, "a", "" },
		{ "a=1,", NULL, "a", "1" },
		{ "q35", "type", "type", "q35" },
		{ "q35,x", "type", "type", NULL },     /* only the first may omit "key=" */
		{ ",a=1", "type", "a", NULL },         /* empty key */
		{ "a=1,=2", NULL, "a", NULL },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GHashTable) kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		gboolean ok = hook_keyval_parse(cases[i].text, cases[i].implied, kv);

		if (cases[i].want == NULL) {
			if (ok)
				fail_msg("%s: accepted", cases[i].text);
			continue;
		}
		if (!ok)
			fail_msg("%s: rejected", cases[i].text);
		assert_string_equal(g_hash_table_lookup(kv, cases[i].key), cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_spelling_of_the_igvm_object_is_found_and_denied),
		cmocka_unit_test(test_arguments_the_hook_cannot_classify_are_denied_by_a_policy),
		cmocka_unit_test(test_arguments_that_cannot_load_igvm_are_left_alone),
		cmocka_unit_test(test_arguments_outside_the_qemu_namespace_are_ignored),
		cmocka_unit_test(test_platform_of_a_passed_through_guest_object),
		cmocka_unit_test(test_keyval_follows_qemu),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
