# bench/bench.mk - `make bench`: the same benchmark sources built for our
# system and for Linux, both booted in QEMU with identical options, one
# table (docs/performance.md).
#
# Included from the Makefile (`include bench/bench.mk`, after the user
# program rules): it uses the Makefile's BUILD, CC, UCFLAGS, CRT0, ULIBS,
# link-user, KERNEL, UNIXD, WARN and the deps target. Our UNIX boot also
# needs unixd and build/apps/ls (the root file system tools/bench.sh makes). Standalone use:
#   make -f Makefile -f bench/bench.mk bench
#
#   build/bench/exo/bench       every bench/*.c on newlib + libos/unix + libexo
#   build/bench/glibc/bench     every bench/*.c, static glibc (-DBENCH_LINUX)
#   build/bench/linux/          the Debian cloud kernel and busybox-static,
#                               fetched with apt-get download (cached)
#   build/bench/initrd.gz       busybox /init + the glibc build
#   build/bench/results.{csv,md}, *.png, *.log   what tools/bench.sh leaves
ifndef BENCH_MK
BENCH_MK := $(lastword $(MAKEFILE_LIST))
# The top makefile, for the sub-make below (which names this file too, so
# that standalone use works; the guard makes a second inclusion a no-op).
BENCH_TOP := $(firstword $(MAKEFILE_LIST))
.PHONY: bench bench-build bench-linux

BENCH_SRCS := $(wildcard bench/*.c)
BENCH_HDRS := $(wildcard bench/*.h)
BENCH_EXO := $(BUILD)/bench/exo/bench
BENCH_GLIBC := $(BUILD)/bench/glibc/bench
BENCH_LINUX_STAMP := $(BUILD)/bench/linux/.stamp
BENCH_INITRD := $(BUILD)/bench/initrd.gz
BENCH_LCFLAGS := -std=gnu11 -O2 -g -static $(WARN) -DBENCH_LINUX -D_GNU_SOURCE

# Ours: the Makefile's pattern rule builds build/user/bench/*.c.o with UCFLAGS.
$(BENCH_EXO): $(patsubst %,$(BUILD)/user/%.o,$(BENCH_SRCS)) $(CRT0) $(ULIBS)
	@mkdir -p $(@D)
	$(call link-user,$@,$(filter %.c.o,$^))

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

bench-build: $(KERNEL) $(BENCH_EXO) $(BUILD)/tools/exodisk $(UNIXD) $(BUILD)/apps/ls
bench-linux: $(BENCH_INITRD)

# ACCEL, SMP and MEM as for `make run`; both systems get the same. If the
# Linux side cannot be fetched or built, ours still runs and the table says so.
bench: deps
	@$(MAKE) --no-print-directory -f $(BENCH_TOP) -f $(BENCH_MK) bench-build
	@$(MAKE) --no-print-directory -f $(BENCH_TOP) -f $(BENCH_MK) bench-linux || \
		echo "bench: the Linux side could not be built; its column stays empty"
	tools/bench.sh $(BUILD) ACCEL=$(ACCEL) SMP=$(SMP) MEM=$(MEM)
endif
