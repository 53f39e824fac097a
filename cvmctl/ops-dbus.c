/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guest operations through cvmd (cvm/client.h). */
#include "cvmctl/ops.h"

#include <cvm/attest-snp.h>
#include <cvm/client.h>

typedef struct {
	CvmctlOps ops;
	CvmClient *client;
} DbusOps;

static CvmClient *
client_of(CvmctlOps *ops)
{
	return ((DbusOps *)ops)->client;
}

static json_object *
list(CvmctlOps *ops, GError **error)
{
	return cvmctl_ops_shape(cvm_client_list_guests(client_of(ops), error));
}

static json_object *
status(CvmctlOps *ops, const char *name, GError **error)
{
	return cvmctl_ops_shape(cvm_client_guest_status(client_of(ops), name, error));
}

static json_object *
launch(CvmctlOps *ops, const CvmGuestSpec *spec, GStrv *warnings, GError **error)
{
	g_autofree gchar *path = cvm_client_launch(client_of(ops), cvm_guest_spec_to_variant(spec), error);

	/* cvmd logs the plan's warnings; the reply carries none. */
	*warnings = NULL;
	return path != NULL ? status(ops, spec->name, error) : NULL;
}

static gboolean
action(CvmctlOps *ops, const char *name, const char *what, GError **error)
{
	return cvm_client_guest_action(client_of(ops), name, what, error);
}

static gchar *
fwupdate(CvmctlOps *ops, const char *name, const char *method, const char *image, GError **error)
{
	gchar *json = NULL;

	if (g_strcmp0(method, "Status") != 0 && !cvm_client_fwupdate(client_of(ops), name, method, image, NULL, error))
		return NULL;
	return cvm_client_fwupdate(client_of(ops), name, "Status", NULL, &json, error) ? json : NULL;
}

static gchar *
migrate_start(CvmctlOps *ops, const CvmMigrateJobOptions *job, gboolean detach, GError **error)
{
	(void)detach; /* every cvmd job outlives its client */
	return cvm_client_migrate_start(client_of(ops), job->guest, job->to, cvm_migrate_job_options_to_variant(job),
					error);
}

static json_object *
migrate_status(CvmctlOps *ops, const char *id, GError **error)
{
	return cvm_client_migrate_status(client_of(ops), id, error);
}

static gboolean
migrate_cancel(CvmctlOps *ops, const char *id, GError **error)
{
	return cvm_client_migrate_cancel(client_of(ops), id, error);
}

static GStrv
migrate_list(CvmctlOps *ops, GError **error)
{
	return cvm_client_migrate_list(client_of(ops), error);
}

static json_object *
attest_counters(CvmctlOps *ops, GError **error)
{
	return cvm_client_attest_counters(client_of(ops), error);
}

static gboolean
verify_snp_report(CvmctlOps *ops, GBytes *report, GBytes *certificate, const CvmSnpVerifyOptions *opts,
		  CvmSnpVerifyStep *failed, GError **failure, GError **error)
{
	g_autofree gchar *step = NULL;
	gboolean verified = FALSE;

	if (opts->roots_dir != NULL) {
		/* cvmctl runs --roots in-process (cvmctl_ops_open_local()) */
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "cvmd trusts only the AMD roots in its own data folder: a roots folder is in-process only");
		return FALSE;
	}
	if (!cvm_client_verify_snp_report(client_of(ops), report, certificate, cvm_snp_verify_options_to_variant(opts),
					  &verified, &step, failure, error))
		return FALSE;
	*failed = verified ? CVM_SNP_VERIFY_OK : cvm_snp_verify_step_from_string(step);
	return TRUE;
}

static void
dbus_free(CvmctlOps *ops)
{
	cvm_client_free(client_of(ops));
	g_free(ops);
}

static const CvmctlOpsVtable dbus_vtable = {
	.name = "cvmd",
	.list = list,
	.status = status,
	.launch = launch,
	.action = action,
	.fwupdate = fwupdate,
	.migrate_start = migrate_start,
	.migrate_status = migrate_status,
	.migrate_cancel = migrate_cancel,
	.migrate_list = migrate_list,
	.attest_counters = attest_counters,
	.verify_snp_report = verify_snp_report,
	.free = dbus_free,
};

CvmctlOps *
cvmctl_ops_dbus_new(CvmClient *client)
{
	DbusOps *d = g_new0(DbusOps, 1);

	d->ops.vt = &dbus_vtable;
	d->client = client;
	return &d->ops;
}
