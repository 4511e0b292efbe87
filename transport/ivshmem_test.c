// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem_test.c - the ivshmem transport's raw test hooks, built into both
 * modules only with CPC_TESTING=1 (the test bed's modules), in each
 * device's debugfs directory:
 *
 *   shm       read and write the shared memory as it is.
 *   doorbell  write "PEER VECTOR" to ring a peer.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "ivshmem.h"

static ssize_t shm_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	struct cpc_ivshmem *ivs = file_inode(f)->i_private;

	return simple_read_from_buffer(buf, n, pos, ivs->shm, ivs->shm_size);
}

static ssize_t shm_write(struct file *f, const char __user *buf, size_t n,
			 loff_t *pos)
{
	struct cpc_ivshmem *ivs = file_inode(f)->i_private;

	return simple_write_to_buffer(ivs->shm, ivs->shm_size, pos, buf, n);
}

static const struct file_operations shm_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = shm_read,
	.write = shm_write,
	.llseek = default_llseek,
};

static ssize_t doorbell_write(struct file *f, const char __user *ubuf,
			      size_t n, loff_t *pos)
{
	struct cpc_ivshmem *ivs = file_inode(f)->i_private;
	unsigned int peer, vector;
	char buf[32];
	int ret;

	if (n >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = '\0';
	if (sscanf(buf, "%u %u", &peer, &vector) != 2)
		return -EINVAL;
	ret = cpc_ivshmem_ring(ivs, peer, vector);
	return ret ? ret : n;
}

static const struct file_operations doorbell_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = doorbell_write,
	.llseek = no_llseek,
};

/**
 * cpc_ivshmem_test_add() - add the raw test hooks to a device's debugfs
 * directory (removed with it).
 * @ivs: the device.
 */
void cpc_ivshmem_test_add(struct cpc_ivshmem *ivs)
{
	debugfs_create_file("doorbell", 0200, ivs->debugfs, ivs, &doorbell_fops);
	debugfs_create_file_size("shm", 0600, ivs->debugfs, ivs, &shm_fops,
				 ivs->shm_size);
}
