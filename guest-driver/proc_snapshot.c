// SPDX-License-Identifier: GPL-2.0
/*
 * proc_snapshot.c - the snapshot procedure: export a range of guest RAM
 * into the result buffer, each page encrypted and authenticated with
 * AES-256-GCM under the guest owner's key (snapshot_key.c), in chunks, and
 * incrementally against the last complete export.
 *
 * Only System RAM may be exported (region_intersects() on the iomem tree);
 * each page is read through the direct map only when it is online
 * (pfn_to_online_page()), not poisoned and not logically offline
 * (PageOffline: ballooned, e.g. given to the host by reclaim), with
 * copy_from_kernel_nofault(),
 * into a private buffer: the hash and the ciphertext are of the same bytes,
 * and a page without a direct mapping (e.g. secretmem) is exported as
 * CPC_SNAPSHOT_PAGE_UNREADABLE zeroes instead of faulting.
 *
 * Change detection keeps a SHA-256 digest per page of the last complete
 * export. The digests never leave the guest; SHA-256 is collision
 * resistant, so contents a host can influence (network buffers, say)
 * cannot be crafted to look unchanged, which a cheap non-cryptographic
 * hash would allow; and lib/crypto's sha256() needs no transform. Its cost
 * is below that of the encryption it saves.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <crypto/aead.h>
#include <crypto/sha2.h>
#include <linux/ioport.h>
#include <linux/jiffies.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/unaligned.h>

#include "proc.h"
#include "proc_setup.h"
#include "snapshot.h"

#define REC_SIZE	(sizeof(struct cpc_snapshot_page) + CPC_SNAPSHOT_PAGE_SIZE)
#define CHUNK_OVERHEAD	(sizeof(struct cpc_snapshot_chunk) + \
			 sizeof(struct cpc_snapshot_seal))

/**
 * struct export_state - one export of a range.
 * @gen:      its generation (0 = none).
 * @epoch:    the key epoch it was made under.
 * @export_id: the key provisioning's export id.
 * @start:    first byte of the range.
 * @size:     length of the range.
 * @base_gen: the generation it is incremental against (0 = full).
 * @next:     first byte not yet exported (while in progress).
 * @hashes:   SHA-256 digest per page of the range.
 */
struct export_state {
	u64 gen;
	u64 epoch;
	u64 export_id;
	u64 start;
	u64 size;
	u64 base_gen;
	u64 next;
	u8 (*hashes)[SHA256_DIGEST_SIZE];
};

/* struct cpc_snapshot_args in this end's byte order. */
struct snap_args {
	u64 start;
	u64 size;
	u64 base_gen;
	u32 flags;
	u32 reserved;
};

/* All under cpc_snapshot_lock. */
static struct export_state cpc_export_cur;	/* in progress */
static struct export_state cpc_export_done;	/* last complete one */
static u64 cpc_export_gen;			/* last generation handed out */

/*
 * Per-call scratch: @aad, @data and @tag are contiguous, encrypted in place
 * as one scatterlist entry (associated data, text, tag); so are @seal_hdr,
 * @seal_digest and @seal_tag (associated data, no text, tag).
 */
struct snap_work {
	struct cpc_snapshot_aad aad;
	u8 data[CPC_SNAPSHOT_PAGE_SIZE];
	u8 tag[CPC_SNAPSHOT_TAG_SIZE];
	struct cpc_snapshot_chunk seal_hdr;
	u8 seal_digest[SHA256_DIGEST_SIZE];
	u8 seal_tag[CPC_SNAPSHOT_TAG_SIZE];
	u8 iv[CPC_SNAPSHOT_IV_SIZE];
	u8 hash[SHA256_DIGEST_SIZE];
	struct sha256_state records;
	struct scatterlist sg;
	struct crypto_wait wait;
};

static void export_forget(struct export_state *e)
{
	kvfree(e->hashes);
	memset(e, 0, sizeof(*e));
}

/* Reads the page at @gpa into @dst; returns the record flags. */
static u32 page_read(u64 gpa, u8 *dst)
{
	struct page *page = pfn_to_online_page(PHYS_PFN(gpa));

	if (!page || PageHWPoison(page) || PageOffline(page) ||
	    copy_from_kernel_nofault(dst, page_address(page), PAGE_SIZE)) {
		memset(dst, 0, PAGE_SIZE);
		return CPC_SNAPSHOT_PAGE_UNREADABLE;
	}
	return 0;
}

/* Runs one in-place GCM encryption of @len bytes at @buf with @ad_len
 * bytes of associated data first and the tag after; takes a fresh IV.
 */
static int gcm_encrypt(struct snap_work *w, struct aead_request *req,
		       void *buf, unsigned int ad_len, unsigned int len)
{
	u64 nonce = cpc_snapshot_key.nonce++;

	memset(w->iv, 0, sizeof(w->iv));
	put_unaligned_le64(nonce, w->iv);
	sg_init_one(&w->sg, buf, ad_len + len + CPC_SNAPSHOT_TAG_SIZE);
	crypto_init_wait(&w->wait);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &w->wait);
	aead_request_set_ad(req, ad_len);
	aead_request_set_crypt(req, &w->sg, &w->sg, len, w->iv);
	return crypto_wait_req(crypto_aead_encrypt(req), &w->wait);
}

/* Encrypts w->data in place for @gpa; fills w->tag and w->iv. */
static int page_seal(struct snap_work *w, struct aead_request *req,
		     const struct export_state *e, u64 gpa, u32 flags)
{
	w->aad = (struct cpc_snapshot_aad) {
		.magic = cpu_to_le32(CPC_SNAPSHOT_MAGIC),
		.version = cpu_to_le32(CPC_SNAPSHOT_VERSION),
		.export_id = cpu_to_le64(e->export_id),
		.generation = cpu_to_le64(e->gen),
		.base_gen = cpu_to_le64(e->base_gen),
		.range_start = cpu_to_le64(e->start),
		.range_size = cpu_to_le64(e->size),
		.gpa = cpu_to_le64(gpa),
		.flags = cpu_to_le32(flags),
	};
	return gcm_encrypt(w, req, &w->aad, sizeof(w->aad), sizeof(w->data));
}

/*
 * Exports pages of @e from e->next into @call's result buffer. Returns the
 * first address not exported, or a negative errno; on error e->next is
 * unchanged and nothing counts as exported.
 */
static s64 export_pages(struct cpc_proc_call *call, struct export_state *e,
			struct snap_work *w, struct aead_request *req)
{
	const struct export_state *base = e->base_gen ? &cpc_export_done : NULL;
	u32 room = (call->out_cap - CHUNK_OVERHEAD) / REC_SIZE;
	u8 *rec = (u8 *)call->out + sizeof(struct cpc_snapshot_chunk);
	struct cpc_snapshot_chunk *hdr = &w->seal_hdr;
	struct cpc_snapshot_seal seal = { };
	u64 end = e->start + e->size;
	u32 sent = 0, unchanged = 0, seen = 0;
	u64 pos = e->next;
	int ret;

	sha256_init(&w->records);
	while (pos < end && seen < CPC_SNAPSHOT_MAX_PAGES_CALL) {
		size_t i = (pos - e->start) >> PAGE_SHIFT;
		struct cpc_snapshot_page ph;
		u32 flags;

		if (time_after(jiffies, call->deadline)) {
			if (!seen)
				return -ETIMEDOUT;
			break;
		}
		cond_resched();
		flags = page_read(pos, w->data);
		sha256(w->data, sizeof(w->data), w->hash);
		if (base && !flags && !memcmp(base->hashes[i], w->hash,
					      SHA256_DIGEST_SIZE)) {
			memcpy(e->hashes[i], w->hash, SHA256_DIGEST_SIZE);
			unchanged++;
			seen++;
			pos += PAGE_SIZE;
			continue;
		}
		if (sent == room)
			break;
		ret = page_seal(w, req, e, pos, flags);
		if (ret) {
			pr_warn_ratelimited("snapshot: encryption failed: %d\n", ret);
			return -EIO;
		}
		memcpy(e->hashes[i], w->hash, SHA256_DIGEST_SIZE);
		ph = (struct cpc_snapshot_page) {
			.gpa = cpu_to_le64(pos), .flags = cpu_to_le32(flags),
		};
		memcpy(ph.iv, w->iv, sizeof(ph.iv));
		memcpy(ph.tag, w->tag, sizeof(ph.tag));
		memcpy(rec, &ph, sizeof(ph));
		memcpy(rec + sizeof(ph), w->data, sizeof(w->data));
		sha256_update(&w->records, (const u8 *)&ph, sizeof(ph));
		rec += REC_SIZE;
		sent++;
		seen++;
		pos += PAGE_SIZE;
	}

	*hdr = (struct cpc_snapshot_chunk) {
		.magic = cpu_to_le32(CPC_SNAPSHOT_MAGIC),
		.version = cpu_to_le16(CPC_SNAPSHOT_VERSION),
		.header_size = cpu_to_le16(sizeof(*hdr)),
		.export_id = cpu_to_le64(e->export_id),
		.generation = cpu_to_le64(e->gen),
		.base_gen = cpu_to_le64(e->base_gen),
		.range_start = cpu_to_le64(e->start),
		.range_size = cpu_to_le64(e->size),
		.chunk_start = cpu_to_le64(e->next),
		.chunk_end = cpu_to_le64(pos),
		.pages = cpu_to_le32(sent),
		.unchanged = cpu_to_le32(unchanged),
		.record_size = cpu_to_le32(REC_SIZE),
		.flags = cpu_to_le32(pos == end ? CPC_SNAPSHOT_CHUNK_LAST : 0),
	};
	memcpy(call->out, hdr, sizeof(*hdr));
	sha256_final(&w->records, w->seal_digest);
	ret = gcm_encrypt(w, req, hdr, sizeof(*hdr) + sizeof(w->seal_digest), 0);
	if (ret) {
		pr_warn_ratelimited("snapshot: sealing failed: %d\n", ret);
		return -EIO;
	}
	memcpy(seal.iv, w->iv, sizeof(seal.iv));
	memcpy(seal.tag, w->seal_tag, sizeof(seal.tag));
	memcpy(rec, &seal, sizeof(seal));
	call->out_len = CHUNK_OVERHEAD + sent * REC_SIZE;
	return pos;
}

/*
 * Checks @a against the export state and picks the export this call works
 * on: the one in progress (CPC_SNAPSHOT_F_CONTINUE), or a new one set up in
 * @fresh, which becomes the export in progress only when the call succeeds.
 * Called with cpc_snapshot_lock held.
 */
static struct export_state *export_select(const struct snap_args *a,
					  struct export_state *fresh)
{
	struct export_state *cur = &cpc_export_cur, *done = &cpc_export_done;
	u64 epoch = cpc_snapshot_key.epoch;
	void *hashes;

	if (done->gen && done->epoch != epoch)
		export_forget(done);
	if (cur->gen && cur->epoch != epoch)
		export_forget(cur);
	if (a->flags & CPC_SNAPSHOT_F_CONTINUE) {
		if (!cur->gen || a->start != cur->next ||
		    a->start + a->size != cur->start + cur->size ||
		    a->base_gen != cur->base_gen)
			return ERR_PTR(-ENOENT);
		return cur;
	}
	if (a->base_gen && (a->base_gen != done->gen ||
			    a->start != done->start || a->size != done->size))
		return ERR_PTR(-ENOENT);
	hashes = kvmalloc_array(a->size >> PAGE_SHIFT, SHA256_DIGEST_SIZE,
				GFP_KERNEL);
	if (!hashes)
		return ERR_PTR(-ENOMEM);
	*fresh = (struct export_state) {
		.gen = cpc_export_gen + 1,
		.epoch = epoch,
		.export_id = cpc_snapshot_key.export_id,
		.start = a->start,
		.size = a->size,
		.base_gen = a->base_gen,
		.next = a->start,
		.hashes = hashes,
	};
	return fresh;
}

static int snapshot_run(struct cpc_proc_call *call)
{
	struct export_state fresh = { }, *e;
	struct cpc_snapshot_args wire;
	struct snap_args a;
	struct aead_request *req;
	struct snap_work *w;
	s64 next;
	int ret;

	BUILD_BUG_ON(PAGE_SIZE != CPC_SNAPSHOT_PAGE_SIZE);
	if (call->arg_len != sizeof(wire))
		return -EINVAL;
	memcpy(&wire, call->arg, sizeof(wire));
	a = (struct snap_args) {
		.start = le64_to_cpu(wire.start),
		.size = le64_to_cpu(wire.size),
		.base_gen = le64_to_cpu(wire.base_gen),
		.flags = le32_to_cpu(wire.flags),
		.reserved = le32_to_cpu(wire.reserved),
	};
	if ((a.flags & ~CPC_SNAPSHOT_F_CONTINUE) || a.reserved)
		return -EINVAL;
	if (!a.size || a.size > CPC_SNAPSHOT_MAX_RANGE ||
	    !PAGE_ALIGNED(a.start) || !PAGE_ALIGNED(a.size))
		return -EINVAL;
	if (a.start + a.size < a.start)
		return -ERANGE;
	if (call->out_cap < CHUNK_OVERHEAD + REC_SIZE)
		return -ENOSPC;
	if (region_intersects(a.start, a.size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_INTERSECTS)
		return -ERANGE;

	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	mutex_lock(&cpc_snapshot_lock);
	if (!cpc_snapshot_key.tfm) {
		ret = -ENOKEY;
		goto out_unlock;
	}
	req = aead_request_alloc(cpc_snapshot_key.tfm, GFP_KERNEL);
	if (!req) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	e = export_select(&a, &fresh);
	if (IS_ERR(e)) {
		ret = PTR_ERR(e);
		goto out_req;
	}
	next = export_pages(call, e, w, req);
	if (next < 0) {
		ret = next;
		call->out_len = 0;
		export_forget(&fresh);
		goto out_req;
	}
	if (e == &fresh) {
		/* A new export replaces the one in progress, if any. */
		cpc_export_gen = fresh.gen;
		export_forget(&cpc_export_cur);
		cpc_export_cur = fresh;
	}
	e = &cpc_export_cur;
	e->next = next;
	call->ret[0] = next;
	call->ret[1] = e->gen;
	if (next == e->start + e->size) {
		/* Complete: its hashes are the base of the next export. */
		export_forget(&cpc_export_done);
		cpc_export_done = *e;
		memset(e, 0, sizeof(*e));
	}
	ret = 0;
out_req:
	aead_request_free(req);
out_unlock:
	mutex_unlock(&cpc_snapshot_lock);
	kfree_sensitive(w);
	return ret;
}

/**
 * cpc_snapshot_forget() - drop the export state (page hashes) of every
 * export, complete or in progress.
 *
 * Context: process context; takes cpc_snapshot_lock.
 */
void cpc_snapshot_forget(void)
{
	mutex_lock(&cpc_snapshot_lock);
	export_forget(&cpc_export_cur);
	export_forget(&cpc_export_done);
	mutex_unlock(&cpc_snapshot_lock);
}

/* CPC_PROC_SNAPSHOT: see struct cpc_snapshot_args in cpc_proto.h. */
const struct cpc_proc_desc cpc_proc_snapshot = {
	.api = CPC_PROC_API_VERSION,
	.name = "snapshot",
	.opcode = CPC_PROC_SNAPSHOT,
	.version = 1,
	.arg_max = CPC_ARG_MAX,
	.run = snapshot_run,
};
