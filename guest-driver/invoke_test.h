/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * invoke_test.h - the ABI of cpc_guest's invoke test hook (test builds only,
 * make CPC_TESTING=1; shared with the kselftests). Not a user interface:
 * it runs a procedure locally, with no channel and no policy check.
 *
 * /sys/kernel/debug/cpc_guest/invoke: write one struct cpc_invoke_req
 * followed by its argument buffer in a single write() at offset 0; the
 * procedure runs in the writer's context and the write returns its length.
 * A read() from offset 0 then returns struct cpc_invoke_rsp followed by the
 * result buffer. Results belong to the open file.
 *
 * write() errno:
 *   EINVAL      short or long write, @size wrong, unknown @flags,
 *               @reserved not zero, @arg_len not what follows, @out_cap or @arg_len
 *               above their maxima, @deadline_ms above
 *               CPC_INVOKE_MAX_DEADLINE_MS
 *   EOPNOTSUPP  no procedure is installed under @opcode
 *   ENOMEM      no memory for the buffers
 * read() errno:
 *   ENODATA     nothing invoked yet on this open file
 *
 * /sys/kernel/debug/cpc_guest/testbuf: CPC_TESTBUF_SIZE bytes of
 * physically contiguous guest RAM to snapshot, read and written like a
 * file; /sys/kernel/debug/cpc_guest/testbuf_phys reads
 * "<guest-physical address> <size>\n" (hex address, decimal size).
 */
#ifndef CPC_GUEST_INVOKE_TEST_H
#define CPC_GUEST_INVOKE_TEST_H

#include <linux/cpc_proto.h>
#include <linux/types.h>

/** CPC_INVOKE_MAX_ARG - largest argument buffer of an invoke request. */
#define CPC_INVOKE_MAX_ARG		CPC_ARG_MAX
/** CPC_INVOKE_MAX_OUT - largest result buffer of an invoke request. */
#define CPC_INVOKE_MAX_OUT		(16u << 20)
/** CPC_INVOKE_DEFAULT_DEADLINE_MS - deadline when @deadline_ms is 0. */
#define CPC_INVOKE_DEFAULT_DEADLINE_MS	10000u
/** CPC_INVOKE_MAX_DEADLINE_MS - longest deadline an invoke may ask for. */
#define CPC_INVOKE_MAX_DEADLINE_MS	CPC_DEADLINE_MAX_MS
/** CPC_TESTBUF_SIZE - bytes of the testbuf debugfs file. */
#define CPC_TESTBUF_SIZE		(16u * 4096u)

/** CPC_INVOKE_F_EXPIRED - run with a deadline that has already passed. */
#define CPC_INVOKE_F_EXPIRED		0x1u

/**
 * struct cpc_invoke_req - (in) one local procedure call.
 * @size:        sizeof(struct cpc_invoke_req).
 * @opcode:      enum cpc_proc_opcode.
 * @flags:       0 or CPC_INVOKE_F_EXPIRED (to test deadline handling).
 * @deadline_ms: time the procedure may take (0 = default).
 * @arg_len:     bytes of argument buffer following this struct.
 * @out_cap:     capacity of the result buffer to hand the procedure.
 * @reserved:    zero.
 * @args:        inline arguments (struct cpc_req.args).
 */
struct cpc_invoke_req {
	__u32 size;
	__u16 opcode;
	__u16 flags;
	__u32 deadline_ms;
	__u32 arg_len;
	__u32 out_cap;
	__u32 reserved;
	__u64 args[3];
};

/**
 * struct cpc_invoke_rsp - (out) the outcome of the last invoke.
 * @size:     sizeof(struct cpc_invoke_rsp).
 * @status:   enum cpc_status.
 * @out_len:  bytes of result buffer following this struct.
 * @reserved: zero.
 * @ret:      inline results (struct cpc_cpl.ret).
 */
struct cpc_invoke_rsp {
	__u32 size;
	__u32 status;
	__u32 out_len;
	__u32 reserved;
	__u64 ret[2];
};

#endif /* CPC_GUEST_INVOKE_TEST_H */
