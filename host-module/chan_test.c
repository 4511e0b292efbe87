// SPDX-License-Identifier: GPL-2.0
/*
 * chan_test.c - a channel's hostile-host hooks (test builds only, see
 * test_hooks.h), in /sys/kernel/debug/cpc_host/channels/<name>/:
 *
 *   inject_req  write a raw struct cpc_req: posted in a real slot with a real
 *               id, every other field exactly as written; read: "pending",
 *               or the guest's "STATUS OUT_LEN".
 *   inject_dup  post the last injected request again, id included.
 *   flood       keep the request ring full (below).
 *   shm         (loopback channel only) the channel's whole region, raw:
 *               what a hostile guest end reads and writes. An ivshmem
 *               channel's region is the transport's debugfs "shm".
 *
 * Their state lives in struct cpc_hchan_test, allocated with the hooks and
 * freed after the channel is dead (cpc_test_chan_remove()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "channel.h"
#include "test_hooks.h"
#include "test_hooks_int.h"

/**
 * struct cpc_hchan_test - a channel's test hook state.
 * @ch:            the channel.
 * @dir:           its debugfs directory.
 * @inject_result: status and out_len of the last injected request.
 * @last_inject:   the last injected request, for inject_dup.
 * @have_last_inject: @last_inject is valid.
 * @flood:         keeps the request ring full.
 * @flood_end:     jiffies when the flood stops.
 * @flood_opcode:  opcode of the flood's requests.
 * @flood_posted:  requests the flood posted.
 *
 * Every field but @flood is protected by the channel's lock.
 */
struct cpc_hchan_test {
	struct cpc_hchan *ch;
	struct dentry *dir;
	char inject_result[32];
	struct cpc_request last_inject;
	bool have_last_inject;
	struct delayed_work flood;
	unsigned long flood_end;
	u16 flood_opcode;
	u64 flood_posted;
};

/* A test's request in slot @req->id: no caller waits for it. Lock held. */
static void cpc_test_chan_inject(struct cpc_hchan *ch, const struct cpc_request *req)
{
	struct cpc_hslot *s = &ch->slots[(u32)req->id & (ch->ep.layout.ring_entries - 1)];

	s->injected = true;
	cpc_hchan_orphan(ch, s);
}

static ssize_t inject_req_write(struct file *f, const char __user *ubuf,
				size_t n, loff_t *pos)
{
	struct cpc_hchan *ch = file_inode(f)->i_private;
	struct cpc_request raw, req;
	struct cpc_req wire;
	u32 cap = 0;
	ssize_t ret;

	if (n != sizeof(wire))
		return -EINVAL;
	if (copy_from_user(&wire, ubuf, sizeof(wire)))
		return -EFAULT;
	cpc_req_decode(&raw, &wire);
	mutex_lock(&ch->lock);
	if (ch->dead || !cpc_ep_running(&ch->ep)) {
		ret = -ENOTCONN;
		goto out;
	}
	/* A real slot and id; every other field exactly as written. */
	ret = cpc_hchan_slot_get(ch, 0, &cap, &req);
	if (ret)
		goto out;
	raw.id = req.id;
	cpc_test_chan_inject(ch, &req);
	snprintf(ch->test->inject_result, sizeof(ch->test->inject_result), "pending\n");
	ret = cpc_hchan_post(ch, &raw, false);
	if (!ret) {
		ch->test->last_inject = raw;
		ch->test->have_last_inject = true;
		ret = n;
	}
out:
	mutex_unlock(&ch->lock);
	return ret;
}

/*
 * debugfs inject_dup (root only, tests): post the last injected request
 * again, id included, as a hostile host reusing an id would. The guest
 * rejects it; its answer then names an id no longer in flight, so this
 * channel counts bad_id and resets, as for any hostile guest answer.
 */
static ssize_t inject_dup_write(struct file *f, const char __user *ubuf,
				size_t n, loff_t *pos)
{
	struct cpc_hchan *ch = file_inode(f)->i_private;
	ssize_t ret;

	mutex_lock(&ch->lock);
	if (ch->dead || !cpc_ep_running(&ch->ep))
		ret = -ENOTCONN;
	else if (!ch->test->have_last_inject)
		ret = -ENODATA;
	else
		ret = cpc_hchan_post(ch, &ch->test->last_inject, false);
	mutex_unlock(&ch->lock);
	return ret ? ret : n;
}

static const struct file_operations inject_dup_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = inject_dup_write,
	.llseek = no_llseek,
};

static ssize_t inject_req_read(struct file *f, char __user *ubuf, size_t n,
			       loff_t *pos)
{
	struct cpc_hchan *ch = file_inode(f)->i_private;
	char buf[32];
	size_t len;

	mutex_lock(&ch->lock);
	len = strscpy(buf, ch->test->inject_result, sizeof(buf)) < 0 ? 0 :
	      strlen(buf);
	mutex_unlock(&ch->lock);
	return simple_read_from_buffer(ubuf, n, pos, buf, len);
}

/*
 * debugfs flood (root only, tests): a hostile host that keeps the request
 * ring full. Writing "OPCODE MS" fills every free slot with a request for
 * OPCODE (no argument, the slot's whole result capacity) and keeps doing
 * so every tick for MS milliseconds (at most 60 s; 0 stops it); reading
 * gives "posted N". The answers come back like injected requests'.
 */
#define CPC_HCHAN_FLOOD_MAX_MS	60000u

static void cpc_hchan_flood_work(struct work_struct *work)
{
	struct cpc_hchan_test *t = container_of(to_delayed_work(work),
						struct cpc_hchan_test, flood);
	struct cpc_hchan *ch = t->ch;
	struct cpc_request req;
	bool posted = false;
	u32 cap;

	mutex_lock(&ch->lock);
	while (!ch->dead && cpc_ep_running(&ch->ep) &&
	       time_before(jiffies, ch->test->flood_end)) {
		cap = ch->slot_size;
		if (cpc_hchan_slot_get(ch, 0, &cap, &req))
			break;
		req.opcode = ch->test->flood_opcode;
		cpc_test_chan_inject(ch, &req);
		if (cpc_hchan_post(ch, &req, false))
			break;
		ch->test->flood_posted++;
		posted = true;
	}
	if (posted)
		cpc_chan_ring_guest(ch);
	if (!ch->dead && time_before(jiffies, ch->test->flood_end))
		schedule_delayed_work(&ch->test->flood, 1);
	mutex_unlock(&ch->lock);
}

static ssize_t flood_write(struct file *f, const char __user *ubuf, size_t n,
			   loff_t *pos)
{
	struct cpc_hchan *ch = file_inode(f)->i_private;
	unsigned int op, ms;
	char buf[32];

	if (n >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = '\0';
	if (sscanf(buf, "%u %u", &op, &ms) != 2 || op > U16_MAX ||
	    ms > CPC_HCHAN_FLOOD_MAX_MS)
		return -EINVAL;
	mutex_lock(&ch->lock);
	ch->test->flood_opcode = op;
	ch->test->flood_end = jiffies + msecs_to_jiffies(ms);
	if (!ch->dead)
		mod_delayed_work(system_wq, &ch->test->flood, 0);
	mutex_unlock(&ch->lock);
	return n;
}

static ssize_t flood_read(struct file *f, char __user *ubuf, size_t n,
			  loff_t *pos)
{
	struct cpc_hchan *ch = file_inode(f)->i_private;
	char buf[32];
	int len;

	mutex_lock(&ch->lock);
	len = scnprintf(buf, sizeof(buf), "posted %llu\n", ch->test->flood_posted);
	mutex_unlock(&ch->lock);
	return simple_read_from_buffer(ubuf, n, pos, buf, len);
}

static const struct file_operations flood_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = flood_read,
	.write = flood_write,
	.llseek = default_llseek,
};

static const struct file_operations inject_req_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = inject_req_read,
	.write = inject_req_write,
	.llseek = default_llseek,
};

/*
 * The loopback region is ordinary kernel memory (vzalloc), fixed for the
 * channel's life; this file is removed (and waited for) before it is freed.
 */
static ssize_t shm_read(struct file *file, char __user *buf, size_t len, loff_t *pos)
{
	struct cpc_hchan *ch = file->private_data;

	return simple_read_from_buffer(buf, len, pos, ch->ep.hdr,
				       ch->ep.layout.region_size);
}

static ssize_t shm_write(struct file *file, const char __user *buf, size_t len,
			 loff_t *pos)
{
	struct cpc_hchan *ch = file->private_data;

	return simple_write_to_buffer(ch->ep.hdr, ch->ep.layout.region_size, pos,
				      buf, len);
}

static const struct file_operations shm_fops = {
	.open = simple_open,
	.read = shm_read,
	.write = shm_write,
	.llseek = default_llseek,
};

/**
 * cpc_test_chan_answered() - the guest answered an injected request.
 * @ch:  the channel (lock held).
 * @cpl: the validated completion.
 */
void cpc_test_chan_answered(struct cpc_hchan *ch, const struct cpc_completion *cpl)
{
	if (ch->test)
		snprintf(ch->test->inject_result, sizeof(ch->test->inject_result),
			 "%u %u\n", cpl->status, cpl->out_len);
}

/**
 * cpc_test_chan_add() - give a new channel its test hooks.
 * @ch: the channel, not yet in the channel list.
 */
void cpc_test_chan_add(struct cpc_hchan *ch)
{
	struct cpc_hchan_test *t;

	if (IS_ERR_OR_NULL(cpc_test_channels_dir))
		return;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return;
	t->ch = ch;
	INIT_DELAYED_WORK(&t->flood, cpc_hchan_flood_work);
	snprintf(t->inject_result, sizeof(t->inject_result), "none\n");
	ch->test = t;
	t->dir = debugfs_create_dir(ch->name, cpc_test_channels_dir);
	debugfs_create_file("inject_req", 0600, t->dir, ch, &inject_req_fops);
	debugfs_create_file("inject_dup", 0200, t->dir, ch, &inject_dup_fops);
	debugfs_create_file("flood", 0600, t->dir, ch, &flood_fops);
	if (!strcmp(ch->ops->transport, "loopback"))
		debugfs_create_file_size("shm", 0600, t->dir, ch, &shm_fops,
					 ch->ep.layout.region_size);
}

/**
 * cpc_test_chan_remove() - remove a channel's test hooks; returns once none
 * of them runs any more.
 * @ch: the channel, already dead (nothing re-arms the flood).
 */
void cpc_test_chan_remove(struct cpc_hchan *ch)
{
	struct cpc_hchan_test *t = ch->test;

	if (!t)
		return;
	debugfs_remove_recursive(t->dir);
	cancel_delayed_work_sync(&t->flood);
	mutex_lock(&ch->lock);
	ch->test = NULL;
	mutex_unlock(&ch->lock);
	kfree(t);
}
