# tools/vmm.mk - the VMM library OS (libos/vmm/, docs/vmm.md).
#
# Its hardware-free parts, the x86 instruction decoder/emulator
# (libos/vmm/emu/) and the device models (libos/vmm/dev/), go into the host
# unit tests as well as into libvmm.a; the rest (the vCPU loop, guest
# memory, shadow and nested paging, the loaders) runs only as an
# environment. Included by the Makefile after the unit-test rules (see
# tools/ext2.mk for why appending to UNIT_SRCS here works).
VMM_HOSTABLE_SRCS := $(wildcard libos/vmm/emu/*.c libos/vmm/dev/*.c)
VMM_SRCS := $(wildcard libos/vmm/*.c libos/vmm/*.S) $(VMM_HOSTABLE_SRCS)
VMM_HDRS := $(wildcard libos/vmm/*.h libos/vmm/emu/*.h libos/vmm/dev/*.h)
LIBVMM := $(BUILD)/user/libvmm.a

# The DSDT (libos/vmm/acpi/dsdt.asl), compiled by iasl (acpica-tools):
# acpi_dsdt.S carries the AML into libvmm, and the unit tests read it to
# check the tables built around it (tests/unit/test_vdev_acpi.c).
VMM_DSDT := $(BUILD)/vmm/dsdt.aml
$(VMM_DSDT): libos/vmm/acpi/dsdt.asl
	@mkdir -p $(@D)
	@echo "  IASL    $<"
	$(Q)iasl -p $(basename $@) $< >$@.log 2>&1 || { cat $@.log; rm -f $@; exit 1; }
$(BUILD)/user/libos/vmm/acpi_dsdt.S.o: $(VMM_DSDT)
$(BUILD)/user/libos/vmm/acpi_dsdt.S.o: UCFLAGS += -I$(BUILD)/vmm
# dev/acpitab.c lays its tables out with the kernel's ACPI structures.
$(BUILD)/user/libos/vmm/dev/acpitab.c.o: UCFLAGS += -Iexokernel

UNIT_SRCS += $(VMM_HOSTABLE_SRCS)
# First on the path: the kernel's own dev/ headers (exokernel/dev/virtio_blk.h)
# share names with the device models'.
UNIT_CFLAGS := -Ilibos/vmm $(UNIT_CFLAGS) -DVMM_DSDT_AML='"$(abspath $(VMM_DSDT))"'
UCFLAGS += -Ilibos/vmm
$(BUILD)/unit/run-tests $(BUILD)/unit/run-tests-san: $(VMM_HOSTABLE_SRCS) $(VMM_HDRS) $(VMM_DSDT)

$(LIBVMM): $(patsubst %,$(BUILD)/user/%.o,$(VMM_SRCS))
	@rm -f $@
	ar rcs $@ $^

# secure-bindings/vmcb.c names the kernel's VMCB check failures
# (sb_vmcb_strerror) for the VMM's messages.
$(LIBVMM): $(BUILD)/user/secure-bindings/vmcb.c.o

# Programs that run virtual machines: apps/vm and the tests/integration/vm_*
# drivers link libvmm.a too.
VMM_PROGS := $(BUILD)/apps/vm $(patsubst tests/integration/%.c,$(BUILD)/tests/%,\
	$(wildcard tests/integration/vm_*.c))
$(VMM_PROGS): ULIBS += $(LIBVMM)
$(VMM_PROGS): $(LIBVMM)
