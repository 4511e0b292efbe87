// SPDX-License-Identifier: GPL-2.0
/*
 * slice_topology.c - which CPUs share a core, and the rules a slice's CPU
 * list must follow: whole cores (every online thread of a core it touches,
 * never the boot CPU's core) and one NUMA node unless asked otherwise.
 *
 * The kernel forgets an offline CPU's place: x86 clears its sibling masks
 * and its core id when it goes down. So this file records the (package,
 * die, core) of every CPU while it is online (a CPU hot-plug online state,
 * run for every online CPU at load and for every CPU that comes up later)
 * and never forgets it. A CPU that has not been online since the module was
 * loaded is "unknown".
 *
 * Rules that hold while a slice lives (checked by create, and by the CPU
 * hot-plug PREPARE guard in slice.c through cpc_cpu_held_by_slice()):
 *   - a slice's CPUs are offline (slice.c);
 *   - every other thread of their cores is offline too: create refuses a
 *     list that leaves an online thread to the host, and the guard refuses
 *     to bring up a known thread of a sliced core;
 *   - an unknown CPU cannot be brought up while any slice lives (it might
 *     be a thread of a sliced core).
 *
 * The records are written on the CPU itself (@known last, with release
 * semantics) and read with acquire semantics; a CPU's ids never change, so
 * a reader racing with a rewrite reads the same values.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "slice.h"

/**
 * struct cpc_core_id - where a CPU sat when it was last online.
 * @pkg:   topology_physical_package_id().
 * @die:   topology_die_id().
 * @core:  topology_core_id().
 * @known: the fields above are valid.
 */
struct cpc_core_id {
	int pkg;
	int die;
	int core;
	bool known;
};

static struct cpc_core_id *cpc_core_ids;	/* nr_cpu_ids entries */
static enum cpuhp_state cpc_topo_state;

static int cpc_cpu_record(unsigned int cpu)
{
	struct cpc_core_id *id = &cpc_core_ids[cpu];

	id->pkg = topology_physical_package_id(cpu);
	id->die = topology_die_id(cpu);
	id->core = topology_core_id(cpu);
	/* Pairs with cpc_cpu_known(): the ids are visible before @known. */
	smp_store_release(&id->known, true);
	return 0;
}

static bool cpc_cpu_known(unsigned int cpu)
{
	/* Pairs with cpc_cpu_record(). */
	return smp_load_acquire(&cpc_core_ids[cpu].known);
}

/*
 * @a and @b are threads of one core: the kernel says so (both online), or
 * their recorded ids match.
 */
static bool cpc_same_core(unsigned int a, unsigned int b)
{
	const struct cpc_core_id *x = &cpc_core_ids[a], *y = &cpc_core_ids[b];

	if (a == b)
		return true;
	if (cpu_online(a) && cpumask_test_cpu(b, topology_sibling_cpumask(a)))
		return true;
	return cpc_cpu_known(a) && cpc_cpu_known(b) && x->pkg == y->pkg &&
	       x->die == y->die && x->core == y->core;
}

/**
 * cpc_cpu_on_boot_core() - @cpu is the boot CPU or one of its threads.
 * @cpu: a present CPU.
 *
 * Return: true if no slice may ever take @cpu for that reason.
 */
bool cpc_cpu_on_boot_core(unsigned int cpu)
{
	return cpc_same_core(cpu, 0);
}

/**
 * cpc_cpu_held_by_slice() - the hot-plug guard's question: must @cpu stay
 * offline because of a live slice?
 * @cpu: the CPU about to be brought up.
 *
 * Context: CPU hot-plug PREPARE callback (hot-plug lock held); lock-free.
 * Return: true if @cpu is in a slice, is a known thread of a sliced core,
 * or is unknown while any slice lives.
 */
bool cpc_cpu_held_by_slice(unsigned int cpu)
{
	unsigned int s;

	if (cpumask_test_cpu(cpu, &cpc_sliced_cpus))
		return true;
	if (cpumask_empty(&cpc_sliced_cpus))
		return false;
	if (!cpc_cpu_known(cpu))
		return true;
	for_each_cpu(s, &cpc_sliced_cpus)
		if (cpc_same_core(cpu, s))
			return true;
	return false;
}

/**
 * cpc_slice_check_topology() - whole cores, one node.
 * @name:       slice name, for the log.
 * @cpus:       the validated CPU list (present, online, not the boot CPU,
 *              not in a slice).
 * @multi_node: CPC_SLICE_CREATE_MULTI_NODE was given.
 *
 * Context: cpc_slices_mutex and cpus_read_lock() held (no CPU comes or goes).
 * Return: 0; -EINVAL if a CPU shares a core with the boot CPU or leaves an
 * online thread of its core (or one in another slice) out of @cpus;
 * -EXDEV if @cpus spans NUMA nodes and @multi_node is false.
 */
int cpc_slice_check_topology(const char *name, const struct cpumask *cpus,
			     bool multi_node)
{
	unsigned int cpu, sib, first = cpumask_first(cpus);

	for_each_cpu(cpu, cpus) {
		for_each_present_cpu(sib) {
			if (sib == cpu || !cpc_same_core(cpu, sib))
				continue;
			if (sib == 0) {
				pr_info_ratelimited("create %s: CPU%u shares a core with the boot CPU\n",
						    name, cpu);
				return -EINVAL;
			}
			if (!cpumask_test_cpu(sib, cpus) &&
			    (cpu_online(sib) || cpumask_test_cpu(sib, &cpc_sliced_cpus))) {
				pr_info_ratelimited("create %s: CPU%u shares a core with CPU%u: a slice takes whole cores\n",
						    name, cpu, sib);
				return -EINVAL;
			}
		}
		if (!multi_node && cpu_to_node(cpu) != cpu_to_node(first)) {
			pr_info_ratelimited("create %s: CPU%u is on node %d, CPU%u on node %d\n",
					    name, first, cpu_to_node(first), cpu, cpu_to_node(cpu));
			return -EXDEV;
		}
	}
	return 0;
}

int cpc_topology_init(void)
{
	int ret;

	cpc_core_ids = kcalloc(nr_cpu_ids, sizeof(*cpc_core_ids), GFP_KERNEL);
	if (!cpc_core_ids)
		return -ENOMEM;
	/* Runs cpc_cpu_record() on every online CPU before it returns. */
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "cpc_host/slice:online",
				cpc_cpu_record, NULL);
	if (ret < 0) {
		kfree(cpc_core_ids);
		cpc_core_ids = NULL;
		return ret;
	}
	cpc_topo_state = ret;
	return 0;
}

void cpc_topology_exit(void)
{
	cpuhp_remove_state_nocalls(cpc_topo_state);
	kfree(cpc_core_ids);
	cpc_core_ids = NULL;
}
