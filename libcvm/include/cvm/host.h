/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the virtualization host can launch, learnt through the libvirt API:
 * libvirt and QEMU versions, confidential-computing features from the domain
 * capabilities, and whether QEMU can load IGVM itself (the igvm-cfg object,
 * QEMU 10.1 and newer). See docs/launch.md.
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

struct json_object;

G_BEGIN_DECLS

/** CVM_HOST_QEMU_IGVM_VERSION: first QEMU with the igvm-cfg object (10.1.0, libvirt encoding). */
#define CVM_HOST_QEMU_IGVM_VERSION 10001000UL
/** CVM_HOST_LIBVIRT_SNP_ID_VERSION: first libvirt whose sev-snp launchSecurity takes idBlock/idAuth (10.5.0). */
#define CVM_HOST_LIBVIRT_SNP_ID_VERSION 10005000UL

/**
 * CvmHostInfo:
 * @libvirt_version: libvirt library version (major * 1000000 + minor * 1000 + micro)
 * @qemu_version: hypervisor version as libvirt reports it (0 when unknown)
 * @qemu_igvm: QEMU has the igvm-cfg object
 * @sev: domain capabilities report SEV as supported
 * @sev_snp: domain capabilities report SEV-SNP as supported
 * @tdx: domain capabilities report TDX as supported
 * @snp_id_block: libvirt's sev-snp launchSecurity takes idBlock/idAuth
 * @kvm: domain capabilities are for a kvm domain (else TCG)
 * @sev_cbitpos: the C-bit position SEV guests need (0 if unknown)
 * @sev_reduced_phys_bits: physical address bits SEV takes away (0 if unknown)
 * @qemu_svsm_virtio_mmio: QEMU's q35 machine has `x-svsm-virtio-mmio` (COCONUT
 *   SVSM's QEMU: virtio-mmio slots for the SVSM; cvm_host_probe_emulator())
 * @qemu_device_plane: QEMU takes `device-plane=` (KVM planes: devices
 *   owned by a VMPL)
 * @qemu_virtio_blk_device: QEMU has the virtio-mmio `virtio-blk-device`
 * @qemu_vhost_vsock_device: QEMU has the virtio-mmio `vhost-vsock-device`
 */
typedef struct {
	gulong libvirt_version;
	gulong qemu_version;
	gboolean qemu_igvm;
	gboolean sev;
	gboolean sev_snp;
	gboolean tdx;
	gboolean snp_id_block;
	gboolean kvm;
	guint sev_cbitpos;
	guint sev_reduced_phys_bits;
	gboolean qemu_svsm_virtio_mmio;
	gboolean qemu_device_plane;
	gboolean qemu_virtio_blk_device;
	gboolean qemu_vhost_vsock_device;
} CvmHostInfo;

/**
 * cvm_host_info_from_caps:
 * @domcaps_xml: (nullable): virConnectGetDomainCapabilities() output, %NULL
 *   when the driver has none
 * @libvirt_version: libvirt version
 * @qemu_version: QEMU version (0 when unknown)
 * @out: (out caller-allocates): filled on success
 * @error: return location for a #GError
 *
 * Derives the host's features from libvirt data; split from the probe so
 * that capability sets of other hosts (libvirt 9.0, 10.5+) can be fed in.
 *
 * Returns: %TRUE on success; CVM_ERROR_INVALID_DATA for malformed XML.
 */
gboolean cvm_host_info_from_caps(const char *domcaps_xml, gulong libvirt_version, gulong qemu_version,
				 CvmHostInfo *out, GError **error);

/**
 * cvm_host_probe:
 * @conn: an open libvirt connection
 * @out: (out caller-allocates): filled on success
 * @error: return location for a #GError
 *
 * Asks libvirt for its version, the hypervisor version and the x86_64
 * domain capabilities (kvm first, then qemu/TCG). Drivers without domain
 * capabilities (test:///) yield a host with no confidential features.
 * On a local connection (qemu:///...) the emulator named by the domain
 * capabilities is also asked (`-object help`) whether it can create
 * igvm-cfg objects, which settles @qemu_igvm for QEMUs built without IGVM;
 * elsewhere @qemu_igvm follows the QEMU version. Callers keep the result for
 * as long as they keep the connection (cvmd probes once per connection).
 *
 * Returns: %TRUE on success; CVM_ERROR_LIBVIRT with libvirt's message.
 */
gboolean cvm_host_probe(virConnectPtr conn, CvmHostInfo *out, GError **error);

/**
 * cvm_host_info_from_qemu_help:
 * @out: the host to complete
 * @machine_help: (nullable): output of `QEMU -machine q35,help`
 * @device_help: (nullable): output of `QEMU -device help`
 * @help: (nullable): output of `QEMU -h`
 *
 * Sets the SVSM launch options QEMU offers, from its own help texts:
 * @qemu_svsm_virtio_mmio (the machine property `x-svsm-virtio-mmio=`),
 * @qemu_virtio_blk_device and @qemu_vhost_vsock_device (devices named in
 * the list), @qemu_device_plane (`device-plane=` in the help, the test
 * COCONUT SVSM's coconut-svsm/scripts/launch_guest.sh makes). Split from the probe so
 * that other QEMUs' texts can be fed in.
 */
void cvm_host_info_from_qemu_help(CvmHostInfo *out, const char *machine_help, const char *device_help,
				  const char *help);

/**
 * cvm_host_probe_emulator:
 * @emulator: absolute path of a QEMU system emulator
 * @out: the host to complete
 *
 * Runs @emulator for the three help texts of cvm_host_info_from_qemu_help()
 * (a text it cannot get counts as empty). cvm_host_probe() calls it for a
 * local emulator.
 */
void cvm_host_probe_emulator(const char *emulator, CvmHostInfo *out);

/**
 * cvm_host_info_to_json:
 * @host: a probe result
 *
 * The host facts as `cvmctl host --json` prints them: every field of @host
 * under the key cvmd's Capabilities dictionary uses (libvirt-version,
 * qemu-version in libvirt's encoding; qemu-igvm, kvm, sev, sev-snp, tdx,
 * snp-id-block; sev-cbitpos, sev-reduced-phys-bits).
 *
 * Returns: (transfer full): a new JSON object
 */
struct json_object *cvm_host_info_to_json(const CvmHostInfo *host);

/**
 * cvm_host_info_from_json:
 * @data: JSON text, as cvm_host_info_to_json() makes it
 * @len: length of @data
 * @out: (out caller-allocates): filled on success, zeroed on failure
 * @error: return location for a #GError
 *
 * Reads another host's facts, so that launch plans (cvmctl domxml
 * --host-facts) can be made for it here. Keys it does not know are
 * ignored; every key but the two SEV bit counts is required.
 *
 * Returns: %TRUE on success; CVM_ERROR_INVALID_DATA naming the key that is
 *   missing or of the wrong type, or the byte where the JSON is malformed.
 */
gboolean cvm_host_info_from_json(const char *data, gsize len, CvmHostInfo *out, GError **error);

G_END_DECLS
