/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * cpc_ring.h - CPC channel layout, rings and descriptor validation, written
 * once as freestanding C and compiled into cpc_host.ko, cpc_guest.ko and the
 * user-space unit tests. See uapi/linux/cpc_proto.h for the wire format.
 *
 * Every structure here is *private* to one end: sizes, masks and the end's
 * own ring index live in private memory; only the other end's index is read
 * from shared memory, and it is validated before use.
 */
#ifndef CPC_PROTO_RING_H
#define CPC_PROTO_RING_H

#include "cpc_compat.h"
#include <linux/cpc_proto.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct cpc_layout - one end's private copy of a region's layout.
 * @region_size:  size of the shared region.
 * @ring_entries: entries per ring.
 * @req_off:      offset of the request ring (its struct cpc_ring_idx).
 * @cpl_off:      offset of the completion ring.
 * @data_off:     offset of the data area.
 * @data_size:    size of the data area.
 */
struct cpc_layout {
	u64 region_size;
	u32 ring_entries;
	u32 req_off;
	u32 cpl_off;
	u32 data_off;
	u32 data_size;
};

int cpc_layout_compute(struct cpc_layout *l, u64 region_size);
void cpc_header_write(struct cpc_shm_header *h, const struct cpc_layout *l);
int cpc_header_check(const struct cpc_shm_header *h, const struct cpc_layout *l);

/**
 * struct cpc_ring - one end's private view of one ring.
 * @idx:      the ring's shared indexes.
 * @slots:    the ring's shared entries.
 * @entries:  number of entries (power of two), private.
 * @slot_size: bytes per entry, private.
 * @mine:     this end's own index (prod for a producer, cons for a
 *            consumer); authoritative, never re-read from shared memory.
 * @batch_start: @mine when the producer last notified (for event index).
 */
struct cpc_ring {
	struct cpc_ring_idx *idx;
	u8 *slots;
	u32 entries;
	u32 slot_size;
	u32 mine;
	u32 batch_start;
};

void cpc_ring_attach(struct cpc_ring *r, void *region, u32 off, u32 entries,
		     u32 slot_size);
void cpc_ring_reset_shared(struct cpc_ring *r, u32 start);
int cpc_ring_adopt(struct cpc_ring *r, bool as_producer);

/* Producer side. */
int cpc_ring_space(const struct cpc_ring *r);
int cpc_ring_push(struct cpc_ring *r, const void *desc);
bool cpc_ring_publish(struct cpc_ring *r);

/* Consumer side. */
int cpc_ring_pending(const struct cpc_ring *r);
int cpc_ring_pop(struct cpc_ring *r, void *desc);
bool cpc_ring_arm(struct cpc_ring *r);

/**
 * enum cpc_bad - why a descriptor was rejected (for counters and logs).
 * @CPC_BAD_NONE:     valid.
 * @CPC_BAD_OPCODE:   unknown opcode.
 * @CPC_BAD_FLAGS:    undefined flag bits or reserved field set.
 * @CPC_BAD_ARG:      argument buffer outside the data area.
 * @CPC_BAD_OUT:      result buffer outside the data area.
 * @CPC_BAD_OVERLAP:  argument and result buffers overlap.
 * @CPC_BAD_ID:       completion for an id not in flight, or a request
 *                    reusing an id the host already sent.
 * @CPC_BAD_STATUS:   unknown completion status.
 * @CPC_BAD_LEN:      completion claims more output than the buffer holds.
 * @CPC_BAD_INDEX:    the peer's ring index is out of range.
 * @CPC_BAD_COUNT:    number of reasons.
 */
enum cpc_bad {
	CPC_BAD_NONE = 0,
	CPC_BAD_OPCODE,
	CPC_BAD_FLAGS,
	CPC_BAD_ARG,
	CPC_BAD_OUT,
	CPC_BAD_OVERLAP,
	CPC_BAD_ID,
	CPC_BAD_STATUS,
	CPC_BAD_LEN,
	CPC_BAD_INDEX,
	CPC_BAD_COUNT,
};

/**
 * struct cpc_request - a request descriptor in this end's byte order: what
 * both ends work with; struct cpc_req is its little-endian wire form
 * (cpc_req_encode(), cpc_req_decode()). Fields as in struct cpc_req.
 * @id:          request id.
 * @opcode:      enum cpc_proc_opcode.
 * @flags:       zero.
 * @arg_off:     argument buffer offset in the data area.
 * @arg_len:     its length.
 * @out_off:     result buffer offset.
 * @out_len:     its capacity.
 * @deadline_ms: time the guest may spend (0: its default).
 * @reserved:    zero.
 * @args:        inline arguments.
 */
struct cpc_request {
	u64 id;
	u16 opcode;
	u16 flags;
	u32 arg_off;
	u32 arg_len;
	u32 out_off;
	u32 out_len;
	u32 deadline_ms;
	u64 reserved;
	u64 args[3];
};

/**
 * struct cpc_completion - a completion descriptor in this end's byte
 * order; struct cpc_cpl is its wire form.
 * @id:      id of the request it completes.
 * @status:  enum cpc_status.
 * @out_len: bytes written to the result buffer.
 * @ret:     inline results.
 */
struct cpc_completion {
	u64 id;
	u32 status;
	u32 out_len;
	u64 ret[2];
};

void cpc_req_encode(struct cpc_req *w, const struct cpc_request *r);
void cpc_req_decode(struct cpc_request *r, const struct cpc_req *w);
void cpc_cpl_encode(struct cpc_cpl *w, const struct cpc_completion *c);
void cpc_cpl_decode(struct cpc_completion *c, const struct cpc_cpl *w);

const char *cpc_bad_name(enum cpc_bad why);
enum cpc_bad cpc_req_check(const struct cpc_request *req, const struct cpc_layout *l);
enum cpc_bad cpc_cpl_check(const struct cpc_completion *cpl, u32 out_capacity);
int cpc_status_to_errno(u32 status);
u32 cpc_errno_to_status(int err);
const char *cpc_proc_name(u32 opcode);
int cpc_proc_by_name(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* CPC_PROTO_RING_H */
