/* SPDX-License-Identifier: GPL-2.0 */
/*
 * payload.h - what the slice-echo payload's files share: its status block
 * (in the image's .data, readable by the host's tests through debugfs) and
 * a tiny text formatter for info's JSON.
 */
#ifndef SLICE_PAYLOAD_H
#define SLICE_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

struct cpc_slice_info;

#define SLICE_STATUS_MAGIC 0x5355544154534c53ULL	/* "SLSTATUS" */

enum {
	SLICE_ST_RUNNING = 1,
	SLICE_ST_SERVING = 2,
	SLICE_ST_BAD_INFO = 3,
	SLICE_ST_FAULT = 4,
};

/* First thing in .data: at the start of the image's data page. */
struct slice_status {
	uint64_t magic;
	uint64_t state;
	uint64_t apic_id;
	uint64_t start_tsc;
	uint64_t beats;
	uint64_t loops;
	uint64_t doorbells;
	uint64_t rings;
	uint64_t calls;
	uint64_t bad_requests;
	uint64_t raw_pings;
	uint64_t stray_irqs;
	uint64_t last_stray;
	uint64_t fault_vector;
	uint64_t fault_error;
	uint64_t fault_rip;
};

extern struct slice_status status;

struct fmt {
	char *buf;
	size_t cap;
	size_t len;	/* may pass cap: then the text did not fit */
};

void fmt_str(struct fmt *f, const char *s);
void fmt_u64(struct fmt *f, uint64_t v);
void fmt_hex(struct fmt *f, uint64_t v);
void info_json(struct fmt *f, const struct cpc_slice_info *info, uint32_t apic_id,
	       uint64_t tsc, const struct slice_status *st);

#endif /* SLICE_PAYLOAD_H */
