// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - slice-echo, the bare-metal CPC guest end that runs on a slice's
 * own CPU (uapi/linux/cpc_slice.h entry ABI). It copies and checks the info
 * page, installs an IDT (every vector has a handler: exceptions are
 * recorded and halt the CPU, unknown interrupts are counted as stray),
 * enables its local APIC and, when the slice has a bus, serves CPC calls on
 * it with the same proto/ code as cpc_guest: ping (answered by this CPU:
 * ret[1] is its APIC id) and info (JSON). Between doorbells it sleeps in
 * hlt. Doorbells are fixed IPIs both ways: the host rings vector
 * SLICE_DOORBELL_VECTOR on this CPU, this CPU rings what the host
 * published in the CPC header (APIC id, vector).
 *
 * Without a bus it only counts heartbeats in its status block.
 */
#include "../proto/cpc_peer.h"
#include <linux/cpc_slice.h>

#include "payload.h"

#define SLICE_DOORBELL_VECTOR	CPC_SLICE_ECHO_DOORBELL_VECTOR
#define SLICE_RAW_PING_VECTOR	CPC_SLICE_ECHO_RAW_PING_VECTOR
#define LAPIC_ID		0x20
#define LAPIC_TPR		0x80
#define LAPIC_EOI		0xb0
#define LAPIC_SVR		0xf0
#define LAPIC_ICR_LOW		0x300
#define LAPIC_ICR_HIGH		0x310
#define MSR_APIC_BASE		0x1b
#define MSR_X2APIC_BASE		0x800

/* What the host can read (debugfs mem) at the image's status block. */
struct slice_status status __attribute__((section(".data"))) = {
	.magic = SLICE_STATUS_MAGIC,
};

static struct cpc_slice_info info;
static struct cpc_endpoint ep;
static volatile uint64_t doorbells_seen;
static bool x2apic;
static uintptr_t lapic;

struct idt_gate {
	uint16_t off0, sel, flags, off1;
	uint32_t off2, zero;
};
static struct idt_gate idt[256] __attribute__((aligned(16)));
extern const char slice_isr_stubs[];

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | (uint64_t)hi << 32;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}

static uint32_t lapic_read(uint32_t reg)
{
	if (x2apic)
		return rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return *(volatile uint32_t *)(lapic + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
	else
		*(volatile uint32_t *)(lapic + reg) = v;
}

static uint32_t apic_id(void)
{
	return x2apic ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24;
}

/* A fixed IPI, physical destination. */
static void send_ipi(uint32_t dest, uint32_t vector)
{
	if (x2apic) {
		wrmsr(MSR_X2APIC_BASE + (LAPIC_ICR_LOW >> 4), (uint64_t)dest << 32 | vector);
		return;
	}
	while (lapic_read(LAPIC_ICR_LOW) & (1u << 12))
		__asm__ volatile("pause");
	lapic_write(LAPIC_ICR_HIGH, dest << 24);
	lapic_write(LAPIC_ICR_LOW, vector);
}

/* Called from entry.S for every interrupt and exception. */
void slice_trap(uint64_t vector, uint64_t error, uint64_t rip);
void slice_trap(uint64_t vector, uint64_t error, uint64_t rip)
{
	if (vector < 32) {
		/* A bug in this image: say where, and stop here. */
		status.fault_vector = vector;
		status.fault_error = error;
		status.fault_rip = rip;
		status.state = SLICE_ST_FAULT;
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	if (vector == SLICE_DOORBELL_VECTOR) {
		doorbells_seen++;
		status.doorbells++;
	} else if (vector == SLICE_RAW_PING_VECTOR) {
		/* Raw IPI ping-pong: answer at once, no protocol. */
		status.raw_pings++;
		if (info.host_vector)
			send_ipi(info.host_apic_id, info.host_vector);
	} else if (vector != 0xff) {
		status.stray_irqs++;
		status.last_stray = vector;
	}
	if (vector != 0xff)	/* the spurious vector takes no EOI */
		lapic_write(LAPIC_EOI, 0);
}

static void idt_setup(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uintptr_t)idt };
	unsigned int v;

	for (v = 0; v < 256; v++) {
		uintptr_t h = (uintptr_t)(slice_isr_stubs + 16 * v);

		idt[v].off0 = h;
		idt[v].sel = 0x10;
		idt[v].flags = 0x8e00;	/* present, DPL 0, interrupt gate */
		idt[v].off1 = h >> 16;
		idt[v].off2 = h >> 32;
		idt[v].zero = 0;
	}
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/* ---- the CPC guest end ----------------------------------------------------- */

static void ring_host(void)
{
	struct cpc_doorbell db[2];
	unsigned int i, n = cpc_ep_peer_doorbells(&ep, db);

	for (i = 0; i < n; i++) {
		/* Only what the info page says is the host's doorbell. */
		if (db[i].id != info.host_apic_id || db[i].vector != info.host_vector)
			continue;
		send_ipi(db[i].id, db[i].vector);
		status.rings++;
	}
}

static void serve(const struct cpc_request *req, struct cpc_completion *cpl)
{
	memset(cpl, 0, sizeof(*cpl));
	cpl->id = req->id;
	if (cpc_req_check(req, &ep.layout) != CPC_BAD_NONE) {
		status.bad_requests++;
		cpl->status = CPC_ST_EPROTO;
		return;
	}
	status.calls++;
	switch (req->opcode) {
	case CPC_PROC_PING:
		if (req->arg_len > req->out_len) {
			cpl->status = CPC_ST_ENOSPC;
			return;
		}
		if (req->arg_len)
			memcpy(cpc_ep_data(&ep, req->out_off), cpc_ep_data(&ep, req->arg_off),
			       req->arg_len);
		cpl->out_len = req->arg_len;
		cpl->ret[0] = req->args[0];
		cpl->ret[1] = apic_id();
		cpl->status = CPC_ST_OK;
		return;
	case CPC_PROC_INFO: {
		struct fmt f = { .buf = cpc_ep_data(&ep, req->out_off), .cap = req->out_len };

		info_json(&f, &info, apic_id(), rdtsc(), &status);
		if (f.len > f.cap) {
			cpl->status = CPC_ST_ENOSPC;
			return;
		}
		cpl->out_len = f.len;
		cpl->status = CPC_ST_OK;
		return;
	}
	default:
		cpl->status = CPC_ST_ENOSYS;
	}
}

/* Serves what is there; returns true if the host should be rung. */
static bool service(void)
{
	struct cpc_req wreq;
	struct cpc_cpl wcpl;
	struct cpc_request req;
	struct cpc_completion cpl;
	bool ring = false;
	int i, ret;

	for (i = 0; i < 4; i++) {
		enum cpc_ep_event ev = cpc_ep_step(&ep);

		if (ev == CPC_EP_NONE || ev == CPC_EP_INCOMPATIBLE)
			break;
		if (ev == CPC_EP_DOWN)
			cpc_ep_guest_reset(&ep);
		ring = true;
	}
	if (!cpc_ep_running(&ep))
		return ring;
	status.state = SLICE_ST_SERVING;
	for (;;) {
		ret = cpc_ring_pop(&ep.req, &wreq);
		if (ret == -EAGAIN) {
			if (!cpc_ring_arm(&ep.req))
				return ring;
			continue;
		}
		if (ret) {
			cpc_ep_publish(&ep, CPC_STATE_BROKEN);
			return true;
		}
		cpc_req_decode(&req, &wreq);
		serve(&req, &cpl);
		cpc_cpl_encode(&wcpl, &cpl);
		if (cpc_ring_push(&ep.cpl, &wcpl)) {
			cpc_ep_publish(&ep, CPC_STATE_BROKEN);
			return true;
		}
		if (cpc_ring_publish(&ep.cpl))
			ring = true;
	}
}

void slice_main(const struct cpc_slice_info *page);
void slice_main(const struct cpc_slice_info *page)
{
	uint64_t seen = 0;

	/* A private copy, checked: nothing is read from the page again. */
	memcpy(&info, page, sizeof(info));
	status.start_tsc = rdtsc();
	if (info.magic != CPC_SLICE_INFO_MAGIC || info.version != CPC_SLICE_INFO_VERSION ||
	    info.size != sizeof(info)) {
		status.state = SLICE_ST_BAD_INFO;
		return;
	}
	idt_setup();
	x2apic = rdmsr(MSR_APIC_BASE) & (1u << 10);
	lapic = info.lapic_phys;
	lapic_write(LAPIC_SVR, 0x100 | 0xff);	/* enabled, spurious vector 0xff */
	lapic_write(LAPIC_TPR, 0);
	status.apic_id = apic_id();
	status.state = SLICE_ST_RUNNING;

	/* The channel is the bus window less the console ring at its end. */
	if (!(info.flags & CPC_SLICE_INFO_BUS) || info.bus_len < CPC_SLICE_CONSOLE_SIZE ||
	    cpc_ep_init(&ep, (void *)(uintptr_t)info.bus_phys,
			info.bus_len - CPC_SLICE_CONSOLE_SIZE, false)) {
		/* Nothing to serve: a heartbeat the host can watch. */
		for (;;) {
			status.beats++;
			__asm__ volatile("pause");
		}
	}
	cpc_ep_set_doorbell(&ep, status.apic_id, SLICE_DOORBELL_VECTOR);
	cpc_ep_guest_reset(&ep);
	ring_host();
	for (;;) {
		__asm__ volatile("cli");
		if (service())
			ring_host();
		status.loops++;
		/* sti;hlt is atomic: a doorbell after the check still wakes it. */
		if (doorbells_seen == seen)
			__asm__ volatile("sti; hlt" ::: "memory");
		else
			__asm__ volatile("sti; nop" ::: "memory");
		seen = doorbells_seen;
	}
}
