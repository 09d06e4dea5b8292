# tools/guests.mk - the VMM's test guests (tests/guests/README.md): small
# multiboot v1 kernels, ELF32 at 1 MiB, each judged by its serial output
# and isa-debug-exit status, first on bare QEMU (tests/host/guests_bare.sh)
# and then under the VMM. bootsect is a raw 512-byte real-mode boot sector.
#
# Built with the host gcc for i386 (freestanding; the long-mode parts are
# .code64 blocks in the same ELF32 link). Included by the Makefile
# (tools/*.mk).
GUEST_NAMES := exitcode paging perm ad tlb pic_pit uart svm_insns cpuid_msr
GUEST_LIB_SRCS := $(wildcard tests/guests/lib/*.c tests/guests/lib/*.S)
GUEST_LIB_OBJS := $(patsubst tests/guests/%,$(BUILD)/guests/obj/%.o,$(GUEST_LIB_SRCS))
GUEST_BINS := $(patsubst %,$(BUILD)/guests/%.elf,$(GUEST_NAMES)) $(BUILD)/guests/bootsect.img
GUEST_CFLAGS := -m32 -std=gnu11 -ffreestanding -nostdlib -nostdinc -isystem $(GCCINC) \
	-fno-pic -fno-pie -fno-stack-protector -fno-delete-null-pointer-checks -fno-asynchronous-unwind-tables \
	-mgeneral-regs-only -mno-sse -mno-mmx -O2 -g $(WARN) -Itests/guests/lib -MMD -MP
GUEST_LD := tests/guests/lib/guest.ld

.PHONY: guests
guests: $(GUEST_BINS)
all: $(GUEST_BINS)

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
