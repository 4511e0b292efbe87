/* SPDX-License-Identifier: GPL-2.0 */
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

/* Acquire: pairs with the peer's cpc_store_release() of the same index. */
#define cpc_load_acquire(p)	smp_load_acquire(p)
/* Release: pairs with the peer's cpc_load_acquire() of the same index. */
#define cpc_store_release(p, v)	smp_store_release(p, v)
#define cpc_read_once(x)	READ_ONCE(x)
#define cpc_write_once(x, v)	WRITE_ONCE(x, v)
/* Full barrier: orders an index store before an event-index load. */
#define cpc_full_barrier()	smp_mb()
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
#endif

#endif /* CPC_PROTO_COMPAT_H */
