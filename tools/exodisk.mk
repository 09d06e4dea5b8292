# build/tools/exodisk: the host tool that formats and maintains disk images
# carrying the block-ownership region (docs/disk.md). Built from the same
# secure-bindings/disk.c the kernel runs, so both accept the same images.
# Included by the Makefile after HOST_TOOLS and HOST_CFLAGS are defined.
HOST_TOOLS += $(BUILD)/tools/exodisk

$(BUILD)/tools/exodisk: tools/exodisk.c secure-bindings/disk.c secure-bindings/disk.h
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ tools/exodisk.c secure-bindings/disk.c

# The disk owner key of the system's own libOS: made once, kept across
# rebuilds (a new key would lose the blocks the old one owns), handed to
# the first program as the data boot module /disk.key.
DISK_KEY := $(BUILD)/disk.key
HOST_TOOLS += $(DISK_KEY)
$(DISK_KEY): | $(BUILD)/tools/exodisk
	$(Q)$(BUILD)/tools/exodisk newkey $@
