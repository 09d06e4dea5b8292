# The one entry point: deps, build, run, test, bench, gdb.
#
#   make run     build everything, boot it in QEMU, console on this terminal
#   make test    host unit tests, then QEMU integration tests
#   make check   host unit tests only (the fast loop)
#   make gdb     boot halted with a gdb stub; prints the gdb command to attach
#   make bench   our figures beside Linux's in the same QEMU (docs/performance.md)
#   make revoke-lab  revocation scenarios, CSV and plots (docs/revocation.md)
#   make fuzz SECONDS=N  the system-call fuzzer for N seconds (tests/fuzz/README.md)
#
# Everything is built out of tree under build/. `make -j` is safe.

BUILD := build
ACCEL ?= tcg
SMP ?= 2
MEM ?= 512M
EXTRA ?=

# Debian packages everything below needs, in one list (tools/deps.sh).
DEPS := qemu-system-x86 grub-pc-bin grub-common xorriso mtools libcunit1-dev \
	newlib-source e2fsprogs cpio gnuplot-nox build-essential gdb \
	clang-format cppcheck clang-tidy acpica-tools qemu-utils

CC := gcc
LD := ld
GCCINC := $(shell $(CC) -print-file-name=include)
WARN := -Wall -Wextra -Werror
# V=1 shows full command lines.
Q := $(if $(V),,@)

.DEFAULT_GOAL := all
.PHONY: all deps run test check gdb iso clean format format-check test-long host-tools
.SUFFIXES:
.SECONDARY:

# ---------------------------------------------------------------- kernel
# Hardware-free kernel code: compiled into the kernel and into the host unit
# tests. These files include only freestanding headers, <string.h> and exo/.
HOSTABLE_SRCS := $(wildcard secure-bindings/*.c exokernel/bootmem.c exokernel/multiboot2.c \
	exokernel/frame.c exokernel/acpi_tables.c)
KSRCS := $(sort $(shell find exokernel -name '*.c' -o -name '*.S') \
	$(wildcard secure-bindings/*.c))
KOBJS := $(patsubst %,$(BUILD)/kernel/%.o,$(KSRCS))
KCFLAGS := -std=gnu11 -ffreestanding -nostdinc -isystem $(GCCINC) \
	-Iexokernel/lib/include -Iexokernel/include -Iexokernel -Isecure-bindings \
	-mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-pic -fno-pie \
	-fno-stack-protector -fno-omit-frame-pointer -fno-optimize-sibling-calls \
	-O2 -g $(WARN) -MMD -MP
KLD := exokernel/arch/x86_64/kernel.ld
KERNEL := $(BUILD)/kernel/kernel.elf

$(BUILD)/kernel/%.c.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/kernel/%.S.o: %.S
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(CC) $(KCFLAGS) -D__ASSEMBLY__ -c $< -o $@

# Two-pass link: the first pass has an empty symbol table; its text symbols
# become the table of the second. The table sits after all code and data
# that a backtrace names, so those addresses do not move between passes.
$(BUILD)/kernel/ksyms0.S: tools/gensyms.sh
	@mkdir -p $(@D)
	$(Q)tools/gensyms.sh /dev/null > $@
KLDFLAGS := -n -T $(KLD) -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments
$(BUILD)/kernel/kernel.pass1.elf: $(KOBJS) $(BUILD)/kernel/ksyms0.S.o $(KLD)
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(BUILD)/kernel/ksyms0.S.o
$(BUILD)/kernel/ksyms.S: $(BUILD)/kernel/kernel.pass1.elf tools/gensyms.sh
	$(Q)tools/gensyms.sh $< > $@
$(KERNEL): $(KOBJS) $(BUILD)/kernel/ksyms.S.o $(KLD)
	@echo "  LD      $@"
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(BUILD)/kernel/ksyms.S.o
$(BUILD)/kernel/ksyms0.S.o $(BUILD)/kernel/ksyms.S.o: %.S.o: %.S
	$(Q)$(CC) $(KCFLAGS) -D__ASSEMBLY__ -c $< -o $@

# ---------------------------------------------------------------- newlib
NEWLIB := $(BUILD)/newlib/install/x86_64-elf
$(NEWLIB)/.stamp: tools/build-newlib.sh
	tools/build-newlib.sh $(BUILD)/newlib
	touch $@
$(NEWLIB)/lib/libc.a $(NEWLIB)/lib/libm.a: $(NEWLIB)/.stamp ;

# ---------------------------------------------------------------- user
# User programs: newlib's libc over libos/unix over libos/libexo.
UCFLAGS := -std=gnu11 -nostdinc -isystem $(NEWLIB)/include -isystem $(GCCINC) \
	-Iexokernel/include -Ilibos/libexo/include -Ilibos/unix/include -Isecure-bindings \
	-mno-red-zone -fno-pic -fno-pie -fno-stack-protector -O2 -g $(WARN) -MMD -MP
# libexo carries the UDF library too, so a libOS can build and check the
# programs it registers for its metadata types (docs/udf.md).
LIBEXO_SRCS := $(wildcard libos/libexo/*.c libos/libexo/*.S) secure-bindings/udf.c
LIBUNIX_SRCS := $(wildcard libos/unix/*.c libos/unix/*.S)
LIBEXO := $(BUILD)/user/libexo.a
LIBUNIX := $(BUILD)/user/libunix.a
# newlib's libc/posix (regex, fnmatch, directories, exec*): tools/posix.mk.
LIBPOSIX := $(BUILD)/user/libposix.a
CRT0 := $(BUILD)/user/libos/libexo/crt0.S.o
ULIBS := $(LIBUNIX) $(LIBPOSIX) $(LIBEXO) $(NEWLIB)/lib/libc.a $(NEWLIB)/lib/libm.a
ULDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack \
	-Wl,-Ttext-segment=0x400000 \
	-Wl,--undefined=raise -Wl,--undefined=signal -Wl,--undefined=getopt
# (libunix defines raise and signal over real signals, and a POSIX getopt;
# naming them undefined up front makes the linker take libunix's before
# libc's.)

$(BUILD)/user/%.c.o: %.c $(NEWLIB)/.stamp
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@
$(BUILD)/user/%.S.o: %.S $(NEWLIB)/.stamp
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(CC) $(UCFLAGS) -D__ASSEMBLY__ -c $< -o $@

$(LIBEXO): $(patsubst %,$(BUILD)/user/%.o,$(filter-out %/crt0.S,$(LIBEXO_SRCS)))
	@rm -f $@
	ar rcs $@ $^
$(LIBUNIX): $(patsubst %,$(BUILD)/user/%.o,$(LIBUNIX_SRCS))
	@rm -f $@
	ar rcs $@ $^

# link-user OUT, OBJS
define link-user
	@echo "  LINK    $(1)"
	$(Q)$(CC) $(ULDFLAGS) -o $(1) $(CRT0) $(2) -Wl,--start-group $(ULIBS) -lgcc -Wl,--end-group
endef

# Each directory apps/NAME becomes the program build/apps/NAME, except
# apps/lib: helpers the utilities share (apps/lib/util.h), in libutil.a.
APPS := $(filter-out lib,$(notdir $(wildcard apps/*)))
APP_BINS := $(patsubst %,$(BUILD)/apps/%,$(APPS))
LIBUTIL := $(BUILD)/user/libutil.a
$(LIBUTIL): $(patsubst %,$(BUILD)/user/%.o,$(wildcard apps/lib/*.c))
	@rm -f $@
	ar rcs $@ $^
.SECONDEXPANSION:
$(BUILD)/apps/%: $$(addprefix $(BUILD)/user/,$$(addsuffix .o,$$(wildcard apps/$$*/*.c))) \
		$(CRT0) $(ULIBS) $(LIBUTIL)
	@mkdir -p $(@D)
	$(call link-user,$@,$(filter %.c.o,$^) $(LIBUTIL))

# unixd, the UNIX libOS's server environment (libos/unix/server/): the
# first program of the system `make run` boots.
UNIXD := $(BUILD)/unix/unixd
$(UNIXD): $(patsubst %,$(BUILD)/user/%.o,$(wildcard libos/unix/server/*.c) secure-bindings/elf.c) \
		$(CRT0) $(ULIBS)
	@mkdir -p $(@D)
	$(call link-user,$@,$(filter %.c.o,$^))

# Each tests/integration/NAME.c becomes the test program build/tests/NAME.
TEST_PROGS := $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(wildcard tests/integration/*.c))
$(BUILD)/tests/%: $(BUILD)/user/tests/integration/%.c.o $(CRT0) $(ULIBS)
	@mkdir -p $(@D)
	$(call link-user,$@,$<)

# Malformed modules for the loader tests, each made from a valid program.
BAD_ELFS := $(BUILD)/tests/bad/.stamp
$(BAD_ELFS): $(BUILD)/apps/qemu-exit tools/mkbadelf.sh
	$(Q)tools/mkbadelf.sh $< $(@D)
	@touch $@

# ---------------------------------------------------------------- image
ISO := $(BUILD)/exo.iso
# The first program: unixd, which mounts the root file system on the disk
# and starts /bin/sh. It gets the system's disk owner key as a data module
# (tools/exodisk.mk makes build/disk.key once).
FIRST ?= $(UNIXD)
$(ISO): $(KERNEL) $(FIRST) tools/mkiso.sh $(BUILD)/disk.key
	tools/mkiso.sh $@ $(KERNEL) "" $(FIRST) $(BUILD)/disk.key=data:/disk.key

# Host tools (tools/*.mk add themselves to HOST_TOOLS): built with the
# same hardware-free sources the kernel uses.
HOST_TOOLS :=
HOST_CFLAGS := -std=gnu11 -O2 -g $(WARN) -Iexokernel/include -Isecure-bindings

all: $(KERNEL) $(APP_BINS) $(UNIXD) $(TEST_PROGS) $(BAD_ELFS) $(ISO) host-tools
host-tools: $$(HOST_TOOLS)
iso: $(ISO)

# ---------------------------------------------------------------- commands
deps:
	@tools/deps.sh $(DEPS)

# The system's disk: made once, kept across runs (ownership and users'
# files live on it; `make clean-disk` starts afresh). `make disk`
# (tools/rootfs.mk) places the root file system on it, or refreshes /bin,
# /boot, /docs and /extra (EXTRA=DIR) inside it.
DISK_IMG := $(BUILD)/disk.img
DISK_MIB ?= 256
RUN_ISO := $(ISO)
run: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory disk
	tools/qemu.sh $(RUN_ISO) ACCEL=$(ACCEL) SMP=$(SMP) MEM=$(MEM) -- \
		-drive file=$(DISK_IMG),if=virtio,format=raw

gdb: deps
	@$(MAKE) --no-print-directory all
	@echo "attach with: gdb $(KERNEL) -ex 'target remote :1234'"
	@$(MAKE) --no-print-directory disk
	tools/qemu.sh $(ISO) ACCEL=$(ACCEL) SMP=$(SMP) MEM=$(MEM) GDB=1 -- \
		-drive file=$(DISK_IMG),if=virtio,format=raw

# Host unit tests: every hardware-free source, twice — plain and with
# AddressSanitizer + UndefinedBehaviorSanitizer.
UNIT_SRCS := $(wildcard tests/unit/*.c) $(HOSTABLE_SRCS)
UNIT_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Iexokernel/include -Iexokernel \
	-Isecure-bindings -Itests/unit -DHOST_TEST
$(BUILD)/unit/run-tests: $(UNIT_SRCS) $(wildcard tests/unit/*.h secure-bindings/*.h exokernel/*.h exokernel/include/exo/*.h)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ $(UNIT_SRCS) -lcunit
$(BUILD)/unit/run-tests-san: $(UNIT_SRCS) $(wildcard tests/unit/*.h secure-bindings/*.h exokernel/*.h exokernel/include/exo/*.h)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all \
		-o $@ $(UNIT_SRCS) -lcunit

check: deps
	$(MAKE) $(BUILD)/unit/run-tests $(BUILD)/unit/run-tests-san host-tools
	tools/run-tests.sh --unit-only

# (linux-guest: the Debian kernel and busybox the VMM boots, fetched with
# apt-get download once; tools/linux-guest.mk.)
test: deps
	$(MAKE) all $(BUILD)/unit/run-tests $(BUILD)/unit/run-tests-san $(BUILD)/bench/exo/bench \
		linux-guest
	tools/run-tests.sh

test-long: test

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)/kernel $(BUILD)/user $(BUILD)/apps $(BUILD)/tests $(BUILD)/unit $(BUILD)/iso* $(ISO)

include $(filter-out tools/revoke-lab.mk,$(wildcard tools/*.mk))
include tools/revoke-lab.mk
include bench/bench.mk
include tests/fuzz/fuzz.mk

-include $(shell find $(BUILD)/kernel $(BUILD)/user -name '*.d' 2>/dev/null)
