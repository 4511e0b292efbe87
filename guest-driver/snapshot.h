/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snapshot.h - what the snapshot procedure shares with the key interface.
 */
#ifndef CPC_GUEST_SNAPSHOT_H
#define CPC_GUEST_SNAPSHOT_H

#include <linux/mutex.h>
#include <linux/types.h>

struct crypto_aead;

/**
 * struct cpc_snapshot_key - the guest owner's snapshot key, held only as an
 * AES-256-GCM transform (the raw key is wiped after setkey).
 * @tfm:   gcm(aes) keyed with the owner's key, or NULL when none is set.
 * @nonce: the next IV counter; starts at a random value on every
 *         provisioning and only ever grows, so no (key, IV) pair repeats.
 * @epoch: bumped on every set or clear: export state recorded under an
 *         older epoch belongs to another key and is void.
 * @export_id: random, drawn on every provisioning (never 0 with a key):
 *         every export under it carries it (struct cpc_snapshot_chunk).
 */
struct cpc_snapshot_key {
	struct crypto_aead *tfm;
	u64 nonce;
	u64 epoch;
	u64 export_id;
};

/* Guards cpc_snapshot_key and the snapshot procedure's export state. */
extern struct mutex cpc_snapshot_lock;
extern struct cpc_snapshot_key cpc_snapshot_key;

#endif /* CPC_GUEST_SNAPSHOT_H */
