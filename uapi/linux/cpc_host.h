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

#endif /* _UAPI_LINUX_CPC_HOST_H */
