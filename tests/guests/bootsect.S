/*
 * bootsect - a 512-byte real-mode boot sector (loaded at 0x7C00, started
 * in real mode). It uses no BIOS service: it programs the 16550 at 0x3F8
 * itself, checks real-mode segment arithmetic (segment * 16 + offset,
 * aliases of one linear address through different segments, BP-based
 * forms defaulting to SS, 16-bit offset wrap-around), the 16-bit
 * addressing forms ([bx+si], [bx+di], [bp+di], [si], [di], [bx], disp8
 * and disp16, direct), an operand-size prefix and a string move, then
 * leaves through isa-debug-exit (0x10 pass, 0x11 fail) with the usual
 * "guest bootsect: PASS (N checks)" line.
 */
	.code16
	.text
	.globl _start
_start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7C00, %sp
	ljmp $0, $start2		/* CS:IP = 0000:7Cxx whatever the loader used */
start2:
	cld
	mov $uart_init, %si		/* (port offset, value) pairs */
1:	lodsw
	test %ax, %ax
	jz 2f
	mov $0x3F8, %dx
	add %al, %dl
	mov %ah, %al
	out %al, %dx
	jmp 1b
2:	mov $msg_start, %si
	call puts

	/* 1: 1000:0010 and 1001:0000 name the same linear address 0x10010. */
	mov $0x1000, %ax
	mov %ax, %es
	movw $0xBEEF, %es:0x0010
	mov $0x1001, %ax
	mov %ax, %fs
	cmpw $0xBEEF, %fs:0x0000
	call check
	/* 2: the signature through DS = 07C0: 07C0:01FE = 0000:7DFE. */
	mov $0x07C0, %ax
	mov %ax, %ds
	cmpw $0xAA55, 0x01FE
	mov $0, %ax		/* mov keeps the flags for check */
	mov %ax, %ds
	call check
	/* 3-9: addressing forms on tbl. */
	mov $tbl, %bx
	mov $2, %si
	cmpw $0x2222, (%bx,%si)
	call check
	mov $4, %di
	cmpw $0x3333, (%bx,%di)
	call check
	cmpw $0x4444, 4(%bx,%si)
	call check
	mov $8, %bp
	cmpw $0x5555, tbl(%bp)
	call check
	mov $tbl, %si
	cmpw $0x1111, (%si)
	call check
	mov $2, %di
	cmpw $0x2222, tbl(%di)
	call check
	cmpw $0x3333, tbl+4
	call check
	/* 10: [bp] uses SS: SS = 1000 reaches the 0xBEEF of check 1. */
	mov $0x1000, %ax
	mov %ax, %ss
	mov $0x0010, %bp
	cmpw $0xBEEF, (%bp)
	mov $0, %ax
	mov %ax, %ss
	call check
	/* 11: bx+si wraps at 64 KiB: FFFF + 3 = 0002 within DS = 1000. */
	mov $0x1000, %ax
	mov %ax, %ds
	movw $0x7777, 0x0002
	mov $0xFFFF, %bx
	mov $3, %si
	cmpw $0x7777, (%bx,%si)
	mov $0, %ax
	mov %ax, %ds
	call check
	/* 12: 32-bit operand size in real mode. */
	mov $0x12345678, %eax
	ror $16, %eax
	cmp $0x56781234, %eax
	call check
	/* 13: rep movsw to 0060:0000 (= 0x600), compared with cmpsw. */
	mov $0x0060, %ax
	mov %ax, %es
	mov $tbl, %si
	xor %di, %di
	mov $5, %cx
	rep movsw
	mov $tbl, %si
	xor %di, %di
	mov $5, %cx
	repe cmpsw
	call check

	mov $msg_pass, %si
	call puts
	call putcount
	mov $msg_end, %si
	call puts
	mov $0x10, %eax
	jmp leave

/* check: ZF set means the check held; else fail, naming its number. */
check:
	jne 1f
	incw count
	ret
1:	mov $msg_fail, %si
	call puts
	incw count
	call putcount
	mov $msg_end+8, %si	/* "\r\n" */
	call puts
	mov $0x11, %eax
leave:
	mov $0xF4, %dx
	out %eax, %dx
2:	hlt
	jmp 2b

putcount:
	mov count, %ax
	mov $10, %bl
	div %bl			/* al = tens, ah = ones */
	push %ax
	test %al, %al
	jz 1f
	add $'0', %al
	call putc
1:	pop %ax
	mov %ah, %al
	add $'0', %al
	jmp putc

puts:
	lodsb
	test %al, %al
	jz 1f
	call putc
	jmp puts
1:	ret

putc:
	push %dx
	push %ax
	mov $0x3FD, %dx
1:	in %dx, %al
	test $0x20, %al
	jz 1b
	pop %ax
	mov $0x3F8, %dx
	out %al, %dx
	pop %dx
	ret

count:	.word 0
tbl:	.word 0x1111, 0x2222, 0x3333, 0x4444, 0x5555
/* 16550: IER off, DLAB, divisor 1, 8N1, FIFOs, DTR/RTS. */
uart_init:
	.byte 1, 0x00, 3, 0x80, 0, 0x01, 1, 0x00, 3, 0x03, 2, 0x07, 4, 0x03
	.word 0
msg_start: .asciz "guest bootsect: start\r\n"
msg_pass: .asciz "guest bootsect: PASS ("
msg_end: .asciz " checks)\r\n"
msg_fail: .asciz "guest bootsect: FAIL: check "

	.org 510
	.word 0xAA55
