/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpc_proc.h - cpc_guest's procedure registration API: how a procedure
 * module (or cpc_guest itself, for its built-in procedures) installs a
 * maintenance procedure the host can call.
 *
 * A procedure module fills a static struct cpc_proc_desc, calls
 * cpc_proc_register() from its init and cpc_proc_unregister() from its
 * exit. cpc_guest then treats the procedure exactly as a built-in one: the
 * owner's policy (allow=/deny= by name, procs/<name>/allowed, denied unless
 * the owner allowed it), the counters in procs/<name>/, the argument and
 * result bounds and the deadline are enforced before the handler runs, and
 * the procs and info procedures publish it (name, id, version) so that the
 * host can call it by name.
 *
 * Version: CPC_PROC_API_VERSION. A module built against another version of
 * this header is refused (-EPROTONOSUPPORT); the symbols are exported GPL
 * with modversions, so a changed signature does not load either.
 */
#ifndef CPC_GUEST_CPC_PROC_H
#define CPC_GUEST_CPC_PROC_H

#include <linux/compiler_attributes.h>
#include <linux/types.h>

#include <linux/cpc_proto.h>

#include "../proto/cpc_ring.h"

struct file;
struct module;

/** CPC_PROC_API_VERSION - version of this API (struct cpc_proc_desc.api). */
#define CPC_PROC_API_VERSION	1u

/** CPC_PROC_DYNAMIC - struct cpc_proc_desc.opcode: give me a free opcode. */
#define CPC_PROC_DYNAMIC	0xffffu

/**
 * CPC_PROC_F_THAWED - refuse the call (-EBUSY) while the fsfreeze procedure
 * holds filesystems frozen: for procedures that write to a filesystem or
 * wait for writeback (they would block until the thaw).
 */
#define CPC_PROC_F_THAWED	0x1u
/** CPC_PROC_F_ALL - every flag this version knows. */
#define CPC_PROC_F_ALL		CPC_PROC_F_THAWED

/**
 * struct cpc_proc_call - one call of a procedure, as the channel core hands
 * it over after copying and validating the request.
 * @req:      private copy of the validated request descriptor.
 * @arg:      private copy of the argument buffer (never shared memory).
 * @arg_len:  bytes at @arg (within the procedure's arg_min..arg_max).
 * @out:      the result buffer (at least out_min bytes). It may be shared
 *            memory the host can read and write at any time: procedures
 *            only write it, never read back from it.
 * @out_cap:  capacity of @out.
 * @out_len:  (out) bytes the procedure wrote to @out.
 * @ret:      (out) inline results (struct cpc_cpl.ret).
 * @deadline: jiffies by which the procedure must return (-ETIMEDOUT).
 */
struct cpc_proc_call {
	const struct cpc_request *req;
	const void *arg;
	u32 arg_len;
	void *out;
	u32 out_cap;
	u32 out_len;
	u64 ret[2];
	unsigned long deadline;
};

/**
 * struct cpc_proc_desc - a procedure, as its module describes it. It must
 * stay valid and unchanged from cpc_proc_register() until
 * cpc_proc_unregister() returned (a static const object).
 * @api:       CPC_PROC_API_VERSION.
 * @name:      unique name, 1 to CPC_PROC_NAME_MAX - 1 characters of
 *             [a-z0-9_-]: the policy's, sysfs' and the host's name for it.
 * @opcode:    a fixed opcode (the name's in the protocol's table when it
 *             has one, else below CPC_PROC_DYN_FIRST), or CPC_PROC_DYNAMIC.
 * @version:   the procedure's own version (its arguments and results),
 *             published to the host; bump it when they change.
 * @flags:     CPC_PROC_F_* flags.
 * @arg_min:   smallest argument buffer accepted (else -EINVAL).
 * @arg_max:   largest argument buffer accepted, at most CPC_ARG_MAX
 *             (else -EINVAL).
 * @out_min:   smallest result buffer the procedure needs (else -ENOSPC).
 * @deadline_max_ms: longest the procedure may run whatever the host asks;
 *             0 for CPC_DEADLINE_MAX_MS.
 * @run:       does the work in process context (the maintenance vCPU's
 *             thread); returns 0 or a negative errno (sent as the matching
 *             enum cpc_status, CPC_ST_EIO for others). Never a partial
 *             silent success: on error, @out_len is ignored. It may sleep
 *             but must return by call->deadline: the maintenance vCPU
 *             serves nothing else meanwhile.
 * @after:     optional: runs once the successful answer has been sent to
 *             the host (e.g. shutdown: answer first, then go down). It
 *             gets the call's private descriptor; @out is gone.
 * @owner:     THIS_MODULE: cpc_guest holds a reference to it while a call
 *             runs (NULL only for cpc_guest's own built-in procedures).
 */
struct cpc_proc_desc {
	u32 api;
	const char *name;
	u16 opcode;
	u16 version;
	u32 flags;
	u32 arg_min;
	u32 arg_max;
	u32 out_min;
	u32 deadline_max_ms;
	int (*run)(struct cpc_proc_call *call);
	void (*after)(const struct cpc_request *req);
	struct module *owner;
};

int cpc_proc_register(const struct cpc_proc_desc *desc);
void cpc_proc_unregister(const struct cpc_proc_desc *desc);
void cpc_proc_set_frozen(bool frozen);
int cpc_proc_maint_cpu(void);
struct file *cpc_proc_open(const char *path, int flags);

/**
 * struct cpc_buf - bounded private output buffer: procedures format their
 * result here and copy it to the (shared) result buffer in one go, all or
 * nothing (cpc_buf_finish()).
 * @p:        the memory (kvmalloc).
 * @cap:      its size.
 * @len:      bytes used.
 * @overflow: something did not fit.
 */
struct cpc_buf {
	char *p;
	u32 cap;
	u32 len;
	bool overflow;
};

int cpc_buf_init(struct cpc_buf *b, u32 cap);
__printf(2, 3) void cpc_buf_printf(struct cpc_buf *b, const char *fmt, ...);
void cpc_buf_json_str(struct cpc_buf *b, const char *s);
int cpc_buf_finish(struct cpc_buf *b, struct cpc_proc_call *call);
int cpc_buf_end(struct cpc_buf *b, struct cpc_proc_call *call, int err);

#endif /* CPC_GUEST_CPC_PROC_H */
