// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cpc_ring.c - CPC channel layout, single-producer/single-consumer rings in
 * shared memory, and descriptor validation. Freestanding: compiled into both
 * modules and into the user-space unit tests (see cpc_compat.h).
 */
#include "cpc_ring.h"

#define CPC_PAGE		4096u

/* The wire layout is fixed: both ends and every compiler must agree. */
static_assert(sizeof(struct cpc_peer_state) == 64, "peer state is one cache line");
static_assert(sizeof(struct cpc_shm_header) == 192, "header layout");
static_assert(sizeof(struct cpc_ring_idx) == 128, "ring indexes on two cache lines");
static_assert(sizeof(struct cpc_req) == 64, "request descriptor");
static_assert(sizeof(struct cpc_cpl) == 32, "completion descriptor");

static u64 cpc_page_align(u64 x)
{
	return (x + CPC_PAGE - 1) & ~(u64)(CPC_PAGE - 1);
}

/**
 * cpc_layout_compute() - lay out a region of @region_size bytes.
 * @l:           the result (private to the caller).
 * @region_size: size of the shared region.
 *
 * Both ends call this with the region size they see themselves; it is the
 * only source of sizes and offsets either end uses.
 *
 * Return: 0, or -EINVAL when the region is too small or too large.
 */
int cpc_layout_compute(struct cpc_layout *l, u64 region_size)
{
	u64 req, cpl, data;
	u32 n = CPC_RING_ENTRIES_MAX;

	if (region_size < CPC_REGION_MIN || region_size > 0xffffffffull)
		return -EINVAL;
	req = CPC_HEADER_SIZE;
	cpl = cpc_page_align(req + sizeof(struct cpc_ring_idx) +
			     (u64)n * sizeof(struct cpc_req));
	data = cpc_page_align(cpl + sizeof(struct cpc_ring_idx) +
			      (u64)n * sizeof(struct cpc_cpl));
	if (data + CPC_SCRATCH_SIZE + CPC_PAGE > region_size)
		return -EINVAL;
	l->region_size = region_size;
	l->ring_entries = n;
	l->req_off = (u32)req;
	l->cpl_off = (u32)cpl;
	l->data_off = (u32)data;
	l->data_size = (u32)(region_size - data - CPC_SCRATCH_SIZE);
	return 0;
}

/**
 * cpc_header_write() - the host end describes the layout in the header.
 * @h: the shared header.
 * @l: the host's layout.
 *
 * Peer states are left alone; the caller manages its own.
 */
void cpc_header_write(struct cpc_shm_header *h, const struct cpc_layout *l)
{
	cpc_wr32(h->version, CPC_PROTO_VERSION);
	cpc_wr32(h->header_size, CPC_HEADER_SIZE);
	cpc_wr32(h->ring_entries, l->ring_entries);
	cpc_wr64(h->region_size, l->region_size);
	cpc_wr32(h->req_off, l->req_off);
	cpc_wr32(h->cpl_off, l->cpl_off);
	cpc_wr32(h->data_off, l->data_off);
	cpc_wr32(h->data_size, l->data_size);
	memset(h->reserved0, 0, sizeof(h->reserved0));
	cpc_wr32_release(&h->magic, CPC_PROTO_MAGIC);
}

/**
 * cpc_header_check() - does the header agree with our own layout?
 * @h: the shared header (read once per field; never used afterwards).
 * @l: our layout.
 *
 * Return: 0 when it agrees, -EAGAIN when the magic is not there yet,
 * -EPROTO on any disagreement.
 */
int cpc_header_check(const struct cpc_shm_header *h, const struct cpc_layout *l)
{
	if (cpc_rd32_acquire(&h->magic) != CPC_PROTO_MAGIC)
		return -EAGAIN;
	if (cpc_rd32(h->version) != CPC_PROTO_VERSION ||
	    cpc_rd32(h->header_size) != CPC_HEADER_SIZE ||
	    cpc_rd32(h->ring_entries) != l->ring_entries ||
	    cpc_rd64(h->region_size) != l->region_size ||
	    cpc_rd32(h->req_off) != l->req_off ||
	    cpc_rd32(h->cpl_off) != l->cpl_off ||
	    cpc_rd32(h->data_off) != l->data_off ||
	    cpc_rd32(h->data_size) != l->data_size)
		return -EPROTO;
	return 0;
}

/**
 * cpc_ring_attach() - set up a private view of the ring at @off.
 * @r:         the view.
 * @region:    start of the shared region.
 * @off:       offset of the ring (from struct cpc_layout).
 * @entries:   entries in the ring (power of two, from struct cpc_layout).
 * @slot_size: sizeof(struct cpc_req) or sizeof(struct cpc_cpl).
 *
 * The own index starts at zero; call cpc_ring_reset_shared() (the end that
 * initialises the region) or cpc_ring_adopt() (the other end) next.
 */
void cpc_ring_attach(struct cpc_ring *r, void *region, u32 off, u32 entries,
		     u32 slot_size)
{
	r->idx = (struct cpc_ring_idx *)((u8 *)region + off);
	r->slots = (u8 *)region + off + sizeof(struct cpc_ring_idx);
	r->entries = entries;
	r->slot_size = slot_size;
	r->mine = 0;
	r->batch_start = 0;
}

/**
 * cpc_ring_reset_shared() - empty the ring, both indexes at @start.
 * @r:     the view.
 * @start: initial index (any value; tests use it to exercise wrap-around).
 */
void cpc_ring_reset_shared(struct cpc_ring *r, u32 start)
{
	cpc_wr32(r->idx->prod, start);
	cpc_wr32(r->idx->prod_event, start);
	cpc_wr32(r->idx->cons, start);
	cpc_wr32(r->idx->cons_event, start);
	r->mine = start;
	r->batch_start = start;
}

/**
 * cpc_ring_adopt() - take the own index from a ring the other end reset.
 * @r:           the view.
 * @as_producer: true if this end produces into the ring.
 *
 * Only right after the other end's reset, while the ring is empty.
 *
 * Return: 0, or -EPROTO when the ring is not empty.
 */
int cpc_ring_adopt(struct cpc_ring *r, bool as_producer)
{
	u32 prod = cpc_rd32_acquire(&r->idx->prod);
	u32 cons = cpc_rd32_acquire(&r->idx->cons);

	if (prod != cons)
		return -EPROTO;
	r->mine = as_producer ? prod : cons;
	r->batch_start = r->mine;
	return 0;
}

/**
 * cpc_ring_space() - free entries, for the producer.
 * @r: the producer's view.
 *
 * Return: free entries, or -EPROTO when the consumer's index is impossible.
 */
int cpc_ring_space(const struct cpc_ring *r)
{
	u32 cons = cpc_rd32_acquire(&r->idx->cons);
	u32 used = r->mine - cons;

	if (used > r->entries)
		return -EPROTO;
	return (int)(r->entries - used);
}

/**
 * cpc_ring_push() - copy @desc into the next entry (not yet visible).
 * @r:    the producer's view.
 * @desc: r->slot_size bytes.
 *
 * Return: 0, -ENOSPC when full, -EPROTO when the consumer is broken.
 */
int cpc_ring_push(struct cpc_ring *r, const void *desc)
{
	int space = cpc_ring_space(r);

	if (space < 0)
		return space;
	if (space == 0)
		return -ENOSPC;
	memcpy(r->slots + (size_t)(r->mine & (r->entries - 1)) * r->slot_size,
	       desc, r->slot_size);
	r->mine++;
	return 0;
}

/**
 * cpc_ring_publish() - make pushed entries visible to the consumer.
 * @r: the producer's view.
 *
 * Return: true if the consumer asked to be notified of this batch.
 */
bool cpc_ring_publish(struct cpc_ring *r)
{
	u32 old = r->batch_start, now = r->mine, event;

	if (old == now)
		return false;
	cpc_wr32_release(&r->idx->prod, now);
	/* Order the prod store before the cons_event load (pairs with arm). */
	cpc_full_barrier();
	event = cpc_rd32(r->idx->cons_event);
	r->batch_start = now;
	return (u32)(now - event - 1) < (u32)(now - old);
}

/**
 * cpc_ring_pending() - entries waiting, for the consumer.
 * @r: the consumer's view.
 *
 * Return: entries waiting, or -EPROTO when the producer's index is
 * impossible.
 */
int cpc_ring_pending(const struct cpc_ring *r)
{
	u32 prod = cpc_rd32_acquire(&r->idx->prod);
	u32 avail = prod - r->mine;

	if (avail > r->entries)
		return -EPROTO;
	return (int)avail;
}

/**
 * cpc_ring_pop() - copy the next entry out of shared memory and free it.
 * @r:    the consumer's view.
 * @desc: r->slot_size bytes of private memory; validate it after this.
 *
 * Return: 0, -EAGAIN when empty, -EPROTO when the producer is broken.
 */
int cpc_ring_pop(struct cpc_ring *r, void *desc)
{
	int n = cpc_ring_pending(r);

	if (n < 0)
		return n;
	if (n == 0)
		return -EAGAIN;
	memcpy(desc, r->slots + (size_t)(r->mine & (r->entries - 1)) * r->slot_size,
	       r->slot_size);
	r->mine++;
	cpc_wr32_release(&r->idx->cons, r->mine);
	return 0;
}

/**
 * cpc_ring_arm() - ask to be notified of the next entry, before sleeping.
 * @r: the consumer's view.
 *
 * Return: true if entries arrived meanwhile (or the ring is broken): do not
 * sleep, pop again.
 */
bool cpc_ring_arm(struct cpc_ring *r)
{
	cpc_wr32(r->idx->cons_event, r->mine);
	/* Order the cons_event store before the prod load (pairs with publish). */
	cpc_full_barrier();
	return cpc_ring_pending(r) != 0;
}

/**
 * cpc_req_encode() - a request in wire form (little-endian).
 * @w: the wire descriptor, e.g. on the stack before cpc_ring_push().
 * @r: the request.
 */
void cpc_req_encode(struct cpc_req *w, const struct cpc_request *r)
{
	w->id = cpu_to_le64(r->id);
	w->opcode = cpu_to_le16(r->opcode);
	w->flags = cpu_to_le16(r->flags);
	w->arg_off = cpu_to_le32(r->arg_off);
	w->arg_len = cpu_to_le32(r->arg_len);
	w->out_off = cpu_to_le32(r->out_off);
	w->out_len = cpu_to_le32(r->out_len);
	w->deadline_ms = cpu_to_le32(r->deadline_ms);
	w->reserved = cpu_to_le64(r->reserved);
	w->args[0] = cpu_to_le64(r->args[0]);
	w->args[1] = cpu_to_le64(r->args[1]);
	w->args[2] = cpu_to_le64(r->args[2]);
}

/**
 * cpc_req_decode() - a request out of wire form.
 * @r: the request (validate it next: cpc_req_check()).
 * @w: a private copy of the wire descriptor (cpc_ring_pop()).
 */
void cpc_req_decode(struct cpc_request *r, const struct cpc_req *w)
{
	r->id = le64_to_cpu(w->id);
	r->opcode = le16_to_cpu(w->opcode);
	r->flags = le16_to_cpu(w->flags);
	r->arg_off = le32_to_cpu(w->arg_off);
	r->arg_len = le32_to_cpu(w->arg_len);
	r->out_off = le32_to_cpu(w->out_off);
	r->out_len = le32_to_cpu(w->out_len);
	r->deadline_ms = le32_to_cpu(w->deadline_ms);
	r->reserved = le64_to_cpu(w->reserved);
	r->args[0] = le64_to_cpu(w->args[0]);
	r->args[1] = le64_to_cpu(w->args[1]);
	r->args[2] = le64_to_cpu(w->args[2]);
}

/**
 * cpc_cpl_encode() - a completion in wire form.
 * @w: the wire descriptor.
 * @c: the completion.
 */
void cpc_cpl_encode(struct cpc_cpl *w, const struct cpc_completion *c)
{
	w->id = cpu_to_le64(c->id);
	w->status = cpu_to_le32(c->status);
	w->out_len = cpu_to_le32(c->out_len);
	w->ret[0] = cpu_to_le64(c->ret[0]);
	w->ret[1] = cpu_to_le64(c->ret[1]);
}

/**
 * cpc_cpl_decode() - a completion out of wire form.
 * @c: the completion (validate it next: cpc_cpl_check()).
 * @w: a private copy of the wire descriptor.
 */
void cpc_cpl_decode(struct cpc_completion *c, const struct cpc_cpl *w)
{
	c->id = le64_to_cpu(w->id);
	c->status = le32_to_cpu(w->status);
	c->out_len = le32_to_cpu(w->out_len);
	c->ret[0] = le64_to_cpu(w->ret[0]);
	c->ret[1] = le64_to_cpu(w->ret[1]);
}

static const char *const cpc_bad_names[CPC_BAD_COUNT] = {
	[CPC_BAD_NONE] = "none",
	[CPC_BAD_OPCODE] = "opcode",
	[CPC_BAD_FLAGS] = "flags",
	[CPC_BAD_ARG] = "arg_range",
	[CPC_BAD_OUT] = "out_range",
	[CPC_BAD_OVERLAP] = "overlap",
	[CPC_BAD_ID] = "id",
	[CPC_BAD_STATUS] = "status",
	[CPC_BAD_LEN] = "out_len",
	[CPC_BAD_INDEX] = "index",
};

/**
 * cpc_bad_name() - short name of a rejection reason (sysfs counter name).
 * @why: the reason.
 *
 * Return: a static string.
 */
const char *cpc_bad_name(enum cpc_bad why)
{
	if ((unsigned int)why >= CPC_BAD_COUNT)
		return "unknown";
	return cpc_bad_names[why];
}

/* Is [off, off + len) inside a data area of @size bytes? */
static bool cpc_range_ok(u32 off, u32 len, u32 size)
{
	if (!len)
		return off == 0;
	return off < size && len <= size - off;
}

/**
 * cpc_req_check() - validate a request the guest copied out of the ring.
 * @req: private copy of the descriptor.
 * @l:   the guest's own layout.
 *
 * Return: CPC_BAD_NONE or the first reason the request is invalid.
 */
enum cpc_bad cpc_req_check(const struct cpc_request *req, const struct cpc_layout *l)
{
	if (req->opcode > CPC_PROC_ID_MAX)
		return CPC_BAD_OPCODE;
	if (req->flags || req->reserved)
		return CPC_BAD_FLAGS;
	if (!cpc_range_ok(req->arg_off, req->arg_len, l->data_size))
		return CPC_BAD_ARG;
	if (!cpc_range_ok(req->out_off, req->out_len, l->data_size))
		return CPC_BAD_OUT;
	if (req->arg_len && req->out_len &&
	    req->arg_off < req->out_off + req->out_len &&
	    req->out_off < req->arg_off + req->arg_len)
		return CPC_BAD_OVERLAP;
	return CPC_BAD_NONE;
}

static bool cpc_status_known(u32 status)
{
	switch (status) {
	case CPC_ST_OK:
	case CPC_ST_EPERM:
	case CPC_ST_ENOENT:
	case CPC_ST_EIO:
	case CPC_ST_ENOMEM:
	case CPC_ST_EBUSY:
	case CPC_ST_EINVAL:
	case CPC_ST_ENOSPC:
	case CPC_ST_ERANGE:
	case CPC_ST_ENOSYS:
	case CPC_ST_ENOKEY:
	case CPC_ST_EPROTO:
	case CPC_ST_ETIMEDOUT:
		return true;
	default:
		return false;
	}
}

/**
 * cpc_cpl_check() - validate a completion the host copied out of the ring.
 * @cpl:          private copy of the descriptor.
 * @out_capacity: out_len of the request it claims to complete.
 *
 * The id is checked by the caller against its own table of requests in
 * flight.
 *
 * Return: CPC_BAD_NONE or the first reason the completion is invalid.
 */
enum cpc_bad cpc_cpl_check(const struct cpc_completion *cpl, u32 out_capacity)
{
	if (!cpc_status_known(cpl->status))
		return CPC_BAD_STATUS;
	if (cpl->out_len > out_capacity)
		return CPC_BAD_LEN;
	return CPC_BAD_NONE;
}

/**
 * cpc_status_to_errno() - the errno a host caller sees for a status.
 * @status: enum cpc_status from a validated completion.
 *
 * Return: 0 or a negative errno.
 */
int cpc_status_to_errno(u32 status)
{
	if (status == CPC_ST_OK)
		return 0;
	return cpc_status_known(status) ? -(int)status : -EPROTO;
}

/**
 * cpc_errno_to_status() - the status a guest procedure's errno is sent as.
 * @err: 0 or a negative errno.
 *
 * Return: the matching status, CPC_ST_EIO for errnos without one.
 */
u32 cpc_errno_to_status(int err)
{
	/* -err overflows for INT_MIN: negate as u32 (found by fuzz/fuzz_desc). */
	u32 st = err < 0 ? 0u - (u32)err : (u32)err;

	return cpc_status_known(st) ? st : CPC_ST_EIO;
}

static const char *const cpc_proc_names[CPC_PROC_COUNT] = {
	[CPC_PROC_PING] = "ping",
	[CPC_PROC_INFO] = "info",
	[CPC_PROC_PS] = "ps",
	[CPC_PROC_LOG] = "log",
	[CPC_PROC_RECLAIM] = "reclaim",
	[CPC_PROC_RETURN] = "return",
	[CPC_PROC_SNAPSHOT] = "snapshot",
	[CPC_PROC_PROCS] = "procs",
};

/**
 * cpc_proc_name() - the name of a procedure opcode: the one table of
 * procedure names, for the guest's policy, sysfs and info, and cpcctl.
 * @opcode: enum cpc_proc_opcode (any value).
 *
 * Return: a static string, or NULL for an unknown opcode.
 */
const char *cpc_proc_name(u32 opcode)
{
	return opcode < CPC_PROC_COUNT ? cpc_proc_names[opcode] : NULL;
}

/**
 * cpc_proc_by_name() - the opcode of a procedure name.
 * @name: a NUL-terminated name.
 *
 * Return: the opcode, or -EINVAL for an unknown name.
 */
int cpc_proc_by_name(const char *name)
{
	u32 op;

	for (op = 0; op < CPC_PROC_COUNT; op++)
		if (!strcmp(name, cpc_proc_names[op]))
			return (int)op;
	return -EINVAL;
}
