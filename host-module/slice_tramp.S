/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slice_tramp.S - the trampoline a slice CPU starts in after STARTUP:
 * real mode -> 32-bit protected mode -> 64-bit long mode -> the image's
 * entry point, with the registers of the entry ABI (linux/cpc_slice.h).
 *
 * It is data to this module (.rodata, never executed by the host): slice
 * start copies it to the first page of the reserved low memory R and
 * fills its header (struct cpc_tramp_header in slice_boot.c) with absolute
 * addresses. The code never modifies itself, so it can run any number of
 * times. In real mode CS = R >> 4; from there on EBX holds R.
 *
 * The low page tables at cr3_low map only this page (identity); cr3_slice
 * (loaded in 64-bit mode, may be above 4 GiB) maps this page read-only at
 * the same address, so execution continues after the switch. The stamp is
 * written (token copied) just before that switch: the host waits for it.
 *
 * The host sets "armed" before its STARTUP and clears it once the stamp
 * is seen: a CPU that comes here unasked (QEMU keeps a pending STARTUP
 * across an INIT, so a slice CPU stopped by INIT can start again on its
 * own) halts in real mode with interrupts off instead of running a stale
 * start.
 */
#define CPC_TRAMP_CR3_LOW	0x08
#define CPC_TRAMP_TOKEN		0x0c
#define CPC_TRAMP_CR3_SLICE	0x10
#define CPC_TRAMP_ENTRY		0x18
#define CPC_TRAMP_RDI		0x20
#define CPC_TRAMP_RSI		0x28
#define CPC_TRAMP_RSP		0x30
#define CPC_TRAMP_JMP32		0x38
#define CPC_TRAMP_JMP64		0x40
#define CPC_TRAMP_GDTR		0x48
#define CPC_TRAMP_STAMP		0x50
#define CPC_TRAMP_ARMED		0x54
#define CPC_TRAMP_GDT		0x58

	.section .rodata, "a"
	.balign 4096
	.globl cpc_tramp_start, cpc_tramp_end, cpc_tramp_gdt
	.globl cpc_tramp_start32, cpc_tramp_start64
	.code16
cpc_tramp_start:
	jmp	cpc_tramp_real
	.org	cpc_tramp_start + CPC_TRAMP_GDT
	/* Accessed bits preset: the slice maps this page read-only. */
cpc_tramp_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08: 32-bit code */
	.quad	0x00af9b000000ffff	/* 0x10: 64-bit code */
	.quad	0x00cf93000000ffff	/* 0x18: flat data */
cpc_tramp_real:
	cli
	movw	%cs, %ax
	movw	%ax, %ds
	cmpl	$0, CPC_TRAMP_ARMED
	je	cpc_tramp_park
	xorl	%ebx, %ebx
	movw	%ax, %bx
	shll	$4, %ebx
	lgdtl	CPC_TRAMP_GDTR
	/* Writes CR0: PE only, clearing the CD and NW bits INIT leaves set. */
	movl	$1, %eax
	movl	%eax, %cr0
	ljmpl	*CPC_TRAMP_JMP32
cpc_tramp_park:
	cli
	hlt
	jmp	cpc_tramp_park

	.code32
cpc_tramp_start32:
	movl	$0x18, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	$0x60, %eax		/* CR4.PAE | CR4.MCE */
	movl	%eax, %cr4
	movl	CPC_TRAMP_CR3_LOW(%ebx), %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx	/* EFER */
	rdmsr
	orl	$0x900, %eax		/* LME | NXE */
	wrmsr
	movl	$0x80050033, %eax	/* PG|AM|WP|NE|ET|MP|PE */
	movl	%eax, %cr0
	ljmpl	*CPC_TRAMP_JMP64(%ebx)

	.code64
cpc_tramp_start64:
	movl	%ebx, %ebx
	movq	CPC_TRAMP_RSP(%rbx), %rsp
	movq	CPC_TRAMP_RDI(%rbx), %rdi
	movq	CPC_TRAMP_RSI(%rbx), %rsi
	movq	CPC_TRAMP_ENTRY(%rbx), %rcx
	movq	CPC_TRAMP_CR3_SLICE(%rbx), %rax
	movl	CPC_TRAMP_TOKEN(%rbx), %edx
	movl	%edx, CPC_TRAMP_STAMP(%rbx)
	movq	%rax, %cr3
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%edx, %edx
	xorl	%ebp, %ebp
	pushq	$0x2
	popfq
	jmpq	*%rcx
cpc_tramp_end:
