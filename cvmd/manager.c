/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.cvm.Cvmd1.Manager at /org/cvm/Cvmd1. */
#include <string.h>
#include <libvirt/libvirt.h>
#include "cvmd/cvmd.h"

#include <cvm/launch.h>

static gboolean
on_list_guests(CvmDbusManager *m, GDBusMethodInvocation *inv, gpointer data)
{
	Cvmd *d = data;
	g_autoptr(GPtrArray) paths = g_ptr_array_new();
	GHashTableIter it;
	gpointer g;

	g_hash_table_iter_init(&it, d->guests);
	while (g_hash_table_iter_next(&it, NULL, &g))
		g_ptr_array_add(paths, ((CvmdGuest *)g)->path);
	g_ptr_array_add(paths, NULL);
	cvm_dbus_manager_complete_list_guests(m, inv, (const char *const *)paths->pdata);
	return TRUE;
}

static gboolean
on_get_guest(CvmDbusManager *m, GDBusMethodInvocation *inv, const char *name, gpointer data)
{
	g_autoptr(GError) error = NULL;
	CvmdGuest *g;

	if (!cvm_name_check("guest name", name, &error)) {
		cvmd_return_error(inv, error);
		return TRUE;
	}
	g = cvmd_guest_lookup(data, name);
	if (g == NULL) {
		g_set_error(&error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "no guest named %s", name);
		cvmd_return_error(inv, error);
		return TRUE;
	}
	cvm_dbus_manager_complete_get_guest(m, inv, g->path);
	return TRUE;
}

static gboolean
on_reconcile(CvmDbusManager *m, GDBusMethodInvocation *inv, gpointer data)
{
	(void)m;
	cvmd_reconcile_async(data, inv);
	return TRUE;
}

/* What the launch library's host probe found (docs/dbus/README.md). */
static void
add_host(GVariantBuilder *b, const CvmHostInfo *h)
{
	const char *platforms[CVM_PLATFORM_COUNT];
	guint n = 0;

	g_variant_builder_add(b, "{sv}", "qemu-version", g_variant_new_uint64(h->qemu_version));
	g_variant_builder_add(b, "{sv}", "qemu-igvm", g_variant_new_boolean(h->qemu_igvm));
	g_variant_builder_add(b, "{sv}", "kvm", g_variant_new_boolean(h->kvm));
	g_variant_builder_add(b, "{sv}", "sev", g_variant_new_boolean(h->sev));
	g_variant_builder_add(b, "{sv}", "sev-snp", g_variant_new_boolean(h->sev_snp));
	g_variant_builder_add(b, "{sv}", "tdx", g_variant_new_boolean(h->tdx));
	g_variant_builder_add(b, "{sv}", "snp-id-block", g_variant_new_boolean(h->snp_id_block));
	for (const CvmPlatform *p = cvm_launch_platforms(); *p != CVM_PLATFORM_AUTO; p++)
		if (cvm_launch_host_supports(h, *p, NULL))
			platforms[n++] = cvm_platform_to_string(*p);
	g_variant_builder_add(b, "{sv}", "platforms", g_variant_new_strv(platforms, n));
}

static GVariant *
capabilities(Cvmd *d)
{
	GVariantBuilder b;
	unsigned long lv = 0;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "libvirt-uri", g_variant_new_string(d->uri));
	g_variant_builder_add(&b, "{sv}", "libvirt-connected", g_variant_new_boolean(d->conn != NULL));
	if (d->conn != NULL && virConnectGetLibVersion(d->conn, &lv) == 0)
		g_variant_builder_add(&b, "{sv}", "libvirt-version", g_variant_new_uint64(lv));
	if (d->conn != NULL && d->host_probed)
		add_host(&b, &d->host);
	return g_variant_builder_end(&b);
}

/* Created before the bus connection; exported by cvmd_manager_publish(). */
void
cvmd_manager_create(Cvmd *d)
{
	d->manager = cvm_dbus_manager_skeleton_new();
	cvm_dbus_manager_set_version(d->manager, CVM_VERSION);
	cvm_dbus_manager_set_capabilities(d->manager, capabilities(d));
	g_signal_connect(d->manager, "g-authorize-method", G_CALLBACK(cvmd_caller_authorize), d);
	g_signal_connect(d->manager, "handle-list-guests", G_CALLBACK(on_list_guests), d);
	g_signal_connect(d->manager, "handle-get-guest", G_CALLBACK(on_get_guest), d);
	g_signal_connect(d->manager, "handle-reconcile", G_CALLBACK(on_reconcile), d);
	cvmd_source_connect(d);
	cvmd_launch_connect(d);
}

/* The manager object is the object manager's root, /org/cvm/Cvmd1: it
 * carries org.cvm.Cvmd1.Manager, org.freedesktop.DBus.ObjectManager and the
 * manager-level optional interfaces, each exported on the connection. */
gboolean
cvmd_manager_publish(Cvmd *d, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(d->manager), d->bus,
					      CVM_BUS_PATH, &local)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "cannot export %s: %s", CVM_BUS_PATH,
			    local->message);
		return FALSE;
	}
	for (const CvmdInterface *const *i = cvmd_interfaces(); *i != NULL; i++)
		if ((*i)->attach_manager != NULL && !(*i)->attach_manager(d, error))
			return FALSE;
	return TRUE;
}

void
cvmd_manager_refresh_capabilities(Cvmd *d)
{
	cvm_dbus_manager_set_capabilities(d->manager, capabilities(d));
}
