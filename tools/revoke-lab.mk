# make revoke-lab: run apps/revoke-lab's revocation scenarios under QEMU and
# draw them (tools/revoke-lab.sh). Results in build/revoke-lab/: per
# scenario a serial log, CSV files and a plot of the frames each env holds
# over time; for all of them revoke.csv, latency.png and summary.txt.
#
#   make revoke-lab                          every scenario
#   make revoke-lab SCENARIOS="slow mixed"   only these
#   make revoke-lab ICOUNT=                  host wall clock instead of the
#                                            default instruction-counted clock
#
# Included by the Makefile after its `deps` target and the kernel and app
# rules ($(KERNEL), $(BUILD)/apps/%).
SCENARIOS ?=
ICOUNT ?= 0
LAB_MEM ?= 64

.PHONY: revoke-lab
revoke-lab: deps
	@$(MAKE) --no-print-directory $(KERNEL) $(BUILD)/apps/revoke-lab
	ACCEL=$(ACCEL) SMP=$(SMP) MEM=$(MEM) ICOUNT=$(ICOUNT) LAB_MEM=$(LAB_MEM) \
		tools/revoke-lab.sh $(SCENARIOS)
