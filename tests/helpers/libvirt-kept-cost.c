/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt-kept-cost URI XMLFILE N EVERY: the soak's baseline
 * (tests/soak/soak-cvmd.sh). Forget through cvmd keeps the libvirt domain,
 * so the driver inside cvmd holds one more shut-off definition per cycle;
 * this does the same to the driver without cvmd (define, start, destroy N
 * domains from XMLFILE, its <name> replaced by soakI) and prints this
 * process's "cycle rss_kib" every EVERY domains, so the soak can subtract
 * libvirt's share from cvmd's slope. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static long
rss_kib(void)
{
	g_autofree gchar *s = NULL;
	const char *p;

	if (!g_file_get_contents("/proc/self/status", &s, NULL, NULL) || (p = strstr(s, "VmRSS:")) == NULL)
		return -1;
	return strtol(p + 6, NULL, 10);
}

int
main(int argc, char **argv)
{
	g_autofree gchar *xml = NULL;
	g_autoptr(GError) error = NULL;
	virConnectPtr c;

	if (argc != 5) {
		fprintf(stderr, "usage: %s URI XMLFILE N EVERY\n", argv[0]);
		return 2;
	}
	if (!g_file_get_contents(argv[2], &xml, NULL, &error)) {
		fprintf(stderr, "%s\n", error->message);
		return 1;
	}
	const char *open = strstr(xml, "<name>"), *close = strstr(xml, "</name>");
	if (open == NULL || close == NULL || close < open) {
		fprintf(stderr, "%s: no <name>\n", argv[2]);
		return 1;
	}
	int n = atoi(argv[3]), every = MAX(atoi(argv[4]), 1);
	if ((c = virConnectOpen(argv[1])) == NULL)
		return 1;
	printf("0 %ld\n", rss_kib());
	for (int i = 1; i <= n; i++) {
		g_autofree gchar *one = g_strdup_printf("%.*s<name>soak%d</name>%s", (int)(open - xml), xml, i,
							close + strlen("</name>"));
		virDomainPtr d = virDomainDefineXML(c, one);

		if (d == NULL || virDomainCreate(d) < 0 || virDomainDestroy(d) < 0) {
			fprintf(stderr, "domain %d: %s\n", i, virGetLastErrorMessage());
			return 1;
		}
		virDomainFree(d);
		if (i % every == 0)
			printf("%d %ld\n", i, rss_kib());
	}
	virConnectClose(c);
	return 0;
}
