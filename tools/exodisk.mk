# build/tools/exodisk: the host tool that formats and maintains disk images
# carrying the block-ownership region (docs/disk.md). Built from the same
# secure-bindings/disk.c the kernel runs, so both accept the same images.
# Included by the Makefile after HOST_TOOLS and HOST_CFLAGS are defined.
HOST_TOOLS += $(BUILD)/tools/exodisk

$(BUILD)/tools/exodisk: tools/exodisk.c secure-bindings/disk.c secure-bindings/disk.h
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ tools/exodisk.c secure-bindings/disk.c
