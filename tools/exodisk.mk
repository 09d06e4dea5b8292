# build/tools/exodisk: the host tool that formats and maintains disk images
# carrying the block-ownership region (docs/disk.md). Built from the same
# secure-bindings/disk.c the kernel runs, so both accept the same images.
# Included by the Makefile after HOST_TOOLS and HOST_CFLAGS are defined.
HOST_TOOLS += $(BUILD)/tools/exodisk

# The XN typing of ext2 images runs the UNIX libOS's own UDF programs
# (libos/unix/fs/ext2_udf.c) through the kernel's interpreter.
EXODISK_SRCS := tools/exodisk.c tools/exodisk_ext2.c secure-bindings/disk.c \
	secure-bindings/udf.c libos/unix/fs/ext2_udf.c
$(BUILD)/tools/exodisk: $(EXODISK_SRCS) tools/exodisk_ext2.h secure-bindings/disk.h \
		secure-bindings/udf.h libos/unix/fs/ext2_udf.h
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	$(Q)$(CC) $(HOST_CFLAGS) -Ilibos/unix/fs -Itools -o $@ $(EXODISK_SRCS)

# The disk owner key of the system's own libOS: made once, kept across
# rebuilds (a new key would lose the blocks the old one owns), handed to
# the first program as the data boot module /disk.key.
DISK_KEY := $(BUILD)/disk.key
HOST_TOOLS += $(DISK_KEY)
$(DISK_KEY): | $(BUILD)/tools/exodisk
	$(Q)$(BUILD)/tools/exodisk newkey $@
