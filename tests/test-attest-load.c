/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guest-facing attestation services under hostile load (issue 22):
 * the IGVM-attest proxy's front end, the SNP certificate endpoint and the
 * QGS front end, hosted in this process on unix sockets. Connection churn
 * and 500 requests at once must not crash them (GLib 2.74's
 * GThreadedSocketService did, with its pool full); stalled and trickling
 * connections must neither block valid requests nor outlive the request
 * deadline; connections beyond the cap are refused. After each, every
 * service still answers. Counts and times are bounded. */
#include "tests/lib/testlib.h"
#include "tests/lib/attest-load.h"
#include "libcvm/socket-uri-internal.h"

#include <cvm/attest-certs.h>
#include <cvm/attest-proxy.h>
#include <cvm/attest-quote.h>

typedef struct {
	gchar *dir;
	gchar *path[3]; /* by CvmtLoadKind */
	CvmAttestProxy *proxy;
	CvmSnpCertStore *store;
	CvmSnpCertEndpoint *endpoint;
	CvmTdxQuoteService *quotes;
	CvmTdxQgsFront *front;
	GMainLoop *loop; /* the default context's, as cvmctl runs it */
	GThread *loop_thread;
} Fixture;

static gpointer
run_loop(gpointer data)
{
	g_main_loop_run(data);
	return NULL;
}

/* Run inside the loop: a quit before it had started would be lost. */
static gboolean
quit_loop(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;
	CvmAttestBackend b;

	/* The services must not depend on it, but the programs that host them
	 * run one: so does this test. */
	f->loop = g_main_loop_new(NULL, FALSE);
	f->loop_thread = g_thread_new("main-loop", run_loop, f->loop);
	f->dir = cvmt_mkdtemp();
	for (guint i = 0; i < 3; i++)
		f->path[i] = g_strdup_printf("%s/s%u.sock", f->dir, i);
	g_autofree gchar *certs = g_build_filename(f->dir, "certs", NULL);
	g_autofree gchar *agent = g_build_filename(f->dir, "no-agent.sock", NULL);
	g_autofree gchar *qgs = g_build_filename(f->dir, "no-qgs.sock", NULL);
	/* No agent and no QGS: each request is answered with an error at once,
	 * which is all a load test needs (the service's own path is tested). */
	cvm_attest_backend_init(&b);
	b.agent_socket = agent;
	b.attempts = 1;
	f->proxy = cvm_attest_proxy_new(NULL, NULL);
	assert_true(cvm_attest_proxy_add_guest(f->proxy, "g", f->path[CVMT_LOAD_PROXY], &b, &error));
	f->store = cvm_snp_cert_store_open(certs, &error);
	assert_non_null(f->store);
	f->endpoint = cvm_snp_cert_endpoint_new(f->store, f->path[CVMT_LOAD_CERTS], &error);
	assert_non_null(f->endpoint);
	f->quotes = cvm_tdx_quote_service_new(qgs, 2000);
	f->front = cvm_tdx_qgs_front_new(f->quotes, "g", f->path[CVMT_LOAD_QGS], &error);
	assert_non_null(f->front);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	cvm_tdx_qgs_front_free(f->front);
	cvm_tdx_quote_service_free(f->quotes);
	cvm_snp_cert_endpoint_free(f->endpoint);
	cvm_snp_cert_store_free(f->store);
	cvm_attest_proxy_free(f->proxy);
	g_main_context_invoke(NULL, quit_loop, f->loop);
	g_thread_join(f->loop_thread);
	g_main_loop_unref(f->loop);
	cvmt_rm_rf(f->dir);
	for (guint i = 0; i < 3; i++)
		g_free(f->path[i]);
	g_free(f->dir);
	g_free(f);
	return 0;
}

static void
assert_all_answer(Fixture *f)
{
	for (guint k = 0; k < 3; k++)
		assert_true(cvmt_load_ask_within((CvmtLoadKind)k, f->path[k], 10000));
}

static void
test_connection_churn_leaves_every_service_answering(void **state)
{
	Fixture *f = *state;

	for (guint k = 0; k < 3; k++)
		cvmt_load_churn((CvmtLoadKind)k, f->path[k], 40, 25);
	assert_all_answer(f);
}

/* Each is answered or refused cleanly (closed), never left hanging. */
static void
test_500_requests_at_once_are_answered_or_refused(void **state)
{
	Fixture *f = *state;

	for (guint k = 0; k < 3; k++) {
		guint answered, refused;
		cvmt_load_concurrent((CvmtLoadKind)k, f->path[k], 500, 50, 20000, &answered, &refused);
		g_test_message("service %u: %u answered, %u refused", k, answered, refused);
		assert_int_equal(answered + refused, 500);
		assert_true(answered >= 16);
	}
	assert_all_answer(f);
}

/* 100 connections hold a first byte each: a valid request is still
 * answered at once, on every service. */
static void
test_stalled_connections_do_not_hold_back_valid_requests(void **state)
{
	Fixture *f = *state;
	int *fds[3];

	for (guint k = 0; k < 3; k++)
		fds[k] = cvmt_load_stall((CvmtLoadKind)k, f->path[k], 100);
	for (guint k = 0; k < 3; k++)
		assert_true(cvmt_load_ask((CvmtLoadKind)k, f->path[k], 2000));
	for (guint k = 0; k < 3; k++)
		cvmt_load_close(fds[k], 100);
}

/* A byte every 100 ms does not extend the request's deadline. */
static void
test_a_trickling_request_is_cut_at_its_deadline(void **state)
{
	Fixture *f = *state;

	for (guint k = 0; k < 3; k++) {
		gint64 took = cvmt_load_trickle((CvmtLoadKind)k, f->path[k], 100, CVMI_SERVICE_REQUEST_MS + 4000);
		g_test_message("service %u: closed after %" G_GINT64_FORMAT " ms", k, took);
		assert_true(took >= 0);
	}
}

/* Past the cap a connection is closed at once; the held ones time out at
 * the idle limit, and the service answers again when they are gone. */
static void
test_connections_beyond_the_cap_are_refused(void **state)
{
	Fixture *f = *state;

	for (guint k = 0; k < 3; k++) {
		int *held = cvmt_load_stall((CvmtLoadKind)k, f->path[k], CVMI_SERVICE_CONNECTIONS_MAX);
		int *extra = cvmt_load_stall((CvmtLoadKind)k, f->path[k], 4);
		for (guint i = 0; i < 4; i++)
			assert_true(extra[i] < 0 || cvmt_load_closed_by_peer(extra[i], 2000));
		cvmt_load_close(extra, 4);
		cvmt_load_close(held, CVMI_SERVICE_CONNECTIONS_MAX);
	}
	/* The service sees the closes in its own time. */
	for (guint k = 0; k < 3; k++)
		assert_true(cvmt_load_ask_within((CvmtLoadKind)k, f->path[k], 5000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connection_churn_leaves_every_service_answering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_500_requests_at_once_are_answered_or_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stalled_connections_do_not_hold_back_valid_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_trickling_request_is_cut_at_its_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connections_beyond_the_cap_are_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
