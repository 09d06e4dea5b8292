# run-linux.sh - not a host script: `make run-linux` (tools/linux-guest.mk)
# copies it to /boot of the UNIX root file system, and the UNIX shell runs
# it as init. It boots the Linux guest of /boot with its ext2 disk; the
# guest's busybox shell is the console until `poweroff -f` in it (Ctrl-]
# x kills it), and then the UNIX shell is (`poweroff` ends the system).
vm -m 256 -kernel /boot/vmlinuz -initrd /boot/initrd.img -append "console=ttyS0" -drive /boot/guest-disk.img
echo "run-linux: vm status $?; the UNIX shell follows (poweroff ends the system)"
sh
