/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The arguments of <qemu:commandline>: which IGVM files they make QEMU load.
 *
 * QEMU accepts the IGVM object in many spellings: "-object" or "--object",
 * KEY=VALUE text with the type implied or named ("igvm-cfg,id=i,file=F",
 * "id=i,qom-type=igvm-cfg,file=F", the last of a repeated key winning, ",,"
 * for a comma) or JSON ({"qom-type":"igvm-cfg",...}, with escapes), and the
 * machine property in "-machine", "-M" and their JSON forms. Matching one
 * spelling let the others through (issue 22), so this file follows QEMU's
 * rules (util/keyval.c, qom/object_interfaces.c user_creatable_parse_str,
 * system/vl.c lookup_opt) and reports every argument it cannot classify:
 * with a policy active the hook then refuses rather than guess. */
#include <string.h>
#include <cvm/platform.h>
#include <json-c/json.h>
#include "hook/hook.h"

typedef enum {
	OPT_FLAG,    /* takes no argument */
	OPT_PLAIN,   /* argument that cannot name an IGVM file */
	OPT_GLOBAL,  /* -global DRIVER.PROP=VALUE: devices' defaults; one that
		      * names IGVM is not followed */
	OPT_OBJECT,  /* -object: keyval (implied qom-type) or JSON */
	OPT_MACHINE, /* -machine/-M: keyval (implied type) or JSON */
	OPT_SET,     /* -set GROUP.ID.PROP=VALUE */
	OPT_REFUSE,  /* reads options from elsewhere (-readconfig) */
	OPT_MEASURED, /* changes the launch digest the hook computes from the
		       * domain XML (-smp: vCPU count, -cpu: VMSA signature) */
} OptKind;

/* The QEMU options the hook knows (name without dashes). Any other option is
 * unclassified: the hook does not know whether it takes an argument, so it
 * cannot even tell where the next option starts. */
static const struct {
	const char *name;
	OptKind kind;
} options[] = {
	{ "object", OPT_OBJECT }, { "machine", OPT_MACHINE }, { "M", OPT_MACHINE },
	{ "set", OPT_SET }, { "readconfig", OPT_REFUSE },
	/* argument: */
	{ "accel", OPT_PLAIN }, { "action", OPT_PLAIN }, { "add-fd", OPT_PLAIN },
	{ "append", OPT_PLAIN }, { "audio", OPT_PLAIN }, { "audiodev", OPT_PLAIN },
	{ "bios", OPT_PLAIN }, { "blockdev", OPT_PLAIN }, { "boot", OPT_PLAIN },
	{ "cdrom", OPT_PLAIN }, { "chardev", OPT_PLAIN }, { "compat", OPT_PLAIN },
	{ "cpu", OPT_MEASURED }, { "D", OPT_PLAIN }, { "d", OPT_PLAIN },
	{ "debugcon", OPT_PLAIN }, { "device", OPT_PLAIN }, { "display", OPT_PLAIN },
	{ "drive", OPT_PLAIN }, { "fw_cfg", OPT_PLAIN }, { "gdb", OPT_PLAIN },
	{ "global", OPT_GLOBAL }, { "icount", OPT_PLAIN }, { "incoming", OPT_PLAIN },
	{ "initrd", OPT_PLAIN }, { "k", OPT_PLAIN }, { "kernel", OPT_PLAIN },
	{ "L", OPT_PLAIN }, { "loadvm", OPT_PLAIN }, { "m", OPT_PLAIN },
	{ "mem-path", OPT_PLAIN }, { "mon", OPT_PLAIN }, { "monitor", OPT_PLAIN },
	{ "msg", OPT_PLAIN }, { "name", OPT_PLAIN }, { "netdev", OPT_PLAIN },
	{ "nic", OPT_PLAIN }, { "numa", OPT_PLAIN }, { "overcommit", OPT_PLAIN },
	{ "parallel", OPT_PLAIN }, { "pflash", OPT_PLAIN }, { "pidfile", OPT_PLAIN },
	{ "plugin", OPT_PLAIN }, { "qmp", OPT_PLAIN }, { "qmp-pretty", OPT_PLAIN },
	{ "rtc", OPT_PLAIN }, { "sandbox", OPT_PLAIN }, { "serial", OPT_PLAIN },
	{ "smbios", OPT_PLAIN }, { "smp", OPT_MEASURED }, { "tpmdev", OPT_PLAIN },
	{ "trace", OPT_PLAIN }, { "uuid", OPT_PLAIN }, { "vga", OPT_PLAIN },
	{ "vnc", OPT_PLAIN },
	/* no argument: */
	{ "daemonize", OPT_FLAG }, { "enable-kvm", OPT_FLAG }, { "mem-prealloc", OPT_FLAG },
	{ "no-reboot", OPT_FLAG }, { "no-shutdown", OPT_FLAG }, { "no-user-config", OPT_FLAG },
	{ "nodefaults", OPT_FLAG }, { "nographic", OPT_FLAG }, { "only-migratable", OPT_FLAG },
	{ "preconfig", OPT_FLAG }, { "S", OPT_FLAG }, { "s", OPT_FLAG },
	{ "snapshot", OPT_FLAG },
};

/* QemuOpts groups -set may change that cannot hold the IGVM object or the
 * machine's reference to it. */
static const char *const set_groups[] = { "device", "drive", "netdev", "chardev" };

typedef struct {
	HookDomain *dom;
	GPtrArray *igvm_ids; /* ids of the igvm-cfg objects seen */
	GPtrArray *refs;     /* the machine's igvm-cfg values */
} Scan;

static gboolean
mentions_igvm(const char *s)
{
	g_autofree gchar *lower = g_ascii_strdown(s, -1);

	return strstr(lower, "igvm") != NULL;
}

static void
unclassified(Scan *sc, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
unclassified(Scan *sc, const char *fmt, ...)
{
	va_list ap;

	if (sc->dom->unclassified != NULL)
		return; /* the first reason is the one to show */
	va_start(ap, fmt);
	sc->dom->unclassified = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

/* QEMU's KEY=VALUE,... (util/keyval.c): the first element may be a bare
 * value for @implied; ",," is a literal comma; a repeated key's last value
 * wins. Top-level keys only (a dotted key is kept whole). FALSE where QEMU
 * would reject the text. */
gboolean
hook_keyval_parse(const char *s, const char *implied, GHashTable *out)
{
	gboolean first = TRUE;

	while (*s) {
		gsize len = strcspn(s, "=,");
		g_autofree gchar *key = NULL;
		GString *val = g_string_new(NULL);

		if (first && implied && len > 0 && s[len] != '=') {
			key = g_strdup(implied);
		} else {
			if (len == 0 || s[len] != '=') {
				g_string_free(val, TRUE);
				return FALSE;
			}
			key = g_strndup(s, len);
			s += len + 1;
		}
		first = FALSE;
		while (*s) {
			if (*s == ',') {
				s++;
				if (*s != ',')
					break;
			}
			g_string_append_c(val, *s++);
		}
		g_hash_table_replace(out, g_steal_pointer(&key), g_string_free(val, FALSE));
	}
	return TRUE;
}

/* JSON text as QEMU takes it for -object (and the hook for -machine): a
 * top-level object. Its string members go to @out. json-c keeps the last of
 * repeated keys and decodes escapes; because QEMU's parser may differ on
 * such details, text that mentions IGVM or uses escapes and still does not
 * decode to the IGVM object is left unclassified by the caller. */
static gboolean
json_members(const char *s, GHashTable *out)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;
	gsize len = strlen(s);
	gboolean ok;

	obj = json_tokener_parse_ex(tok, s, (int)MIN(len, (gsize)G_MAXINT));
	ok = obj != NULL && json_tokener_get_error(tok) == json_tokener_success &&
	     (gsize)json_tokener_get_parse_end(tok) == len && json_object_is_type(obj, json_type_object);
	if (ok) {
		json_object_object_foreach(obj, k, v)
		{
			if (json_object_is_type(v, json_type_string))
				g_hash_table_replace(out, g_strdup(k), g_strdup(json_object_get_string(v)));
		}
	}
	json_object_put(obj);
	json_tokener_free(tok);
	return ok;
}

static gboolean
is_json(const char *s)
{
	while (g_ascii_isspace(*s))
		s++;
	return *s == '{';
}

/* Parses @value as keyval or JSON; FALSE (and unclassified) when it cannot. */
static gboolean
parse_opts(Scan *sc, const char *opt, const char *value, const char *implied, GHashTable *out)
{
	gboolean json = is_json(value);

	if (json ? json_members(value, out) : hook_keyval_parse(value, implied, out))
		return TRUE;
	unclassified(sc, "-%s %s: cannot parse this %s", opt, value, json ? "JSON" : "KEY=VALUE list");
	return FALSE;
}

/* QEMU's confidential-guest objects: the platform the IGVM file is
 * measured for. SEV's policy bit 2 (ES) selects SEV-ES. */
static void
scan_guest_object(Scan *sc, const char *opt, const char *value, const char *type, GHashTable *kv)
{
	const char *platform = NULL;
	const char *policy = g_hash_table_lookup(kv, "policy");

	if (strcmp(type, "sev-snp-guest") == 0)
		platform = cvm_platform_to_string(CVM_PLATFORM_SEV_SNP);
	else if (strcmp(type, "tdx-guest") == 0)
		platform = cvm_platform_to_string(CVM_PLATFORM_TDX);
	else if (strcmp(type, "sev-guest") == 0)
		platform = cvm_platform_to_string(policy != NULL && (g_ascii_strtoull(policy, NULL, 0) & 0x4)
							  ? CVM_PLATFORM_SEV_ES
							  : CVM_PLATFORM_SEV);
	if (platform == NULL)
		return;
	if (sc->dom->qemu_platform != NULL && strcmp(sc->dom->qemu_platform, platform) != 0) {
		unclassified(sc, "-%s %s: a second confidential-guest object", opt, value);
		return;
	}
	g_free(sc->dom->qemu_platform);
	sc->dom->qemu_platform = g_strdup(platform);
}

static void
scan_object(Scan *sc, const char *opt, const char *value)
{
	g_autoptr(GHashTable) kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	const char *type, *file;

	if (!parse_opts(sc, opt, value, "qom-type", kv))
		return;
	type = g_hash_table_lookup(kv, "qom-type");
	if (type != NULL)
		scan_guest_object(sc, opt, value, type, kv);
	if (type == NULL || !mentions_igvm(type)) {
		/* JSON escapes or repeated keys may decode differently in QEMU. */
		if (is_json(value) && (mentions_igvm(value) || strchr(value, '\\')))
			unclassified(sc, "-%s %s: JSON the hook cannot read unambiguously", opt, value);
		return;
	}
	file = g_hash_table_lookup(kv, "file");
	if (strcmp(type, "igvm-cfg") != 0 || file == NULL || file[0] == '\0') {
		unclassified(sc, "-%s %s: an IGVM object the hook does not understand", opt, value);
		return;
	}
	hook_domain_add_igvm(sc->dom, file);
	if (g_hash_table_lookup(kv, "id"))
		g_ptr_array_add(sc->igvm_ids, g_strdup(g_hash_table_lookup(kv, "id")));
}

static void
scan_machine(Scan *sc, const char *opt, const char *value)
{
	g_autoptr(GHashTable) kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	const char *ref;

	if (!parse_opts(sc, opt, value, "type", kv))
		return;
	ref = g_hash_table_lookup(kv, "igvm-cfg");
	if (ref != NULL)
		g_ptr_array_add(sc->refs, g_strdup(ref));
	else if (mentions_igvm(value))
		unclassified(sc, "-%s %s: mentions IGVM in a way the hook does not understand", opt,
			     value);
}

static void
scan_set(Scan *sc, const char *value)
{
	for (guint i = 0; i < G_N_ELEMENTS(set_groups); i++) {
		gsize n = strlen(set_groups[i]);

		if (strncmp(value, set_groups[i], n) == 0 && value[n] == '.' && !mentions_igvm(value))
			return;
	}
	unclassified(sc, "-set %s: only -set of device, drive, netdev or chardev options is understood",
		     value);
}

/* The option named by @arg ("-name", "--name", also "-name=value"): its
 * table index or -1; *joined is the text after '=' (QEMU itself does not
 * split there, but whatever it makes of such an argument, the hook reads
 * it the strict way). */
static int
lookup(const char *arg, gchar **name, const char **joined)
{
	const char *p = arg + 1;
	const char *eq;

	if (*p == '-')
		p++;
	eq = strchr(p, '=');
	*name = eq ? g_strndup(p, (gsize)(eq - p)) : g_strdup(p);
	*joined = eq ? eq + 1 : NULL;
	for (guint i = 0; i < G_N_ELEMENTS(options); i++)
		if (strcmp(options[i].name, *name) == 0)
			return (int)i;
	return -1;
}

static gboolean
machine_ref_known(Scan *sc, const char *ref)
{
	const char *slash = strrchr(ref, '/');
	const char *id = slash ? slash + 1 : ref; /* a link may be a QOM path */

	for (guint i = 0; i < sc->igvm_ids->len; i++)
		if (strcmp(sc->igvm_ids->pdata[i], id) == 0)
			return TRUE;
	return FALSE;
}

void
hook_qemu_args_scan(const char *const *args, guint n, HookDomain *dom)
{
	Scan sc = { dom, g_ptr_array_new_with_free_func(g_free),
		    g_ptr_array_new_with_free_func(g_free) };

	for (guint i = 0; i < n; i++) {
		g_autofree gchar *name = NULL;
		const char *value;
		int idx;

		if (args[i][0] != '-' || args[i][1] == '\0') {
			unclassified(&sc, "'%s' is not an option QEMU reads here", args[i]);
			break;
		}
		idx = lookup(args[i], &name, &value);
		if (idx < 0) {
			unclassified(&sc, "'%s' is an option the hook does not know", args[i]);
			break; /* its arity is unknown: the rest cannot be followed */
		}
		if (options[idx].kind == OPT_FLAG) {
			if (value != NULL)
				unclassified(&sc, "'%s': -%s takes no value", args[i], name);
			continue;
		}
		if (value == NULL) {
			if (i + 1 >= n) {
				unclassified(&sc, "'%s' has no value", args[i]);
				break;
			}
			value = args[++i];
		}
		switch (options[idx].kind) {
		case OPT_OBJECT:
			scan_object(&sc, name, value);
			break;
		case OPT_MACHINE:
			scan_machine(&sc, name, value);
			break;
		case OPT_SET:
			scan_set(&sc, value);
			break;
		case OPT_REFUSE:
			unclassified(&sc, "-%s %s: options read from a file cannot be checked", name,
				     value);
			break;
		case OPT_MEASURED:
			unclassified(&sc, "-%s %s: changes the launch digest the hook computes", name,
				     value);
			break;
		case OPT_GLOBAL:
			if (mentions_igvm(value))
				unclassified(&sc, "-%s %s: mentions IGVM where the hook does not look", name,
					     value);
			break;
		default: /* a path may well contain "igvm" (a guest's name) */
			break;
		}
	}
	for (guint i = 0; i < sc.refs->len; i++)
		if (!machine_ref_known(&sc, sc.refs->pdata[i]))
			unclassified(&sc, "the machine's igvm-cfg=%s names no IGVM object the hook found",
				     (const char *)sc.refs->pdata[i]);
	g_ptr_array_unref(sc.igvm_ids);
	g_ptr_array_unref(sc.refs);
}
