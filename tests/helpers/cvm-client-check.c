/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvm-client-check BUS list|status NAME|ACTION NAME: drives cvm/client.h and
 * prints JSON or "error <cvm-error-name>: message" (exit 1). */
#include <stdio.h>
#include <string.h>
#include <cvm/client.h>

static int
fail(GError *error)
{
	printf("error %s: %s\n", error->domain == CVM_ERROR ? cvm_error_to_string(error->code)
							    : "foreign",
	       error->message);
	return 1;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmClient) c = NULL;
	json_object *out = NULL;

	if (argc < 3)
		return 2;
	c = cvm_client_connect(argv[1], &error);
	if (c == NULL)
		return fail(error);
	if (strcmp(argv[2], "list") == 0)
		out = cvm_client_list_guests(c, &error);
	else if (strcmp(argv[2], "status") == 0 && argc > 3)
		out = cvm_client_guest_status(c, argv[3], &error);
	else if (argc > 3 && cvm_client_guest_action(c, argv[3], argv[2], &error))
		out = json_object_new_string("done");
	if (out == NULL)
		return error ? fail(error) : 2;
	printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	return 0;
}
