/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * cpc_compat.h - the few primitives the freestanding protocol code needs,
 * for the kernel and for user space (unit tests, fuzzers).
 */
#ifndef CPC_PROTO_COMPAT_H
#define CPC_PROTO_COMPAT_H

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/barrier.h>

/* Pairs with the other end's cpc_store_release() of the same index. */
#define cpc_load_acquire(p)	smp_load_acquire(p)
/* Publishes everything written before it; pairs with cpc_load_acquire(). */
#define cpc_store_release(p, v)	smp_store_release(p, v)
#define cpc_read_once(x)	READ_ONCE(x)
#define cpc_write_once(x, v)	WRITE_ONCE(x, v)
/* Orders an index store before an event-index load (see cpc_ring.c). */
#define cpc_full_barrier()	smp_mb()
#include <asm/byteorder.h>
#elif defined(CPC_FREESTANDING)
/*
 * The bare-metal slice payload (slice-payload/): no C library, only the
 * compiler's own freestanding headers and the kernel's uapi headers; the
 * payload provides memcpy, memset and memcmp. x86 only: little-endian.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include <asm-generic/errno.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define static_assert(e, m)	_Static_assert(e, m)
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
int strcmp(const char *a, const char *b);

#define cpc_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define cpc_store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)
#define cpc_read_once(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define cpc_write_once(x, v)	__atomic_store_n(&(x), v, __ATOMIC_RELAXED)
#define cpc_full_barrier()	__atomic_thread_fence(__ATOMIC_SEQ_CST)

#define le16_to_cpu(x)		((u16)(x))
#define le32_to_cpu(x)		((u32)(x))
#define le64_to_cpu(x)		((u64)(x))
#define cpu_to_le16(x)		((u16)(x))
#define cpu_to_le32(x)		((u32)(x))
#define cpu_to_le64(x)		((u64)(x))
#else
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define cpc_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define cpc_store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)
#define cpc_read_once(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define cpc_write_once(x, v)	__atomic_store_n(&(x), v, __ATOMIC_RELAXED)
#define cpc_full_barrier()	__atomic_thread_fence(__ATOMIC_SEQ_CST)

#include <endian.h>
#define le16_to_cpu(x)		le16toh(x)
#define le32_to_cpu(x)		le32toh(x)
#define le64_to_cpu(x)		le64toh(x)
#define cpu_to_le16(x)		htole16(x)
#define cpu_to_le32(x)		htole32(x)
#define cpu_to_le64(x)		htole64(x)
#endif

/*
 * The wire is little-endian (uapi/linux/cpc_proto.h): every access to a
 * field of the shared region converts, with the ordering the plain access
 * would have had.
 */
#define cpc_rd32(x)		le32_to_cpu(cpc_read_once(x))
#define cpc_wr32(x, v)		cpc_write_once(x, cpu_to_le32(v))
#define cpc_rd64(x)		le64_to_cpu(cpc_read_once(x))
#define cpc_wr64(x, v)		cpc_write_once(x, cpu_to_le64(v))
#define cpc_rd32_acquire(p)	le32_to_cpu(cpc_load_acquire(p))
#define cpc_wr32_release(p, v)	cpc_store_release(p, cpu_to_le32(v))

#endif /* CPC_PROTO_COMPAT_H */
