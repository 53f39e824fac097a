/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Launching IGVM guests through libvirt: the pieces that landed so far are
 * the choice of libvirt URI (explicit, system libvirtd, or the embedded QEMU
 * driver under the cvm state directory), the embedded driver's qemu.conf, and
 * the cvm metadata element every cvm domain carries (its own XML namespace,
 * CVM_LAUNCH_METADATA_NS). See docs/launch.md.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/** CVM_LAUNCH_METADATA_NS: namespace URI of the cvm domain metadata element. */
#define CVM_LAUNCH_METADATA_NS "http://cvm.org/schemas/domain/1"
/** CVM_LAUNCH_METADATA_PREFIX: the prefix libvirt stores the element under. */
#define CVM_LAUNCH_METADATA_PREFIX "cvm"
/** CVM_LAUNCH_SYSTEM_SOCKET: the system libvirtd socket whose presence selects qemu:///system. */
#define CVM_LAUNCH_SYSTEM_SOCKET "/run/libvirt/libvirt-sock"

/**
 * cvm_launch_pick_uri:
 * @explicit_uri: (nullable): the URI the user asked for (`--connect`)
 * @system_socket: (nullable): path of the system libvirtd socket to look for
 *   (%NULL: CVM_LAUNCH_SYSTEM_SOCKET)
 * @state_dir: the cvm state directory (the embedded driver's root is
 *   @state_dir/libvirt)
 *
 * Returns: (transfer full): @explicit_uri when given; else `qemu:///system`
 * when @system_socket exists as a socket; else
 * `qemu:///embed?root=<state_dir>/libvirt` (the root URI-escaped).
 */
gchar *cvm_launch_pick_uri(const char *explicit_uri, const char *system_socket, const char *state_dir);

/**
 * cvm_launch_embed_root:
 * @uri: a libvirt URI
 *
 * Returns: (transfer full) (nullable): the root directory of a
 * `qemu:///embed?root=...` URI (unescaped), %NULL for any other URI.
 */
gchar *cvm_launch_embed_root(const char *uri);

/**
 * cvm_launch_prepare_embed_root:
 * @root: the embedded driver's root directory
 * @error: return location for a #GError
 *
 * Creates @root and writes @root/etc/libvirt/qemu.conf (atomically, mode
 * 0644) so that the embedded driver runs QEMU as root:root without dynamic
 * ownership or a security driver: a fresh machine has no libvirt-qemu user.
 * An existing qemu.conf is left alone (the administrator may have tuned it).
 *
 * Returns: %TRUE on success; CVM_ERROR_IO naming the path otherwise.
 */
gboolean cvm_launch_prepare_embed_root(const char *root, GError **error);

/**
 * CvmLaunchMetadata:
 * @igvm_path: absolute path of the IGVM file the guest was launched from
 * @igvm_sha256: lower-case hex SHA-256 of that file (64 characters)
 * @platform: platform name ("native", "sev-snp", "sev-es", "sev", "tdx")
 * @measurement: (nullable): expected launch measurement, lower-case hex
 * @strategy: (nullable): how the domain loads the file ("igvm-cfg", "native-translate")
 *
 * The content of the cvm metadata element. Strings are owned by the struct.
 */
typedef struct {
	gchar *igvm_path;
	gchar *igvm_sha256;
	gchar *platform;
	gchar *measurement;
	gchar *strategy;
} CvmLaunchMetadata;

/** cvm_launch_metadata_clear: frees the strings of @md and zeroes it. */
void cvm_launch_metadata_clear(CvmLaunchMetadata *md);

/**
 * cvm_launch_metadata_to_xml:
 * @md: the metadata (igvm_path, igvm_sha256 and platform required)
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the element
 * `<cvm:guest><cvm:igvm path= sha256= platform= [measurement=] [strategy=]/></cvm:guest>`
 * (namespace CVM_LAUNCH_METADATA_NS, the shape cvm-qemu-hook reads) as a string for virDomainSetMetadata() or for a
 * domain's `<metadata>`, built with libxml2 (values escaped);
 * CVM_ERROR_INVALID_ARGUMENT when a required field is missing.
 */
gchar *cvm_launch_metadata_to_xml(const CvmLaunchMetadata *md, GError **error);

/**
 * cvm_launch_metadata_from_domain_xml:
 * @xml: a whole domain XML document (virDomainGetXMLDesc) or the bare element
 *   (virDomainGetMetadata)
 * @out: (out caller-allocates): filled on success
 * @error: return location for a #GError
 *
 * Reads back the cvm metadata element.
 *
 * Returns: %TRUE on success; CVM_ERROR_NOT_FOUND when the document has no cvm
 * element (not a cvm guest), CVM_ERROR_INVALID_DATA when the XML is malformed
 * or a required field is missing.
 */
gboolean cvm_launch_metadata_from_domain_xml(const char *xml, CvmLaunchMetadata *out, GError **error);

G_END_DECLS
