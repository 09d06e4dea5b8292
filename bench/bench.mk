# bench/bench.mk - `make bench`: the same benchmark sources built for our
# system and for Linux, both booted in QEMU with identical options, one
# table (docs/performance.md).
#
# Included from the Makefile (`include bench/bench.mk`, after the user
# program rules): it uses the Makefile's BUILD, CC, UCFLAGS, CRT0, ULIBS,
# link-user, KERNEL, UNIXD, WARN and the deps target, tools/vmm.mk's LIBVMM
# and tools/guests.mk's GUEST_CFLAGS, GUEST_LIB_OBJS and GUEST_LD (the
# Makefile includes tools/*.mk first). Our UNIX boot also needs unixd and
# build/apps/ls (the root file system tools/bench.sh makes). Standalone use:
#   make -f Makefile -f bench/bench.mk bench
#
#   build/bench/exo/bench       every bench/*.c on newlib + libos/unix + libexo
#   build/bench/glibc/bench     every bench/*.c, static glibc (-DBENCH_LINUX)
#   build/bench/guest.elf       the bench guest (bench/guest/): a multiboot
#                               kernel that bench/vmguest.c runs under the VMM
#   build/bench/linux/          the Debian cloud kernel and busybox-static,
#                               fetched with apt-get download (cached)
#   build/guests/linux/         the same kernel and the initramfs of the
#                               Linux guest bench/vmlinux.c boots under the
#                               VMM (`make linux-guest`, tools/linux-guest.mk)
#   build/bench/initrd.gz       busybox /init + the glibc build
#   build/bench/guest-initrd.gz the Linux guest's initramfs
#                               (tools/linux-guest-initrd.sh) with the glibc
#                               build as /bench: what bench/vmlinux.c boots
#   build/bench/results.{csv,md}, *.png, *.log   what tools/bench.sh leaves
ifndef BENCH_MK
BENCH_MK := $(lastword $(MAKEFILE_LIST))
# The top makefile, for the sub-make below (which names this file too, so
# that standalone use works; the guard makes a second inclusion a no-op).
BENCH_TOP := $(firstword $(MAKEFILE_LIST))
.PHONY: bench bench-build bench-linux bench-guest-linux

BENCH_SRCS := $(wildcard bench/*.c)
BENCH_HDRS := $(wildcard bench/*.h bench/guest/*.h)
BENCH_EXO := $(BUILD)/bench/exo/bench
BENCH_GLIBC := $(BUILD)/bench/glibc/bench
BENCH_LINUX_STAMP := $(BUILD)/bench/linux/.stamp
BENCH_INITRD := $(BUILD)/bench/initrd.gz
BENCH_LCFLAGS := -std=gnu11 -O2 -g -static $(WARN) -DBENCH_LINUX -D_GNU_SOURCE

# Ours: the Makefile's pattern rule builds build/user/bench/*.c.o with UCFLAGS.
# bench/vmguest.c runs virtual machines: libvmm.a (tools/vmm.mk) too.
$(BENCH_EXO): ULIBS += $(LIBVMM)
$(BENCH_EXO): $(patsubst %,$(BUILD)/user/%.o,$(BENCH_SRCS)) $(CRT0) $(ULIBS) $(LIBVMM)
	@mkdir -p $(@D)
	$(call link-user,$@,$(filter %.c.o,$^))

# The bench guest (bench/guest/, run by bench/vmguest.c from the data
# module /bench/guest.elf): built with the test guests' flags and linked
# with their library (tools/guests.mk builds its objects) and layout.
BENCH_GUEST := $(BUILD)/bench/guest.elf
BENCH_GUEST_OBJS := $(patsubst bench/guest/%.c,$(BUILD)/bench/guest/%.c.o,\
	$(wildcard bench/guest/*.c))
$(BUILD)/bench/guest/%.c.o: bench/guest/%.c $(BENCH_MK)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -Ibench/guest -c $< -o $@
$(BENCH_GUEST): $(BENCH_GUEST_OBJS) $(GUEST_LIB_OBJS) $(GUEST_LD)
	@echo "  LD      $@"
	$(Q)$(LD) -m elf_i386 -nostdlib --no-warn-rwx-segments -T $(GUEST_LD) -o $@ \
		$(BENCH_GUEST_OBJS) $(GUEST_LIB_OBJS)
# make test boots it too (tests/integration/bench.test).
all: $(BENCH_GUEST)
-include $(BENCH_GUEST_OBJS:.o=.d)

# Linux's: the host toolchain, statically against glibc.
$(BENCH_GLIBC): $(BENCH_SRCS) $(BENCH_HDRS)
	@mkdir -p $(@D)
	@echo "  CC      $@ (static glibc)"
	$(Q)$(CC) $(BENCH_LCFLAGS) -o $@ $(BENCH_SRCS)

# The Debian cloud kernel and busybox-static (apt-get download, cached).
$(BENCH_LINUX_STAMP): tools/bench-fetch-linux.sh
	tools/bench-fetch-linux.sh $(@D)
	@touch $@

$(BENCH_INITRD): $(BENCH_LINUX_STAMP) $(BENCH_GLIBC) bench/linux-init.sh tools/bench-initrd.sh
	tools/bench-initrd.sh $(BUILD)/bench/linux $(BENCH_GLIBC) bench/linux-init.sh $@

# The Linux guest's initramfs as make linux-guest makes it, plus /bench for
# its exobench mode (bench/vmlinux.c's in-guest rows).
BENCH_GUEST_INITRD := $(BUILD)/bench/guest-initrd.gz
$(BENCH_GUEST_INITRD): $(BENCH_LINUX_STAMP) $(BENCH_GLIBC) tools/linux-guest-initrd.sh
	tools/linux-guest-initrd.sh $(BUILD)/bench/linux $@ $(BENCH_GLIBC)

bench-build: $(KERNEL) $(BENCH_EXO) $(BENCH_GUEST) $(BUILD)/tools/exodisk $(UNIXD) $(BUILD)/apps/ls
bench-linux: $(BENCH_INITRD)
# The Linux guest bench/vmlinux.c boots under the VMM (tools/linux-guest.mk:
# the same kernel as the Linux side, its own initramfs with /bench added).
bench-guest-linux: linux-guest $(BENCH_GUEST_INITRD)

# ACCEL, SMP and MEM as for `make run`; both systems get the same. If the
# Linux side (or the Linux guest, the same kernel) cannot be fetched or
# built, ours still runs and the table says so.
bench: deps
	@$(MAKE) --no-print-directory -f $(BENCH_TOP) -f $(BENCH_MK) bench-build
	@$(MAKE) --no-print-directory -f $(BENCH_TOP) -f $(BENCH_MK) bench-linux || \
		echo "bench: the Linux side could not be built; its column stays empty"
	@$(MAKE) --no-print-directory -f $(BENCH_TOP) -f $(BENCH_MK) bench-guest-linux || \
		echo "bench: the Linux guest could not be built; the vm_linux rows say so"
	tools/bench.sh $(BUILD) ACCEL=$(ACCEL) SMP=$(SMP) MEM=$(MEM)
endif
