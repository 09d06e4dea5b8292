# make revoke-lab: run apps/revoke-lab's revocation scenarios under QEMU and
# draw them (tools/revoke-lab.sh). Results in build/revoke-lab/: per
# scenario a serial log, CSV files, a plot of the frames each env holds
# over time and, where envs hold disk blocks, one of the blocks; for all of
# them revoke.csv, latency.png, summary.txt and checks.txt.
#
#   make revoke-lab                          every scenario
#   make revoke-lab SCENARIOS="slow mixed"   only these
#   make revoke-lab ICOUNT=                  host wall clock instead of the
#                                            default instruction-counted clock
#   make revoke-lab LAB_MEM=64 LAB_DISK=64   MiB of memory (mem=) and of the
#                                            scratch disk each scenario gets
#
# Included by the Makefile after its `deps` target, the kernel and app
# rules ($(KERNEL), $(BUILD)/apps/%) and tools/exodisk.mk.
SCENARIOS ?=
ICOUNT ?= 0
LAB_MEM ?= 64
LAB_DISK ?= 64

.PHONY: revoke-lab
revoke-lab: deps
	@$(MAKE) --no-print-directory $(KERNEL) $(BUILD)/apps/revoke-lab $(BUILD)/tools/exodisk
	ACCEL=$(ACCEL) SMP=$(SMP) MEM=$(MEM) ICOUNT=$(ICOUNT) LAB_MEM=$(LAB_MEM) \
		LAB_DISK=$(LAB_DISK) tools/revoke-lab.sh $(SCENARIOS)
