// SPDX-License-Identifier: GPL-2.0
/*
 * chan_multi - several guests at once: in the host VM with two or more
 * guest VMs (each running chan_agent), every channel comes up, calls run on
 * all channels concurrently (io_uring) and each answer comes from the right
 * guest; then every agent is told to finish.
 */
#include <liburing.h>

#include "chan_common.h"
#include "kselftest_harness.h"

#define MAX_CH 4
#define PER_CH 32

TEST(all_channels_at_once)
{
	static struct cpc_call c[MAX_CH][PER_CH];
	static char info[MAX_CH][PER_CH][4096];
	char names[MAX_CH][64];
	int fds[MAX_CH], n = 0, i, j;
	struct io_uring ring;
	struct io_uring_cqe *cqe;

	while (n < MAX_CH && !chan_name(n, names[n], sizeof(names[n])))
		n++;
	ASSERT_LE(2, n) TH_LOG("want two or more guests");
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, chan_wait_state(names[i], "ready", 120)) TH_LOG("%s", names[i]);
		fds[i] = chan_open(names[i]);
		ASSERT_LE(0, fds[i]);
	}
	ASSERT_EQ(0, io_uring_queue_init(MAX_CH * PER_CH, &ring, 0));
	for (i = 0; i < n; i++) {
		for (j = 0; j < PER_CH; j++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			struct cpc_call_uring *u;

			c[i][j] = (struct cpc_call){ .size = sizeof(c[i][j]),
				.proc = j % 2 ? CPC_PROC_INFO : CPC_PROC_PING,
				.args = { i * 1000 + j },
				.out_ptr = (uintptr_t)info[i][j], .out_cap = sizeof(info[i][j]) - 1 };
			io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fds[i], NULL, 0, 0);
			sqe->cmd_op = CPC_IOCTL_CALL;
			u = (struct cpc_call_uring *)sqe->cmd;
			u->call_ptr = (uintptr_t)&c[i][j];
			u->reserved = 0;
			sqe->user_data = i * PER_CH + j;
		}
	}
	ASSERT_EQ(n * PER_CH, io_uring_submit(&ring));
	for (i = 0; i < n * PER_CH; i++) {
		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		EXPECT_EQ(0, cqe->res);
		io_uring_cqe_seen(&ring, cqe);
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < PER_CH; j += 2)
			EXPECT_EQ(i * 1000 + j, c[i][j].ret[0]);
		EXPECT_NE(NULL, strstr(info[i][1], "\"uptime_s\":"));
		EXPECT_LE(PER_CH / 2, chan_sysfs_num(names[i], "completed"));
	}
	io_uring_queue_exit(&ring);
}

TEST(zz_agents_done)
{
	char name[64];
	struct mbox m;
	int i, shm;

	for (i = 0; !chan_name(i, name, sizeof(name)); i++) {
		shm = chan_shm_open(name);
		ASSERT_LE(0, shm);
		ASSERT_EQ(0, mbox_agent_wait(shm, 60));
		ASSERT_EQ(0, mbox_get(shm, &m));
		m.op = MBOX_DONE;
		ASSERT_EQ(0, mbox_put(shm, &m.op, sizeof(m.op), offsetof(struct mbox, op)));
		m.seq++;
		ASSERT_EQ(0, mbox_put(shm, &m.seq, sizeof(m.seq), offsetof(struct mbox, seq)));
		close(shm);
	}
}

TEST_HARNESS_MAIN
