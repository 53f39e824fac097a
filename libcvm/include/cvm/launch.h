/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Launching IGVM guests through libvirt: the choice of libvirt URI (explicit,
 * system libvirtd, or the embedded QEMU driver under the cvm state directory),
 * the embedded driver's qemu.conf, the cvm metadata element every cvm domain
 * carries (its own XML namespace, CVM_LAUNCH_METADATA_NS), the guest
 * specification, the launch plan (platform, strategy, domain XML) and the
 * launch itself. See docs/launch.md.
 */
#pragma once

#include <cvm/host.h>
#include <cvm/platform.h>
#include <cvm/libvirt.h>
#include <cvm/policy.h>
#include <cvm/state.h>
#include <cvm/guest-record.h>
#include <glib.h>
#include <libvirt/libvirt.h>

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
 * Creates @root (its parent, the state directory, 0711) and writes
 * @root/etc/qemu.conf (atomically, mode 0644). Run as root, the embedded
 * driver then runs QEMU as libvirt-qemu with dynamic ownership and a mount
 * namespace, or as root:root when that user is missing or cannot search
 * the directories down to the state directory (docs/launch.md). An
 * existing qemu.conf is rewritten only when cvm wrote it (its first line)
 * and its settings changed; any other is left alone.
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

/*
 * A guest is launched as a CvmPlatform (cvm/platform.h): CVM_PLATFORM_AUTO
 * (the best platform the file and the host both support: SEV-SNP, then
 * SEV-ES, SEV, TDX, NATIVE) or one of NATIVE, SEV, SEV-ES, SEV-SNP, TDX.
 * VSM and CCA files are refused (CVM_ERROR_NOT_SUPPORTED).
 */

/**
 * cvm_launch_platforms:
 *
 * Returns: (transfer none): the platforms a guest can be launched as, in
 *   the order cvmctl host and HostInfo list them, ending with
 *   CVM_PLATFORM_AUTO (0).
 */
const CvmPlatform *cvm_launch_platforms(void);

/**
 * cvm_launch_platform_check:
 * @platform: a platform, or CVM_PLATFORM_AUTO
 * @error: CVM_ERROR_INVALID_ARGUMENT naming the platforms a guest is
 *   launched as
 *
 * Returns: whether a guest can be asked to launch as @platform; for parsers
 * of a user's choice: cvm_platform_from_string(), then this.
 */
gboolean cvm_launch_platform_check(CvmPlatform platform, GError **error);

/**
 * cvm_launch_host_supports:
 * @host: a probed host
 * @platform: a platform (not AUTO)
 * @why: (out) (optional) (transfer full): why not, naming the missing
 *   QEMU/libvirt feature and the versions found
 *
 * Returns: whether guests of @platform can be launched on @host.
 */
gboolean cvm_launch_host_supports(const CvmHostInfo *host, CvmPlatform platform, gchar **why);

/**
 * CvmLaunchAccel:
 * @CVM_LAUNCH_ACCEL_AUTO: KVM where libvirt offers it and /dev/kvm opens,
 *   else TCG; a KVM guest that stops in its first seconds with a KVM
 *   internal error is relaunched once under TCG (cvm_launch_guest(); native
 *   guests only)
 * @CVM_LAUNCH_ACCEL_KVM: KVM or nothing (never falls back)
 * @CVM_LAUNCH_ACCEL_TCG: QEMU's emulator (native guests only: the
 *   confidential platforms need KVM)
 *
 * How QEMU runs the guest: the domain type, `kvm` or `qemu`.
 */
typedef enum {
	CVM_LAUNCH_ACCEL_AUTO,
	CVM_LAUNCH_ACCEL_KVM,
	CVM_LAUNCH_ACCEL_TCG,
} CvmLaunchAccel;

/* "auto", "kvm", "tcg". */
const char *cvm_launch_accel_to_string(CvmLaunchAccel accel);
/* CVM_ERROR_INVALID_ARGUMENT listing the names for an unknown @name. */
gboolean cvm_launch_accel_from_string(const char *name, CvmLaunchAccel *out, GError **error);

/**
 * cvm_launch_kvm_failed:
 * @state: a virDomainState
 * @reason: its reason (virDomainGetState)
 * @qemu_log: (nullable): the end of the domain's QEMU log
 *
 * Whether a KVM guest stopped because KVM could not run it: paused for an
 * unknown reason (how libvirt reports QEMU's internal-error run state) or
 * because it crashed, crashed, or shut off after a crash or a failure to
 * start, and QEMU's log says
 * "KVM internal error" (nested KVM that cannot emulate what the firmware
 * does, for one). What CVM_LAUNCH_ACCEL_AUTO falls back to TCG on.
 */
gboolean cvm_launch_kvm_failed(int state, int reason, const char *qemu_log);

/**
 * CvmLaunchStrategy:
 * @CVM_LAUNCH_STRATEGY_IGVM_CFG: QEMU 10.1+ loads the file itself
 *   (`-object igvm-cfg` through `<qemu:commandline>`)
 * @CVM_LAUNCH_STRATEGY_NATIVE_TRANSLATE: cvm translates a NATIVE file for
 *   an older QEMU (cvm/native-load.h: `<loader type='rom'>` plus loader blobs)
 */
typedef enum {
	CVM_LAUNCH_STRATEGY_IGVM_CFG,
	CVM_LAUNCH_STRATEGY_NATIVE_TRANSLATE,
} CvmLaunchStrategy;

/* "igvm-cfg", "native-translate". */
const char *cvm_launch_strategy_to_string(CvmLaunchStrategy strategy);

/**
 * CvmGuestSpec:
 * @name: guest (domain) name, `[A-Za-z0-9_.-]{1,64}`
 * @igvm_path: absolute path of a regular IGVM file
 * @memory_bytes: guest RAM; 0 means CVM_LAUNCH_DEFAULT_MEMORY
 * @vcpus: 0 means 1
 * @platform: CVM_PLATFORM_AUTO or a forced platform
 * @snp_policy: if @has_snp_policy, the SEV-SNP policy to use instead of the
 *   file's GUEST_POLICY
 * @has_snp_policy: whether @snp_policy is set
 * @serial_log: (nullable): where the serial console is logged; %NULL means
 *   `serial.log` in the guest's directory
 * @disk: (nullable): absolute path of a disk image (raw or qcow2) to attach
 * @network: (nullable): a libvirt network name, or "user" for user-mode
 *   networking
 * @command_line: (nullable): text for the file's COMMAND_LINE parameter
 * @accel: CVM_LAUNCH_ACCEL_AUTO (0) or a forced accelerator
 * @svsm_devices: (nullable): NULL-terminated virtio-mmio devices for the
 *   COCONUT SVSM, at most CVM_LAUNCH_MAX_SVSM_DEVICES: `blk:PATH` (a raw
 *   state disk, absolute path) or `vsock:CID` (a vhost-vsock device, CID
 *   3 to 4294967294); see docs/firmware.md
 *
 * What a user asks for. Strings are borrowed.
 */
typedef struct {
	const char *name;
	const char *igvm_path;
	guint64 memory_bytes;
	guint vcpus;
	CvmPlatform platform;
	guint64 snp_policy;
	gboolean has_snp_policy;
	const char *serial_log;
	const char *disk;
	const char *network;
	const char *command_line;
	CvmLaunchAccel accel;
	const char *const *svsm_devices;
} CvmGuestSpec;

/* x-svsm-virtio-mmio gives the SVSM four virtio-mmio slots from 0xfef00000. */
#define CVM_LAUNCH_MAX_SVSM_DEVICES 4

/**
 * cvm_guest_spec_from_variant:
 * @spec: an a{sv} with the keys `name` (s), `igvm` (s), `memory-mib` (t),
 *   `vcpus` (u), `platform` (s), `snp-policy` (t), `serial-log` (s),
 *   `disk` (s), `network` (s), `command-line` (s), `accel` (s),
 *   `svsm-devices` (as)
 * @out: (out caller-allocates): strings borrowed from @spec
 * @error: return location for a #GError
 *
 * The LaunchGuest spec of cvmd's D-Bus API. Unknown keys and wrong types
 * are CVM_ERROR_INVALID_ARGUMENT; the values are checked by
 * cvm_launch_plan_new(). @out->svsm_devices, when set, is an array this
 * call allocates (its strings borrowed from @spec): g_free() it.
 */
gboolean cvm_guest_spec_from_variant(GVariant *spec, CvmGuestSpec *out, GError **error);
/* The reverse (floating reference). */
GVariant *cvm_guest_spec_to_variant(const CvmGuestSpec *spec);

/** CVM_LAUNCH_DEFAULT_MEMORY: 512 MiB. */
#define CVM_LAUNCH_DEFAULT_MEMORY (G_GUINT64_CONSTANT(512) << 20)
/* The range a launch spec's memory (a multiple of 1 MiB) and vCPUs take. */
#define CVM_LAUNCH_MIN_MEMORY (G_GUINT64_CONSTANT(16) << 20)
#define CVM_LAUNCH_MAX_MEMORY (G_GUINT64_CONSTANT(1) << 42) /* 4 TiB */
#define CVM_LAUNCH_MAX_VCPUS 512

/* The longest string a launch spec may carry ("igvm", "serial-log", "disk",
 * "network", "command-line"), in bytes: PATH_MAX, and twice the x86 kernel's
 * command line. cvm_launch_guest() refuses a longer one
 * (CVM_ERROR_INVALID_ARGUMENT naming the key and the limit) before it
 * writes anything, so the guest's record stays far below
 * CVM_STATE_RECORD_MAX. */
#define CVM_LAUNCH_STRING_MAX 4096

typedef struct _CvmLaunchPlan CvmLaunchPlan;

/**
 * cvm_launch_plan_new:
 * @spec: the guest
 * @host: what the host offers (cvm_host_probe())
 * @guest_dir: absolute directory for the guest's files (serial log,
 *   translated firmware); not touched here
 * @error: return location for a #GError
 *
 * Checks @spec (name, sizes, the IGVM file opened and validated, with QEMU's
 * restrictions when QEMU loads it), picks the platform and the strategy, computes
 * the expected launch measurement and builds the domain XML. Nothing is
 * written and libvirt is not touched.
 *
 * Returns: (transfer full): the plan; %NULL with CVM_ERROR_INVALID_ARGUMENT
 * (bad spec), CVM_ERROR_NOT_FOUND (no such file), CVM_ERROR_VALIDATION or
 * CVM_ERROR_INVALID_DATA (bad file, pages outside guest RAM) or
 * CVM_ERROR_NOT_SUPPORTED (the file or the host lacks the platform, or
 * KVM was asked for where there is none, or TCG for a confidential
 * platform; the message names the missing QEMU/libvirt feature and the
 * versions found).
 */
CvmLaunchPlan *cvm_launch_plan_new(const CvmGuestSpec *spec, const CvmHostInfo *host, const char *guest_dir,
				   GError **error);
void cvm_launch_plan_free(CvmLaunchPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmLaunchPlan, cvm_launch_plan_free)

/** cvm_launch_plan_get_xml: the domain XML (with the cvm metadata element). */
const char *cvm_launch_plan_get_xml(const CvmLaunchPlan *plan);
CvmPlatform cvm_launch_plan_get_platform(const CvmLaunchPlan *plan);
CvmLaunchStrategy cvm_launch_plan_get_strategy(const CvmLaunchPlan *plan);
/** cvm_launch_plan_get_accel: the accelerator chosen (KVM or TCG, never AUTO). */
CvmLaunchAccel cvm_launch_plan_get_accel(const CvmLaunchPlan *plan);
/** cvm_launch_plan_get_metadata: what the cvm metadata element holds. */
const CvmLaunchMetadata *cvm_launch_plan_get_metadata(const CvmLaunchPlan *plan);
/** cvm_launch_plan_get_serial_log: the serial log path. */
const char *cvm_launch_plan_get_serial_log(const CvmLaunchPlan *plan);
/** cvm_launch_plan_get_warnings: what cannot be honoured (NULL-terminated). */
const char *const *cvm_launch_plan_get_warnings(const CvmLaunchPlan *plan);

/**
 * cvm_launch_plan_check_policy:
 * @plan: a plan
 * @policy: the host policy (cvm_policy_load_dir())
 * @error: return location for a #GError
 *
 * cvm_policy_check_igvm() for the planned file, platform and measurement:
 * what the libvirt hook checks, for launches where no hook runs (the
 * embedded driver).
 */
gboolean cvm_launch_plan_check_policy(const CvmLaunchPlan *plan, const CvmPolicy *policy, GError **error);

/**
 * cvm_launch_plan_write_files:
 * @plan: a plan
 * @error: return location for a #GError
 *
 * Creates the guest directory and writes what the domain XML refers to (the
 * translated firmware for CVM_LAUNCH_STRATEGY_NATIVE_TRANSLATE). On failure
 * nothing is left behind.
 */
gboolean cvm_launch_plan_write_files(CvmLaunchPlan *plan, GError **error);

/**
 * cvm_launch_guest_dir:
 * @state_dir: the cvm state directory
 * @name: a valid guest name
 *
 * Returns: (transfer full): `<state_dir>/guests.d/<name>`, where a guest's
 * files live.
 */
gchar *cvm_launch_guest_dir(const char *state_dir, const char *name);

/**
 * cvm_launch_guest:
 * @conn: an open read-write libvirt connection
 * @state: the cvm state directory
 * @spec: the guest
 * @warnings: (out) (optional) (transfer full): what could not be honoured
 * @error: return location for a #GError
 *
 * Probes the host, plans, checks the host policy (cvm_policy_default_dir();
 * the libvirt hook's rules), refuses a name already used in libvirt or in
 * @state, records the guest as "launching", writes its files, defines and
 * starts the domain and records it as "running" (with its UUID, platform,
 * IGVM path and digest, expected measurement, URI and accelerator: "accel"
 * the one used, "accel-requested" the one asked for). A failure at any
 * step removes what earlier steps made: no domain, record or file is left.
 *
 * With CVM_LAUNCH_ACCEL_AUTO a native KVM guest is watched for its first
 * seconds (CVM_LAUNCH_KVM_WATCH_SECONDS, until it has written to its serial
 * log): when it stops with a KVM internal error (cvm_launch_kvm_failed()) it
 * is destroyed and launched once more under TCG, and the record's
 * "accel-fallback" says so, naming QEMU's log and its line. A confidential
 * guest never falls back: TCG cannot give it its protection.
 *
 * Returns: (transfer full): the running domain, or %NULL.
 */
virDomainPtr cvm_launch_guest(virConnectPtr conn, CvmState *state, const CvmGuestSpec *spec, GStrv *warnings,
			      GError **error);

/**
 * cvm_launch_guest_on_host:
 * @conn: an open read-write libvirt connection
 * @state: the cvm state directory
 * @spec: the guest
 * @host: (nullable): what @conn's host offers, as cvm_host_probe() found it
 *   (a daemon probes once and keeps it); %NULL to probe now
 * @warnings: (out) (optional) (transfer full): what could not be honoured
 * @error: return location for a #GError
 *
 * cvm_launch_guest() planned for @host instead of a fresh probe.
 *
 * Returns: (transfer full): the running domain, or %NULL.
 */
virDomainPtr cvm_launch_guest_on_host(virConnectPtr conn, CvmState *state, const CvmGuestSpec *spec,
				      const CvmHostInfo *host, GStrv *warnings, GError **error);

/** CVM_LAUNCH_KVM_WATCH_SECONDS: how long an AUTO launch watches a KVM guest. */
#define CVM_LAUNCH_KVM_WATCH_SECONDS 5

/**
 * cvm_launch_qemu_log_path:
 * @uri: the guest's libvirt URI
 * @name: the guest (domain) name
 *
 * Returns: (transfer full) (nullable): where libvirt's QEMU driver keeps the
 * domain's QEMU log (stderr, libvirt's notes): `<root>/log/qemu/NAME.log`
 * for the embedded driver, `/var/log/libvirt/qemu/NAME.log` for
 * qemu:///system; %NULL for other URIs.
 */
gchar *cvm_launch_qemu_log_path(const char *uri, const char *name);

/**
 * cvm_launch_log_tail:
 * @path: a text file
 * @lines: how many lines at most
 *
 * Returns: (transfer full) (nullable): the last @lines lines of @path (the
 * last 64 KiB at most are read), %NULL when it cannot be read.
 */
gchar *cvm_launch_log_tail(const char *path, guint lines);

/**
 * cvm_launch_forget:
 * @conn: an open read-write libvirt connection
 * @state: the cvm state directory
 * @name: a guest name
 * @error: return location for a #GError
 *
 * Destroys the guest's domain (the one with the record's UUID) if it runs,
 * undefines it, and removes the guest's record and files. A guest already
 * gone from libvirt is not an error; a domain that merely has the name is
 * left alone.
 */
gboolean cvm_launch_forget(virConnectPtr conn, CvmState *state, const char *name, GError **error);

/**
 * cvm_launch_record_from_domain:
 * @dom: a domain cvm launched (its XML carries the cvm metadata element)
 * @error: return location for a #GError
 *
 * A guest record rebuilt from libvirt, for a guest whose record was lost or
 * damaged: name, UUID, state, the image fields of the cvm metadata
 * (platform, IGVM path and digest, expected measurement, strategy), memory,
 * vCPUs, the connection URI. What only the record held (disk, network,
 * kernel command line, serial log path, firmware update history) is not
 * recoverable and stays absent.
 *
 * Returns: (transfer full): the record; CVM_ERROR_NOT_FOUND when @dom has
 * no cvm metadata (cvm did not launch it), CVM_ERROR_INVALID_DATA when it is
 * malformed, CVM_ERROR_LIBVIRT when libvirt could not be asked.
 */
CvmGuestRecord *cvm_launch_record_from_domain(virDomainPtr dom, GError **error);

/**
 * cvm_launch_rebuild_record:
 * @conn: an open libvirt connection
 * @state: the cvm state directory
 * @name: a guest whose record was set aside as damaged
 * @error: return location for a #GError
 *
 * The damaged record held no trustworthy UUID, so the domain is looked up
 * by name, and adopted only when it carries cvm's metadata: its record is
 * rebuilt (cvm_launch_record_from_domain(), plus @rebuilt: the unix time)
 * and stored.
 *
 * Returns: (transfer full): the stored record; CVM_ERROR_NOT_FOUND when no
 * domain has @name or it has no cvm metadata, else as
 * cvm_launch_record_from_domain() and cvm_guest_record_save().
 */
CvmGuestRecord *cvm_launch_rebuild_record(virConnectPtr conn, CvmState *state, const char *name,
					  GError **error);

G_END_DECLS
