// SPDX-License-Identifier: GPL-2.0
/*
 * info.c - the payload's info procedure: what the slice sees, as JSON:
 * {"kind":"bare-metal","apic_id":N,"cpus":[...],"memory":[{"phys":"0x..",
 * "len":N}...],"bus":{"phys":"0x..","len":N},"tsc":N,"tsc_khz":N,
 * "uptime_ms":N,"calls":N,"doorbells":N,"stray_irqs":N}
 */
#include <linux/cpc_slice.h>

#include "payload.h"

static void put(struct fmt *f, char c)
{
	if (f->len < f->cap)
		f->buf[f->len] = c;
	f->len++;
}

void fmt_str(struct fmt *f, const char *s)
{
	while (*s)
		put(f, *s++);
}

void fmt_u64(struct fmt *f, uint64_t v)
{
	char d[20];
	int n = 0;

	do {
		d[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		put(f, d[--n]);
}

void fmt_hex(struct fmt *f, uint64_t v)
{
	static const char x[] = "0123456789abcdef";
	int shift = 60;

	fmt_str(f, "\"0x");
	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		put(f, x[(v >> shift) & 15]);
	put(f, '"');
}

static void key(struct fmt *f, const char *k)
{
	put(f, '"');
	fmt_str(f, k);
	fmt_str(f, "\":");
}

void info_json(struct fmt *f, const struct cpc_slice_info *info, uint32_t apic_id,
	       uint64_t tsc, const struct slice_status *st)
{
	uint32_t i;

	fmt_str(f, "{\"kind\":\"bare-metal\",");
	key(f, "apic_id");
	fmt_u64(f, apic_id);
	fmt_str(f, ",");
	key(f, "cpus");
	put(f, '[');
	for (i = 0; i < info->nr_cpus && i < CPC_SLICE_INFO_MAX_CPUS; i++) {
		if (i)
			put(f, ',');
		fmt_u64(f, info->apic_ids[i]);
	}
	fmt_str(f, "],");
	key(f, "memory");
	put(f, '[');
	for (i = 0; i < info->nr_ranges && i < CPC_SLICE_INFO_MAX_RANGES; i++) {
		if (i)
			put(f, ',');
		fmt_str(f, "{\"phys\":");
		fmt_hex(f, info->ranges[i].phys);
		fmt_str(f, ",\"len\":");
		fmt_u64(f, info->ranges[i].len);
		put(f, '}');
	}
	fmt_str(f, "],");
	key(f, "bus");
	fmt_str(f, "{\"phys\":");
	fmt_hex(f, info->bus_phys);
	fmt_str(f, ",\"len\":");
	fmt_u64(f, info->bus_len);
	fmt_str(f, "},");
	key(f, "tsc");
	fmt_u64(f, tsc);
	fmt_str(f, ",");
	key(f, "tsc_khz");
	fmt_u64(f, info->tsc_khz);
	fmt_str(f, ",");
	key(f, "uptime_ms");
	fmt_u64(f, info->tsc_khz ? (tsc - st->start_tsc) / info->tsc_khz : 0);
	fmt_str(f, ",");
	key(f, "calls");
	fmt_u64(f, st->calls);
	fmt_str(f, ",");
	key(f, "doorbells");
	fmt_u64(f, st->doorbells);
	fmt_str(f, ",");
	key(f, "stray_irqs");
	fmt_u64(f, st->stray_irqs);
	put(f, '}');
}
