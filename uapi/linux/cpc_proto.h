/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cpc_proto.h - the CPC wire protocol: layout of one channel's shared
 * region, ring descriptors, procedure opcodes and status codes.
 *
 * One shared region per channel (an ivshmem BAR2, a loopback buffer or a
 * slice-bus window), shared by a *host* end (cpc_host.ko) and a *guest* end
 * (cpc_guest.ko). Neither end trusts the other: each computes the layout
 * itself from the region size with cpc_layout_compute() (proto/cpc_ring.h)
 * and only checks the header for agreement; each copies a descriptor out of
 * shared memory before validating it and never follows a pointer from it.
 *
 * Region layout (all offsets from the region start). Every multi-byte
 * field of the region is little-endian (__le16/__le32/__le64), whatever
 * the ends' own byte order: proto/ converts on every access.
 *
 *   0                     struct cpc_shm_header   (one page; struct
 *                         cpc_bus_tag at CPC_BUS_TAG_OFFSET in it)
 *   CPC_REQ_RING_OFFSET   request ring: struct cpc_ring_idx + entries x
 *                         struct cpc_req           (host -> guest)
 *   cpl ring offset       completion ring: struct cpc_ring_idx + entries x
 *                         struct cpc_cpl           (guest -> host)
 *   data offset           data area: argument and result buffers, handed
 *                         out by the host per request, up to the end of
 *                         the region less CPC_SCRATCH_SIZE
 *   end - 4096            scratch page for transport tests, never used by
 *                         the protocol
 *
 * Ring indexes are free-running __u32 counters; an index selects entry
 * (index & (entries - 1)). The producer publishes with a release store of
 * @prod after writing the entry; the consumer reads @prod with an acquire
 * load, copies the entry out, and publishes @cons with a release store.
 * A consumer that sees (prod - cons) > entries, or a producer that sees
 * (prod - cons) > entries, has met a broken peer.
 *
 * Notification suppression (as virtio's event index): a consumer that is
 * about to sleep stores @cons_event = its cons; a producer that moved prod
 * from old to new notifies only if (__u32)(new - cons_event - 1) <
 * (__u32)(new - old). A batch of requests so costs one interrupt each way.
 *
 * Peer handshake, per side (struct cpc_peer_state): RESET -> INIT -> READY
 * -> RUN. The host lays out the header and rings, bumps its @generation and
 * goes READY; the guest checks the header against its own layout, echoes
 * the generation in @peer_generation and goes READY; each side enters RUN
 * when it sees the other READY or RUN with matching generations. A side
 * that reloads writes RESET; the other side fails what is in flight and
 * starts over.
 */
#ifndef _UAPI_LINUX_CPC_PROTO_H
#define _UAPI_LINUX_CPC_PROTO_H

#include <linux/types.h>

/** CPC_PROTO_MAGIC - first word of a channel's shared region ("CPC1"). */
#define CPC_PROTO_MAGIC		0x31435043u
/** CPC_PROTO_VERSION - wire protocol version. */
#define CPC_PROTO_VERSION	1
/** CPC_HEADER_SIZE - bytes reserved for struct cpc_shm_header. */
#define CPC_HEADER_SIZE		4096u
/** CPC_SCRATCH_SIZE - bytes at the end of the region left to transport tests. */
#define CPC_SCRATCH_SIZE	4096u
/** CPC_RING_ENTRIES_MAX - largest ring (entries per ring, a power of two). */
#define CPC_RING_ENTRIES_MAX	256u
/** CPC_REGION_MIN - smallest region a channel can run on. */
#define CPC_REGION_MIN		(64u * 1024u)

/** CPC_BUS_TAG_OFFSET - offset of struct cpc_bus_tag in the region (page 0). */
#define CPC_BUS_TAG_OFFSET	2048u
/** CPC_BUS_TAG_MAGIC - struct cpc_bus_tag.magic ("CPCBUS01"). */
#define CPC_BUS_TAG_MAGIC	0x3130535542435043ull
/** CPC_BUS_TAG_VERSION - struct cpc_bus_tag.version. */
#define CPC_BUS_TAG_VERSION	1

/**
 * struct cpc_bus_tag - marks a shared region as a cpc bus; written once by
 * whoever creates the region (cpc-ivshmem-server), never by either end.
 * @magic:       CPC_BUS_TAG_MAGIC.
 * @version:     CPC_BUS_TAG_VERSION.
 * @flags:       zero.
 * @region_size: size of the whole region in bytes.
 * @reserved:    zero.
 *
 * Both modules bind an ivshmem device (1af4:1110) only when its region
 * carries this tag at CPC_BUS_TAG_OFFSET with the region's own size, and
 * leave every other ivshmem device - and its memory - alone. It sits in the
 * header page after struct cpc_shm_header, which never reaches it.
 */
struct cpc_bus_tag {
	__le64 magic;
	__le32 version;
	__le32 flags;
	__le64 region_size;
	__le64 reserved[5];
};

/** CPC_ARG_MAX - largest argument buffer a request may carry. */
#define CPC_ARG_MAX		4096u
/** CPC_DEADLINE_DEFAULT_MS - what the guest grants a request naming no deadline. */
#define CPC_DEADLINE_DEFAULT_MS	2000u
/** CPC_DEADLINE_MAX_MS - longest deadline the guest grants (and host timeout). */
#define CPC_DEADLINE_MAX_MS	60000u

/**
 * enum cpc_peer_state_value - handshake state of one end of a channel.
 * @CPC_STATE_RESET: not attached, or detached; nothing may be assumed.
 * @CPC_STATE_INIT:  attached, setting up; the other end must wait.
 * @CPC_STATE_READY: set up, waiting for the other end.
 * @CPC_STATE_RUN:   both ends ready: requests flow.
 * @CPC_STATE_BROKEN: this end met a protocol violation and stopped; only a
 *                   reset of the other end (a new generation) revives it.
 */
enum cpc_peer_state_value {
	CPC_STATE_RESET = 0,
	CPC_STATE_INIT = 1,
	CPC_STATE_READY = 2,
	CPC_STATE_RUN = 3,
	CPC_STATE_BROKEN = 4,
};

/**
 * CPC_FEATURES_REQUIRED - the *required* feature bits of struct
 * cpc_peer_state.features (16-31): an end that sees the other end set one
 * it does not know does not run with it - the host stays READY, the guest
 * does not join - and counts it (bad_features). The other bits (0-15) are
 * optional: an end ignores the ones it does not know. Both ends run with
 * the features both support (own & other's).
 */
#define CPC_FEATURES_REQUIRED	0xffff0000u
/**
 * CPC_FEATURES_KNOWN - the feature bits this version of the protocol
 * defines. None yet: version 1 is the base protocol; a feature that changes
 * what an end may do comes with a bit, optional when an end that ignores
 * it still works with one that uses it, required otherwise.
 */
#define CPC_FEATURES_KNOWN	0u

/**
 * struct cpc_peer_state - one end's public state; written only by that end
 * (64 bytes: one cache line).
 * @state:           enum cpc_peer_state_value.
 * @generation:      bumped by this end on every (re)initialisation.
 * @peer_generation: the other end's generation this end has accepted.
 * @doorbell_id:     transport address to notify this end (ivshmem peer id).
 * @vector:          interrupt vector to notify this end on.
 * @features:        the protocol features this end supports (see
 *                   CPC_FEATURES_REQUIRED): each end runs with those both
 *                   support.
 * @reserved:        zero.
 */
struct cpc_peer_state {
	__le32 state;
	__le32 generation;
	__le32 peer_generation;
	__le32 doorbell_id;
	__le32 vector;
	__le32 features;
	__le32 reserved[10];
};

/**
 * struct cpc_shm_header - page 0 of a channel's shared region.
 * @magic:        CPC_PROTO_MAGIC.
 * @version:      CPC_PROTO_VERSION.
 * @header_size:  CPC_HEADER_SIZE.
 * @region_size:  size of the whole region in bytes.
 * @ring_entries: entries in each ring (power of two, <= CPC_RING_ENTRIES_MAX).
 * @req_off:      offset of the request ring.
 * @cpl_off:      offset of the completion ring.
 * @data_off:     offset of the data area.
 * @data_size:    size of the data area.
 * @reserved0:    zero.
 * @host:         the host end's state (written by the host only), at
 *                offset 64.
 * @guest:        the guest end's state (written by the guest only), at
 *                offset 128: each state has its own 64-byte cache line.
 *
 * The host writes everything but @guest; the guest never trusts these
 * values but compares them with its own cpc_layout_compute() result.
 */
struct cpc_shm_header {
	__le32 magic;
	__le32 version;
	__le32 header_size;
	__le32 ring_entries;
	__le64 region_size;
	__le32 req_off;
	__le32 cpl_off;
	__le32 data_off;
	__le32 data_size;
	__le32 reserved0[6];
	struct cpc_peer_state host;	/* offset 64: own cache line */
	struct cpc_peer_state guest;	/* offset 128: own cache line */
};

/**
 * struct cpc_ring_idx - the shared indexes of one ring, each on its own
 * cache line.
 * @prod:       written by the producer: entries published so far.
 * @prod_event: written by the producer: notify me when cons passes this.
 * @pad0:       keeps @cons on its own cache line.
 * @cons:       written by the consumer: entries consumed so far.
 * @cons_event: written by the consumer: notify me when prod passes this.
 * @pad1:       pads the structure to two cache lines.
 */
struct cpc_ring_idx {
	__le32 prod;
	__le32 prod_event;
	__u8 pad0[56];
	__le32 cons;
	__le32 cons_event;
	__u8 pad1[56];
};

/**
 * enum cpc_proc_opcode - procedure opcodes (struct cpc_req.opcode).
 * @CPC_PROC_PING:     echo; args[0] is returned in ret[0].
 * @CPC_PROC_INFO:     guest facts as JSON text in the result buffer.
 * @CPC_PROC_PS:       process list as JSON text in the result buffer.
 * @CPC_PROC_LOG:      tail of the kernel log (text); args[0] = max bytes.
 * @CPC_PROC_RECLAIM:  give args[0] MiB back to the host; the result buffer
 *                     gets an array of struct cpc_range; ret[0] = bytes.
 *                     The pages are zeroed and taken out of use; the ranges
 *                     are sorted, coalesced, page aligned and disjoint;
 *                     ret[1] = ranges written. All or nothing: CPC_ST_EINVAL
 *                     (args[0] 0 or > CPC_RECLAIM_MAX_MIB), CPC_ST_ENOMEM
 *                     (not that much memory to spare), CPC_ST_ENOSPC (the
 *                     ranges do not fit the result buffer), CPC_ST_ETIMEDOUT.
 * @CPC_PROC_RETURN:   take reclaimed memory back; args[0] MiB (0 = all),
 *                     most recently reclaimed first. The host must have
 *                     stopped using the memory: the guest reuses it at
 *                     once. The result buffer gets
 *                     the returned struct cpc_range array; ret[0] = bytes
 *                     returned, ret[1] = ranges written. All or nothing:
 *                     CPC_ST_EINVAL (more than is reclaimed),
 *                     CPC_ST_ENOSPC, CPC_ST_ENOMEM.
 * @CPC_PROC_SNAPSHOT: export guest memory, encrypted; see struct
 *                     cpc_snapshot_args.
 * @CPC_PROC_PROCS:    the guest's procedure table as JSON text: an array of
 *                     {"name","id","version"}, one per installed procedure
 *                     the owner's policy allows now (built-in ones and those
 *                     procedure modules registered); ret[0] = entries. How
 *                     a host finds the id of a procedure it knows only by
 *                     name. Allowed by default, like ping: it names only
 *                     what the host may call anyway.
 * @CPC_PROC_COUNT:    number of fixed opcodes with a name in the protocol.
 *
 * Opcodes from CPC_PROC_COUNT to CPC_PROC_ID_MAX belong to procedure
 * modules: a module registers a fixed opcode below CPC_PROC_DYN_FIRST (as
 * log does with CPC_PROC_LOG) or is given one from CPC_PROC_DYN_FIRST up.
 * A request for an opcode up to CPC_PROC_ID_MAX that no procedure holds is
 * answered CPC_ST_ENOSYS; one above CPC_PROC_ID_MAX breaks the protocol
 * (CPC_ST_EPROTO, counted as bad_opcode).
 */
enum cpc_proc_opcode {
	CPC_PROC_PING = 0,
	CPC_PROC_INFO = 1,
	CPC_PROC_PS = 2,
	CPC_PROC_LOG = 3,
	CPC_PROC_RECLAIM = 4,
	CPC_PROC_RETURN = 5,
	CPC_PROC_SNAPSHOT = 6,
	CPC_PROC_PROCS = 7,
	CPC_PROC_COUNT = 8,
};

/** CPC_PROC_DYN_FIRST - first opcode handed out to procedure modules. */
#define CPC_PROC_DYN_FIRST	128u
/** CPC_PROC_ID_MAX - largest opcode a request may carry. */
#define CPC_PROC_ID_MAX		511u
/** CPC_PROC_NAME_MAX - procedure names are shorter than this ([a-z0-9_-]). */
#define CPC_PROC_NAME_MAX	32u

/**
 * enum cpc_status - completion status (struct cpc_cpl.status); the negated
 * value is the errno the host reports to its caller.
 * @CPC_ST_OK:       success.
 * @CPC_ST_EPERM:    the guest owner's policy denies the procedure (EPERM).
 * @CPC_ST_ENOENT:   no such object (ENOENT).
 * @CPC_ST_EIO:      the procedure failed (EIO).
 * @CPC_ST_ENOMEM:   the guest is out of memory (ENOMEM).
 * @CPC_ST_EBUSY:    the procedure cannot run now (EBUSY).
 * @CPC_ST_EINVAL:   bad arguments (EINVAL).
 * @CPC_ST_ENOSPC:   the result buffer is too small (ENOSPC).
 * @CPC_ST_ERANGE:   an offset or length is out of range (ERANGE).
 * @CPC_ST_ENOSYS:   no procedure is installed under this opcode (ENOSYS).
 * @CPC_ST_ENOKEY:   snapshot without a provisioned key (ENOKEY).
 * @CPC_ST_EPROTO:   the descriptor broke the protocol (EPROTO).
 * @CPC_ST_ETIMEDOUT: the procedure ran out of time (ETIMEDOUT).
 */
enum cpc_status {
	CPC_ST_OK = 0,
	CPC_ST_EPERM = 1,
	CPC_ST_ENOENT = 2,
	CPC_ST_EIO = 5,
	CPC_ST_ENOMEM = 12,
	CPC_ST_EBUSY = 16,
	CPC_ST_EINVAL = 22,
	CPC_ST_ENOSPC = 28,
	CPC_ST_ERANGE = 34,
	CPC_ST_ENOSYS = 38,
	CPC_ST_ENOKEY = 126,
	CPC_ST_EPROTO = 71,
	CPC_ST_ETIMEDOUT = 110,
};

/**
 * struct cpc_req - one request descriptor (host -> guest), 64 bytes.
 * @id:       request id chosen by the host, unique among requests in flight.
 * @opcode:   enum cpc_proc_opcode.
 * @flags:    zero (no flags defined yet).
 * @arg_off:  offset of the argument buffer in the data area (0 if none).
 * @arg_len:  length of the argument buffer.
 * @out_off:  offset of the result buffer in the data area.
 * @out_len:  capacity of the result buffer.
 * @deadline_ms: time the guest may spend on it (0 = guest default).
 * @reserved: zero.
 * @args:     inline arguments, meaning per opcode.
 */
struct cpc_req {
	__le64 id;
	__le16 opcode;
	__le16 flags;
	__le32 arg_off;
	__le32 arg_len;
	__le32 out_off;
	__le32 out_len;
	__le32 deadline_ms;
	__le64 reserved;
	__le64 args[3];
};

/**
 * struct cpc_cpl - one completion descriptor (guest -> host), 32 bytes.
 * @id:      id of the request it completes.
 * @status:  enum cpc_status.
 * @out_len: bytes written to the request's result buffer (<= its out_len).
 * @ret:     inline results, meaning per opcode.
 */
struct cpc_cpl {
	__le64 id;
	__le32 status;
	__le32 out_len;
	__le64 ret[2];
};

/**
 * struct cpc_range - a guest-physical address range.
 * @start: first byte.
 * @size:  length in bytes.
 */
struct cpc_range {
	__le64 start;
	__le64 size;
};

/**
 * struct cpc_snapshot_args - argument buffer of CPC_PROC_SNAPSHOT.
 * @start:     guest-physical start of the range to export (page aligned).
 * @size:      length of the range (page aligned).
 * @base_gen:  export only pages changed since export generation @base_gen
 *             (0 = full export); the guest keeps per-page hashes.
 * @flags:     zero.
 * @reserved:  zero.
 *
 * The result buffer receives a struct cpc_snapshot_chunk header, then
 * @pages records, each a struct cpc_snapshot_page (which carries the 16-byte
 * GCM tag) followed by CPC_SNAPSHOT_PAGE_SIZE bytes of ciphertext, then a
 * struct cpc_snapshot_seal.
 *
 * An *export* of [@start, @start + @size) takes one or more calls. The
 * first call (@flags 0) starts a new export generation; each call exports
 * as many pages as fit in the result buffer, at most
 * CPC_SNAPSHOT_MAX_PAGES_CALL pages examined, and stops early at its
 * deadline. The completion reports ret[0] = the first address not yet
 * exported (= @start + @size when the export is complete) and ret[1] = the
 * export generation. The host continues with @start = ret[0], @size = what
 * is left, the same @base_gen and @flags = CPC_SNAPSHOT_F_CONTINUE. When an
 * export completes, the guest keeps its per-page hashes; a later export of
 * the same range with @base_gen = that generation sends only the pages whose
 * contents changed since (and counts the others in
 * struct cpc_snapshot_chunk.unchanged).
 *
 * Statuses: CPC_ST_ENOKEY (no key provisioned), CPC_ST_EINVAL (argument
 * buffer not sizeof(struct cpc_snapshot_args), unknown @flags, @reserved not
 * zero, @start or @size not page aligned, @size zero or larger than
 * CPC_SNAPSHOT_MAX_RANGE), CPC_ST_ERANGE (the range is not entirely System
 * RAM, or wraps), CPC_ST_ENOENT (@base_gen is not the last complete export
 * of this range; CPC_SNAPSHOT_F_CONTINUE without a matching export in
 * progress), CPC_ST_ENOSPC (the result buffer cannot hold the header, one
 * record and the seal), CPC_ST_ENOMEM, CPC_ST_EIO (the crypto API failed),
 * CPC_ST_ETIMEDOUT (the deadline passed before the first page was done).
 */
struct cpc_snapshot_args {
	__le64 start;
	__le64 size;
	__le64 base_gen;
	__le32 flags;
	__le32 reserved;
};

/** CPC_SNAPSHOT_F_CONTINUE - continue the export in progress (see above). */
#define CPC_SNAPSHOT_F_CONTINUE		0x1u
/** CPC_SNAPSHOT_MAGIC - struct cpc_snapshot_chunk.magic ("SNP1"). */
#define CPC_SNAPSHOT_MAGIC		0x31504e53u
/**
 * CPC_SNAPSHOT_VERSION - struct cpc_snapshot_chunk.version (2: every
 * export is bound to its key provisioning's export id).
 */
#define CPC_SNAPSHOT_VERSION		2
/** CPC_SNAPSHOT_PAGE_SIZE - bytes of plaintext (and ciphertext) per record. */
#define CPC_SNAPSHOT_PAGE_SIZE		4096u
/** CPC_SNAPSHOT_IV_SIZE - bytes of AES-GCM IV per record. */
#define CPC_SNAPSHOT_IV_SIZE		12u
/** CPC_SNAPSHOT_TAG_SIZE - bytes of AES-GCM tag per record. */
#define CPC_SNAPSHOT_TAG_SIZE		16u
/** CPC_SNAPSHOT_KEY_SIZE - bytes of the AES-256 key. */
#define CPC_SNAPSHOT_KEY_SIZE		32u
/** CPC_SNAPSHOT_MAX_RANGE - largest range one export may cover (1 GiB). */
#define CPC_SNAPSHOT_MAX_RANGE		0x40000000ull
/** CPC_SNAPSHOT_MAX_PAGES_CALL - most pages one call examines. */
#define CPC_SNAPSHOT_MAX_PAGES_CALL	4096u
/** CPC_SNAPSHOT_CHUNK_LAST - struct cpc_snapshot_chunk.flags: export done. */
#define CPC_SNAPSHOT_CHUNK_LAST		0x1u
/** CPC_SNAPSHOT_PAGE_UNREADABLE - the page could not be read; plaintext is zeroes. */
#define CPC_SNAPSHOT_PAGE_UNREADABLE	0x1u

/**
 * struct cpc_snapshot_chunk - header of a CPC_PROC_SNAPSHOT result buffer.
 * @magic:       CPC_SNAPSHOT_MAGIC.
 * @version:     CPC_SNAPSHOT_VERSION.
 * @header_size: sizeof(struct cpc_snapshot_chunk).
 * @export_id:   random, drawn by the guest each time the owner provisions a
 *               key (and so after every module load or reboot, which
 *               forget the key): every chunk of every export under that
 *               provisioning carries it, and every record's AAD includes
 *               it, so a chunk or seal of another provisioning - an old
 *               export made before a reboot with the same key - cannot pass
 *               for one of this export. The owner reads the current one in
 *               the guest (/sys/kernel/cpc_guest/snapshot_export_id) to
 *               tell a current export from a replayed one.
 * @generation:  export generation (the same in every chunk of an export;
 *               increasing within a provisioning).
 * @base_gen:    generation this export is incremental against (0 = full).
 * @range_start: first byte of the whole export.
 * @range_size:  length of the whole export.
 * @chunk_start: first byte this chunk covers.
 * @chunk_end:   first byte after what this chunk covers (= ret[0]).
 * @pages:       records following the header.
 * @unchanged:   pages in [@chunk_start, @chunk_end) left out because they did
 *               not change since @base_gen.
 * @record_size: bytes per record: sizeof(struct cpc_snapshot_page) +
 *               CPC_SNAPSHOT_PAGE_SIZE.
 * @flags:       CPC_SNAPSHOT_CHUNK_LAST on the chunk that completes the
 *               export.
 *
 * The header is not encrypted, but every field a record depends on is
 * authenticated with it (struct cpc_snapshot_aad).
 */
struct cpc_snapshot_chunk {
	__le32 magic;
	__le16 version;
	__le16 header_size;
	__le64 export_id;
	__le64 generation;
	__le64 base_gen;
	__le64 range_start;
	__le64 range_size;
	__le64 chunk_start;
	__le64 chunk_end;
	__le32 pages;
	__le32 unchanged;
	__le32 record_size;
	__le32 flags;
};

/**
 * struct cpc_snapshot_page - one exported page; CPC_SNAPSHOT_PAGE_SIZE bytes
 * of AES-256-GCM ciphertext follow it.
 * @gpa:   guest-physical address of the page.
 * @flags: CPC_SNAPSHOT_PAGE_UNREADABLE or 0.
 * @iv:    the 96-bit GCM IV: a 64-bit little-endian counter that is never
 *         reused under one key (it starts at a random value when the key is
 *         provisioned and advances by one per encrypted page), then 32 zero
 *         bits.
 * @tag:   the 128-bit GCM tag over struct cpc_snapshot_aad and the
 *         ciphertext.
 */
struct cpc_snapshot_page {
	__le64 gpa;
	__le32 flags;
	__u8 iv[12];
	__u8 tag[16];
};

/**
 * struct cpc_snapshot_aad - the additional authenticated data of one
 * record, built by both the guest and the decryptor (never sent): the host
 * cannot move a page to another address, export, key provisioning,
 * generation or range.
 * @magic:       CPC_SNAPSHOT_MAGIC.
 * @version:     CPC_SNAPSHOT_VERSION.
 * @export_id:   the chunk's export id.
 * @generation:  the chunk's generation.
 * @base_gen:    the chunk's base generation.
 * @range_start: the chunk's range start.
 * @range_size:  the chunk's range size.
 * @gpa:         the record's guest-physical address.
 * @flags:       the record's flags.
 * @reserved:    zero.
 */
struct cpc_snapshot_aad {
	__le32 magic;
	__le32 version;
	__le64 export_id;
	__le64 generation;
	__le64 base_gen;
	__le64 range_start;
	__le64 range_size;
	__le64 gpa;
	__le32 flags;
	__le32 reserved;
};

/**
 * struct cpc_snapshot_seal - ends every chunk, after its records: binds the
 * chunk header (counts, covered span, flags) and the list of records to
 * the key, so the host cannot drop, add or reorder records, alter the
 * counts, or pass off a changed page as unchanged.
 * @iv:       GCM IV from the same counter as the records' IVs.
 * @reserved: zero.
 * @tag:      GCM tag of an empty plaintext whose additional data is the
 *            struct cpc_snapshot_chunk exactly as sent, followed by the
 *            SHA-256 digest of the records' struct cpc_snapshot_page
 *            headers (without ciphertext) in order.
 */
struct cpc_snapshot_seal {
	__u8 iv[12];
	__le32 reserved;
	__u8 tag[16];
};

/** CPC_RECLAIM_MAX_MIB - most MiB one CPC_PROC_RECLAIM call may ask for. */
#define CPC_RECLAIM_MAX_MIB		65536u

#endif /* _UAPI_LINUX_CPC_PROTO_H */
