/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_hooks.h - cpc_host's test hooks: debugfs files that inject faults,
 * play a hostile host or touch raw memory (fail_alloc, fail_step, skip_startup,
 * slices/<name>/{mem,send}, channels/<name>/{inject_req,inject_dup,flood}),
 * and keep the kernel's fail-nth out of add_memory() (cpc_test_fault_pause).
 * They exist only in a test build (make CPC_TESTING=1, the modules the test
 * bed boots: test_hooks.c, slice_test.c, chan_test.c); in a product build
 * every hook here is an empty inline and no such file is created.
 */
#ifndef CPC_HOST_TEST_HOOKS_H
#define CPC_HOST_TEST_HOOKS_H

#include <linux/types.h>

struct cpc_completion;
struct cpc_hchan;
struct cpc_slice;
struct dentry;

#ifdef CPC_TESTING
int cpc_test_init(struct dentry *debugfs_root);
bool cpc_test_alloc_fault(void);
bool cpc_test_fail_step(unsigned int *step);
bool cpc_test_skip_startup(void);
unsigned int cpc_test_fault_pause(void);
void cpc_test_fault_resume(unsigned int nth);
void cpc_test_slice_add(struct cpc_slice *s);
void cpc_test_slice_remove(struct cpc_slice *s);
void cpc_test_chan_add(struct cpc_hchan *ch);
void cpc_test_chan_remove(struct cpc_hchan *ch);
void cpc_test_chan_answered(struct cpc_hchan *ch, const struct cpc_completion *cpl);
#else
static inline int cpc_test_init(struct dentry *debugfs_root) { return 0; }
static inline bool cpc_test_alloc_fault(void) { return false; }
static inline bool cpc_test_fail_step(unsigned int *step) { return false; }
static inline bool cpc_test_skip_startup(void) { return false; }
static inline unsigned int cpc_test_fault_pause(void) { return 0; }
static inline void cpc_test_fault_resume(unsigned int nth) { }
static inline void cpc_test_slice_add(struct cpc_slice *s) { }
static inline void cpc_test_slice_remove(struct cpc_slice *s) { }
static inline void cpc_test_chan_add(struct cpc_hchan *ch) { }
static inline void cpc_test_chan_remove(struct cpc_hchan *ch) { }
static inline void cpc_test_chan_answered(struct cpc_hchan *ch,
					  const struct cpc_completion *cpl) { }
#endif

#endif /* CPC_HOST_TEST_HOOKS_H */
