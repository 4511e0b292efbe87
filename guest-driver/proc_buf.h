/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc_buf.h - the bounded private text buffer of the procedures (struct
 * cpc_buf, cpc_buf_*() in cpc_proc.h; exported for procedure modules).
 */
#ifndef CPC_GUEST_PROC_BUF_H
#define CPC_GUEST_PROC_BUF_H

#include "proc.h"

#endif /* CPC_GUEST_PROC_BUF_H */
