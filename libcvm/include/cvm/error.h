/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * CVM_ERROR:
 *
 * The GError domain of every libcvm function. Messages name what failed and,
 * for decoders, the byte offset (and header index where there is one).
 */
#define CVM_ERROR (cvm_error_quark())

/**
 * CvmError:
 * @CVM_ERROR_FAILED: an operation failed for a reason no other code covers
 * @CVM_ERROR_INVALID_ARGUMENT: the caller passed a bad argument
 * @CVM_ERROR_INVALID_DATA: untrusted input (file, request, page) is malformed
 * @CVM_ERROR_TRUNCATED: input ended before a structure it declares
 * @CVM_ERROR_CHECKSUM: a checksum or per-block check did not match
 * @CVM_ERROR_NOT_SUPPORTED: the input or host needs a feature cvm or the host lacks
 * @CVM_ERROR_NOT_FOUND: a named object (guest, file, header) does not exist
 * @CVM_ERROR_EXISTS: an object with that name already exists
 * @CVM_ERROR_IO: an operating-system call failed
 * @CVM_ERROR_PERMISSION_DENIED: the caller may not do this
 * @CVM_ERROR_TIMEOUT: a bounded wait ran out
 * @CVM_ERROR_CANCELLED: the operation was cancelled
 * @CVM_ERROR_BUSY: try again later
 * @CVM_ERROR_LIBVIRT: libvirt reported an error (its message is included)
 * @CVM_ERROR_MEASUREMENT_MISMATCH: a digest differs from the expected one
 * @CVM_ERROR_POLICY_DENIED: host policy refuses the request
 * @CVM_ERROR_PROTOCOL: a peer broke a wire protocol
 * @CVM_ERROR_CRYPTO: a signature, key or certificate check failed
 * @CVM_ERROR_STATE: the object is in the wrong state for this operation
 * @CVM_ERROR_VALIDATION: a validator found one or more rule violations
 */
typedef enum {
	CVM_ERROR_FAILED,
	CVM_ERROR_INVALID_ARGUMENT,
	CVM_ERROR_INVALID_DATA,
	CVM_ERROR_TRUNCATED,
	CVM_ERROR_CHECKSUM,
	CVM_ERROR_NOT_SUPPORTED,
	CVM_ERROR_NOT_FOUND,
	CVM_ERROR_EXISTS,
	CVM_ERROR_IO,
	CVM_ERROR_PERMISSION_DENIED,
	CVM_ERROR_TIMEOUT,
	CVM_ERROR_CANCELLED,
	CVM_ERROR_BUSY,
	CVM_ERROR_LIBVIRT,
	CVM_ERROR_MEASUREMENT_MISMATCH,
	CVM_ERROR_POLICY_DENIED,
	CVM_ERROR_PROTOCOL,
	CVM_ERROR_CRYPTO,
	CVM_ERROR_STATE,
	CVM_ERROR_VALIDATION,
} CvmError;

GQuark cvm_error_quark(void);

/**
 * cvm_error_to_string:
 * @code: a #CvmError
 *
 * Returns: a stable lower-case name for @code ("invalid-data", ...), used in
 * JSON output and D-Bus error names.
 */
const char *cvm_error_to_string(CvmError code);

/**
 * cvm_version:
 *
 * Returns: the library version, "MAJOR.MINOR.MICRO".
 */
const char *cvm_version(void);

G_END_DECLS
