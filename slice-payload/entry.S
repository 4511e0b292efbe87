/* SPDX-License-Identifier: GPL-2.0 */
/*
 * entry.S - the payload's entry point (uapi/linux/cpc_slice.h entry ABI:
 * RDI = info page, RSP = boot stack, interrupts off) and its interrupt
 * stubs: one per vector, each pushes a dummy error code where the CPU
 * pushes none, then the vector, and goes to one common path that saves
 * the registers, calls slice_trap(vector, error, rip) and returns.
 */
	.section .text.entry, "ax"
	.globl slice_entry
slice_entry:
	andq	$-16, %rsp
	call	slice_main
1:	cli
	hlt
	jmp	1b

	.text
/* Vectors 8, 10-14, 17, 21, 29, 30 push an error code. */
.macro stub vec
	.balign 16
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	slice_isr_common
.endm

	.balign 16
	.globl slice_isr_stubs
slice_isr_stubs:
	.altmacro
	.set v, 0
	.rept 256
	stub %v
	.set v, v + 1
	.endr
	.noaltmacro

slice_isr_common:
	pushq	%rbx
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	movq	80(%rsp), %rdi		/* vector */
	movq	88(%rsp), %rsi		/* error code */
	movq	96(%rsp), %rdx		/* RIP */
	movq	%rsp, %rbx
	andq	$-16, %rsp
	call	slice_trap
	movq	%rbx, %rsp
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	popq	%rbx
	addq	$16, %rsp
	iretq
