/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Service endpoints by URI (libcvm/socket-uri.c) and the attestation front
 * ends on them: unix paths and vsock. This host may lack vsock entirely;
 * then the clear refusal is what is checked. Without a vsock loopback
 * transport no connection can be made over vsock here, so the tests prove
 * the port is really held (a second bind fails, and succeeds after stop);
 * connections are served by the same code as on unix sockets, tested in
 * test-attest-*. */
#include "tests/lib/testlib.h"
#include "libcvm/socket-uri-internal.h"

#include <cvm/attest-certs.h>
#include <cvm/attest-proxy.h>
#include <cvm/attest-quote.h>
#include <cvm/error.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>
#include <string.h>
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

typedef struct {
	gint entered;
	gint left;
	GSocket *client; /* what the handler waits on */
} Counts;

static gssize
frame_one_byte(const guint8 *buf, gsize len)
{
	(void)buf;
	return len >= 1 ? 1 : 0;
}

/* Answers "ok" at once, or, for "w", waits on a socket nobody writes to
 * (until the service's stop shuts it) and then still uses its owner. */
static GBytes *
handle_byte(gpointer owner, const guint8 *req, gsize len, gint64 started, gboolean *keep)
{
	Counts *c = owner;
	gchar b;

	(void)len;
	(void)started;
	*keep = TRUE;
	if (req[0] != 'w')
		return g_bytes_new_static("ok", 2);
	g_atomic_int_inc(&c->entered);
	g_socket_condition_timed_wait(c->client, G_IO_IN, 5 * G_USEC_PER_SEC, NULL, NULL);
	g_socket_receive(c->client, &b, 1, NULL, NULL);
	g_usleep(50 * 1000);
	g_atomic_int_inc(&c->left);
	return NULL;
}

static const CvmiServiceSpec byte_spec = {.frame = frame_one_byte, .handle = handle_byte, .workers = 2};

static gboolean
ask_byte(const char *path)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
	g_autoptr(GSocketConnection) conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL, NULL);
	gchar got[2];

	if (conn == NULL)
		return FALSE;
	GSocket *s = g_socket_connection_get_socket(conn);
	g_socket_set_timeout(s, 5);
	return g_socket_send(s, "a", 1, NULL, NULL) == 1 && g_socket_receive(s, got, 2, NULL, NULL) == 2 &&
	       memcmp(got, "ok", 2) == 0;
}

static void
test_unix_service_replaces_a_stale_socket_and_removes_it_at_stop(void **state)
{
	(void)state;
	g_autofree gchar *dir = g_dir_make_tmp("cvm-uri-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "s.sock", NULL);
	g_autofree gchar *where = g_strdup_printf("unix:%s", path);
	Counts c = {0};
	g_autoptr(GError) error = NULL;

	/* A socket file nobody listens on any more: replaced. */
	g_autoptr(GSocket) stale = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
	assert_true(g_socket_bind(stale, addr, TRUE, NULL));
	g_socket_close(stale, NULL);
	CvmiService *svc = cvmi_service_new(where, &byte_spec, &c, &error);
	assert_non_null(svc);
	assert_true(ask_byte(path));
	cvmi_service_free(svc);
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));

	/* A second service of this process on the same path (a
	 * reconfiguration) replaces the file; stopping the first must leave
	 * the second's file alone. */
	svc = cvmi_service_new(path, &byte_spec, &c, &error);
	assert_non_null(svc);
	CvmiService *svc2 = cvmi_service_new(path, &byte_spec, &c, &error);
	assert_non_null(svc2);
	cvmi_service_free(svc);
	assert_true(ask_byte(path));
	cvmi_service_free(svc2);
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));

	g_clear_error(&error);
	assert_null(cvmi_service_new("tcp:127.0.0.1:0", &byte_spec, &c, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	g_rmdir(dir);
}

/* Issue 22: a regular file at the path was unlinked, and a path longer
 * than sun_path was truncated (a socket appeared elsewhere, never
 * removed). Both are refused by name, the file left alone; so is a socket
 * another service listens on. */
static void
test_listen_refuses_files_live_sockets_and_over_long_paths(void **state)
{
	(void)state;
	g_autofree gchar *dir = g_dir_make_tmp("cvm-uri-XXXXXX", NULL);
	g_autofree gchar *file = g_build_filename(dir, "config", NULL);
	g_autofree gchar *live = g_build_filename(dir, "live.sock", NULL);
	g_autofree gchar *certs = g_build_filename(dir, "certs", NULL);
	g_autoptr(CvmSnpCertStore) store = cvm_snp_cert_store_open(certs, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *content = NULL;

	assert_true(g_file_set_contents(file, "precious", -1, NULL));
	assert_null(cvm_snp_cert_endpoint_new(store, file, &error));
	cvmt_assert_error(error, CVM_ERROR_EXISTS);
	assert_non_null(strstr(error->message, file));
	assert_true(g_file_get_contents(file, &content, NULL, NULL));
	assert_string_equal(content, "precious");

	/* Someone else's live socket. */
	g_autoptr(GSocket) other = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(live);
	assert_true(g_socket_bind(other, addr, TRUE, NULL) && g_socket_listen(other, NULL));
	g_clear_error(&error);
	assert_null(cvm_snp_cert_endpoint_new(store, live, &error));
	cvmt_assert_error(error, CVM_ERROR_EXISTS);
	g_socket_close(other, NULL);
	g_unlink(live);

	/* 108 bytes: one more than sun_path holds with its NUL. */
	g_autoptr(GString) longp = g_string_new(dir);
	g_string_append(longp, "/");
	while (longp->len < 108)
		g_string_append_c(longp, 'x');
	g_clear_error(&error);
	assert_null(cvm_snp_cert_endpoint_new(store, longp->str, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(error->message, longp->str));
	assert_non_null(strstr(error->message, "108"));
	/* Nothing was created, under the name or a truncated one. */
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	while ((name = g_dir_read_name(d)) != NULL)
		assert_true(strcmp(name, "config") == 0 || strcmp(name, "certs") == 0);
	g_clear_pointer(&store, cvm_snp_cert_store_free);
	cvmt_rm_rf(dir);
}

static gpointer
close_later(gpointer data)
{
	g_usleep(100 * 1000);
	close(GPOINTER_TO_INT(data));
	return NULL;
}

/* Stopping a service shuts down the connections being served and returns
 * only once their handlers are done: the owner can be freed right after. */
static void
test_stop_waits_for_handlers_after_shutting_their_connections(void **state)
{
	(void)state;
	g_autofree gchar *dir = g_dir_make_tmp("cvm-uri-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "s.sock", NULL);
	Counts *c = g_new0(Counts, 1);
	g_autoptr(GError) error = NULL;
	int pair[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
	c->client = g_socket_new_from_fd(pair[0], NULL);
	CvmiService *svc = cvmi_service_new(path, &byte_spec, c, &error);
	assert_non_null(svc);
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
	g_autoptr(GSocketConnection) conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL, &error);
	assert_non_null(conn);
	assert_int_equal(g_socket_send(g_socket_connection_get_socket(conn), "w", 1, NULL, NULL), 1);
	for (guint i = 0; i < 500 && g_atomic_int_get(&c->entered) == 0; i++)
		g_usleep(10 * 1000);
	assert_int_equal(g_atomic_int_get(&c->entered), 1);
	/* The handler waits on its own socket until the far end closes, a
	 * while after the stop has begun: the stop waits for it. */
	GThread *t = g_thread_new("close", close_later, GINT_TO_POINTER(pair[1]));
	cvmi_service_free(svc);
	g_thread_join(t);
	assert_int_equal(g_atomic_int_get(&c->left), 1);
	g_object_unref(c->client);
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
		cmocka_unit_test(test_unix_service_replaces_a_stale_socket_and_removes_it_at_stop),
		cmocka_unit_test(test_listen_refuses_files_live_sockets_and_over_long_paths),
		cmocka_unit_test(test_front_ends_listen_on_vsock),
		cmocka_unit_test(test_stop_waits_for_handlers_after_shutting_their_connections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
