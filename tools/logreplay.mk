# build/tools/logreplay: rebuilds disk images from a QEMU blklogwrites write
# log, as they would be after a power cut at any point of the recorded run
# (docs/crash.md; tested by tests/host/logreplay.sh). Plain libc, no project
# sources. Included by the Makefile after HOST_TOOLS and HOST_CFLAGS are defined.
HOST_TOOLS += $(BUILD)/tools/logreplay

$(BUILD)/tools/logreplay: tools/logreplay.c
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ $<
