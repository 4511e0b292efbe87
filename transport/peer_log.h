/* SPDX-License-Identifier: GPL-2.0 */
/*
 * peer_log.h - log lines the other end of a channel can cause, in both
 * modules: at most CPC_PEER_LOG_BURST lines per channel per
 * CPC_PEER_LOG_INTERVAL, whatever the peer does (a per-channel
 * ratelimit_state, not the per-call-site one of pr_*_ratelimited, so a
 * peer cannot multiply its budget by triggering different messages).
 */
#ifndef CPC_TRANSPORT_PEER_LOG_H
#define CPC_TRANSPORT_PEER_LOG_H

#include <linux/printk.h>
#include <linux/ratelimit.h>

/** CPC_PEER_LOG_INTERVAL - the window of a channel's log budget. */
#define CPC_PEER_LOG_INTERVAL	(10 * HZ)
/** CPC_PEER_LOG_BURST - log lines a channel may print per window. */
#define CPC_PEER_LOG_BURST	5

/**
 * cpc_peer_log_init() - give a channel its log budget.
 * @rs: the channel's ratelimit state.
 */
static inline void cpc_peer_log_init(struct ratelimit_state *rs)
{
	ratelimit_state_init(rs, CPC_PEER_LOG_INTERVAL, CPC_PEER_LOG_BURST);
}

/**
 * cpc_peer_log() - log a line a peer caused, within the channel's budget.
 * @rs:    the channel's ratelimit state.
 * @name:  the channel's name (prefixed to the line).
 * @pr:    pr_info, pr_warn, ...: the level.
 * @fmt:   format, then its arguments.
 */
#define cpc_peer_log(rs, name, pr, fmt, ...)				\
	do {								\
		if (__ratelimit(rs))					\
			pr("%s: " fmt, (name), ##__VA_ARGS__);		\
	} while (0)

#endif /* CPC_TRANSPORT_PEER_LOG_H */
