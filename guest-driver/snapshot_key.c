// SPDX-License-Identifier: GPL-2.0
/*
 * snapshot_key.c - the guest owner's snapshot key:
 * /sys/kernel/cpc_guest/snapshot_key, write-only and root-only (0200).
 *
 * Writing 64 hex digits (an optional trailing newline is ignored) sets the
 * AES-256 key; writing "clear" or nothing removes it. It cannot be read
 * back: it lives only inside a gcm(aes) transform, every other copy is
 * wiped with memzero_explicit(). The host never sees it. Each provisioning
 * draws a random export id (snapshot_export_id, root only) that binds the
 * exports made under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/aead.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include <linux/cpc_proto.h>

#include "proc_setup.h"
#include "snapshot.h"

/* Guards cpc_snapshot_key and proc_snapshot.c's export state. */
DEFINE_MUTEX(cpc_snapshot_lock);
struct cpc_snapshot_key cpc_snapshot_key;

/* Installs @tfm (or NULL) as the key; returns the transform it replaced. */
static struct crypto_aead *key_swap(struct crypto_aead *tfm)
{
	struct crypto_aead *old;

	mutex_lock(&cpc_snapshot_lock);
	old = cpc_snapshot_key.tfm;
	cpc_snapshot_key.tfm = tfm;
	/* Random start, 2^63 of room: a re-provisioned key never reuses an IV. */
	cpc_snapshot_key.nonce = get_random_u64() >> 1;
	cpc_snapshot_key.epoch++;
	/* Binds the exports of this provisioning (never 0 with a key). */
	cpc_snapshot_key.export_id = tfm ? get_random_u64() | 1 : 0;
	mutex_unlock(&cpc_snapshot_lock);
	return old;
}

static struct crypto_aead *key_make(const u8 *key)
{
	struct crypto_aead *tfm;
	int ret;

	tfm = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	ret = crypto_aead_setkey(tfm, key, CPC_SNAPSHOT_KEY_SIZE);
	if (!ret)
		ret = crypto_aead_setauthsize(tfm, CPC_SNAPSHOT_TAG_SIZE);
	if (ret) {
		crypto_free_aead(tfm);
		return ERR_PTR(ret);
	}
	return tfm;
}

static ssize_t snapshot_key_store(struct kobject *kobj,
				  struct kobj_attribute *attr,
				  const char *buf, size_t count)
{
	u8 key[CPC_SNAPSHOT_KEY_SIZE];
	struct crypto_aead *tfm = NULL;
	size_t len = count;
	ssize_t ret;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len == 5 && !memcmp(buf, "clear", 5)) {
		len = 0;
	} else if (len) {
		if (len != 2 * CPC_SNAPSHOT_KEY_SIZE ||
		    hex2bin(key, buf, CPC_SNAPSHOT_KEY_SIZE)) {
			ret = -EINVAL;
			goto out;
		}
		tfm = key_make(key);
		if (IS_ERR(tfm)) {
			ret = PTR_ERR(tfm);
			pr_warn_ratelimited("snapshot key: gcm(aes) unavailable: %zd\n",
					    ret);
			goto out;
		}
	}
	tfm = key_swap(tfm);
	if (tfm)
		crypto_free_aead(tfm);
	ret = count;
out:
	memzero_explicit(key, sizeof(key));
	/* The kernfs write buffer is ours until we return: wipe the hex key. */
	memzero_explicit((void *)buf, count);
	return ret;
}

static struct kobj_attribute snapshot_key_attr = __ATTR_WO(snapshot_key);

/*
 * /sys/kernel/cpc_guest/snapshot_export_id (root only): the export id of
 * the current provisioning, 16 hex digits (0 without a key), for the owner
 * to check that an export is current (cpcctl snapshot decrypt --export-id).
 */
static ssize_t snapshot_export_id_show(struct kobject *kobj,
				       struct kobj_attribute *attr, char *buf)
{
	u64 id;

	mutex_lock(&cpc_snapshot_lock);
	id = cpc_snapshot_key.export_id;
	mutex_unlock(&cpc_snapshot_lock);
	return sysfs_emit(buf, "%016llx\n", id);
}

static struct kobj_attribute snapshot_export_id_attr =
	__ATTR(snapshot_export_id, 0400, snapshot_export_id_show, NULL);

static struct attribute *cpc_snapshot_key_attrs[] = {
	&snapshot_key_attr.attr,
	&snapshot_export_id_attr.attr,
	NULL
};

/* /sys/kernel/cpc_guest/snapshot_key */
const struct attribute_group cpc_snapshot_key_group = {
	.attrs = cpc_snapshot_key_attrs,
};

/**
 * cpc_snapshot_key_clear() - forget the snapshot key.
 *
 * Context: process context; takes cpc_snapshot_lock.
 */
void cpc_snapshot_key_clear(void)
{
	struct crypto_aead *old = key_swap(NULL);

	if (old)
		crypto_free_aead(old);
}
