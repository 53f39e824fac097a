# Real-mode hello world for examples/hello/manifest.json (GNU as syntax).
# Assemble: as --32 -o hello.o hello.s && objcopy -O binary hello.o hello.bin
# The page is loaded at GPA 0xFFFFF000, i.e. IP 0xF000 in the reset code
# segment (CS base 0xFFFF0000); the jump at page offset 0xFF0 is the reset
# vector 0xFFFFFFF0. DS is 0 at reset, so the string is read through CS.
.code16
.org 0
start:
	cli
	cld
	mov $0x3f8, %dx
	mov $0xf014, %si
1:	cs lodsb
	test %al, %al
	jz 2f
	out %al, %dx
	jmp 1b
2:	hlt
	jmp 2b
msg:	.asciz "Hello from a cvm IGVM guest\r\n"
.org 0xff0
	jmp start+0
