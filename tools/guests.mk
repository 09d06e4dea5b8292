# tools/guests.mk - the VMM's test guests (tests/guests/README.md): small
# multiboot v1 kernels, ELF32 at 1 MiB, each judged by its serial output
# and isa-debug-exit status, first on bare QEMU (tests/host/guests_bare.sh)
# and then under the VMM. bootsect is a raw 512-byte real-mode boot sector.
#
# Built with the host gcc for i386 (freestanding; the long-mode parts are
# .code64 blocks in the same ELF32 link). Included by the Makefile
# (tools/*.mk).
GUEST_NAMES := exitcode paging perm ad tlb pic_pit uart svm_insns cpuid_msr mbinfo ptchaos \
	apic ide virtio_blk smp devfuzz
GUEST_LIB_SRCS := $(wildcard tests/guests/lib/*.c tests/guests/lib/*.S)
GUEST_LIB_OBJS := $(patsubst tests/guests/%,$(BUILD)/guests/obj/%.o,$(GUEST_LIB_SRCS))
GUEST_BINS := $(patsubst %,$(BUILD)/guests/%.elf,$(GUEST_NAMES)) $(BUILD)/guests/bootsect.img
GUEST_CFLAGS := -m32 -std=gnu11 -ffreestanding -nostdlib -nostdinc -isystem $(GCCINC) \
	-fno-pic -fno-pie -fno-stack-protector -fno-delete-null-pointer-checks -fno-asynchronous-unwind-tables \
	-mgeneral-regs-only -mno-sse -mno-mmx -O2 -g $(WARN) -Itests/guests/lib -MMD -MP
GUEST_LD := tests/guests/lib/guest.ld

# mbinfo's two multiboot modules (tests/guests/mbinfo.c knows their bytes):
# a text file, and 1000 five-byte records (record k: its four decimal
# digits as bytes 0x80 + digit, then 0xFF).
GUEST_DATA := $(BUILD)/guests/mod1.txt $(BUILD)/guests/mod2.bin

.PHONY: guests
guests: $(GUEST_BINS) $(GUEST_DATA)
all: $(GUEST_BINS) $(GUEST_DATA)

$(BUILD)/guests/mod1.txt: tools/guests.mk
	@mkdir -p $(@D)
	$(Q)printf 'mbinfo module one: a text file\nsecond line\n' >$@

$(BUILD)/guests/mod2.bin: tools/guests.mk
	@mkdir -p $(@D)
	$(Q)seq -f '%04g' 0 999 | LC_ALL=C tr '0123456789\n' '\200-\211\377' >$@

$(BUILD)/guests/obj/%.c.o: tests/guests/%.c tools/guests.mk
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guests/obj/%.S.o: tests/guests/%.S tools/guests.mk
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guests/%.elf: $(BUILD)/guests/obj/%.c.o $(GUEST_LIB_OBJS) $(GUEST_LD)
	@echo "  LD      $@"
	$(Q)$(LD) -m elf_i386 -nostdlib --no-warn-rwx-segments -T $(GUEST_LD) -o $@ $< $(GUEST_LIB_OBJS)

# The boot sector: real-mode code linked at 0x7C00 as a flat binary.
$(BUILD)/guests/bootsect.img: $(BUILD)/guests/obj/bootsect.S.o
	@echo "  LD      $@"
	$(Q)$(LD) -m elf_i386 -nostdlib -Ttext 0x7C00 --oformat binary -o $@ $<
	$(Q)test "$$(stat -c %s $@)" = 512 || { echo "$@ is not 512 bytes"; rm -f $@; exit 1; }

-include $(shell find $(BUILD)/guests -name '*.d' 2>/dev/null)

# The test guests go to /boot of the root file system (`vm -kernel
# /boot/paging.elf` from the shell); tools/rootfs.mk sets the default only
# if nobody did.
ROOT_BOOT_FILES ?= $(GUEST_BINS)
