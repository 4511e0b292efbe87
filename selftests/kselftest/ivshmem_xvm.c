// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem_xvm - data and doorbell interrupts cross between the host VM and
 * a guest VM over an ivshmem-doorbell bus, in both directions. Run it in
 * both VMs at once: it takes the host role where cpc_host is loaded and the
 * guest role where cpc_guest is. It drives the transport through its
 * root-only debugfs files (id, irqs, doorbell, shm) and uses the last page
 * of the shared memory as its scratch area. And only cpc buses are bound:
 * a foreign ivshmem device is left alone.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include "cpc_test.h"
#include "kselftest_harness.h"

#define HOST_READY	0x43504348u	/* "CPCH" */
#define GUEST_READY	0x43504347u	/* "CPCG" */
#define WAIT_SECONDS	120.0

struct scratch {
	uint32_t host_ready;
	uint32_t host_id;
	uint32_t guest_ready;
	uint32_t guest_id;
	char h2g[64];
	char g2h[64];
};

struct bus {
	char dir[512];
	int shm;
	off_t scratch;
};

/* Finds the first ivshmem device bound by the cpc module loaded here. */
static int bus_open(struct bus *b, const char *module)
{
	char root[128], path[600];
	struct dirent *de;
	struct stat st;
	DIR *d;

	snprintf(root, sizeof(root), "/sys/kernel/debug/%s/ivshmem", module);
	d = opendir(root);
	if (!d)
		return -errno;
	b->dir[0] = '\0';
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(b->dir, sizeof(b->dir), "%s/%s", root, de->d_name);
		break;
	}
	closedir(d);
	if (!b->dir[0])
		return -ENODEV;
	snprintf(path, sizeof(path), "%s/shm", b->dir);
	b->shm = open(path, O_RDWR | O_CLOEXEC);
	if (b->shm < 0 || fstat(b->shm, &st))
		return -errno;
	if (st.st_size < 4096)
		return -ENOSPC;
	b->scratch = st.st_size - 4096;
	return 0;
}

static int bus_get(struct bus *b, struct scratch *s)
{
	return pread(b->shm, s, sizeof(*s), b->scratch) == sizeof(*s) ? 0 : -EIO;
}

static int bus_put(struct bus *b, const void *p, size_t len, size_t off)
{
	return pwrite(b->shm, p, len, b->scratch + off) == (ssize_t)len ? 0 : -EIO;
}

static long long bus_irqs(struct bus *b)
{
	char path[600], buf[64];

	snprintf(path, sizeof(path), "%s/irqs", b->dir);
	if (cpc_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return atoll(buf);	/* vector 0 */
}

static int bus_id(struct bus *b)
{
	char path[600], buf[32];

	snprintf(path, sizeof(path), "%s/id", b->dir);
	if (cpc_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return atoi(buf);
}

static int bus_ring(struct bus *b, uint32_t peer)
{
	char path[600], cmd[32];

	snprintf(path, sizeof(path), "%s/doorbell", b->dir);
	snprintf(cmd, sizeof(cmd), "%u 0", peer);
	return cpc_write_file(path, cmd);
}

/* Polls until @cond holds or WAIT_SECONDS pass; returns 0 or -ETIMEDOUT. */
#define WAIT_FOR(cond) ({						\
	double __end = cpc_now() + WAIT_SECONDS;			\
	int __r = -ETIMEDOUT;						\
	while (cpc_now() < __end) {					\
		if (cond) { __r = 0; break; }				\
		usleep(10000);						\
	}								\
	__r; })

static const char host_msg[] = "hello guest, from the host VM";
static const char guest_msg[] = "hello host, from the guest VM";

TEST(host_side)
{
	struct scratch s;
	struct bus b;
	long long irqs;
	uint32_t id;

	if (!cpc_path_exists("/sys/kernel/cpc_host"))
		SKIP(return, "not the host VM");
	ASSERT_EQ(0, bus_open(&b, "cpc_host"));
	id = bus_id(&b);
	ASSERT_EQ(0, bus_put(&b, &id, sizeof(id), offsetof(struct scratch, host_id)));
	uint32_t ready = HOST_READY;

	ASSERT_EQ(0, bus_put(&b, &ready, sizeof(ready), offsetof(struct scratch, host_ready)));
	/* Wait for the guest to come up (it announces itself after arming). */
	ASSERT_EQ(0, WAIT_FOR(bus_get(&b, &s) == 0 && s.guest_ready == GUEST_READY));
	ASSERT_NE(id, s.guest_id);

	/* host -> guest: data, then the doorbell. */
	irqs = bus_irqs(&b);
	ASSERT_LE(0, irqs);
	ASSERT_EQ(0, bus_put(&b, host_msg, sizeof(host_msg), offsetof(struct scratch, h2g)));
	ASSERT_EQ(0, bus_ring(&b, s.guest_id));

	/*
	 * guest -> host: its answer and our interrupt. The CPC channel on the
	 * same bus rings doorbells too, so wait for both the interrupt and
	 * the data rather than take any interrupt as the answer.
	 */
	ASSERT_EQ(0, WAIT_FOR(bus_irqs(&b) > irqs && bus_get(&b, &s) == 0 &&
			      !strcmp(guest_msg, s.g2h)));
	ASSERT_STREQ(guest_msg, s.g2h);
	TH_LOG("host peer %u <-> guest peer %u: data and doorbells crossed both ways",
	       id, s.guest_id);
	/* Leave the scratch page clean for a later run on the same bus. */
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, bus_put(&b, &s, sizeof(s), 0));
	close(b.shm);
}

TEST(guest_side)
{
	struct scratch s;
	struct bus b;
	long long irqs;
	uint32_t id, ready = GUEST_READY;

	if (!cpc_path_exists("/sys/kernel/cpc_guest"))
		SKIP(return, "not a guest VM");
	ASSERT_EQ(0, bus_open(&b, "cpc_guest"));
	id = bus_id(&b);
	irqs = bus_irqs(&b);
	ASSERT_LE(0, irqs);
	ASSERT_EQ(0, bus_put(&b, &id, sizeof(id), offsetof(struct scratch, guest_id)));
	ASSERT_EQ(0, bus_put(&b, &ready, sizeof(ready), offsetof(struct scratch, guest_ready)));
	ASSERT_EQ(0, WAIT_FOR(bus_get(&b, &s) == 0 && s.host_ready == HOST_READY));

	/* host -> guest: the interrupt arrives and the data is there. */
	ASSERT_EQ(0, WAIT_FOR(bus_irqs(&b) > irqs && bus_get(&b, &s) == 0 &&
			      !strcmp(host_msg, s.h2g)));
	ASSERT_STREQ(host_msg, s.h2g);

	/* guest -> host. */
	ASSERT_EQ(0, bus_put(&b, guest_msg, sizeof(guest_msg), offsetof(struct scratch, g2h)));
	ASSERT_EQ(0, bus_ring(&b, s.host_id));
	close(b.shm);
}

/*
 * Only a cpc bus is bound. The test bed's --foreign-ivshmem gives every VM
 * an ivshmem device whose memory holds "NOT-CPC!" over and over and no cpc
 * bus tag: no driver may bind it, no channel may appear for it, and its
 * memory must stay as it was (testbed/run compares the backing file after
 * the run as well). Every cpc bus device here is bound.
 */
TEST(only_cpc_buses_are_bound)
{
	struct dirent *de;
	int foreign = 0, ours = 0;
	DIR *d = opendir("/sys/bus/pci/devices");

	ASSERT_NE(NULL, d);
	while ((de = readdir(d))) {
		char path[512], buf[64], drv[512];
		struct stat st;
		ssize_t n;
		off_t o = 0;
		char *p;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", de->d_name);
		if (cpc_read_file(path, buf, sizeof(buf)) < 0 || strncmp(buf, "0x1110", 6))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", de->d_name);
		n = readlink(path, drv, sizeof(drv) - 1);
		if (n > 0) {
			/* Bound: by a cpc module, and its channel exists. */
			drv[n] = '\0';
			ours++;
			EXPECT_NE(NULL, strstr(drv, "cpc_")) TH_LOG("%s bound by %s", de->d_name, drv);
			continue;
		}
		/* Unbound: it must be the foreign device, untouched. */
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource2", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
		ASSERT_EQ(0, fstat(fd, &st));
		p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("%s: %s", path, strerror(errno));
		while (o < st.st_size && !memcmp(p + o, "NOT-CPC!", 8))
			o += 8;
		EXPECT_EQ(st.st_size, o) TH_LOG("%s: unbound, and not the foreign pattern at %#llx",
						de->d_name, (long long)o);
		foreign++;
		snprintf(path, sizeof(path), "/sys/kernel/cpc_host/channels/ivshmem-%s", de->d_name);
		EXPECT_FALSE(cpc_path_exists(path));
		snprintf(path, sizeof(path), "/sys/kernel/cpc_guest/channels/%s", de->d_name);
		EXPECT_FALSE(cpc_path_exists(path));
		munmap(p, st.st_size);
		close(fd);
	}
	closedir(d);
	EXPECT_EQ(1, foreign) TH_LOG("run with testbed/run --foreign-ivshmem");
	EXPECT_LE(1, ours);
}

TEST_HARNESS_MAIN
