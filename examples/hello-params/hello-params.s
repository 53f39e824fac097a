# Real-mode program for examples/hello-params/manifest.json (GNU as syntax).
# Assemble: as --32 -o p.o hello-params.s && objcopy -O binary p.o p.bin
# Proves that a loader put everything in place: it prints the NUL-terminated
# line the file loads into RAM at 0x10000, then "vcpus=N" from the
# VP_COUNT_PARAMETER at offset 0x800 of the parameter area inserted at
# 0x20000. Reset: CS base 0xFFFF0000, IP 0xFFF0 -> jump to 0xF000.
.code16
.org 0
start:
	cli
	cld
	mov $0x3f8, %dx
	mov $0x1000, %ax
	mov %ax, %ds
	xor %si, %si
1:	lodsb
	test %al, %al
	jz 2f
	out %al, %dx
	jmp 1b
2:	mov $0xf040, %si
3:	cs lodsb
	test %al, %al
	jz 4f
	out %al, %dx
	jmp 3b
4:	mov $0x2000, %ax
	mov %ax, %ds
	mov 0x800, %al
	add $0x30, %al
	out %al, %dx
	mov $0x0d, %al
	out %al, %dx
	mov $0x0a, %al
	out %al, %dx
5:	hlt
	jmp 5b
.org 0x40
	.asciz "vcpus="
.org 0xff0
	jmp start+0
