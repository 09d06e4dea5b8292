# tools/linux-guest.mk - the Linux guest the VMM boots (docs/vmm.md, "A
# Linux guest"): the kernel of Debian's linux-image-cloud-amd64 and
# busybox-static, fetched with apt-get download by
# tools/bench-fetch-linux.sh (shared with `make bench`, cached under
# build/bench/linux), an initramfs made by tools/linux-guest-initrd.sh,
# and a small ext2 disk for it.
#
#   build/guests/linux/vmlinuz         the bzImage
#   build/guests/linux/initrd.img      busybox, the virtio-mmio block
#                                      modules, its /init
#   build/guests/linux/guest-disk.img  8 MiB ext2: hello.txt, README
#   build/guests/linux/run-linux.sh    the UNIX shell's script for
#                                      `make run-linux` (from
#                                      tools/linux-guest-run.sh)
#
# `make test` needs them (vm_linux boots them in nested and shadow mode).
# The default root file system (tools/rootfs.mk) carries them in /boot.
#
#   make run-linux   `make run`, but the UNIX shell starts with
#                    /boot/run-linux.sh: `vm ... -drive /boot/guest-disk.img`
#                    boots the Linux guest, its busybox shell on this terminal
LINUX_GUEST_DIR := $(BUILD)/guests/linux
LINUX_GUEST_FETCHED := $(BUILD)/bench/linux/.stamp
LINUX_GUEST := $(LINUX_GUEST_DIR)/vmlinuz $(LINUX_GUEST_DIR)/initrd.img \
	$(LINUX_GUEST_DIR)/guest-disk.img
.PHONY: linux-guest run-linux
linux-guest: $(LINUX_GUEST)

# (bench/bench.mk has the rule that fetches into build/bench/linux.)
$(LINUX_GUEST_DIR)/vmlinuz: $(LINUX_GUEST_FETCHED)
	@mkdir -p $(@D)
	cp -L $(BUILD)/bench/linux/vmlinuz $@

$(LINUX_GUEST_DIR)/initrd.img: $(LINUX_GUEST_FETCHED) tools/linux-guest-initrd.sh
	@mkdir -p $(@D)
	tools/linux-guest-initrd.sh $(BUILD)/bench/linux $@

# The guest's disk: ext2 made from a staging tree, checked before use.
$(LINUX_GUEST_DIR)/guest-disk.img: tools/linux-guest.mk
	@mkdir -p $(@D)
	@echo "  DISK    $@"
	$(Q)rm -rf $@.stage $@.tmp && mkdir -p $@.stage
	$(Q)printf 'hello from the guest disk\n' >$@.stage/hello.txt
	$(Q)printf 'The Linux guest'"'"'s disk (tools/linux-guest.mk), on /mnt in the guest.\n' \
		>$@.stage/README
	$(Q)PATH=$$PATH:/sbin:/usr/sbin; \
		truncate -s 8M $@.tmp && \
		mke2fs -q -F -t ext2 -E root_owner=0:0 -L guest -d $@.stage $@.tmp && \
		e2fsck -fn $@.tmp >$@.fsck 2>&1 || { cat $@.fsck; rm -f $@.tmp; exit 1; }
	$(Q)rm -rf $@.stage $@.fsck && mv $@.tmp $@

$(LINUX_GUEST_DIR)/run-linux.sh: tools/linux-guest-run.sh
	@mkdir -p $(@D)
	cp $< $@

# /boot of the default root image: vmlinuz, initrd.img, guest-disk.img,
# run-linux.sh (after the test guests tools/guests.mk put there; a
# ROOT_BOOT_FILES given on the command line wins).
ROOT_BOOT_FILES += $(LINUX_GUEST) $(LINUX_GUEST_DIR)/run-linux.sh

# The ISO of `make run-linux`: the one `make run` boots, but unixd starts
# /bin/sh with the script (module command lines have no quoting, hence a
# file).
LINUX_RUN_ISO := $(BUILD)/iso-run-linux.iso
$(LINUX_RUN_ISO): $(KERNEL) $(UNIXD) tools/mkiso.sh $(BUILD)/disk.key
	tools/mkiso.sh $@ $(KERNEL) "" "$(UNIXD)=unixd /bin/sh /boot/run-linux.sh" \
		$(BUILD)/disk.key=data:/disk.key

run-linux: deps
	@$(MAKE) --no-print-directory all $(LINUX_RUN_ISO)
	@$(MAKE) --no-print-directory disk
	tools/qemu.sh $(LINUX_RUN_ISO) ACCEL=$(ACCEL) SMP=$(SMP) MEM=$(MEM) -- \
		-drive file=$(DISK_IMG),if=virtio,format=raw
