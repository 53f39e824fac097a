/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Service endpoints by URI (libcvm/socket-uri.c) and the attestation front
 * ends on them: unix paths and vsock. This host may lack vsock entirely;
 * then the clear refusal is what is checked. Without a vsock loopback
 * transport no connection can be made over vsock here, so the tests prove
 * the port is really held (a second bind fails, and succeeds after stop);
 * connections are served by the same code as on unix sockets, tested in
 * test-attest-*. */
#include "tests/lib/testlib.h"
#include "libcvm/socket-uri-private.h"

#include <cvm/attest-certs.h>
#include <cvm/attest-proxy.h>
#include <cvm/attest-quote.h>
#include <cvm/error.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <linux/vm_sockets.h>
#include <sys/socket.h>
#include <unistd.h>

static gboolean
host_has_vsock(void)
{
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (fd < 0)
		return FALSE;
	close(fd);
	return TRUE;
}

/* A port this run owns (several test runs may share the host). */
static guint32
vsock_port(guint offset)
{
	return 40000u + (guint32)getpid() % 20000u + offset;
}

/* Whether binding @port again fails: something holds it. */
static gboolean
vsock_port_held(guint32 port)
{
	struct sockaddr_vm sa = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port};
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	int e = errno;
	close(fd);
	if (rc == 0)
		return FALSE;
	assert_int_equal(e, EADDRINUSE);
	return TRUE;
}

static void
test_uris_parse_and_services_refuse_tcp(void **state)
{
	(void)state;
	CvmiUri u;
	assert_true(cvmi_uri_parse("vsock:any:5000", &u, NULL));
	assert_int_equal(u.kind, CVMI_URI_VSOCK);
	assert_int_equal(u.cid, VMADDR_CID_ANY);
	assert_int_equal(u.port, 5000);
	cvmi_uri_clear(&u);
	assert_true(cvmi_uri_parse("tcp:[::1]:80", &u, NULL));
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 80);
	cvmi_uri_clear(&u);

	const char *good[] = {"/run/cvm/a.sock", "unix:/run/cvm/a.sock", "vsock:2:9000", "vsock:any:1"};
	for (guint i = 0; i < G_N_ELEMENTS(good); i++)
		assert_true(cvmi_service_uri_check(good[i], NULL));
	const char *bad[] = {"tcp:127.0.0.1:80", "relative.sock", "unix:relative", "", "vsock:2", "vsock:x:1",
			     "vsock:1:2:3", "unix:"};
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		assert_false(cvmi_service_uri_check(bad[i], &error));
		assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT));
	}
}

static void
test_unix_service_replaces_a_stale_file_and_removes_it_at_stop(void **state)
{
	(void)state;
	g_autofree gchar *dir = g_dir_make_tmp("cvm-uri-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "s.sock", NULL);
	g_autofree gchar *where = g_strdup_printf("unix:%s", path);
	g_autofree gchar *held = NULL;
	assert_true(g_file_set_contents(path, "stale", -1, NULL));

	GSocketService *svc = g_socket_service_new();
	g_autoptr(GError) error = NULL;
	assert_true(cvmi_service_uri_listen(G_SOCKET_LISTENER(svc), where, &held, &error));
	assert_string_equal(held, path);
	g_autoptr(GSocketClient) c = g_socket_client_new();
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
	g_autoptr(GSocketConnection) conn = g_socket_client_connect(c, G_SOCKET_CONNECTABLE(addr), NULL, &error);
	assert_non_null(conn);
	/* A second service on the same path (a reconfiguration) replaces the
	 * file; stopping the first must leave the second's file alone. */
	GSocketService *svc2 = g_socket_service_new();
	g_autofree gchar *held2 = NULL;
	assert_true(cvmi_service_uri_listen(G_SOCKET_LISTENER(svc2), path, &held2, &error));
	cvmi_service_uri_stop(svc, held, NULL);
	assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
	g_autoptr(GSocketConnection) conn2 = g_socket_client_connect(c, G_SOCKET_CONNECTABLE(addr), NULL, &error);
	assert_non_null(conn2);
	cvmi_service_uri_stop(svc2, held2, NULL);
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));

	svc = g_socket_service_new();
	g_clear_pointer(&held, g_free);
	g_clear_error(&error);
	assert_false(cvmi_service_uri_listen(G_SOCKET_LISTENER(svc), "tcp:127.0.0.1:0", &held, &error));
	assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT));
	assert_null(held);
	g_object_unref(svc);
	g_rmdir(dir);
}

typedef struct {
	gint entered;
	gint left;
} Counts;

/* A handler that waits on its client (which never sends), then still uses
 * its owner after the connection is gone. */
static void
blocking_serve(gpointer owner, GSocketConnection *conn)
{
	Counts *c = owner;
	gchar b;

	g_atomic_int_inc(&c->entered);
	g_socket_receive(g_socket_connection_get_socket(conn), &b, 1, NULL, NULL);
	g_usleep(50 * 1000);
	g_atomic_int_inc(&c->left);
}

/* Stopping a service shuts down the connections being served and returns
 * only once their handlers are done: the owner can be freed right after. */
static void
test_stop_waits_for_handlers_after_shutting_their_connections(void **state)
{
	(void)state;
	g_autofree gchar *dir = g_dir_make_tmp("cvm-uri-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "s.sock", NULL);
	g_autofree gchar *held = NULL;
	Counts *c = g_new0(Counts, 1);
	GSocketService *svc = g_threaded_socket_service_new(4);
	g_autoptr(GError) error = NULL;

	assert_true(cvmi_service_uri_listen(G_SOCKET_LISTENER(svc), path, &held, &error));
	CvmiServiceGuard *guard = cvmi_service_serve(svc, blocking_serve, c);
	g_socket_service_start(svc);
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
	g_autoptr(GSocketConnection) conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL, &error);
	assert_non_null(conn);
	for (guint i = 0; i < 500 && g_atomic_int_get(&c->entered) == 0; i++) {
		g_main_context_iteration(NULL, FALSE);
		g_usleep(10 * 1000);
	}
	assert_int_equal(g_atomic_int_get(&c->entered), 1);
	cvmi_service_uri_stop(svc, held, guard);
	assert_int_equal(g_atomic_int_get(&c->left), 1);
	g_free(c);
	g_rmdir(dir);
}

/* Each front end takes vsock:CID:PORT, holds the port while it runs and
 * frees it when stopped; a host without vsock gets NOT_SUPPORTED. */
static void
test_front_ends_listen_on_vsock(void **state)
{
	(void)state;
	g_autofree gchar *dir = g_dir_make_tmp("cvm-uri-XXXXXX", NULL);
	g_autofree gchar *certs = g_build_filename(dir, "certs", NULL);
	g_autoptr(CvmAttestProxy) proxy = cvm_attest_proxy_new(NULL, NULL);
	g_autoptr(CvmTdxQuoteService) quotes = cvm_tdx_quote_service_new("/nonexistent/qgs.sock", 1000);
	g_autoptr(CvmSnpCertStore) store = cvm_snp_cert_store_open(certs, NULL);
	CvmAttestBackend b;
	gboolean vsock = host_has_vsock();
	g_autofree gchar *a = g_strdup_printf("vsock:any:%u", vsock_port(0));
	g_autofree gchar *q = g_strdup_printf("vsock:any:%u", vsock_port(1));
	g_autofree gchar *e = g_strdup_printf("vsock:any:%u", vsock_port(2));
	g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;

	assert_non_null(store);
	cvm_attest_backend_init(&b);
	b.agent_socket = "/nonexistent/agent.sock";
	gboolean ok = cvm_attest_proxy_add_guest(proxy, "g", a, &b, &e1);
	g_autoptr(CvmTdxQgsFront) front = cvm_tdx_qgs_front_new(quotes, "g", q, &e2);
	g_autoptr(CvmSnpCertEndpoint) endpoint = cvm_snp_cert_endpoint_new(store, e, &e3);
	if (!vsock) {
		assert_false(ok);
		assert_null(front);
		assert_null(endpoint);
		assert_true(g_error_matches(e1, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED));
		assert_true(g_error_matches(e2, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED));
		assert_true(g_error_matches(e3, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED));
		g_test_message("no AF_VSOCK on this host: refusals checked");
	} else {
		assert_true(ok);
		assert_non_null(front);
		assert_non_null(endpoint);
		for (guint i = 0; i < 3; i++)
			assert_true(vsock_port_held(vsock_port(i)));
		/* A port in use is a clear error, not a silent second listener. */
		g_autoptr(GError) busy = NULL;
		assert_false(cvm_attest_proxy_add_guest(proxy, "g2", q, &b, &busy));
		assert_true(g_error_matches(busy, CVM_ERROR, CVM_ERROR_IO));
		g_clear_pointer(&proxy, cvm_attest_proxy_free);
		g_clear_pointer(&front, cvm_tdx_qgs_front_free);
		g_clear_pointer(&endpoint, cvm_snp_cert_endpoint_free);
		for (guint i = 0; i < 3; i++)
			assert_false(vsock_port_held(vsock_port(i)));
	}
	g_clear_pointer(&store, cvm_snp_cert_store_free);
	cvmt_rm_rf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uris_parse_and_services_refuse_tcp),
		cmocka_unit_test(test_unix_service_replaces_a_stale_file_and_removes_it_at_stop),
		cmocka_unit_test(test_front_ends_listen_on_vsock),
		cmocka_unit_test(test_stop_waits_for_handlers_after_shutting_their_connections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
