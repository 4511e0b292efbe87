// SPDX-License-Identifier: GPL-2.0
/*
 * chan_agent - the guest side of the cross-VM channel tests. Runs in a
 * guest VM while chan_host runs in the host VM, and executes the host
 * test's commands from the mailbox in the scratch page (chan_common.h):
 * write or read a guest file (policy, counters, test knobs, raw shared
 * memory), reload cpc_guest, reboot the VM, measure the CPU share of a
 * pinned task, or finish. It passes when the
 * host says done.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/wait.h>

#include "chan_common.h"
#include "kselftest_harness.h"

#define AGENT_SECONDS 280

static int agent_open(char *path, size_t n)
{
	double end = cpc_now() + 30;
	int fd;

	while (cpc_now() < end) {
		if (!chan_shm_path("cpc_guest", 0, path, n)) {
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd >= 0)
				return fd;
		}
		usleep(20000);
	}
	return -ETIMEDOUT;
}

static int do_write(struct mbox *m)
{
	int fd = open(m->path, O_WRONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (m->len > sizeof(m->data))
		r = -EINVAL;
	/* Offset 0: a plain write, as some files cannot seek. */
	else if ((m->arg ? pwrite(fd, m->data, m->len, m->arg) :
		  write(fd, m->data, m->len)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int do_read(struct mbox *m)
{
	struct dirent **names;
	int i, cnt, r = -ENODEV;

	if (strcmp(m->path, MBOX_CHANNEL_NAME))
		return cpc_read_file(m->path, m->data, sizeof(m->data));
	cnt = scandir("/sys/kernel/cpc_guest/channels", &names, NULL, alphasort);
	if (cnt < 0)
		return -errno;
	for (i = 0; i < cnt; i++) {
		if (r < 0 && names[i]->d_name[0] != '.')
			r = snprintf(m->data, sizeof(m->data), "%s", names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return r;
}

/*
 * MBOX_SPIN: how much CPU an ordinary task pinned to one CPU gets: a child
 * on that CPU counts loops for arg ms. Result: loops / 1024.
 */
static int do_spin(struct mbox *m)
{
	char buf[32] = "";
	int pipefd[2], cpu;
	long long loops = 0;
	pid_t pid;

	if (m->len)
		cpu = atoi(m->data);
	else if (cpc_read_file("/sys/kernel/cpc_guest/maint_cpu", buf, sizeof(buf)) > 0)
		cpu = atoi(buf);
	else
		return -ENODEV;
	if (pipe(pipefd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		cpu_set_t set;
		double end;
		long long n = 0;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			_exit(1);
		end = cpc_now() + m->arg / 1000.0;
		do {
			for (int i = 0; i < 1024; i++)
				__asm__ volatile("" ::: "memory");
			n++;
		} while ((n & 255) || cpc_now() < end);
		if (write(pipefd[1], &n, sizeof(n)) != sizeof(n))
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &loops, sizeof(loops)) != sizeof(loops))
		loops = -1;
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	return loops < 0 ? -EIO : (int)(loops > INT32_MAX ? INT32_MAX : loops);
}

FIXTURE(agent) {
	int unused;
};

FIXTURE_SETUP(agent)
{
}

FIXTURE_TEARDOWN(agent)
{
}

/*
 * One test that serves the host for the host test's whole run: it needs
 * more than the harness's default 30 s per test on a loaded machine.
 */
TEST_F_TIMEOUT(agent, serve, AGENT_SECONDS + 20)
{
	char path[512];
	struct mbox m;
	double end = cpc_now() + AGENT_SECONDS;
	uint32_t magic = MBOX_MAGIC;
	int shm, n = 0;

	if (!cpc_path_exists("/sys/kernel/cpc_guest"))
		SKIP(return, "not a guest VM");
	shm = agent_open(path, sizeof(path));
	ASSERT_LE(0, shm);
	ASSERT_EQ(0, mbox_get(shm, &m));
	ASSERT_EQ(0, mbox_put(shm, &m.seq, sizeof(m.seq), offsetof(struct mbox, ack)));
	ASSERT_EQ(0, mbox_put(shm, &magic, sizeof(magic), 0));
	for (;;) {
		ASSERT_GT(end, cpc_now()) TH_LOG("the host never said done");
		if (mbox_get(shm, &m) || m.seq == m.ack) {
			usleep(5000);
			continue;
		}
		n++;
		switch (m.op) {
		case MBOX_WRITE:
			m.result = do_write(&m);
			break;
		case MBOX_READ:
			m.result = do_read(&m);
			break;
		case MBOX_RELOAD:
			/* An open debugfs file pins the module: let go of it. */
			close(shm);
			m.result = cpc_module_unload("cpc_guest");
			usleep(m.arg * 1000);
			if (!m.result)
				m.result = cpc_module_load("cpc_guest",
							   m.len ? m.data : cpc_boot_modargs());
			shm = agent_open(path, sizeof(path));
			ASSERT_LE(0, shm);
			break;
		case MBOX_SPIN:
			m.result = do_spin(&m);
			break;
		case MBOX_DONE:
		case MBOX_REBOOT:	/* answered first: the VM is gone after */
			m.result = m.op == MBOX_REBOOT && m.arg > 1 ? -EINVAL : 0;
			break;
		default:
			m.result = -EINVAL;
		}
		ASSERT_EQ(0, mbox_put(shm, &m.result, sizeof(m.result),
				      offsetof(struct mbox, result)));
		ASSERT_EQ(0, mbox_put(shm, m.data, sizeof(m.data), offsetof(struct mbox, data)));
		ASSERT_EQ(0, mbox_put(shm, &m.seq, sizeof(m.seq), offsetof(struct mbox, ack)));
		if (m.op == MBOX_DONE)
			break;
		if (m.op == MBOX_REBOOT && !m.result) {
			/* The next boot runs the guest script, and an agent, again. */
			TH_LOG("served %d commands; rebooting the VM as the host asked", n);
			close(shm);
			fflush(NULL);
			ASSERT_EQ(0, system(m.arg ? "vm-reboot --hard" : "vm-reboot"));
			ASSERT_TRUE(false) TH_LOG("still running after vm-reboot");
		}
	}
	TH_LOG("served %d commands from the host", n);
	close(shm);
}

TEST_HARNESS_MAIN
