# tools/linux-guest.mk - the Linux guest the VMM boots (docs/vmm.md, "A
# Linux guest"): the kernel of Debian's linux-image-cloud-amd64 and
# busybox-static, fetched with apt-get download by
# tools/bench-fetch-linux.sh (shared with `make bench`, cached under
# build/bench/linux), and an initramfs made by tools/linux-guest-initrd.sh.
#
#   build/guests/linux/vmlinuz     the bzImage
#   build/guests/linux/initrd.img  busybox and its /init
#
# `make test` needs them (vm_linux boots them in nested and shadow mode).
LINUX_GUEST_DIR := $(BUILD)/guests/linux
LINUX_GUEST_FETCHED := $(BUILD)/bench/linux/.stamp
LINUX_GUEST := $(LINUX_GUEST_DIR)/vmlinuz $(LINUX_GUEST_DIR)/initrd.img
.PHONY: linux-guest
linux-guest: $(LINUX_GUEST)

# (bench/bench.mk has the rule that fetches into build/bench/linux.)
$(LINUX_GUEST_DIR)/vmlinuz: $(LINUX_GUEST_FETCHED)
	@mkdir -p $(@D)
	cp -L $(BUILD)/bench/linux/vmlinuz $@

$(LINUX_GUEST_DIR)/initrd.img: $(LINUX_GUEST_FETCHED) tools/linux-guest-initrd.sh
	@mkdir -p $(@D)
	tools/linux-guest-initrd.sh $(BUILD)/bench/linux $@
