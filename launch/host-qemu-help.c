/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SVSM launch options a QEMU offers, asked of the binary itself:
 * COCONUT SVSM's QEMU (11 with its patches) adds the q35 property
 * x-svsm-virtio-mmio and, with KVM planes, device-plane=; no release of
 * upstream QEMU has either. See docs/firmware.md. */
#include <cvm/host.h>
#include <string.h>

void
cvm_host_info_from_qemu_help(CvmHostInfo *out, const char *machine_help, const char *device_help, const char *help)
{
	/* "  x-svsm-virtio-mmio=<bool> - ..." in the machine's property list. */
	out->qemu_svsm_virtio_mmio = machine_help != NULL && strstr(machine_help, "\n  x-svsm-virtio-mmio=") != NULL;
	out->qemu_virtio_blk_device = device_help != NULL && strstr(device_help, "name \"virtio-blk-device\"") != NULL;
	out->qemu_vhost_vsock_device = device_help != NULL &&
				       strstr(device_help, "name \"vhost-vsock-device\"") != NULL;
	/* coconut-svsm/scripts/launch_guest.sh: `$QEMU -h | grep -o "device-plane="`. */
	out->qemu_device_plane = help != NULL && strstr(help, "device-plane=") != NULL;
}

/* stdout of @emulator with @arg1 @arg2, NULL when it fails. */
static gchar *
ask(const char *emulator, const char *arg1, const char *arg2)
{
	const char *argv[] = { emulator, arg1, arg2, NULL };
	g_autofree gchar *out = NULL;
	gint status = -1;

	if (!g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status,
			  NULL) ||
	    !g_spawn_check_wait_status(status, NULL))
		return NULL;
	return g_steal_pointer(&out);
}

void
cvm_host_probe_emulator(const char *emulator, CvmHostInfo *out)
{
	g_autofree gchar *machine = ask(emulator, "-machine", "q35,help");
	g_autofree gchar *devices = ask(emulator, "-device", "help");
	g_autofree gchar *help = ask(emulator, "-h", NULL);

	cvm_host_info_from_qemu_help(out, machine, devices, help);
}
