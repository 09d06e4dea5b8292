# tools/rootfs.mk - the UNIX libOS's root file system: an ext2 image made
# by mke2fs from a staging tree (tools/mkroot.sh), placed on the system
# disk for the system's disk owner key with `exodisk place` (docs/disk.md);
# the libOS finds it with exo_disk_info (fs_start, fs_blocks).
#
#   make disk        make $(DISK_IMG) with the root file system on it, or
#                    bring its /bin /boot /docs /extra up to date in place
#                    (tools/refresh-root.sh; everything else on it is kept)
#   make fsck        e2fsck -fn the root file system inside $(DISK_IMG)
#   make clean-disk  remove $(DISK_IMG), so the next `make disk` starts afresh
#   make root-img    only the image, $(ROOT_IMG)
#
#   ROOT_MIB=128           the image's size (a new disk only: a refresh keeps
#                          the placed image's size)
#   ROOT_BOOT_FILES="F..." files for /boot (guest kernels)
#   EXTRA=DIR              DIR's files, recursively, for /extra
#
# Included by the Makefile (tools/*.mk) after BUILD, Q, APP_BINS, DISK_KEY,
# HOST_TOOLS, DISK_IMG, DISK_MIB and EXTRA are defined, and after
# tools/exodisk.mk (the rules for $(BUILD)/tools/exodisk and $(DISK_KEY)).
ROOT_MIB ?= 128
ROOT_BOOT_FILES ?=
ROOT_STAGE ?= $(BUILD)/root
ROOT_IMG ?= $(BUILD)/root.img

# What the image is made of besides the prerequisites' contents, in one
# file rewritten only when it changes: a new ROOT_MIB or EXTRA, a program,
# doc or boot file added or removed, and EXTRA's tree by a digest of its
# names, types, sizes, times and modes (so names with spaces work too).
# Make compares the file's time after the recipe, so an unchanged one
# remakes nothing.
ROOT_DOCS := $(wildcard docs/*.md) README.md
ROOT_EXTRA_SUM := $(if $(EXTRA),$(shell find $(EXTRA) -printf '%P %y %s %T@ %m %l\n' 2>&1 | \
	LC_ALL=C sort | sha256sum | cut -c 1-16))
ROOT_CFG_TEXT := mib=$(ROOT_MIB) bins=$(APP_BINS) boot=$(ROOT_BOOT_FILES) \
	docs=$(ROOT_DOCS) extra=$(EXTRA) $(ROOT_EXTRA_SUM)
.PHONY: root-cfg-force
$(ROOT_IMG).cfg: root-cfg-force
	$(shell mkdir -p $(@D))$(file >$@.new,$(ROOT_CFG_TEXT))
	@cmp -s $@.new $@ && rm -f $@.new || mv -f $@.new $@

$(ROOT_IMG): tools/mkroot.sh tools/rootfs.mk $(ROOT_IMG).cfg $(APP_BINS) $(ROOT_DOCS) \
		$(ROOT_BOOT_FILES)
	@echo "  ROOT    $@"
	$(Q)tools/mkroot.sh $(ROOT_STAGE) $@ $(ROOT_MIB) "$(EXTRA)" "$(APP_BINS)" "$(ROOT_BOOT_FILES)"

.PHONY: root-img disk fsck clean-disk
root-img: $(ROOT_IMG)

disk: $(ROOT_IMG) tools/refresh-root.sh $(BUILD)/tools/exodisk $(DISK_KEY)
	$(Q)tools/refresh-root.sh disk $(BUILD)/tools/exodisk $(DISK_IMG) $(DISK_MIB) \
		$(DISK_KEY) $(ROOT_IMG) $(ROOT_STAGE)

fsck: tools/refresh-root.sh $(BUILD)/tools/exodisk
	$(Q)tools/refresh-root.sh fsck $(BUILD)/tools/exodisk $(DISK_IMG) $(DISK_KEY)

clean-disk:
	rm -f $(DISK_IMG) $(DISK_IMG).root-stamp $(DISK_IMG).root.*
