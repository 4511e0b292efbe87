/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mediation.h - the one check every interrupt or doorbell that cpc_host
 * sends toward (or on behalf of) a slice goes through.
 */
#ifndef CPC_HOST_MEDIATION_H
#define CPC_HOST_MEDIATION_H

#include <linux/limits.h>

struct cpc_slice;

/** CPC_MEDIATE_MANAGER - target of a send: the manager (host) itself. */
#define CPC_MEDIATE_MANAGER UINT_MAX

int cpc_mediate_send(struct cpc_slice *s, unsigned int target);

#endif /* CPC_HOST_MEDIATION_H */
