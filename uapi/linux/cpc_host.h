/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cpc_host.h - user-space interface of cpc_host.ko (/dev/cpc_host).
 *
 * Every ioctl below is issued on a file descriptor of /dev/cpc_host. Every
 * struct is fixed-width and explicitly padded, starts with a @size field
 * (the caller's sizeof) so it can grow, and every reserved field and flag bit
 * not defined here must be zero.
 */
#ifndef _UAPI_LINUX_CPC_HOST_H
#define _UAPI_LINUX_CPC_HOST_H

#include <linux/ioctl.h>
#include <linux/types.h>

/** CPC_HOST_DEVICE - path of the host module's misc device. */
#define CPC_HOST_DEVICE "/dev/cpc_host"

/** CPC_IOC_MAGIC - ioctl type shared by /dev/cpc_host and /dev/cpc_guest. */
#define CPC_IOC_MAGIC 0xC5

/** CPC_VERSION_MAJOR - interface major version; bumped on incompatible change. */
#define CPC_VERSION_MAJOR 0
/** CPC_VERSION_MINOR - interface minor version; bumped when features are added. */
#define CPC_VERSION_MINOR 1

/**
 * struct cpc_version - interface version of a cpc module.
 * @size:     (in) sizeof(struct cpc_version) as the caller knows it.
 * @major:    (out) CPC_VERSION_MAJOR of the running module.
 * @minor:    (out) CPC_VERSION_MINOR of the running module.
 * @reserved: (in) must be zero.
 */
struct cpc_version {
	__u32 size;
	__u32 major;
	__u32 minor;
	__u32 reserved;
};

/**
 * CPC_IOCTL_VERSION - read the interface version of the module.
 *
 * Context: any process that can open the device; no capability needed.
 *
 * Return: 0 on success, -1 with errno set on failure:
 *
 * ======  ===================================================
 * EFAULT  the argument pointer is not readable or writable
 * EINVAL  @size is smaller than the version struct, or
 *         @reserved is not zero
 * ENOTTY  the ioctl number is unknown (any other command)
 * ======  ===================================================
 */
#define CPC_IOCTL_VERSION _IOWR(CPC_IOC_MAGIC, 0x00, struct cpc_version)

/** CPC_CHANNEL_NAME_MAX - size of a channel name, NUL included. */
#define CPC_CHANNEL_NAME_MAX 32

/**
 * struct cpc_channel_open - open a CPC channel by name.
 * @size:     (in) sizeof(struct cpc_channel_open) as the caller knows it.
 * @flags:    (in) zero (no flags defined yet).
 * @name:     (in) channel name as listed in /sys/kernel/cpc_host/channels/,
 *            NUL-terminated.
 * @reserved: (in) must be zero.
 */
struct cpc_channel_open {
	__u32 size;
	__u32 flags;
	char name[CPC_CHANNEL_NAME_MAX];
	__u64 reserved[2];
};

/**
 * CPC_IOCTL_CHANNEL_OPEN - open a channel; on /dev/cpc_host.
 *
 * Returns a new file descriptor (close-on-exec) for the channel: calls are
 * made on it with CPC_IOCTL_CALL or IORING_OP_URING_CMD, and poll() reports
 * whether a call can be submitted. The descriptor keeps the channel object
 * alive; if the device goes away, calls on it fail with ENODEV.
 *
 * Context: needs CAP_SYS_ADMIN.
 *
 * Return: the new channel fd (>= 0), or -1 with errno set:
 *
 * ======  ===================================================
 * EFAULT  the argument pointer is not readable
 * EINVAL  @size is too small, @flags or @reserved is not zero, or
 *         @name is empty or not NUL-terminated
 * ENODEV  no channel has that name
 * EPERM   the caller lacks CAP_SYS_ADMIN
 * EMFILE  the caller's file table is full
 * ENOMEM  out of memory
 * ======  ===================================================
 */
#define CPC_IOCTL_CHANNEL_OPEN _IOW(CPC_IOC_MAGIC, 0x40, struct cpc_channel_open)

/** CPC_CALL_ARG_MAX - largest argument buffer of one call. */
#define CPC_CALL_ARG_MAX 4096
/** CPC_CALL_TIMEOUT_DEFAULT_MS - timeout of a call that names none. */
#define CPC_CALL_TIMEOUT_DEFAULT_MS 5000
/** CPC_CALL_TIMEOUT_MAX_MS - longest timeout of one call. */
#define CPC_CALL_TIMEOUT_MAX_MS 60000

/**
 * struct cpc_call - one confidential procedure call.
 * @size:       (in) sizeof(struct cpc_call) as the caller knows it.
 * @flags:      (in) zero (no flags defined yet).
 * @proc:       (in) procedure opcode (enum cpc_proc_opcode, linux/cpc_proto.h).
 * @timeout_ms: (in) how long to wait for the guest; 0 means
 *              CPC_CALL_TIMEOUT_DEFAULT_MS, at most CPC_CALL_TIMEOUT_MAX_MS.
 *              The guest gets the same value as its deadline.
 * @args:       (in) inline arguments, meaning per procedure.
 * @arg_ptr:    (in) user address of the argument buffer (0 if none).
 * @arg_len:    (in) its length, at most CPC_CALL_ARG_MAX.
 * @out_cap:    (in) capacity of the result buffer at @out_ptr. The channel
 *              may grant less (its per-call data slot, see sysfs
 *              max_out); the guest answers ENOSPC if its result does not fit.
 * @out_ptr:    (in) user address of the result buffer (0 if @out_cap is 0).
 * @status:     (out) 0 or the negative errno the guest answered with.
 * @out_len:    (out) bytes written to the result buffer.
 * @ret:        (out) inline results, meaning per procedure.
 * @reserved:   (in) must be zero.
 */
struct cpc_call {
	__u32 size;
	__u32 flags;
	__u32 proc;
	__u32 timeout_ms;
	__u64 args[3];
	__u64 arg_ptr;
	__u32 arg_len;
	__u32 out_cap;
	__u64 out_ptr;
	__s32 status;
	__u32 out_len;
	__u64 ret[2];
	__u64 reserved[2];
};

/**
 * struct cpc_call_uring - the inline payload (struct io_uring_sqe.cmd, 16
 * bytes) of an IORING_OP_URING_CMD call on a channel fd, whose cmd_op is
 * CPC_IOCTL_CALL.
 * @call_ptr: user address of a struct cpc_call; its (out) fields are
 *            written before the completion is posted.
 * @reserved: must be zero.
 */
struct cpc_call_uring {
	__u64 call_ptr;
	__u64 reserved;
};

/**
 * CPC_IOCTL_CALL - call a procedure in the guest and wait; on a channel fd
 * (from CPC_IOCTL_CHANNEL_OPEN).
 *
 * Copies the argument buffer into the channel, posts the request, waits for
 * the guest's completion (at most @timeout_ms), copies the result into the
 * caller's buffer with bounds checks and fills the (out) fields. The same
 * command is accepted asynchronously as IORING_OP_URING_CMD with cmd_op
 * CPC_IOCTL_CALL and a struct cpc_call_uring payload: its CQE res is what
 * this ioctl would return (0 or -errno). Many calls may be in flight on a
 * channel at once, up to the ring size.
 *
 * Context: a channel fd (CAP_SYS_ADMIN was checked when it was opened); may
 * sleep; a signal ends the wait with EINTR.
 *
 * Return: 0 when the guest ran the procedure successfully, or -1 with errno
 * set. When the guest answered, @status holds the same negative errno:
 *
 * ==========  ===================================================
 * EFAULT      the argument, its arg_ptr or out_ptr is not accessible
 * EINVAL      @size is too small, @flags or @reserved is not zero,
 *             @proc is not a known opcode, @timeout_ms is too large,
 *             or a buffer length is given without a pointer
 * E2BIG       @arg_len exceeds CPC_CALL_ARG_MAX or the channel's data slot
 * ENOTCONN    the guest end is not up (the channel is not ready)
 * EBUSY       as many calls are in flight as the ring holds, or
 *             (procedure-specific) the procedure cannot run now
 * ETIMEDOUT   the guest did not answer within @timeout_ms, or the
 *             procedure ran out of time in the guest
 * EINTR       a signal arrived while waiting
 * ECONNRESET  the guest reset or left while the call was in flight
 * EPROTO      the guest's answer broke the protocol (the channel is reset)
 * ENODEV      the channel's device went away
 * ENOMEM      out of memory (here or in the guest)
 * EPERM       the guest owner's policy denies the procedure
 * ENOSYS      the guest does not implement the procedure
 * ENOSPC      the result does not fit the result buffer
 * ENOENT      procedure-specific: no such object
 * EIO         the procedure failed in the guest
 * ERANGE      procedure-specific: an offset or length is out of range
 * ENOKEY      procedure-specific: no key provisioned
 * ENOTTY      the ioctl number is unknown (any other command)
 * ==========  ===================================================
 */
#define CPC_IOCTL_CALL _IOWR(CPC_IOC_MAGIC, 0x41, struct cpc_call)

#endif /* _UAPI_LINUX_CPC_HOST_H */
