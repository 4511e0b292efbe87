/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slice_tramp.h - symbols of the slice trampoline blob (slice_tramp.S):
 * its bounds, its GDT and the entry points of its 32- and 64-bit stages,
 * all in .rodata of this module (copied to low memory, never run here).
 */
#ifndef CPC_HOST_SLICE_TRAMP_H
#define CPC_HOST_SLICE_TRAMP_H

#include <linux/types.h>

extern const u8 cpc_tramp_start[], cpc_tramp_end[], cpc_tramp_gdt[];
extern const u8 cpc_tramp_start32[], cpc_tramp_start64[];

#endif /* CPC_HOST_SLICE_TRAMP_H */
