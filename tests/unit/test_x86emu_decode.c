/*
 * test_x86emu_decode.c - host tests of the x86 decoder's lengths and
 * fields (libos/vmm/emu/decode.c).
 *
 * The length table below was produced on the development machine with
 * GNU as and objdump (binutils 2.40): a throwaway script assembled each
 * instruction in .code16, .code32 and .code64, objdump -d -M i8086/i386/
 * x86-64 printed its bytes and text, and the rows are checked in verbatim
 * so the test needs no toolchain. Every row is decoded from a malloc block of exactly
 * its length (ASan catches a read past the end) and once more with one
 * byte fewer, which must say X86EMU_TRUNCATED.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/x86emu.h"
#include "unit.h"

struct len_case {
	enum x86emu_mode mode;
	unsigned len;
	const char *bytes;
	const char *text;
};

/* clang-format off */
static const struct len_case len_cases[] = {
	{ X86EMU_MODE_PROT16, 2, "\x00\x00", "add    %al,(%bx,%si)" },
	{ X86EMU_MODE_PROT16, 3, "\x66\x01\xc1", "add    %eax,%ecx" },
	{ X86EMU_MODE_PROT16, 2, "\x04\x12", "add    $0x12,%al" },
	{ X86EMU_MODE_PROT16, 3, "\x05\x34\x12", "add    $0x1234,%ax" },
	{ X86EMU_MODE_PROT16, 6, "\x66\x05\x78\x56\x34\x12", "add    $0x12345678,%eax" },
	{ X86EMU_MODE_PROT16, 9, "\x67\x66\x81\x46\x10\x78\x56\x34\x12", "addl   $0x12345678,0x10(%esi)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x81\x07\x34\x12", "addw   $0x1234,(%edi)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x80\x45\xf8\x01", "addb   $0x1,-0x8(%ebp)" },
	{ X86EMU_MODE_PROT16, 6, "\x67\x66\x83\x04\x98\x05", "addl   $0x5,(%eax,%ebx,4)" },
	{ X86EMU_MODE_PROT16, 10, "\x67\x66\x83\x04\xcd\x78\x56\x34\x12\x05", "addl   $0x5,0x12345678(,%ecx,8)" },
	{ X86EMU_MODE_PROT16, 6, "\x67\x66\x83\x0c\x24\xff", "orl    $0xffffffff,(%esp)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x11\x58\x7f", "adc    %ebx,0x7f(%eax)" },
	{ X86EMU_MODE_PROT16, 3, "\x67\x1a\x11", "sbb    (%ecx),%dl" },
	{ X86EMU_MODE_PROT16, 8, "\x67\x66\x21\xb7\x80\x00\x00\x00", "and    %esi,0x80(%edi)" },
	{ X86EMU_MODE_PROT16, 4, "\x66\x83\xe9\x7f", "sub    $0x7f,%ecx" },
	{ X86EMU_MODE_PROT16, 3, "\x66\x31\xc0", "xor    %eax,%eax" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x80\x3a\x03", "cmpb   $0x3,(%edx)" },
	{ X86EMU_MODE_PROT16, 5, "\x66\x39\x06\x44\x33", "cmp    %eax,0x3344" },
	{ X86EMU_MODE_PROT16, 2, "\x84\xc4", "test   %al,%ah" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x66\x85\x03", "test   %eax,(%ebx)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\xf6\x00\x01", "testb  $0x1,(%eax)" },
	{ X86EMU_MODE_PROT16, 8, "\x67\x66\xf7\x00\x00\x00\x01\x00", "testl  $0x10000,(%eax)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\xf7\x00\x00\x01", "testw  $0x100,(%eax)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x66\x87\x01", "xchg   %eax,(%ecx)" },
	{ X86EMU_MODE_PROT16, 2, "\x66\x91", "xchg   %eax,%ecx" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\xf0\x87\x13", "lock xchg %edx,(%ebx)" },
	{ X86EMU_MODE_PROT16, 3, "\x67\x88\x07", "mov    %al,(%edi)" },
	{ X86EMU_MODE_PROT16, 6, "\x67\x66\x89\x44\x24\x04", "mov    %eax,0x4(%esp)" },
	{ X86EMU_MODE_PROT16, 3, "\x67\x8a\x1e", "mov    (%esi),%bl" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x8b\x45\xfc", "mov    -0x4(%ebp),%eax" },
	{ X86EMU_MODE_PROT16, 4, "\x67\xc6\x03\x12", "movb   $0x12,(%ebx)" },
	{ X86EMU_MODE_PROT16, 10, "\x67\x66\xc7\x44\x73\x10\x78\x56\x34\x12", "movl   $0x12345678,0x10(%ebx,%esi,2)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\xc7\x03\x34\x12", "movw   $0x1234,(%ebx)" },
	{ X86EMU_MODE_PROT16, 4, "\x66\xa1\x44\x33", "mov    0x3344,%eax" },
	{ X86EMU_MODE_PROT16, 4, "\x66\xa3\x44\x33", "mov    %eax,0x3344" },
	{ X86EMU_MODE_PROT16, 3, "\xa0\x44\x33", "mov    0x3344,%al" },
	{ X86EMU_MODE_PROT16, 3, "\xa2\x44\x33", "mov    %al,0x3344" },
	{ X86EMU_MODE_PROT16, 2, "\x8c\xc0", "mov    %es,%ax" },
	{ X86EMU_MODE_PROT16, 2, "\x8e\xd8", "mov    %ax,%ds" },
	{ X86EMU_MODE_PROT16, 6, "\x67\x66\x8d\x54\x48\x10", "lea    0x10(%eax,%ecx,2),%edx" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x0f\xb6\x08", "movzbl (%eax),%ecx" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x0f\xb7\x08", "movzwl (%eax),%ecx" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x0f\xbe\x08", "movsbl (%eax),%ecx" },
	{ X86EMU_MODE_PROT16, 4, "\x66\x0f\xbf\xc8", "movswl %ax,%ecx" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\xb6\xc8", "movzbw %al,%cx" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x0f\xb1\x0b", "cmpxchg %ecx,(%ebx)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\xf0\x0f\xb0\x0b", "lock cmpxchg %cl,(%ebx)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\xc7\x0e", "cmpxchg8b (%esi)" },
	{ X86EMU_MODE_PROT16, 6, "\x67\xf0\x0f\xc7\x4e\x10", "lock cmpxchg8b 0x10(%esi)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x0f\xc1\x03", "xadd   %eax,(%ebx)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\xf0\x0f\xc0\x03", "lock xadd %al,(%ebx)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x0f\xa3\x03", "bt     %eax,(%ebx)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x0f\xab\x03", "bts    %eax,(%ebx)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x0f\xb3\x0b", "btr    %ecx,(%ebx)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x0f\xbb\x13", "btc    %edx,(%ebx)" },
	{ X86EMU_MODE_PROT16, 6, "\x67\x66\x0f\xba\x23\x03", "btl    $0x3,(%ebx)" },
	{ X86EMU_MODE_PROT16, 6, "\x67\x66\x0f\xba\x2b\x1f", "btsl   $0x1f,(%ebx)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x0f\xba\x33\x0f", "btrw   $0xf,(%ebx)" },
	{ X86EMU_MODE_PROT16, 7, "\x67\x66\x0f\xba\x7b\x10\x07", "btcl   $0x7,0x10(%ebx)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x66\xff\x00", "incl   (%eax)" },
	{ X86EMU_MODE_PROT16, 3, "\x67\xfe\x08", "decb   (%eax)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\xff\x43\x10", "incw   0x10(%ebx)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x66\xf7\x10", "notl   (%eax)" },
	{ X86EMU_MODE_PROT16, 3, "\x67\xf6\x18", "negb   (%eax)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x66\xf7\x20", "mull   (%eax)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x66\xf7\x28", "imull  (%eax)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x66\xf7\x30", "divl   (%eax)" },
	{ X86EMU_MODE_PROT16, 3, "\x67\xf6\x38", "idivb  (%eax)" },
	{ X86EMU_MODE_PROT16, 7, "\x66\x69\xc8\x78\x56\x34\x12", "imul   $0x12345678,%eax,%ecx" },
	{ X86EMU_MODE_PROT16, 4, "\x66\x6b\xc8\x12", "imul   $0x12,%eax,%ecx" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x0f\xaf\x08", "imul   (%eax),%ecx" },
	{ X86EMU_MODE_PROT16, 1, "\xa4", "movsb  %ds:(%si),%es:(%di)" },
	{ X86EMU_MODE_PROT16, 2, "\x66\xa5", "movsl  %ds:(%si),%es:(%di)" },
	{ X86EMU_MODE_PROT16, 1, "\xa5", "movsw  %ds:(%si),%es:(%di)" },
	{ X86EMU_MODE_PROT16, 2, "\xf3\xa4", "rep movsb %ds:(%si),%es:(%di)" },
	{ X86EMU_MODE_PROT16, 3, "\x66\xf3\xa5", "rep movsl %ds:(%si),%es:(%di)" },
	{ X86EMU_MODE_PROT16, 3, "\x66\xf3\xab", "rep stos %eax,%es:(%di)" },
	{ X86EMU_MODE_PROT16, 2, "\xf3\xaa", "rep stos %al,%es:(%di)" },
	{ X86EMU_MODE_PROT16, 1, "\xac", "lods   %ds:(%si),%al" },
	{ X86EMU_MODE_PROT16, 2, "\x66\xad", "lods   %ds:(%si),%eax" },
	{ X86EMU_MODE_PROT16, 2, "\xf3\xa6", "repz cmpsb %es:(%di),%ds:(%si)" },
	{ X86EMU_MODE_PROT16, 2, "\xf2\xae", "repnz scas %es:(%di),%al" },
	{ X86EMU_MODE_PROT16, 1, "\xaf", "scas   %es:(%di),%ax" },
	{ X86EMU_MODE_PROT16, 1, "\x6c", "insb   (%dx),%es:(%di)" },
	{ X86EMU_MODE_PROT16, 2, "\x66\x6d", "insl   (%dx),%es:(%di)" },
	{ X86EMU_MODE_PROT16, 1, "\x6e", "outsb  %ds:(%si),(%dx)" },
	{ X86EMU_MODE_PROT16, 1, "\x6f", "outsw  %ds:(%si),(%dx)" },
	{ X86EMU_MODE_PROT16, 2, "\xf3\x6d", "rep insw (%dx),%es:(%di)" },
	{ X86EMU_MODE_PROT16, 3, "\x66\xf3\x6f", "rep outsl %ds:(%si),(%dx)" },
	{ X86EMU_MODE_PROT16, 2, "\xe4\x60", "in     $0x60,%al" },
	{ X86EMU_MODE_PROT16, 3, "\x66\xe5\x60", "in     $0x60,%eax" },
	{ X86EMU_MODE_PROT16, 2, "\xe6\x80", "out    %al,$0x80" },
	{ X86EMU_MODE_PROT16, 2, "\xe7\x80", "out    %ax,$0x80" },
	{ X86EMU_MODE_PROT16, 1, "\xec", "in     (%dx),%al" },
	{ X86EMU_MODE_PROT16, 1, "\xed", "in     (%dx),%ax" },
	{ X86EMU_MODE_PROT16, 2, "\x66\xef", "out    %eax,(%dx)" },
	{ X86EMU_MODE_PROT16, 1, "\xee", "out    %al,(%dx)" },
	{ X86EMU_MODE_PROT16, 2, "\x66\x50", "push   %eax" },
	{ X86EMU_MODE_PROT16, 2, "\x66\x59", "pop    %ecx" },
	{ X86EMU_MODE_PROT16, 2, "\x6a\x12", "push   $0x12" },
	{ X86EMU_MODE_PROT16, 3, "\x68\x78\x56", "push   $0x5678" },
	{ X86EMU_MODE_PROT16, 1, "\x9c", "pushf" },
	{ X86EMU_MODE_PROT16, 1, "\x9d", "popf" },
	{ X86EMU_MODE_PROT16, 1, "\x90", "nop" },
	{ X86EMU_MODE_PROT16, 2, "\xf3\x90", "pause" },
	{ X86EMU_MODE_PROT16, 1, "\xf4", "hlt" },
	{ X86EMU_MODE_PROT16, 1, "\xcc", "int3" },
	{ X86EMU_MODE_PROT16, 2, "\xcd\x80", "int    $0x80" },
	{ X86EMU_MODE_PROT16, 1, "\xce", "into" },
	{ X86EMU_MODE_PROT16, 1, "\xcf", "iret" },
	{ X86EMU_MODE_PROT16, 1, "\xc3", "ret" },
	{ X86EMU_MODE_PROT16, 3, "\xc2\x08\x00", "ret    $0x8" },
	{ X86EMU_MODE_PROT16, 1, "\xcb", "lret" },
	{ X86EMU_MODE_PROT16, 3, "\xca\x08\x00", "lret   $0x8" },
	{ X86EMU_MODE_PROT16, 3, "\xe8\xfd\x00", "call   0x292" },
	{ X86EMU_MODE_PROT16, 3, "\xe9\xfd\x0f", "jmp    0x1195" },
	{ X86EMU_MODE_PROT16, 2, "\xeb\x00", "jmp    0x19a" },
	{ X86EMU_MODE_PROT16, 2, "\x74\x0e", "je     0x1aa" },
	{ X86EMU_MODE_PROT16, 4, "\x0f\x85\xfc\x0f", "jne    0x119c" },
	{ X86EMU_MODE_PROT16, 2, "\xe2\x00", "loop   0x1a2" },
	{ X86EMU_MODE_PROT16, 3, "\x67\xe3\xff", "jecxz  0x1a4" },
	{ X86EMU_MODE_PROT16, 4, "\xc8\x10\x00\x01", "enter  $0x10,$0x1" },
	{ X86EMU_MODE_PROT16, 1, "\xc9", "leave" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\xa2", "cpuid" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\x32", "rdmsr" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\x30", "wrmsr" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\x31", "rdtsc" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xf9", "rdtscp" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\x33", "rdpmc" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\x01\x38", "invlpg (%eax)" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xdf", "invlpga" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\x09", "wbinvd" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\x08", "invd" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\x06", "clts" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xf0", "lmsw   %ax" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xe0", "smsw   %ax" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\x01\x20", "smsw   (%eax)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\x01\x10", "lgdtw  (%eax)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x0f\x01\x48\x10", "sidtw  0x10(%eax)" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x00\xd0", "lldt   %ax" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x00\xd8", "ltr    %ax" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x00\xc8", "str    %ax" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\x00\x00", "sldt   (%eax)" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x00\xe0", "verr   %ax" },
	{ X86EMU_MODE_PROT16, 4, "\x66\x0f\x02\xc8", "lar    %eax,%ecx" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x0f\x03\x08", "lsl    (%eax),%ecx" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x20\xc0", "mov    %cr0,%eax" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x22\xd8", "mov    %eax,%cr3" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x20\xe1", "mov    %cr4,%ecx" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x22\xc0", "mov    %eax,%cr0" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x21\xf8", "mov    %db7,%eax" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x23\xc0", "mov    %eax,%db0" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xd1", "xsetbv" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xd0", "xgetbv" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xd8", "vmrun" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xd9", "vmmcall" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xda", "vmload" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xdb", "vmsave" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xdc", "stgi" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xdd", "clgi" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xde", "skinit" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xc8", "monitor %ax,%ecx,%edx" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xc9", "mwait  %eax,%ecx" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\x0b", "ud2" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\x34", "sysenter" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\x35", "sysexit" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\x05", "syscall" },
	{ X86EMU_MODE_PROT16, 1, "\xfa", "cli" },
	{ X86EMU_MODE_PROT16, 1, "\xfb", "sti" },
	{ X86EMU_MODE_PROT16, 1, "\xfc", "cld" },
	{ X86EMU_MODE_PROT16, 1, "\xfd", "std" },
	{ X86EMU_MODE_PROT16, 1, "\xf8", "clc" },
	{ X86EMU_MODE_PROT16, 1, "\xf9", "stc" },
	{ X86EMU_MODE_PROT16, 1, "\xf5", "cmc" },
	{ X86EMU_MODE_PROT16, 1, "\x9e", "sahf" },
	{ X86EMU_MODE_PROT16, 1, "\x9f", "lahf" },
	{ X86EMU_MODE_PROT16, 1, "\x98", "cbtw" },
	{ X86EMU_MODE_PROT16, 2, "\x66\x98", "cwtl" },
	{ X86EMU_MODE_PROT16, 2, "\x66\x99", "cltd" },
	{ X86EMU_MODE_PROT16, 1, "\x27", "daa" },
	{ X86EMU_MODE_PROT16, 2, "\xd4\x0a", "aam    $0xa" },
	{ X86EMU_MODE_PROT16, 2, "\xd5\x0a", "aad    $0xa" },
	{ X86EMU_MODE_PROT16, 1, "\xd7", "xlat   %ds:(%bx)" },
	{ X86EMU_MODE_PROT16, 2, "\xd9\xe8", "fld1" },
	{ X86EMU_MODE_PROT16, 3, "\x67\xdd\x00", "fldl   (%eax)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\xd9\x5b\x10", "fstps  0x10(%ebx)" },
	{ X86EMU_MODE_PROT16, 2, "\xdf\xe0", "fnstsw %ax" },
	{ X86EMU_MODE_PROT16, 2, "\xdb\xe3", "fninit" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\xae\x00", "fxsave (%eax)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\xae\x08", "fxrstor (%eax)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\xae\x10", "ldmxcsr (%eax)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\xae\x18", "stmxcsr (%eax)" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\xae\xe8", "lfence" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\xae\xf0", "mfence" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\xae\xf8", "sfence" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\xae\x38", "clflush (%eax)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\x18\x00", "prefetchnta (%eax)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\x18\x08", "prefetcht0 (%eax)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\x0d\x08", "prefetchw (%eax)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x0f\x1f\x00", "nopl   (%eax)" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x0f\x1f\x04\x00", "nopw   (%eax,%eax,1)" },
	{ X86EMU_MODE_PROT16, 4, "\xf3\x0f\x1e\xfb", "endbr32" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x28\xc8", "movaps %xmm0,%xmm1" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\x10\x10", "movups (%eax),%xmm2" },
	{ X86EMU_MODE_PROT16, 6, "\x67\x66\x0f\x6f\x58\x10", "movdqa 0x10(%eax),%xmm3" },
	{ X86EMU_MODE_PROT16, 4, "\x66\x0f\x6e\xc0", "movd   %eax,%xmm0" },
	{ X86EMU_MODE_PROT16, 4, "\xf3\x0f\x7e\xc8", "movq   %xmm0,%xmm1" },
	{ X86EMU_MODE_PROT16, 5, "\x66\x0f\x70\xc8\x1b", "pshufd $0x1b,%xmm0,%xmm1" },
	{ X86EMU_MODE_PROT16, 5, "\x66\x0f\x71\xd2\x03", "psrlw  $0x3,%xmm2" },
	{ X86EMU_MODE_PROT16, 5, "\x66\x0f\x73\xd9\x04", "psrldq $0x4,%xmm1" },
	{ X86EMU_MODE_PROT16, 4, "\x0f\xc2\xd1\x01", "cmpltps %xmm1,%xmm2" },
	{ X86EMU_MODE_PROT16, 4, "\x0f\xc6\xc1\x44", "shufps $0x44,%xmm1,%xmm0" },
	{ X86EMU_MODE_PROT16, 5, "\x66\x0f\xc4\xc0\x02", "pinsrw $0x2,%eax,%xmm0" },
	{ X86EMU_MODE_PROT16, 5, "\x66\x0f\xc5\xc0\x01", "pextrw $0x1,%xmm0,%eax" },
	{ X86EMU_MODE_PROT16, 5, "\x66\x0f\x38\x00\xc1", "pshufb %xmm1,%xmm0" },
	{ X86EMU_MODE_PROT16, 6, "\x67\x66\x0f\x38\x00\x00", "pshufb (%eax),%xmm0" },
	{ X86EMU_MODE_PROT16, 6, "\x66\x0f\x3a\x0f\xc1\x03", "palignr $0x3,%xmm1,%xmm0" },
	{ X86EMU_MODE_PROT16, 6, "\x66\x0f\x3a\x16\xc0\x01", "pextrd $0x1,%xmm0,%eax" },
	{ X86EMU_MODE_PROT16, 5, "\xf2\x0f\x38\xf0\xc0", "crc32  %al,%eax" },
	{ X86EMU_MODE_PROT16, 7, "\x67\x66\xf2\x0f\x38\xf1\x00", "crc32l (%eax),%eax" },
	{ X86EMU_MODE_PROT16, 6, "\x67\x66\x0f\x38\xf0\x00", "movbe  (%eax),%eax" },
	{ X86EMU_MODE_PROT16, 5, "\x66\xf3\x0f\xb8\xc8", "popcnt %eax,%ecx" },
	{ X86EMU_MODE_PROT16, 6, "\x67\x66\xf3\x0f\xbd\x08", "lzcnt  (%eax),%ecx" },
	{ X86EMU_MODE_PROT16, 5, "\x66\xf3\x0f\xbc\xc8", "tzcnt  %eax,%ecx" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\x77", "emms" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\xfc\xc8", "paddb  %mm0,%mm1" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\x6f\x00", "movq   (%eax),%mm0" },
	{ X86EMU_MODE_PROT16, 4, "\x66\x0f\x44\xc8", "cmove  %eax,%ecx" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x0f\x45\x08", "cmovne (%eax),%ecx" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x94\xc0", "sete   %al" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\x95\x00", "setne  (%eax)" },
	{ X86EMU_MODE_PROT16, 6, "\x67\x66\x0f\xa4\x03\x03", "shld   $0x3,%eax,(%ebx)" },
	{ X86EMU_MODE_PROT16, 4, "\x66\x0f\xa5\xc3", "shld   %cl,%eax,%ebx" },
	{ X86EMU_MODE_PROT16, 6, "\x67\x66\x0f\xac\x03\x03", "shrd   $0x3,%eax,(%ebx)" },
	{ X86EMU_MODE_PROT16, 3, "\x66\xd1\xc0", "rol    %eax" },
	{ X86EMU_MODE_PROT16, 4, "\x66\xc1\xc0\x03", "rol    $0x3,%eax" },
	{ X86EMU_MODE_PROT16, 3, "\x66\xd3\xe0", "shl    %cl,%eax" },
	{ X86EMU_MODE_PROT16, 4, "\x67\xc1\x38\x05", "sarw   $0x5,(%eax)" },
	{ X86EMU_MODE_PROT16, 4, "\x66\x0f\xbc\xc8", "bsf    %eax,%ecx" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\x0f\xbd\x08", "bsr    (%eax),%ecx" },
	{ X86EMU_MODE_PROT16, 3, "\x66\x0f\xc8", "bswap  %eax" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x0f\xc3\x03", "movnti %eax,(%ebx)" },
	{ X86EMU_MODE_PROT16, 4, "\x66\x0f\xc7\xf0", "rdrand %eax" },
	{ X86EMU_MODE_PROT16, 4, "\x66\x0f\xc7\xf8", "rdseed %eax" },
	{ X86EMU_MODE_PROT16, 6, "\x66\x0f\x78\xc0\x02\x01", "extrq  $0x1,$0x2,%xmm0" },
	{ X86EMU_MODE_PROT16, 6, "\xf2\x0f\x78\xc1\x02\x01", "insertq $0x1,$0x2,%xmm1,%xmm0" },
	{ X86EMU_MODE_PROT16, 4, "\xc5\xf4\x58\xd0", "vaddps %ymm0,%ymm1,%ymm2" },
	{ X86EMU_MODE_PROT16, 5, "\x67\xc5\xf0\x58\x10", "vaddps (%eax),%xmm1,%xmm2" },
	{ X86EMU_MODE_PROT16, 5, "\xc5\xfd\x70\xc8\x03", "vpshufd $0x3,%ymm0,%ymm1" },
	{ X86EMU_MODE_PROT16, 6, "\xc4\xe3\xfd\x00\xc8\x03", "vpermq $0x3,%ymm0,%ymm1" },
	{ X86EMU_MODE_PROT16, 5, "\xc4\xe2\x71\x00\xd0", "vpshufb %xmm0,%xmm1,%xmm2" },
	{ X86EMU_MODE_PROT16, 3, "\xc5\xf8\x77", "vzeroupper" },
	{ X86EMU_MODE_PROT16, 3, "\xc5\xfc\x77", "vzeroall" },
	{ X86EMU_MODE_PROT16, 6, "\x67\xc5\xfe\x6f\x40\x10", "vmovdqu 0x10(%eax),%ymm0" },
	{ X86EMU_MODE_PROT16, 6, "\xc4\xe3\x71\x0c\xd0\x01", "vblendps $0x1,%xmm0,%xmm1,%xmm2" },
	{ X86EMU_MODE_PROT16, 5, "\xc5\xf1\x71\xd0\x02", "vpsrlw $0x2,%xmm0,%xmm1" },
	{ X86EMU_MODE_PROT16, 5, "\xc4\xe2\x60\xf2\xc8", "andn   %eax,%ebx,%ecx" },
	{ X86EMU_MODE_PROT16, 6, "\x67\xc4\xe2\x78\xf7\x0b", "bextr  %eax,(%ebx),%ecx" },
	{ X86EMU_MODE_PROT16, 6, "\xc4\xe3\x7b\xf0\xd8\x03", "rorx   $0x3,%eax,%ebx" },
	{ X86EMU_MODE_PROT16, 6, "\x62\xf1\x74\x48\x58\xd0", "vaddps %zmm0,%zmm1,%zmm2" },
	{ X86EMU_MODE_PROT16, 8, "\x67\x62\xf1\x74\x48\x58\x50\x01", "vaddps 0x40(%eax),%zmm1,%zmm2" },
	{ X86EMU_MODE_PROT16, 7, "\x62\xf1\x7d\x48\x70\xc8\x03", "vpshufd $0x3,%zmm0,%zmm1" },
	{ X86EMU_MODE_PROT16, 7, "\x62\xf3\x75\x48\x25\xd0\x12", "vpternlogd $0x12,%zmm0,%zmm1,%zmm2" },
	{ X86EMU_MODE_PROT16, 7, "\x62\xf1\x6c\x48\xc2\xc9\x01", "vcmpltps %zmm1,%zmm2,%k1" },
	{ X86EMU_MODE_PROT16, 6, "\x62\xf5\x74\x48\x58\xd0", "vaddph %zmm0,%zmm1,%zmm2" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\x0e", "femms" },
	{ X86EMU_MODE_PROT16, 4, "\x0f\x0f\xc8\x9e", "pfadd  %mm0,%mm1" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x0f\x0f\x08\xb4", "pfmul  (%eax),%mm1" },
	{ X86EMU_MODE_PROT16, 4, "\xc7\xf8\xfc\x00", "xbegin 0x4c2" },
	{ X86EMU_MODE_PROT16, 3, "\xc6\xf8\x01", "xabort $0x1" },
	{ X86EMU_MODE_PROT16, 3, "\x0f\x01\xd5", "xend" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\xaa", "rsm" },
	{ X86EMU_MODE_PROT16, 2, "\x0f\x37", "getsec" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x66\xc4\x00", "les    (%eax),%eax" },
	{ X86EMU_MODE_PROT16, 5, "\x67\x66\xc5\x48\x10", "lds    0x10(%eax),%ecx" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x66\x62\x03", "bound  %eax,(%ebx)" },
	{ X86EMU_MODE_PROT16, 3, "\x67\x63\x03", "arpl   %ax,(%ebx)" },
	{ X86EMU_MODE_PROT16, 1, "\x60", "pusha" },
	{ X86EMU_MODE_PROT16, 1, "\x61", "popa" },
	{ X86EMU_MODE_PROT16, 1, "\x06", "push   %es" },
	{ X86EMU_MODE_PROT16, 1, "\x1f", "pop    %ds" },
	{ X86EMU_MODE_PROT16, 5, "\xea\x00\x10\x10\x00", "ljmp   $0x10,$0x1000" },
	{ X86EMU_MODE_PROT16, 5, "\x9a\x00\x10\x10\x00", "lcall  $0x10,$0x1000" },
	{ X86EMU_MODE_PROT16, 4, "\x66\x0f\xb9\xc8", "ud1    %eax,%ecx" },
	{ X86EMU_MODE_PROT16, 4, "\x66\x0f\xff\xc8", "ud0    %eax,%ecx" },
	{ X86EMU_MODE_PROT16, 2, "\x00\x00", "add    %al,(%bx,%si)" },
	{ X86EMU_MODE_PROT16, 2, "\x00\x01", "add    %al,(%bx,%di)" },
	{ X86EMU_MODE_PROT16, 2, "\x00\x02", "add    %al,(%bp,%si)" },
	{ X86EMU_MODE_PROT16, 2, "\x00\x03", "add    %al,(%bp,%di)" },
	{ X86EMU_MODE_PROT16, 2, "\x00\x04", "add    %al,(%si)" },
	{ X86EMU_MODE_PROT16, 2, "\x00\x05", "add    %al,(%di)" },
	{ X86EMU_MODE_PROT16, 4, "\x00\x06\x34\x12", "add    %al,0x1234" },
	{ X86EMU_MODE_PROT16, 2, "\x00\x07", "add    %al,(%bx)" },
	{ X86EMU_MODE_PROT16, 3, "\x00\x46\x12", "add    %al,0x12(%bp)" },
	{ X86EMU_MODE_PROT16, 3, "\x00\x40\xee", "add    %al,-0x12(%bx,%si)" },
	{ X86EMU_MODE_PROT16, 4, "\x01\x81\x34\x12", "add    %ax,0x1234(%bx,%di)" },
	{ X86EMU_MODE_PROT16, 3, "\x8b\x46\x10", "mov    0x10(%bp),%ax" },
	{ X86EMU_MODE_PROT16, 6, "\xc7\x87\x78\x56\x34\x12", "movw   $0x1234,0x5678(%bx)" },
	{ X86EMU_MODE_PROT16, 7, "\x66\xc7\x07\x78\x56\x34\x12", "movl   $0x12345678,(%bx)" },
	{ X86EMU_MODE_PROT16, 4, "\x67\x66\x89\x00", "mov    %eax,(%eax)" },
	{ X86EMU_MODE_PROT16, 3, "\xa1\x34\x12", "mov    0x1234,%ax" },
	{ X86EMU_MODE_PROT16, 4, "\x66\xa1\x78\x56", "mov    0x5678,%eax" },
	{ X86EMU_MODE_PROT16, 3, "\x26\x8a\x04", "mov    %es:(%si),%al" },
	{ X86EMU_MODE_PROT16, 2, "\xf3\xa5", "rep movsw %ds:(%si),%es:(%di)" },
	{ X86EMU_MODE_PROT16, 3, "\x66\xf3\xa5", "rep movsl %ds:(%si),%es:(%di)" },
	{ X86EMU_MODE_PROT16, 3, "\x67\xf3\xa4", "rep movsb %ds:(%esi),%es:(%edi)" },
	{ X86EMU_MODE_PROT16, 5, "\xea\x00\x00\x00\x10", "ljmp   $0x1000,$0x0" },
	{ X86EMU_MODE_PROT16, 5, "\x9a\x10\x00\x00\x10", "lcall  $0x1000,$0x10" },
	{ X86EMU_MODE_PROT16, 3, "\xe8\xfd\x00", "call   0x542" },
	{ X86EMU_MODE_PROT16, 3, "\xe9\xfd\x00", "jmp    0x545" },
	{ X86EMU_MODE_PROT16, 4, "\x0f\x84\xfc\x0f", "je     0x1448" },
	{ X86EMU_MODE_PROT16, 2, "\xcd\x10", "int    $0x10" },
	{ X86EMU_MODE_PROT16, 2, "\xe4\x60", "in     $0x60,%al" },
	{ X86EMU_MODE_PROT16, 1, "\xee", "out    %al,(%dx)" },
	{ X86EMU_MODE_PROT16, 3, "\x68\x34\x12", "push   $0x1234" },
	{ X86EMU_MODE_PROT16, 4, "\x66\x0f\x01\x17", "lgdtl  (%bx)" },
	{ X86EMU_MODE_PROT32, 3, "\x67\x00\x00", "add    %al,(%bx,%si)" },
	{ X86EMU_MODE_PROT32, 2, "\x01\xc1", "add    %eax,%ecx" },
	{ X86EMU_MODE_PROT32, 2, "\x04\x12", "add    $0x12,%al" },
	{ X86EMU_MODE_PROT32, 4, "\x66\x05\x34\x12", "add    $0x1234,%ax" },
	{ X86EMU_MODE_PROT32, 5, "\x05\x78\x56\x34\x12", "add    $0x12345678,%eax" },
	{ X86EMU_MODE_PROT32, 7, "\x81\x46\x10\x78\x56\x34\x12", "addl   $0x12345678,0x10(%esi)" },
	{ X86EMU_MODE_PROT32, 5, "\x66\x81\x07\x34\x12", "addw   $0x1234,(%edi)" },
	{ X86EMU_MODE_PROT32, 4, "\x80\x45\xf8\x01", "addb   $0x1,-0x8(%ebp)" },
	{ X86EMU_MODE_PROT32, 4, "\x83\x04\x98\x05", "addl   $0x5,(%eax,%ebx,4)" },
	{ X86EMU_MODE_PROT32, 8, "\x83\x04\xcd\x78\x56\x34\x12\x05", "addl   $0x5,0x12345678(,%ecx,8)" },
	{ X86EMU_MODE_PROT32, 4, "\x83\x0c\x24\xff", "orl    $0xffffffff,(%esp)" },
	{ X86EMU_MODE_PROT32, 3, "\x11\x58\x7f", "adc    %ebx,0x7f(%eax)" },
	{ X86EMU_MODE_PROT32, 2, "\x1a\x11", "sbb    (%ecx),%dl" },
	{ X86EMU_MODE_PROT32, 6, "\x21\xb7\x80\x00\x00\x00", "and    %esi,0x80(%edi)" },
	{ X86EMU_MODE_PROT32, 3, "\x83\xe9\x7f", "sub    $0x7f,%ecx" },
	{ X86EMU_MODE_PROT32, 2, "\x31\xc0", "xor    %eax,%eax" },
	{ X86EMU_MODE_PROT32, 3, "\x80\x3a\x03", "cmpb   $0x3,(%edx)" },
	{ X86EMU_MODE_PROT32, 6, "\x39\x05\x44\x33\x22\x11", "cmp    %eax,0x11223344" },
	{ X86EMU_MODE_PROT32, 2, "\x84\xc4", "test   %al,%ah" },
	{ X86EMU_MODE_PROT32, 2, "\x85\x03", "test   %eax,(%ebx)" },
	{ X86EMU_MODE_PROT32, 3, "\xf6\x00\x01", "testb  $0x1,(%eax)" },
	{ X86EMU_MODE_PROT32, 6, "\xf7\x00\x00\x00\x01\x00", "testl  $0x10000,(%eax)" },
	{ X86EMU_MODE_PROT32, 5, "\x66\xf7\x00\x00\x01", "testw  $0x100,(%eax)" },
	{ X86EMU_MODE_PROT32, 2, "\x87\x01", "xchg   %eax,(%ecx)" },
	{ X86EMU_MODE_PROT32, 1, "\x91", "xchg   %eax,%ecx" },
	{ X86EMU_MODE_PROT32, 3, "\xf0\x87\x13", "lock xchg %edx,(%ebx)" },
	{ X86EMU_MODE_PROT32, 2, "\x88\x07", "mov    %al,(%edi)" },
	{ X86EMU_MODE_PROT32, 4, "\x89\x44\x24\x04", "mov    %eax,0x4(%esp)" },
	{ X86EMU_MODE_PROT32, 2, "\x8a\x1e", "mov    (%esi),%bl" },
	{ X86EMU_MODE_PROT32, 3, "\x8b\x45\xfc", "mov    -0x4(%ebp),%eax" },
	{ X86EMU_MODE_PROT32, 3, "\xc6\x03\x12", "movb   $0x12,(%ebx)" },
	{ X86EMU_MODE_PROT32, 8, "\xc7\x44\x73\x10\x78\x56\x34\x12", "movl   $0x12345678,0x10(%ebx,%esi,2)" },
	{ X86EMU_MODE_PROT32, 5, "\x66\xc7\x03\x34\x12", "movw   $0x1234,(%ebx)" },
	{ X86EMU_MODE_PROT32, 5, "\xa1\x44\x33\x22\x11", "mov    0x11223344,%eax" },
	{ X86EMU_MODE_PROT32, 5, "\xa3\x44\x33\x22\x11", "mov    %eax,0x11223344" },
	{ X86EMU_MODE_PROT32, 5, "\xa0\x44\x33\x22\x11", "mov    0x11223344,%al" },
	{ X86EMU_MODE_PROT32, 5, "\xa2\x44\x33\x22\x11", "mov    %al,0x11223344" },
	{ X86EMU_MODE_PROT32, 3, "\x66\x8c\xc0", "mov    %es,%ax" },
	{ X86EMU_MODE_PROT32, 2, "\x8e\xd8", "mov    %eax,%ds" },
	{ X86EMU_MODE_PROT32, 4, "\x8d\x54\x48\x10", "lea    0x10(%eax,%ecx,2),%edx" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xb6\x08", "movzbl (%eax),%ecx" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xb7\x08", "movzwl (%eax),%ecx" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xbe\x08", "movsbl (%eax),%ecx" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xbf\xc8", "movswl %ax,%ecx" },
	{ X86EMU_MODE_PROT32, 4, "\x66\x0f\xb6\xc8", "movzbw %al,%cx" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xb1\x0b", "cmpxchg %ecx,(%ebx)" },
	{ X86EMU_MODE_PROT32, 4, "\xf0\x0f\xb0\x0b", "lock cmpxchg %cl,(%ebx)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xc7\x0e", "cmpxchg8b (%esi)" },
	{ X86EMU_MODE_PROT32, 5, "\xf0\x0f\xc7\x4e\x10", "lock cmpxchg8b 0x10(%esi)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xc1\x03", "xadd   %eax,(%ebx)" },
	{ X86EMU_MODE_PROT32, 4, "\xf0\x0f\xc0\x03", "lock xadd %al,(%ebx)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xa3\x03", "bt     %eax,(%ebx)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xab\x03", "bts    %eax,(%ebx)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xb3\x0b", "btr    %ecx,(%ebx)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xbb\x13", "btc    %edx,(%ebx)" },
	{ X86EMU_MODE_PROT32, 4, "\x0f\xba\x23\x03", "btl    $0x3,(%ebx)" },
	{ X86EMU_MODE_PROT32, 4, "\x0f\xba\x2b\x1f", "btsl   $0x1f,(%ebx)" },
	{ X86EMU_MODE_PROT32, 5, "\x66\x0f\xba\x33\x0f", "btrw   $0xf,(%ebx)" },
	{ X86EMU_MODE_PROT32, 5, "\x0f\xba\x7b\x10\x07", "btcl   $0x7,0x10(%ebx)" },
	{ X86EMU_MODE_PROT32, 2, "\xff\x00", "incl   (%eax)" },
	{ X86EMU_MODE_PROT32, 2, "\xfe\x08", "decb   (%eax)" },
	{ X86EMU_MODE_PROT32, 4, "\x66\xff\x43\x10", "incw   0x10(%ebx)" },
	{ X86EMU_MODE_PROT32, 2, "\xf7\x10", "notl   (%eax)" },
	{ X86EMU_MODE_PROT32, 2, "\xf6\x18", "negb   (%eax)" },
	{ X86EMU_MODE_PROT32, 2, "\xf7\x20", "mull   (%eax)" },
	{ X86EMU_MODE_PROT32, 2, "\xf7\x28", "imull  (%eax)" },
	{ X86EMU_MODE_PROT32, 2, "\xf7\x30", "divl   (%eax)" },
	{ X86EMU_MODE_PROT32, 2, "\xf6\x38", "idivb  (%eax)" },
	{ X86EMU_MODE_PROT32, 6, "\x69\xc8\x78\x56\x34\x12", "imul   $0x12345678,%eax,%ecx" },
	{ X86EMU_MODE_PROT32, 3, "\x6b\xc8\x12", "imul   $0x12,%eax,%ecx" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xaf\x08", "imul   (%eax),%ecx" },
	{ X86EMU_MODE_PROT32, 1, "\xa4", "movsb  %ds:(%esi),%es:(%edi)" },
	{ X86EMU_MODE_PROT32, 1, "\xa5", "movsl  %ds:(%esi),%es:(%edi)" },
	{ X86EMU_MODE_PROT32, 2, "\x66\xa5", "movsw  %ds:(%esi),%es:(%edi)" },
	{ X86EMU_MODE_PROT32, 2, "\xf3\xa4", "rep movsb %ds:(%esi),%es:(%edi)" },
	{ X86EMU_MODE_PROT32, 2, "\xf3\xa5", "rep movsl %ds:(%esi),%es:(%edi)" },
	{ X86EMU_MODE_PROT32, 2, "\xf3\xab", "rep stos %eax,%es:(%edi)" },
	{ X86EMU_MODE_PROT32, 2, "\xf3\xaa", "rep stos %al,%es:(%edi)" },
	{ X86EMU_MODE_PROT32, 1, "\xac", "lods   %ds:(%esi),%al" },
	{ X86EMU_MODE_PROT32, 1, "\xad", "lods   %ds:(%esi),%eax" },
	{ X86EMU_MODE_PROT32, 2, "\xf3\xa6", "repz cmpsb %es:(%edi),%ds:(%esi)" },
	{ X86EMU_MODE_PROT32, 2, "\xf2\xae", "repnz scas %es:(%edi),%al" },
	{ X86EMU_MODE_PROT32, 2, "\x66\xaf", "scas   %es:(%edi),%ax" },
	{ X86EMU_MODE_PROT32, 1, "\x6c", "insb   (%dx),%es:(%edi)" },
	{ X86EMU_MODE_PROT32, 1, "\x6d", "insl   (%dx),%es:(%edi)" },
	{ X86EMU_MODE_PROT32, 1, "\x6e", "outsb  %ds:(%esi),(%dx)" },
	{ X86EMU_MODE_PROT32, 2, "\x66\x6f", "outsw  %ds:(%esi),(%dx)" },
	{ X86EMU_MODE_PROT32, 3, "\x66\xf3\x6d", "rep insw (%dx),%es:(%edi)" },
	{ X86EMU_MODE_PROT32, 2, "\xf3\x6f", "rep outsl %ds:(%esi),(%dx)" },
	{ X86EMU_MODE_PROT32, 2, "\xe4\x60", "in     $0x60,%al" },
	{ X86EMU_MODE_PROT32, 2, "\xe5\x60", "in     $0x60,%eax" },
	{ X86EMU_MODE_PROT32, 2, "\xe6\x80", "out    %al,$0x80" },
	{ X86EMU_MODE_PROT32, 3, "\x66\xe7\x80", "out    %ax,$0x80" },
	{ X86EMU_MODE_PROT32, 1, "\xec", "in     (%dx),%al" },
	{ X86EMU_MODE_PROT32, 2, "\x66\xed", "in     (%dx),%ax" },
	{ X86EMU_MODE_PROT32, 1, "\xef", "out    %eax,(%dx)" },
	{ X86EMU_MODE_PROT32, 1, "\xee", "out    %al,(%dx)" },
	{ X86EMU_MODE_PROT32, 1, "\x50", "push   %eax" },
	{ X86EMU_MODE_PROT32, 1, "\x59", "pop    %ecx" },
	{ X86EMU_MODE_PROT32, 2, "\x6a\x12", "push   $0x12" },
	{ X86EMU_MODE_PROT32, 5, "\x68\x78\x56\x34\x12", "push   $0x12345678" },
	{ X86EMU_MODE_PROT32, 1, "\x9c", "pushf" },
	{ X86EMU_MODE_PROT32, 1, "\x9d", "popf" },
	{ X86EMU_MODE_PROT32, 1, "\x90", "nop" },
	{ X86EMU_MODE_PROT32, 2, "\xf3\x90", "pause" },
	{ X86EMU_MODE_PROT32, 1, "\xf4", "hlt" },
	{ X86EMU_MODE_PROT32, 1, "\xcc", "int3" },
	{ X86EMU_MODE_PROT32, 2, "\xcd\x80", "int    $0x80" },
	{ X86EMU_MODE_PROT32, 1, "\xce", "into" },
	{ X86EMU_MODE_PROT32, 1, "\xcf", "iret" },
	{ X86EMU_MODE_PROT32, 1, "\xc3", "ret" },
	{ X86EMU_MODE_PROT32, 3, "\xc2\x08\x00", "ret    $0x8" },
	{ X86EMU_MODE_PROT32, 1, "\xcb", "lret" },
	{ X86EMU_MODE_PROT32, 3, "\xca\x08\x00", "lret   $0x8" },
	{ X86EMU_MODE_PROT32, 5, "\xe8\xfb\x00\x00\x00", "call   0x245" },
	{ X86EMU_MODE_PROT32, 5, "\xe9\xfb\x0f\x00\x00", "jmp    0x114a" },
	{ X86EMU_MODE_PROT32, 2, "\xeb\x00", "jmp    0x151" },
	{ X86EMU_MODE_PROT32, 2, "\x74\x0e", "je     0x161" },
	{ X86EMU_MODE_PROT32, 6, "\x0f\x85\xfa\x0f\x00\x00", "jne    0x1153" },
	{ X86EMU_MODE_PROT32, 2, "\xe2\x00", "loop   0x15b" },
	{ X86EMU_MODE_PROT32, 2, "\xe3\x00", "jecxz  0x15d" },
	{ X86EMU_MODE_PROT32, 4, "\xc8\x10\x00\x01", "enter  $0x10,$0x1" },
	{ X86EMU_MODE_PROT32, 1, "\xc9", "leave" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\xa2", "cpuid" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\x32", "rdmsr" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\x30", "wrmsr" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\x31", "rdtsc" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\xf9", "rdtscp" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\x33", "rdpmc" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\x38", "invlpg (%eax)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\xdf", "invlpga" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\x09", "wbinvd" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\x08", "invd" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\x06", "clts" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\xf0", "lmsw   %ax" },
	{ X86EMU_MODE_PROT32, 4, "\x66\x0f\x01\xe0", "smsw   %ax" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\x20", "smsw   (%eax)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\x10", "lgdtl  (%eax)" },
	{ X86EMU_MODE_PROT32, 4, "\x0f\x01\x48\x10", "sidtl  0x10(%eax)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x00\xd0", "lldt   %ax" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x00\xd8", "ltr    %ax" },
	{ X86EMU_MODE_PROT32, 4, "\x66\x0f\x00\xc8", "str    %ax" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x00\x00", "sldt   (%eax)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x00\xe0", "verr   %ax" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x02\xc8", "lar    %eax,%ecx" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x03\x08", "lsl    (%eax),%ecx" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x20\xc0", "mov    %cr0,%eax" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x22\xd8", "mov    %eax,%cr3" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x20\xe1", "mov    %cr4,%ecx" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x22\xc0", "mov    %eax,%cr0" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x21\xf8", "mov    %db7,%eax" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x23\xc0", "mov    %eax,%db0" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\xd1", "xsetbv" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\xd0", "xgetbv" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\xd8", "vmrun" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\xd9", "vmmcall" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\xda", "vmload" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\xdb", "vmsave" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\xdc", "stgi" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\xdd", "clgi" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\xde", "skinit" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\xc8", "monitor %eax,%ecx,%edx" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\xc9", "mwait  %eax,%ecx" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\x0b", "ud2" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\x34", "sysenter" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\x35", "sysexit" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\x05", "syscall" },
	{ X86EMU_MODE_PROT32, 1, "\xfa", "cli" },
	{ X86EMU_MODE_PROT32, 1, "\xfb", "sti" },
	{ X86EMU_MODE_PROT32, 1, "\xfc", "cld" },
	{ X86EMU_MODE_PROT32, 1, "\xfd", "std" },
	{ X86EMU_MODE_PROT32, 1, "\xf8", "clc" },
	{ X86EMU_MODE_PROT32, 1, "\xf9", "stc" },
	{ X86EMU_MODE_PROT32, 1, "\xf5", "cmc" },
	{ X86EMU_MODE_PROT32, 1, "\x9e", "sahf" },
	{ X86EMU_MODE_PROT32, 1, "\x9f", "lahf" },
	{ X86EMU_MODE_PROT32, 2, "\x66\x98", "cbtw" },
	{ X86EMU_MODE_PROT32, 1, "\x98", "cwtl" },
	{ X86EMU_MODE_PROT32, 1, "\x99", "cltd" },
	{ X86EMU_MODE_PROT32, 1, "\x27", "daa" },
	{ X86EMU_MODE_PROT32, 2, "\xd4\x0a", "aam    $0xa" },
	{ X86EMU_MODE_PROT32, 2, "\xd5\x0a", "aad    $0xa" },
	{ X86EMU_MODE_PROT32, 1, "\xd7", "xlat   %ds:(%ebx)" },
	{ X86EMU_MODE_PROT32, 2, "\xd9\xe8", "fld1" },
	{ X86EMU_MODE_PROT32, 2, "\xdd\x00", "fldl   (%eax)" },
	{ X86EMU_MODE_PROT32, 3, "\xd9\x5b\x10", "fstps  0x10(%ebx)" },
	{ X86EMU_MODE_PROT32, 2, "\xdf\xe0", "fnstsw %ax" },
	{ X86EMU_MODE_PROT32, 2, "\xdb\xe3", "fninit" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xae\x00", "fxsave (%eax)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xae\x08", "fxrstor (%eax)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xae\x10", "ldmxcsr (%eax)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xae\x18", "stmxcsr (%eax)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xae\xe8", "lfence" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xae\xf0", "mfence" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xae\xf8", "sfence" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xae\x38", "clflush (%eax)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x18\x00", "prefetchnta (%eax)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x18\x08", "prefetcht0 (%eax)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x0d\x08", "prefetchw (%eax)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x1f\x00", "nopl   (%eax)" },
	{ X86EMU_MODE_PROT32, 5, "\x66\x0f\x1f\x04\x00", "nopw   (%eax,%eax,1)" },
	{ X86EMU_MODE_PROT32, 4, "\xf3\x0f\x1e\xfb", "endbr32" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x28\xc8", "movaps %xmm0,%xmm1" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x10\x10", "movups (%eax),%xmm2" },
	{ X86EMU_MODE_PROT32, 5, "\x66\x0f\x6f\x58\x10", "movdqa 0x10(%eax),%xmm3" },
	{ X86EMU_MODE_PROT32, 4, "\x66\x0f\x6e\xc0", "movd   %eax,%xmm0" },
	{ X86EMU_MODE_PROT32, 4, "\xf3\x0f\x7e\xc8", "movq   %xmm0,%xmm1" },
	{ X86EMU_MODE_PROT32, 5, "\x66\x0f\x70\xc8\x1b", "pshufd $0x1b,%xmm0,%xmm1" },
	{ X86EMU_MODE_PROT32, 5, "\x66\x0f\x71\xd2\x03", "psrlw  $0x3,%xmm2" },
	{ X86EMU_MODE_PROT32, 5, "\x66\x0f\x73\xd9\x04", "psrldq $0x4,%xmm1" },
	{ X86EMU_MODE_PROT32, 4, "\x0f\xc2\xd1\x01", "cmpltps %xmm1,%xmm2" },
	{ X86EMU_MODE_PROT32, 4, "\x0f\xc6\xc1\x44", "shufps $0x44,%xmm1,%xmm0" },
	{ X86EMU_MODE_PROT32, 5, "\x66\x0f\xc4\xc0\x02", "pinsrw $0x2,%eax,%xmm0" },
	{ X86EMU_MODE_PROT32, 5, "\x66\x0f\xc5\xc0\x01", "pextrw $0x1,%xmm0,%eax" },
	{ X86EMU_MODE_PROT32, 5, "\x66\x0f\x38\x00\xc1", "pshufb %xmm1,%xmm0" },
	{ X86EMU_MODE_PROT32, 5, "\x66\x0f\x38\x00\x00", "pshufb (%eax),%xmm0" },
	{ X86EMU_MODE_PROT32, 6, "\x66\x0f\x3a\x0f\xc1\x03", "palignr $0x3,%xmm1,%xmm0" },
	{ X86EMU_MODE_PROT32, 6, "\x66\x0f\x3a\x16\xc0\x01", "pextrd $0x1,%xmm0,%eax" },
	{ X86EMU_MODE_PROT32, 5, "\xf2\x0f\x38\xf0\xc0", "crc32  %al,%eax" },
	{ X86EMU_MODE_PROT32, 5, "\xf2\x0f\x38\xf1\x00", "crc32l (%eax),%eax" },
	{ X86EMU_MODE_PROT32, 4, "\x0f\x38\xf0\x00", "movbe  (%eax),%eax" },
	{ X86EMU_MODE_PROT32, 4, "\xf3\x0f\xb8\xc8", "popcnt %eax,%ecx" },
	{ X86EMU_MODE_PROT32, 4, "\xf3\x0f\xbd\x08", "lzcnt  (%eax),%ecx" },
	{ X86EMU_MODE_PROT32, 4, "\xf3\x0f\xbc\xc8", "tzcnt  %eax,%ecx" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\x77", "emms" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xfc\xc8", "paddb  %mm0,%mm1" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x6f\x00", "movq   (%eax),%mm0" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x44\xc8", "cmove  %eax,%ecx" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x45\x08", "cmovne (%eax),%ecx" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x94\xc0", "sete   %al" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x95\x00", "setne  (%eax)" },
	{ X86EMU_MODE_PROT32, 4, "\x0f\xa4\x03\x03", "shld   $0x3,%eax,(%ebx)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xa5\xc3", "shld   %cl,%eax,%ebx" },
	{ X86EMU_MODE_PROT32, 4, "\x0f\xac\x03\x03", "shrd   $0x3,%eax,(%ebx)" },
	{ X86EMU_MODE_PROT32, 2, "\xd1\xc0", "rol    %eax" },
	{ X86EMU_MODE_PROT32, 3, "\xc1\xc0\x03", "rol    $0x3,%eax" },
	{ X86EMU_MODE_PROT32, 2, "\xd3\xe0", "shl    %cl,%eax" },
	{ X86EMU_MODE_PROT32, 3, "\xc1\x38\x05", "sarl   $0x5,(%eax)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xbc\xc8", "bsf    %eax,%ecx" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xbd\x08", "bsr    (%eax),%ecx" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\xc8", "bswap  %eax" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xc3\x03", "movnti %eax,(%ebx)" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xc7\xf0", "rdrand %eax" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xc7\xf8", "rdseed %eax" },
	{ X86EMU_MODE_PROT32, 6, "\x66\x0f\x78\xc0\x02\x01", "extrq  $0x1,$0x2,%xmm0" },
	{ X86EMU_MODE_PROT32, 6, "\xf2\x0f\x78\xc1\x02\x01", "insertq $0x1,$0x2,%xmm1,%xmm0" },
	{ X86EMU_MODE_PROT32, 4, "\xc5\xf4\x58\xd0", "vaddps %ymm0,%ymm1,%ymm2" },
	{ X86EMU_MODE_PROT32, 4, "\xc5\xf0\x58\x10", "vaddps (%eax),%xmm1,%xmm2" },
	{ X86EMU_MODE_PROT32, 5, "\xc5\xfd\x70\xc8\x03", "vpshufd $0x3,%ymm0,%ymm1" },
	{ X86EMU_MODE_PROT32, 6, "\xc4\xe3\xfd\x00\xc8\x03", "vpermq $0x3,%ymm0,%ymm1" },
	{ X86EMU_MODE_PROT32, 5, "\xc4\xe2\x71\x00\xd0", "vpshufb %xmm0,%xmm1,%xmm2" },
	{ X86EMU_MODE_PROT32, 3, "\xc5\xf8\x77", "vzeroupper" },
	{ X86EMU_MODE_PROT32, 3, "\xc5\xfc\x77", "vzeroall" },
	{ X86EMU_MODE_PROT32, 5, "\xc5\xfe\x6f\x40\x10", "vmovdqu 0x10(%eax),%ymm0" },
	{ X86EMU_MODE_PROT32, 6, "\xc4\xe3\x71\x0c\xd0\x01", "vblendps $0x1,%xmm0,%xmm1,%xmm2" },
	{ X86EMU_MODE_PROT32, 5, "\xc5\xf1\x71\xd0\x02", "vpsrlw $0x2,%xmm0,%xmm1" },
	{ X86EMU_MODE_PROT32, 5, "\xc4\xe2\x60\xf2\xc8", "andn   %eax,%ebx,%ecx" },
	{ X86EMU_MODE_PROT32, 5, "\xc4\xe2\x78\xf7\x0b", "bextr  %eax,(%ebx),%ecx" },
	{ X86EMU_MODE_PROT32, 6, "\xc4\xe3\x7b\xf0\xd8\x03", "rorx   $0x3,%eax,%ebx" },
	{ X86EMU_MODE_PROT32, 6, "\x62\xf1\x74\x48\x58\xd0", "vaddps %zmm0,%zmm1,%zmm2" },
	{ X86EMU_MODE_PROT32, 7, "\x62\xf1\x74\x48\x58\x50\x01", "vaddps 0x40(%eax),%zmm1,%zmm2" },
	{ X86EMU_MODE_PROT32, 7, "\x62\xf1\x7d\x48\x70\xc8\x03", "vpshufd $0x3,%zmm0,%zmm1" },
	{ X86EMU_MODE_PROT32, 7, "\x62\xf3\x75\x48\x25\xd0\x12", "vpternlogd $0x12,%zmm0,%zmm1,%zmm2" },
	{ X86EMU_MODE_PROT32, 7, "\x62\xf1\x6c\x48\xc2\xc9\x01", "vcmpltps %zmm1,%zmm2,%k1" },
	{ X86EMU_MODE_PROT32, 6, "\x62\xf5\x74\x48\x58\xd0", "vaddph %zmm0,%zmm1,%zmm2" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\x0e", "femms" },
	{ X86EMU_MODE_PROT32, 4, "\x0f\x0f\xc8\x9e", "pfadd  %mm0,%mm1" },
	{ X86EMU_MODE_PROT32, 4, "\x0f\x0f\x08\xb4", "pfmul  (%eax),%mm1" },
	{ X86EMU_MODE_PROT32, 6, "\xc7\xf8\xfa\x00\x00\x00", "xbegin 0x442" },
	{ X86EMU_MODE_PROT32, 3, "\xc6\xf8\x01", "xabort $0x1" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\x01\xd5", "xend" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\xaa", "rsm" },
	{ X86EMU_MODE_PROT32, 2, "\x0f\x37", "getsec" },
	{ X86EMU_MODE_PROT32, 2, "\xc4\x00", "les    (%eax),%eax" },
	{ X86EMU_MODE_PROT32, 3, "\xc5\x48\x10", "lds    0x10(%eax),%ecx" },
	{ X86EMU_MODE_PROT32, 2, "\x62\x03", "bound  %eax,(%ebx)" },
	{ X86EMU_MODE_PROT32, 2, "\x63\x03", "arpl   %ax,(%ebx)" },
	{ X86EMU_MODE_PROT32, 1, "\x60", "pusha" },
	{ X86EMU_MODE_PROT32, 1, "\x61", "popa" },
	{ X86EMU_MODE_PROT32, 1, "\x06", "push   %es" },
	{ X86EMU_MODE_PROT32, 1, "\x1f", "pop    %ds" },
	{ X86EMU_MODE_PROT32, 7, "\xea\x00\x10\x00\x00\x10\x00", "ljmp   $0x10,$0x1000" },
	{ X86EMU_MODE_PROT32, 7, "\x9a\x00\x10\x00\x00\x10\x00", "lcall  $0x10,$0x1000" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xb9\xc8", "ud1    %eax,%ecx" },
	{ X86EMU_MODE_PROT32, 3, "\x0f\xff\xc8", "ud0    %eax,%ecx" },
	{ X86EMU_MODE_LONG64, 2, "\x01\xc1", "add    %eax,%ecx" },
	{ X86EMU_MODE_LONG64, 2, "\x04\x12", "add    $0x12,%al" },
	{ X86EMU_MODE_LONG64, 4, "\x66\x05\x34\x12", "add    $0x1234,%ax" },
	{ X86EMU_MODE_LONG64, 5, "\x05\x78\x56\x34\x12", "add    $0x12345678,%eax" },
	{ X86EMU_MODE_LONG64, 8, "\x67\x81\x46\x10\x78\x56\x34\x12", "addl   $0x12345678,0x10(%esi)" },
	{ X86EMU_MODE_LONG64, 6, "\x67\x66\x81\x07\x34\x12", "addw   $0x1234,(%edi)" },
	{ X86EMU_MODE_LONG64, 5, "\x67\x80\x45\xf8\x01", "addb   $0x1,-0x8(%ebp)" },
	{ X86EMU_MODE_LONG64, 5, "\x67\x83\x04\x98\x05", "addl   $0x5,(%eax,%ebx,4)" },
	{ X86EMU_MODE_LONG64, 9, "\x67\x83\x04\xcd\x78\x56\x34\x12\x05", "addl   $0x5,0x12345678(,%ecx,8)" },
	{ X86EMU_MODE_LONG64, 5, "\x67\x83\x0c\x24\xff", "orl    $0xffffffff,(%esp)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x11\x58\x7f", "adc    %ebx,0x7f(%eax)" },
	{ X86EMU_MODE_LONG64, 3, "\x67\x1a\x11", "sbb    (%ecx),%dl" },
	{ X86EMU_MODE_LONG64, 7, "\x67\x21\xb7\x80\x00\x00\x00", "and    %esi,0x80(%edi)" },
	{ X86EMU_MODE_LONG64, 3, "\x83\xe9\x7f", "sub    $0x7f,%ecx" },
	{ X86EMU_MODE_LONG64, 2, "\x31\xc0", "xor    %eax,%eax" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x80\x3a\x03", "cmpb   $0x3,(%edx)" },
	{ X86EMU_MODE_LONG64, 7, "\x39\x04\x25\x44\x33\x22\x11", "cmp    %eax,0x11223344" },
	{ X86EMU_MODE_LONG64, 2, "\x84\xc4", "test   %al,%ah" },
	{ X86EMU_MODE_LONG64, 3, "\x67\x85\x03", "test   %eax,(%ebx)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\xf6\x00\x01", "testb  $0x1,(%eax)" },
	{ X86EMU_MODE_LONG64, 7, "\x67\xf7\x00\x00\x00\x01\x00", "testl  $0x10000,(%eax)" },
	{ X86EMU_MODE_LONG64, 6, "\x67\x66\xf7\x00\x00\x01", "testw  $0x100,(%eax)" },
	{ X86EMU_MODE_LONG64, 3, "\x67\x87\x01", "xchg   %eax,(%ecx)" },
	{ X86EMU_MODE_LONG64, 1, "\x91", "xchg   %eax,%ecx" },
	{ X86EMU_MODE_LONG64, 4, "\x67\xf0\x87\x13", "lock xchg %edx,(%ebx)" },
	{ X86EMU_MODE_LONG64, 3, "\x67\x88\x07", "mov    %al,(%edi)" },
	{ X86EMU_MODE_LONG64, 5, "\x67\x89\x44\x24\x04", "mov    %eax,0x4(%esp)" },
	{ X86EMU_MODE_LONG64, 3, "\x67\x8a\x1e", "mov    (%esi),%bl" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x8b\x45\xfc", "mov    -0x4(%ebp),%eax" },
	{ X86EMU_MODE_LONG64, 4, "\x67\xc6\x03\x12", "movb   $0x12,(%ebx)" },
	{ X86EMU_MODE_LONG64, 9, "\x67\xc7\x44\x73\x10\x78\x56\x34\x12", "movl   $0x12345678,0x10(%ebx,%esi,2)" },
	{ X86EMU_MODE_LONG64, 6, "\x67\x66\xc7\x03\x34\x12", "movw   $0x1234,(%ebx)" },
	{ X86EMU_MODE_LONG64, 7, "\x8b\x04\x25\x44\x33\x22\x11", "mov    0x11223344,%eax" },
	{ X86EMU_MODE_LONG64, 7, "\x89\x04\x25\x44\x33\x22\x11", "mov    %eax,0x11223344" },
	{ X86EMU_MODE_LONG64, 7, "\x8a\x04\x25\x44\x33\x22\x11", "mov    0x11223344,%al" },
	{ X86EMU_MODE_LONG64, 7, "\x88\x04\x25\x44\x33\x22\x11", "mov    %al,0x11223344" },
	{ X86EMU_MODE_LONG64, 3, "\x66\x8c\xc0", "mov    %es,%ax" },
	{ X86EMU_MODE_LONG64, 2, "\x8e\xd8", "mov    %eax,%ds" },
	{ X86EMU_MODE_LONG64, 5, "\x67\x8d\x54\x48\x10", "lea    0x10(%eax,%ecx,2),%edx" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xb6\x08", "movzbl (%eax),%ecx" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xb7\x08", "movzwl (%eax),%ecx" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xbe\x08", "movsbl (%eax),%ecx" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\xbf\xc8", "movswl %ax,%ecx" },
	{ X86EMU_MODE_LONG64, 4, "\x66\x0f\xb6\xc8", "movzbw %al,%cx" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xb1\x0b", "cmpxchg %ecx,(%ebx)" },
	{ X86EMU_MODE_LONG64, 5, "\x67\xf0\x0f\xb0\x0b", "lock cmpxchg %cl,(%ebx)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xc7\x0e", "cmpxchg8b (%esi)" },
	{ X86EMU_MODE_LONG64, 6, "\x67\xf0\x0f\xc7\x4e\x10", "lock cmpxchg8b 0x10(%esi)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xc1\x03", "xadd   %eax,(%ebx)" },
	{ X86EMU_MODE_LONG64, 5, "\x67\xf0\x0f\xc0\x03", "lock xadd %al,(%ebx)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xa3\x03", "bt     %eax,(%ebx)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xab\x03", "bts    %eax,(%ebx)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xb3\x0b", "btr    %ecx,(%ebx)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xbb\x13", "btc    %edx,(%ebx)" },
	{ X86EMU_MODE_LONG64, 5, "\x67\x0f\xba\x23\x03", "btl    $0x3,(%ebx)" },
	{ X86EMU_MODE_LONG64, 5, "\x67\x0f\xba\x2b\x1f", "btsl   $0x1f,(%ebx)" },
	{ X86EMU_MODE_LONG64, 6, "\x67\x66\x0f\xba\x33\x0f", "btrw   $0xf,(%ebx)" },
	{ X86EMU_MODE_LONG64, 6, "\x67\x0f\xba\x7b\x10\x07", "btcl   $0x7,0x10(%ebx)" },
	{ X86EMU_MODE_LONG64, 3, "\x67\xff\x00", "incl   (%eax)" },
	{ X86EMU_MODE_LONG64, 3, "\x67\xfe\x08", "decb   (%eax)" },
	{ X86EMU_MODE_LONG64, 5, "\x67\x66\xff\x43\x10", "incw   0x10(%ebx)" },
	{ X86EMU_MODE_LONG64, 3, "\x67\xf7\x10", "notl   (%eax)" },
	{ X86EMU_MODE_LONG64, 3, "\x67\xf6\x18", "negb   (%eax)" },
	{ X86EMU_MODE_LONG64, 3, "\x67\xf7\x20", "mull   (%eax)" },
	{ X86EMU_MODE_LONG64, 3, "\x67\xf7\x28", "imull  (%eax)" },
	{ X86EMU_MODE_LONG64, 3, "\x67\xf7\x30", "divl   (%eax)" },
	{ X86EMU_MODE_LONG64, 3, "\x67\xf6\x38", "idivb  (%eax)" },
	{ X86EMU_MODE_LONG64, 6, "\x69\xc8\x78\x56\x34\x12", "imul   $0x12345678,%eax,%ecx" },
	{ X86EMU_MODE_LONG64, 3, "\x6b\xc8\x12", "imul   $0x12,%eax,%ecx" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xaf\x08", "imul   (%eax),%ecx" },
	{ X86EMU_MODE_LONG64, 1, "\xa4", "movsb  %ds:(%rsi),%es:(%rdi)" },
	{ X86EMU_MODE_LONG64, 1, "\xa5", "movsl  %ds:(%rsi),%es:(%rdi)" },
	{ X86EMU_MODE_LONG64, 2, "\x66\xa5", "movsw  %ds:(%rsi),%es:(%rdi)" },
	{ X86EMU_MODE_LONG64, 2, "\xf3\xa4", "rep movsb %ds:(%rsi),%es:(%rdi)" },
	{ X86EMU_MODE_LONG64, 2, "\xf3\xa5", "rep movsl %ds:(%rsi),%es:(%rdi)" },
	{ X86EMU_MODE_LONG64, 2, "\xf3\xab", "rep stos %eax,%es:(%rdi)" },
	{ X86EMU_MODE_LONG64, 2, "\xf3\xaa", "rep stos %al,%es:(%rdi)" },
	{ X86EMU_MODE_LONG64, 1, "\xac", "lods   %ds:(%rsi),%al" },
	{ X86EMU_MODE_LONG64, 1, "\xad", "lods   %ds:(%rsi),%eax" },
	{ X86EMU_MODE_LONG64, 2, "\xf3\xa6", "repz cmpsb %es:(%rdi),%ds:(%rsi)" },
	{ X86EMU_MODE_LONG64, 2, "\xf2\xae", "repnz scas %es:(%rdi),%al" },
	{ X86EMU_MODE_LONG64, 2, "\x66\xaf", "scas   %es:(%rdi),%ax" },
	{ X86EMU_MODE_LONG64, 1, "\x6c", "insb   (%dx),%es:(%rdi)" },
	{ X86EMU_MODE_LONG64, 1, "\x6d", "insl   (%dx),%es:(%rdi)" },
	{ X86EMU_MODE_LONG64, 1, "\x6e", "outsb  %ds:(%rsi),(%dx)" },
	{ X86EMU_MODE_LONG64, 2, "\x66\x6f", "outsw  %ds:(%rsi),(%dx)" },
	{ X86EMU_MODE_LONG64, 3, "\x66\xf3\x6d", "rep insw (%dx),%es:(%rdi)" },
	{ X86EMU_MODE_LONG64, 2, "\xf3\x6f", "rep outsl %ds:(%rsi),(%dx)" },
	{ X86EMU_MODE_LONG64, 2, "\xe4\x60", "in     $0x60,%al" },
	{ X86EMU_MODE_LONG64, 2, "\xe5\x60", "in     $0x60,%eax" },
	{ X86EMU_MODE_LONG64, 2, "\xe6\x80", "out    %al,$0x80" },
	{ X86EMU_MODE_LONG64, 3, "\x66\xe7\x80", "out    %ax,$0x80" },
	{ X86EMU_MODE_LONG64, 1, "\xec", "in     (%dx),%al" },
	{ X86EMU_MODE_LONG64, 2, "\x66\xed", "in     (%dx),%ax" },
	{ X86EMU_MODE_LONG64, 1, "\xef", "out    %eax,(%dx)" },
	{ X86EMU_MODE_LONG64, 1, "\xee", "out    %al,(%dx)" },
	{ X86EMU_MODE_LONG64, 2, "\x6a\x12", "push   $0x12" },
	{ X86EMU_MODE_LONG64, 5, "\x68\x78\x56\x34\x12", "push   $0x12345678" },
	{ X86EMU_MODE_LONG64, 1, "\x9c", "pushf" },
	{ X86EMU_MODE_LONG64, 1, "\x9d", "popf" },
	{ X86EMU_MODE_LONG64, 1, "\x90", "nop" },
	{ X86EMU_MODE_LONG64, 2, "\xf3\x90", "pause" },
	{ X86EMU_MODE_LONG64, 1, "\xf4", "hlt" },
	{ X86EMU_MODE_LONG64, 1, "\xcc", "int3" },
	{ X86EMU_MODE_LONG64, 2, "\xcd\x80", "int    $0x80" },
	{ X86EMU_MODE_LONG64, 1, "\xcf", "iret" },
	{ X86EMU_MODE_LONG64, 1, "\xc3", "ret" },
	{ X86EMU_MODE_LONG64, 3, "\xc2\x08\x00", "ret    $0x8" },
	{ X86EMU_MODE_LONG64, 1, "\xcb", "lret" },
	{ X86EMU_MODE_LONG64, 3, "\xca\x08\x00", "lret   $0x8" },
	{ X86EMU_MODE_LONG64, 5, "\xe8\xfb\x00\x00\x00", "call   0x27b" },
	{ X86EMU_MODE_LONG64, 5, "\xe9\xfb\x0f\x00\x00", "jmp    0x1180" },
	{ X86EMU_MODE_LONG64, 2, "\xeb\x00", "jmp    0x187" },
	{ X86EMU_MODE_LONG64, 2, "\x74\x0e", "je     0x197" },
	{ X86EMU_MODE_LONG64, 6, "\x0f\x85\xfa\x0f\x00\x00", "jne    0x1189" },
	{ X86EMU_MODE_LONG64, 2, "\xe2\x00", "loop   0x191" },
	{ X86EMU_MODE_LONG64, 3, "\x67\xe3\xff", "jecxz  0x193" },
	{ X86EMU_MODE_LONG64, 4, "\xc8\x10\x00\x01", "enter  $0x10,$0x1" },
	{ X86EMU_MODE_LONG64, 1, "\xc9", "leave" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\xa2", "cpuid" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\x32", "rdmsr" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\x30", "wrmsr" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\x31", "rdtsc" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xf9", "rdtscp" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\x33", "rdpmc" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\x01\x38", "invlpg (%eax)" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xdf", "invlpga" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\x09", "wbinvd" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\x08", "invd" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\x06", "clts" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xf0", "lmsw   %ax" },
	{ X86EMU_MODE_LONG64, 4, "\x66\x0f\x01\xe0", "smsw   %ax" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\x01\x20", "smsw   (%eax)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\x01\x10", "lgdt   (%eax)" },
	{ X86EMU_MODE_LONG64, 5, "\x67\x0f\x01\x48\x10", "sidt   0x10(%eax)" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x00\xd0", "lldt   %ax" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x00\xd8", "ltr    %ax" },
	{ X86EMU_MODE_LONG64, 4, "\x66\x0f\x00\xc8", "str    %ax" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\x00\x00", "sldt   (%eax)" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x00\xe0", "verr   %ax" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x02\xc8", "lar    %eax,%ecx" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\x03\x08", "lsl    (%eax),%ecx" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xd1", "xsetbv" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xd0", "xgetbv" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xd8", "vmrun" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xd9", "vmmcall" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xda", "vmload" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xdb", "vmsave" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xdc", "stgi" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xdd", "clgi" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xde", "skinit" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xc8", "monitor %rax,%ecx,%edx" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xc9", "mwait  %eax,%ecx" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\x0b", "ud2" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\x34", "sysenter" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\x35", "sysexitl" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\x05", "syscall" },
	{ X86EMU_MODE_LONG64, 1, "\xfa", "cli" },
	{ X86EMU_MODE_LONG64, 1, "\xfb", "sti" },
	{ X86EMU_MODE_LONG64, 1, "\xfc", "cld" },
	{ X86EMU_MODE_LONG64, 1, "\xfd", "std" },
	{ X86EMU_MODE_LONG64, 1, "\xf8", "clc" },
	{ X86EMU_MODE_LONG64, 1, "\xf9", "stc" },
	{ X86EMU_MODE_LONG64, 1, "\xf5", "cmc" },
	{ X86EMU_MODE_LONG64, 1, "\x9e", "sahf" },
	{ X86EMU_MODE_LONG64, 1, "\x9f", "lahf" },
	{ X86EMU_MODE_LONG64, 2, "\x66\x98", "cbtw" },
	{ X86EMU_MODE_LONG64, 1, "\x98", "cwtl" },
	{ X86EMU_MODE_LONG64, 1, "\x99", "cltd" },
	{ X86EMU_MODE_LONG64, 1, "\xd7", "xlat   %ds:(%rbx)" },
	{ X86EMU_MODE_LONG64, 2, "\xd9\xe8", "fld1" },
	{ X86EMU_MODE_LONG64, 3, "\x67\xdd\x00", "fldl   (%eax)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\xd9\x5b\x10", "fstps  0x10(%ebx)" },
	{ X86EMU_MODE_LONG64, 2, "\xdf\xe0", "fnstsw %ax" },
	{ X86EMU_MODE_LONG64, 2, "\xdb\xe3", "fninit" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xae\x00", "fxsave (%eax)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xae\x08", "fxrstor (%eax)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xae\x10", "ldmxcsr (%eax)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xae\x18", "stmxcsr (%eax)" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\xae\xe8", "lfence" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\xae\xf0", "mfence" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\xae\xf8", "sfence" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xae\x38", "clflush (%eax)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\x18\x00", "prefetchnta (%eax)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\x18\x08", "prefetcht0 (%eax)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\x0d\x08", "prefetchw (%eax)" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\x1f\x00", "nopl   (%eax)" },
	{ X86EMU_MODE_LONG64, 6, "\x67\x66\x0f\x1f\x04\x00", "nopw   (%eax,%eax,1)" },
	{ X86EMU_MODE_LONG64, 4, "\xf3\x0f\x1e\xfb", "endbr32" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x28\xc8", "movaps %xmm0,%xmm1" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\x10\x10", "movups (%eax),%xmm2" },
	{ X86EMU_MODE_LONG64, 6, "\x67\x66\x0f\x6f\x58\x10", "movdqa 0x10(%eax),%xmm3" },
	{ X86EMU_MODE_LONG64, 4, "\x66\x0f\x6e\xc0", "movd   %eax,%xmm0" },
	{ X86EMU_MODE_LONG64, 4, "\xf3\x0f\x7e\xc8", "movq   %xmm0,%xmm1" },
	{ X86EMU_MODE_LONG64, 5, "\x66\x0f\x70\xc8\x1b", "pshufd $0x1b,%xmm0,%xmm1" },
	{ X86EMU_MODE_LONG64, 5, "\x66\x0f\x71\xd2\x03", "psrlw  $0x3,%xmm2" },
	{ X86EMU_MODE_LONG64, 5, "\x66\x0f\x73\xd9\x04", "psrldq $0x4,%xmm1" },
	{ X86EMU_MODE_LONG64, 4, "\x0f\xc2\xd1\x01", "cmpltps %xmm1,%xmm2" },
	{ X86EMU_MODE_LONG64, 4, "\x0f\xc6\xc1\x44", "shufps $0x44,%xmm1,%xmm0" },
	{ X86EMU_MODE_LONG64, 5, "\x66\x0f\xc4\xc0\x02", "pinsrw $0x2,%eax,%xmm0" },
	{ X86EMU_MODE_LONG64, 5, "\x66\x0f\xc5\xc0\x01", "pextrw $0x1,%xmm0,%eax" },
	{ X86EMU_MODE_LONG64, 5, "\x66\x0f\x38\x00\xc1", "pshufb %xmm1,%xmm0" },
	{ X86EMU_MODE_LONG64, 6, "\x67\x66\x0f\x38\x00\x00", "pshufb (%eax),%xmm0" },
	{ X86EMU_MODE_LONG64, 6, "\x66\x0f\x3a\x0f\xc1\x03", "palignr $0x3,%xmm1,%xmm0" },
	{ X86EMU_MODE_LONG64, 6, "\x66\x0f\x3a\x16\xc0\x01", "pextrd $0x1,%xmm0,%eax" },
	{ X86EMU_MODE_LONG64, 5, "\xf2\x0f\x38\xf0\xc0", "crc32  %al,%eax" },
	{ X86EMU_MODE_LONG64, 6, "\x67\xf2\x0f\x38\xf1\x00", "crc32l (%eax),%eax" },
	{ X86EMU_MODE_LONG64, 5, "\x67\x0f\x38\xf0\x00", "movbe  (%eax),%eax" },
	{ X86EMU_MODE_LONG64, 4, "\xf3\x0f\xb8\xc8", "popcnt %eax,%ecx" },
	{ X86EMU_MODE_LONG64, 5, "\x67\xf3\x0f\xbd\x08", "lzcnt  (%eax),%ecx" },
	{ X86EMU_MODE_LONG64, 4, "\xf3\x0f\xbc\xc8", "tzcnt  %eax,%ecx" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\x77", "emms" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\xfc\xc8", "paddb  %mm0,%mm1" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\x6f\x00", "movq   (%eax),%mm0" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x44\xc8", "cmove  %eax,%ecx" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\x45\x08", "cmovne (%eax),%ecx" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x94\xc0", "sete   %al" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\x95\x00", "setne  (%eax)" },
	{ X86EMU_MODE_LONG64, 5, "\x67\x0f\xa4\x03\x03", "shld   $0x3,%eax,(%ebx)" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\xa5\xc3", "shld   %cl,%eax,%ebx" },
	{ X86EMU_MODE_LONG64, 5, "\x67\x0f\xac\x03\x03", "shrd   $0x3,%eax,(%ebx)" },
	{ X86EMU_MODE_LONG64, 2, "\xd1\xc0", "rol    %eax" },
	{ X86EMU_MODE_LONG64, 3, "\xc1\xc0\x03", "rol    $0x3,%eax" },
	{ X86EMU_MODE_LONG64, 2, "\xd3\xe0", "shl    %cl,%eax" },
	{ X86EMU_MODE_LONG64, 4, "\x67\xc1\x38\x05", "sarl   $0x5,(%eax)" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\xbc\xc8", "bsf    %eax,%ecx" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xbd\x08", "bsr    (%eax),%ecx" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\xc8", "bswap  %eax" },
	{ X86EMU_MODE_LONG64, 4, "\x67\x0f\xc3\x03", "movnti %eax,(%ebx)" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\xc7\xf0", "rdrand %eax" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\xc7\xf8", "rdseed %eax" },
	{ X86EMU_MODE_LONG64, 6, "\x66\x0f\x78\xc0\x02\x01", "extrq  $0x1,$0x2,%xmm0" },
	{ X86EMU_MODE_LONG64, 6, "\xf2\x0f\x78\xc1\x02\x01", "insertq $0x1,$0x2,%xmm1,%xmm0" },
	{ X86EMU_MODE_LONG64, 4, "\xc5\xf4\x58\xd0", "vaddps %ymm0,%ymm1,%ymm2" },
	{ X86EMU_MODE_LONG64, 5, "\x67\xc5\xf0\x58\x10", "vaddps (%eax),%xmm1,%xmm2" },
	{ X86EMU_MODE_LONG64, 5, "\xc5\xfd\x70\xc8\x03", "vpshufd $0x3,%ymm0,%ymm1" },
	{ X86EMU_MODE_LONG64, 6, "\xc4\xe3\xfd\x00\xc8\x03", "vpermq $0x3,%ymm0,%ymm1" },
	{ X86EMU_MODE_LONG64, 5, "\xc4\xe2\x71\x00\xd0", "vpshufb %xmm0,%xmm1,%xmm2" },
	{ X86EMU_MODE_LONG64, 3, "\xc5\xf8\x77", "vzeroupper" },
	{ X86EMU_MODE_LONG64, 3, "\xc5\xfc\x77", "vzeroall" },
	{ X86EMU_MODE_LONG64, 6, "\x67\xc5\xfe\x6f\x40\x10", "vmovdqu 0x10(%eax),%ymm0" },
	{ X86EMU_MODE_LONG64, 6, "\xc4\xe3\x71\x0c\xd0\x01", "vblendps $0x1,%xmm0,%xmm1,%xmm2" },
	{ X86EMU_MODE_LONG64, 5, "\xc5\xf1\x71\xd0\x02", "vpsrlw $0x2,%xmm0,%xmm1" },
	{ X86EMU_MODE_LONG64, 5, "\xc4\xe2\x60\xf2\xc8", "andn   %eax,%ebx,%ecx" },
	{ X86EMU_MODE_LONG64, 6, "\x67\xc4\xe2\x78\xf7\x0b", "bextr  %eax,(%ebx),%ecx" },
	{ X86EMU_MODE_LONG64, 6, "\xc4\xe3\x7b\xf0\xd8\x03", "rorx   $0x3,%eax,%ebx" },
	{ X86EMU_MODE_LONG64, 6, "\x62\xf1\x74\x48\x58\xd0", "vaddps %zmm0,%zmm1,%zmm2" },
	{ X86EMU_MODE_LONG64, 8, "\x67\x62\xf1\x74\x48\x58\x50\x01", "vaddps 0x40(%eax),%zmm1,%zmm2" },
	{ X86EMU_MODE_LONG64, 7, "\x62\xf1\x7d\x48\x70\xc8\x03", "vpshufd $0x3,%zmm0,%zmm1" },
	{ X86EMU_MODE_LONG64, 7, "\x62\xf3\x75\x48\x25\xd0\x12", "vpternlogd $0x12,%zmm0,%zmm1,%zmm2" },
	{ X86EMU_MODE_LONG64, 7, "\x62\xf1\x6c\x48\xc2\xc9\x01", "vcmpltps %zmm1,%zmm2,%k1" },
	{ X86EMU_MODE_LONG64, 6, "\x62\xf5\x74\x48\x58\xd0", "vaddph %zmm0,%zmm1,%zmm2" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\x0e", "femms" },
	{ X86EMU_MODE_LONG64, 4, "\x0f\x0f\xc8\x9e", "pfadd  %mm0,%mm1" },
	{ X86EMU_MODE_LONG64, 5, "\x67\x0f\x0f\x08\xb4", "pfmul  (%eax),%mm1" },
	{ X86EMU_MODE_LONG64, 6, "\xc7\xf8\xfa\x00\x00\x00", "xbegin 0x487" },
	{ X86EMU_MODE_LONG64, 3, "\xc6\xf8\x01", "xabort $0x1" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xd5", "xend" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\xaa", "rsm" },
	{ X86EMU_MODE_LONG64, 2, "\x0f\x37", "getsec" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\xb9\xc8", "ud1    %eax,%ecx" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\xff\xc8", "ud0    %eax,%ecx" },
	{ X86EMU_MODE_LONG64, 3, "\x4d\x01\xc1", "add    %r8,%r9" },
	{ X86EMU_MODE_LONG64, 6, "\x00\x05\x00\x00\x00\x00", "add    %al,0x0(%rip)        # 0x3a6" },
	{ X86EMU_MODE_LONG64, 7, "\x83\x05\x00\x01\x00\x00\x01", "addl   $0x1,0x100(%rip)        # 0x4ad" },
	{ X86EMU_MODE_LONG64, 8, "\x67\x83\x05\x00\x01\x00\x00\x01", "addl   $0x1,0x100(%eip)        # 0x4b5" },
	{ X86EMU_MODE_LONG64, 7, "\x48\x8b\x05\x10\x00\x00\x00", "mov    0x10(%rip),%rax        # 0x3cc" },
	{ X86EMU_MODE_LONG64, 3, "\x40\x88\x37", "mov    %sil,(%rdi)" },
	{ X86EMU_MODE_LONG64, 2, "\x88\x20", "mov    %ah,(%rax)" },
	{ X86EMU_MODE_LONG64, 4, "\x41\x88\x24\x24", "mov    %spl,(%r12)" },
	{ X86EMU_MODE_LONG64, 4, "\x45\x8b\x75\x00", "mov    0x0(%r13),%r14d" },
	{ X86EMU_MODE_LONG64, 7, "\x48\xc7\x00\xff\xff\xff\xff", "movq   $0xffffffffffffffff,(%rax)" },
	{ X86EMU_MODE_LONG64, 10, "\x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11", "movabs $0x1122334455667788,%rax" },
	{ X86EMU_MODE_LONG64, 6, "\x41\xb9\x44\x33\x22\x11", "mov    $0x11223344,%r9d" },
	{ X86EMU_MODE_LONG64, 9, "\xa0\x88\x77\x66\x55\x44\x33\x22\x11", "movabs 0x1122334455667788,%al" },
	{ X86EMU_MODE_LONG64, 9, "\xa3\x88\x77\x66\x55\x44\x33\x22\x11", "movabs %eax,0x1122334455667788" },
	{ X86EMU_MODE_LONG64, 10, "\x48\xa1\x88\x77\x66\x55\x44\x33\x22\x11", "movabs 0x1122334455667788,%rax" },
	{ X86EMU_MODE_LONG64, 6, "\x67\xa1\x44\x33\x22\x11", "addr32 mov 0x11223344,%eax" },
	{ X86EMU_MODE_LONG64, 3, "\x48\x63\x08", "movslq (%rax),%rcx" },
	{ X86EMU_MODE_LONG64, 3, "\x48\x63\xc8", "movslq %eax,%rcx" },
	{ X86EMU_MODE_LONG64, 5, "\x4f\x0f\xb6\x14\xc8", "movzbq (%r8,%r9,8),%r10" },
	{ X86EMU_MODE_LONG64, 4, "\x48\x0f\xc7\x0e", "cmpxchg16b (%rsi)" },
	{ X86EMU_MODE_LONG64, 5, "\xf0\x48\x0f\xc7\x0e", "lock cmpxchg16b (%rsi)" },
	{ X86EMU_MODE_LONG64, 5, "\xf0\x4d\x0f\xc1\x01", "lock xadd %r8,(%r9)" },
	{ X86EMU_MODE_LONG64, 5, "\x48\x0f\xba\x28\x3f", "btsq   $0x3f,(%rax)" },
	{ X86EMU_MODE_LONG64, 4, "\x48\x0f\xa3\x03", "bt     %rax,(%rbx)" },
	{ X86EMU_MODE_LONG64, 3, "\x49\xff\x07", "incq   (%r15)" },
	{ X86EMU_MODE_LONG64, 3, "\xf3\x48\xa5", "rep movsq %ds:(%rsi),%es:(%rdi)" },
	{ X86EMU_MODE_LONG64, 3, "\xf3\x48\xab", "rep stos %rax,%es:(%rdi)" },
	{ X86EMU_MODE_LONG64, 2, "\x48\xad", "lods   %ds:(%rsi),%rax" },
	{ X86EMU_MODE_LONG64, 3, "\x67\xf3\xa4", "rep movsb %ds:(%esi),%es:(%edi)" },
	{ X86EMU_MODE_LONG64, 2, "\x41\x54", "push   %r12" },
	{ X86EMU_MODE_LONG64, 2, "\x41\x5f", "pop    %r15" },
	{ X86EMU_MODE_LONG64, 5, "\x68\x78\x56\x34\x12", "push   $0x12345678" },
	{ X86EMU_MODE_LONG64, 3, "\xff\x70\x10", "push   0x10(%rax)" },
	{ X86EMU_MODE_LONG64, 2, "\xff\x10", "call   *(%rax)" },
	{ X86EMU_MODE_LONG64, 3, "\x41\xff\xe3", "jmp    *%r11" },
	{ X86EMU_MODE_LONG64, 6, "\xff\x15\x10\x00\x00\x00", "call   *0x10(%rip)        # 0x459" },
	{ X86EMU_MODE_LONG64, 5, "\x66\x4d\x0f\x7e\xc1", "movq   %xmm8,%r9" },
	{ X86EMU_MODE_LONG64, 5, "\xc4\x41\x34\x58\xd0", "vaddps %ymm8,%ymm9,%ymm10" },
	{ X86EMU_MODE_LONG64, 6, "\x62\xa1\x74\x40\x58\xd0", "vaddps %zmm16,%zmm17,%zmm18" },
	{ X86EMU_MODE_LONG64, 8, "\x62\x91\xf5\x49\xd4\x54\xc8\x01", "vpaddq 0x40(%r8,%r9,8),%zmm1,%zmm2{%k1}" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xf8", "swapgs" },
	{ X86EMU_MODE_LONG64, 3, "\x0f\x01\xf9", "rdtscp" },
	{ X86EMU_MODE_LONG64, 2, "\x48\xcf", "iretq" },
	{ X86EMU_MODE_LONG64, 3, "\x48\x0f\x07", "sysretq" },
	{ X86EMU_MODE_LONG64, 4, "\x44\x0f\x20\xc0", "mov    %cr8,%rax" },
	{ X86EMU_MODE_LONG64, 4, "\x44\x0f\x22\xc0", "mov    %rax,%cr8" },
	{ X86EMU_MODE_LONG64, 3, "\x64\x8b\x00", "mov    %fs:(%rax),%eax" },
	{ X86EMU_MODE_LONG64, 9, "\x65\x48\xc7\x43\x10\x01\x00\x00\x00", "movq   $0x1,%gs:0x10(%rbx)" },
	{ X86EMU_MODE_LONG64, 9, "\x64\x48\x8b\x04\x25\x28\x00\x00\x00", "mov    %fs:0x28,%rax" },
	{ X86EMU_MODE_LONG64, 7, "\x48\x8d\x05\x00\x00\x00\x00", "lea    0x0(%rip),%rax        # 0x490" },
	{ X86EMU_MODE_LONG64, 2, "\x49\x90", "xchg   %rax,%r8" },
	{ X86EMU_MODE_LONG64, 2, "\x49\x90", "xchg   %rax,%r8" },
	{ X86EMU_MODE_LONG64, 1, "\x90", "nop" },
	{ X86EMU_MODE_LONG64, 2, "\xe4\x60", "in     $0x60,%al" },
};
/* clang-format on */

#define NCASES (sizeof(len_cases) / sizeof(len_cases[0]))

static enum x86emu_status dec_exact(const uint8_t *b, size_t n, enum x86emu_mode mode,
				    struct x86emu_insn *in, struct x86emu_fault *f)
{
	uint8_t *p = malloc(n ? n : 1);
	enum x86emu_status st;

	CU_ASSERT_FATAL(p != NULL);
	memcpy(p, b, n);
	st = x86emu_decode(p, n, mode, in, f);
	free(p);
	return st;
}

static void test_len_table(void)
{
	unsigned bad = 0;

	for (size_t i = 0; i < NCASES; i++) {
		const struct len_case *c = &len_cases[i];
		struct x86emu_insn in;
		struct x86emu_fault f;
		enum x86emu_status st;

		st = dec_exact((const uint8_t *)c->bytes, c->len, c->mode, &in, &f);
		if (st != X86EMU_OK || in.len != c->len) {
			if (bad++ < 20)
				printf("\n  mode %d '%s': status %d len %u, want %u", c->mode,
				       c->text, st, in.len, c->len);
			continue;
		}
		st = dec_exact((const uint8_t *)c->bytes, c->len - 1, c->mode, &in, &f);
		if (st != X86EMU_TRUNCATED) {
			if (bad++ < 20)
				printf("\n  mode %d '%s': %u bytes gave status %d, want TRUNCATED",
				       c->mode, c->text, c->len - 1, st);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static enum x86emu_status dec(const char *b, size_t n, enum x86emu_mode mode,
			      struct x86emu_insn *in, struct x86emu_fault *f)
{
	return dec_exact((const uint8_t *)b, n, mode, in, f);
}

static void test_fields_32(void)
{
	struct x86emu_insn in;
	struct x86emu_fault f;

	/* mov 0x12345678(%eax,%ecx,4),%edx with ss: override: 36 8b 94 88 imm32 */
	CU_ASSERT_EQUAL(dec("\x36\x8b\x94\x88\x78\x56\x34\x12", 8, X86EMU_MODE_PROT32, &in, &f),
			X86EMU_OK);
	CU_ASSERT_EQUAL(in.len, 8);
	CU_ASSERT_EQUAL(in.opcode, 0x8b);
	CU_ASSERT_EQUAL(in.map, X86EMU_MAP_1B);
	CU_ASSERT_EQUAL(in.mod, 2);
	CU_ASSERT_EQUAL(in.reg, X86EMU_RDX);
	CU_ASSERT_TRUE(in.has_sib);
	CU_ASSERT_EQUAL(in.base, X86EMU_RAX);
	CU_ASSERT_EQUAL(in.index, X86EMU_RCX);
	CU_ASSERT_EQUAL(in.scale, 4);
	CU_ASSERT_EQUAL(in.disp, 0x12345678);
	CU_ASSERT_EQUAL(in.disp_size, 4);
	CU_ASSERT_EQUAL(in.seg_override, X86EMU_SS);
	CU_ASSERT_EQUAL(in.opsize, 4);
	CU_ASSERT_EQUAL(in.adsize, 4);

	/* mov -8(%ebp),%eax: disp8 sign-extended, default segment SS */
	CU_ASSERT_EQUAL(dec("\x8b\x45\xf8", 3, X86EMU_MODE_PROT32, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(in.disp, -8);
	CU_ASSERT_EQUAL(in.base, X86EMU_RBP);
	CU_ASSERT_EQUAL(in.def_seg, X86EMU_SS);
	CU_ASSERT_EQUAL(in.seg_override, X86EMU_NOSEG);

	/* SIB with no base and no index: mov 0x10(,%eiz,1),%eax -> 8b 04 25 disp32 */
	CU_ASSERT_EQUAL(dec("\x8b\x04\x25\x10\x00\x00\x00", 7, X86EMU_MODE_PROT32, &in, &f),
			X86EMU_OK);
	CU_ASSERT_EQUAL(in.base, X86EMU_NOREG);
	CU_ASSERT_EQUAL(in.index, X86EMU_NOREG);
	CU_ASSERT_EQUAL(in.disp, 0x10);

	/* addl $-1,(%eax) with 66 67: imm shrinks to 16 bits, address to 16 */
	CU_ASSERT_EQUAL(dec("\x66\x67\x81\x07\xff\xff", 6, X86EMU_MODE_PROT32, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(in.opsize, 2);
	CU_ASSERT_EQUAL(in.adsize, 2);
	CU_ASSERT_EQUAL(in.base, X86EMU_RBX); /* 16-bit rm=7: [bx] */
	CU_ASSERT_EQUAL(in.imm_size, 2);
	CU_ASSERT_EQUAL(in.imm, 0xffff);
}

static void test_fields_16(void)
{
	static const struct {
		const char *b;
		unsigned n;
		uint8_t base, index, dsize, seg;
		int64_t disp;
	} c[] = {
		{ "\x8b\x00", 2, X86EMU_RBX, X86EMU_RSI, 0, X86EMU_DS, 0 },	   /* [bx+si] */
		{ "\x8b\x01", 2, X86EMU_RBX, X86EMU_RDI, 0, X86EMU_DS, 0 },	   /* [bx+di] */
		{ "\x8b\x42\x10", 3, X86EMU_RBP, X86EMU_RSI, 1, X86EMU_SS, 0x10 }, /* [bp+si+10] */
		{ "\x8b\x83\xfe\xff", 4, X86EMU_RBP, X86EMU_RDI, 2, X86EMU_SS, -2 }, /* [bp+di-2] */
		{ "\x8b\x04", 2, X86EMU_RSI, X86EMU_NOREG, 0, X86EMU_DS, 0 },	     /* [si] */
		{ "\x8b\x05", 2, X86EMU_RDI, X86EMU_NOREG, 0, X86EMU_DS, 0 },	     /* [di] */
		{ "\x8b\x06\x34\x12", 4, X86EMU_NOREG, X86EMU_NOREG, 2, X86EMU_DS, 0x1234 },
		{ "\x8b\x46\x00", 3, X86EMU_RBP, X86EMU_NOREG, 1, X86EMU_SS, 0 }, /* [bp+0] */
		{ "\x8b\x07", 2, X86EMU_RBX, X86EMU_NOREG, 0, X86EMU_DS, 0 },	  /* [bx] */
	};
	struct x86emu_insn in;
	struct x86emu_fault f;

	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		CU_ASSERT_EQUAL(dec(c[i].b, c[i].n, X86EMU_MODE_REAL, &in, &f), X86EMU_OK);
		CU_ASSERT_EQUAL(in.len, c[i].n);
		CU_ASSERT_EQUAL(in.base, c[i].base);
		CU_ASSERT_EQUAL(in.index, c[i].index);
		CU_ASSERT_EQUAL(in.disp_size, c[i].dsize);
		CU_ASSERT_EQUAL(in.disp, c[i].disp);
		CU_ASSERT_EQUAL(in.def_seg, c[i].seg);
		CU_ASSERT_EQUAL(in.adsize, 2);
		CU_ASSERT_EQUAL(in.opsize, 2);
	}
	/* 67 in real mode switches to 32-bit addressing: SIB and disp32 */
	CU_ASSERT_EQUAL(dec("\x67\x8b\x04\x24", 4, X86EMU_MODE_REAL, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(in.adsize, 4);
	CU_ASSERT_EQUAL(in.base, X86EMU_RSP);
	CU_ASSERT_EQUAL(in.def_seg, X86EMU_SS);
}

static void test_fields_64(void)
{
	struct x86emu_insn in;
	struct x86emu_fault f;

	/* mov 0x10(%rip),%r9: 4c 8b 0d disp32 */
	CU_ASSERT_EQUAL(dec("\x4c\x8b\x0d\x10\x00\x00\x00", 7, X86EMU_MODE_LONG64, &in, &f),
			X86EMU_OK);
	CU_ASSERT_EQUAL(in.base, X86EMU_RIP);
	CU_ASSERT_EQUAL(in.reg, X86EMU_R9);
	CU_ASSERT_EQUAL(in.opsize, 8);
	CU_ASSERT_EQUAL(in.rex, 0x4c);
	CU_ASSERT_TRUE(in.prefixes & X86EMU_P_REX);

	/* REX.X/B extend SIB: mov (%r8,%r9,8),%r10 -> 4f 8b 14 c8 */
	CU_ASSERT_EQUAL(dec("\x4f\x8b\x14\xc8", 4, X86EMU_MODE_LONG64, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(in.base, X86EMU_R8);
	CU_ASSERT_EQUAL(in.index, X86EMU_R9);
	CU_ASSERT_EQUAL(in.reg, X86EMU_R10);
	CU_ASSERT_EQUAL(in.scale, 8);

	/* REX.X with index 100b is R12, not "no index": 4a 8b 04 20 */
	CU_ASSERT_EQUAL(dec("\x4a\x8b\x04\x20", 4, X86EMU_MODE_LONG64, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(in.index, X86EMU_R12);
	/* REX.B with base 101b, mod 0 is still "disp32, no base" */
	CU_ASSERT_EQUAL(dec("\x41\x8b\x04\x25\x00\x10\x00\x00", 8, X86EMU_MODE_LONG64, &in, &f),
			X86EMU_OK);
	CU_ASSERT_EQUAL(in.base, X86EMU_NOREG);
	CU_ASSERT_EQUAL(in.len, 8);

	/* A REX followed by a legacy prefix is ignored: 48 66 89 07 = mov %ax,(%rdi) */
	CU_ASSERT_EQUAL(dec("\x48\x66\x89\x07", 4, X86EMU_MODE_LONG64, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(in.opsize, 2);
	CU_ASSERT_EQUAL(in.rex, 0);
	/* REX.W beats 66 */
	CU_ASSERT_EQUAL(dec("\x66\x48\x89\x07", 4, X86EMU_MODE_LONG64, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(in.opsize, 8);

	/* ES/CS/SS/DS overrides are ignored in 64-bit mode, FS/GS kept; the last wins */
	CU_ASSERT_EQUAL(dec("\x64\x26\x8b\x00", 4, X86EMU_MODE_LONG64, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(in.seg_override, X86EMU_NOSEG);
	CU_ASSERT_EQUAL(dec("\x26\x65\x8b\x00", 4, X86EMU_MODE_LONG64, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(in.seg_override, X86EMU_GS);

	/* mov imm64 and moffs64 */
	CU_ASSERT_EQUAL(
		dec("\x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11", 10, X86EMU_MODE_LONG64, &in, &f),
		X86EMU_OK);
	CU_ASSERT_EQUAL(in.imm, 0x1122334455667788ull);
	CU_ASSERT_EQUAL(dec("\xa1\x88\x77\x66\x55\x44\x33\x22\x11", 9, X86EMU_MODE_LONG64, &in, &f),
			X86EMU_OK);
	CU_ASSERT_EQUAL((uint64_t)in.disp, 0x1122334455667788ull);
	CU_ASSERT_TRUE(in.has_mem);

	/* F2 then F3: the last one counts */
	CU_ASSERT_EQUAL(dec("\xf2\xf3\xa4", 3, X86EMU_MODE_LONG64, &in, &f), X86EMU_OK);
	CU_ASSERT_TRUE(in.prefixes & X86EMU_P_REP);
	CU_ASSERT_FALSE(in.prefixes & X86EMU_P_REPNE);
}

static void test_limits(void)
{
	uint8_t b[16];
	struct x86emu_insn in;
	struct x86emu_fault f;

	/* 14 prefixes + NOP = 15 bytes: fine. */
	memset(b, 0x66, 14);
	b[14] = 0x90;
	CU_ASSERT_EQUAL(x86emu_decode(b, 15, X86EMU_MODE_PROT32, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(in.len, 15);
	/* 15 prefixes + NOP: #GP(0), whatever avail says */
	memset(b, 0x2e, 15);
	b[15] = 0x90;
	CU_ASSERT_EQUAL(x86emu_decode(b, 16, X86EMU_MODE_PROT32, &in, &f), X86EMU_FAULT);
	CU_ASSERT_EQUAL(f.vector, X86EMU_VEC_GP);
	CU_ASSERT_TRUE(f.has_error_code);
	CU_ASSERT_EQUAL(f.error_code, 0);
	/* Prefixes + an instruction that only goes past 15 in its immediate */
	memset(b, 0x3e, 10);
	memcpy(b + 10, "\xc7\x00\x01\x02\x03\x04", 6); /* movl $imm32,(%eax): 16 bytes */
	CU_ASSERT_EQUAL(x86emu_decode(b, 16, X86EMU_MODE_PROT32, &in, &f), X86EMU_FAULT);
	CU_ASSERT_EQUAL(f.vector, X86EMU_VEC_GP);
	CU_ASSERT_EQUAL(x86emu_decode(b, 12, X86EMU_MODE_PROT32, &in, &f), X86EMU_FAULT);
	/* ... but with 11 bytes in hand the decoder cannot know yet */
	memset(b, 0x3e, 9);
	memcpy(b + 9, "\xc7\x00\x01\x02\x03\x04", 6); /* exactly 15 */
	CU_ASSERT_EQUAL(x86emu_decode(b, 11, X86EMU_MODE_PROT32, &in, &f), X86EMU_TRUNCATED);
	CU_ASSERT_EQUAL(x86emu_decode(b, 15, X86EMU_MODE_PROT32, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(in.len, 15);
	/* nothing at all */
	CU_ASSERT_EQUAL(x86emu_decode(b, 0, X86EMU_MODE_PROT32, &in, &f), X86EMU_TRUNCATED);
}

static void test_undefined(void)
{
	static const struct {
		const char *b;
		unsigned n;
		enum x86emu_mode mode;
	} c[] = {
		{ "\x06", 1, X86EMU_MODE_LONG64 },	   /* push %es */
		{ "\x27", 1, X86EMU_MODE_LONG64 },	   /* daa */
		{ "\x60", 1, X86EMU_MODE_LONG64 },	   /* pusha */
		{ "\xce", 1, X86EMU_MODE_LONG64 },	   /* into */
		{ "\xd6", 1, X86EMU_MODE_LONG64 },	   /* salc */
		{ "\x82\x00\x01", 3, X86EMU_MODE_LONG64 }, /* 82 alias of 80 */
		{ "\xea\x00\x00\x00\x00\x10\x00", 7, X86EMU_MODE_LONG64 },
		{ "\xfe\x10", 2, X86EMU_MODE_PROT32 },	   /* FE /2 */
		{ "\xff\x38", 2, X86EMU_MODE_PROT32 },	   /* FF /7 */
		{ "\xff\xd8", 2, X86EMU_MODE_PROT32 },	   /* FF /3 with mod 3 */
		{ "\x8f\x20", 2, X86EMU_MODE_PROT32 },	   /* 8F /4, not XOP (map < 8) */
		{ "\xc6\x08\x00", 3, X86EMU_MODE_PROT32 }, /* C6 /1 */
		{ "\x8d\xc0", 2, X86EMU_MODE_PROT32 },	   /* lea with a register */
		{ "\x8e\xc8", 2, X86EMU_MODE_PROT32 },	   /* mov to %cs */
		{ "\x0f\x04", 2, X86EMU_MODE_PROT32 },
		{ "\x0f\x0a", 2, X86EMU_MODE_PROT32 },
		{ "\x0f\x24\xc0", 3, X86EMU_MODE_PROT32 }, /* mov %tr */
		{ "\x0f\x36", 2, X86EMU_MODE_PROT32 },
		{ "\x0f\xa6", 2, X86EMU_MODE_PROT32 },
		{ "\x0f\xba\x00\x01", 4, X86EMU_MODE_PROT32 },	   /* 0F BA /0 */
		{ "\x66\xc5\xf8\x77", 4, X86EMU_MODE_LONG64 },	   /* 66 before VEX */
		{ "\x48\xc5\xf8\x77", 4, X86EMU_MODE_LONG64 },	   /* REX before VEX */
		{ "\xc4\xe0\x78\x58\xc0", 5, X86EMU_MODE_LONG64 }, /* VEX map 0 */
	};
	struct x86emu_insn in;
	struct x86emu_fault f;

	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(&f, 0, sizeof(f));
		if (dec(c[i].b, c[i].n, c[i].mode, &in, &f) != X86EMU_FAULT)
			printf("\n  case %u not #UD", i);
		CU_ASSERT_EQUAL(dec(c[i].b, c[i].n, c[i].mode, &in, &f), X86EMU_FAULT);
		CU_ASSERT_EQUAL(f.vector, X86EMU_VEC_UD);
		CU_ASSERT_FALSE(f.has_error_code);
	}
	/* the same bytes are fine where they exist */
	CU_ASSERT_EQUAL(dec("\x06", 1, X86EMU_MODE_PROT32, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(dec("\x82\x00\x01", 3, X86EMU_MODE_PROT16, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(in.len, 3);
	/* C4 with a memory ModRM is LES outside 64-bit mode; with 11b it is VEX */
	CU_ASSERT_EQUAL(dec("\xc4\x00", 2, X86EMU_MODE_PROT32, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(in.len, 2);
	CU_ASSERT_FALSE(in.prefixes & X86EMU_P_VEX);
	CU_ASSERT_EQUAL(dec("\xc5\xf8\x77", 3, X86EMU_MODE_PROT32, &in, &f), X86EMU_OK);
	CU_ASSERT_TRUE(in.prefixes & X86EMU_P_VEX);
	/* 8F /0 is POP, 8F with map >= 8 is XOP: vpcmov (map 8, ib) */
	CU_ASSERT_EQUAL(dec("\x8f\x00", 2, X86EMU_MODE_PROT32, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(dec("\x8f\xe8\x78\xa2\xc1\x20", 6, X86EMU_MODE_LONG64, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(in.len, 6);
	CU_ASSERT_EQUAL(in.map, X86EMU_MAP_XOP8);
	/* XOP map A carries an imm32: bextr $imm32, %eax, %ebx */
	CU_ASSERT_EQUAL(dec("\x8f\xea\x78\x10\xd8\x01\x02\x00\x00", 9, X86EMU_MODE_LONG64, &in, &f),
			X86EMU_OK);
	CU_ASSERT_EQUAL(in.len, 9);
	/* MOV CRn ignores mod: 0f 20 00 is mov %cr0,%eax, 3 bytes */
	CU_ASSERT_EQUAL(dec("\x0f\x20\x00", 3, X86EMU_MODE_PROT32, &in, &f), X86EMU_OK);
	CU_ASSERT_EQUAL(in.len, 3);
	CU_ASSERT_FALSE(in.has_mem);
	/* bad mode */
	CU_ASSERT_EQUAL(dec("\x90", 1, (enum x86emu_mode)7, &in, &f), X86EMU_UNSUPPORTED);
}

static void test_lock_rules(void)
{
	static const struct {
		const char *b;
		unsigned n;
		bool ok;
	} c[] = {
		{ "\xf0\x01\x03", 3, true },		      /* lock add %eax,(%ebx) */
		{ "\xf0\x03\x03", 3, false },		      /* lock add (%ebx),%eax */
		{ "\xf0\x01\xc3", 3, false },		      /* lock add %eax,%ebx */
		{ "\xf0\x39\x03", 3, false },		      /* lock cmp */
		{ "\xf0\x83\x03\x01", 4, true },	      /* lock addl $1 */
		{ "\xf0\x83\x3b\x01", 4, false },	      /* lock cmpl $1 */
		{ "\xf0\x87\x03", 3, true },		      /* lock xchg */
		{ "\xf0\x89\x03", 3, false },		      /* lock mov */
		{ "\xf0\xf7\x13", 3, true },		      /* lock not */
		{ "\xf0\xf7\x03\x01\x00\x00\x00", 7, false }, /* lock test */
		{ "\xf0\xff\x03", 3, true },		      /* lock inc */
		{ "\xf0\xff\x23", 3, false },		      /* lock jmp* */
		{ "\xf0\x0f\xab\x03", 4, true },	      /* lock bts */
		{ "\xf0\x0f\xa3\x03", 4, false },	      /* lock bt */
		{ "\xf0\x0f\xba\x2b\x01", 5, true },	      /* lock btsl $1 */
		{ "\xf0\x0f\xba\x23\x01", 5, false },	      /* lock btl $1 */
		{ "\xf0\x0f\xb1\x0b", 4, true },	      /* lock cmpxchg */
		{ "\xf0\x0f\xc7\x0e", 4, true },	      /* lock cmpxchg8b */
		{ "\xf0\x0f\xc1\x03", 4, true },	      /* lock xadd */
		{ "\xf0\x90", 2, false },		      /* lock nop */
		{ "\xf0\x0f\x20\xc0", 4, true },	      /* AMD: mov %cr8,%eax */
		{ "\x01\x03", 2, true },		      /* no LOCK at all */
	};
	struct x86emu_insn in;
	struct x86emu_fault f;

	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(dec(c[i].b, c[i].n, X86EMU_MODE_PROT32, &in, &f), X86EMU_OK);
		CU_ASSERT_EQUAL(x86emu_lock_ok(&in), c[i].ok);
	}
}

static uint64_t rng;

static uint64_t rnd(void)
{
	return unit_rand(&rng);
}

/* 100,000 random byte strings per mode: a defined status, length <= 15,
 * no read beyond avail (ASan), and an OK decode gives the same answer
 * from exactly its own bytes. Prefix-heavy strings are made likely. */
static void test_fuzz(void)
{
	static const uint8_t pfx[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x64, 0x0f,
				       0x48, 0x41, 0xc4, 0xc5, 0x62, 0x8f, 0x0f, 0x38 };
	unsigned bad = 0;

	rng = 0x9e3779b97f4a7c15ull;
	for (int mode = X86EMU_MODE_REAL; mode <= X86EMU_MODE_LONG64; mode++) {
		for (int i = 0; i < 100000; i++) {
			uint8_t b[16];
			struct x86emu_insn in, in2;
			struct x86emu_fault f;
			size_t avail = 1 + rnd() % 16;
			enum x86emu_status st;

			for (unsigned k = 0; k < sizeof(b); k++) {
				uint64_t r = rnd();
				b[k] = (r & 0x300) == 0 ? pfx[(r >> 12) & 15] : (uint8_t)r;
			}
			st = dec_exact(b, avail, (enum x86emu_mode)mode, &in, &f);
			if (st != X86EMU_OK && st != X86EMU_TRUNCATED && st != X86EMU_FAULT &&
			    st != X86EMU_UNSUPPORTED)
				bad++;
			if (in.len > X86EMU_MAX_LEN || (st == X86EMU_OK && in.len == 0))
				bad++;
			if (st == X86EMU_TRUNCATED && avail >= X86EMU_MAX_LEN)
				bad++;
			if (st == X86EMU_FAULT && f.vector != X86EMU_VEC_UD &&
			    f.vector != X86EMU_VEC_GP)
				bad++;
			if (st == X86EMU_OK) {
				if (dec_exact(b, in.len, (enum x86emu_mode)mode, &in2, &f) !=
					    X86EMU_OK ||
				    in2.len != in.len || in2.imm != in.imm || in2.disp != in.disp)
					bad++;
			}
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static CU_TestInfo x86emu_decode_tests[] = {
	{ "lengths from GNU as/objdump", test_len_table },
	{ "32-bit ModRM/SIB/prefix fields", test_fields_32 },
	{ "16-bit addressing forms", test_fields_16 },
	{ "64-bit REX, RIP-relative, overrides", test_fields_64 },
	{ "15-byte limit and truncation", test_limits },
	{ "undefined opcodes, VEX/XOP/LES", test_undefined },
	{ "LOCK rules", test_lock_rules },
	{ "fuzz 4 x 100000", test_fuzz },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(x86emu_decode, x86emu_decode_tests);
