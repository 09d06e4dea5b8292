# Run by the UNIX shell as init in the unix_vm test: vm reads guests from
# the file system (/boot) and its exit status reaches the shell.
# The console input the test types ahead (Ctrl-] x) kills the first guest.
vm -m 16 -kernel /boot/exitcode.elf -append status=1
echo "unix_vm: killed status $?"
vm -kernel /boot/exitcode.elf -append status=7
echo "unix_vm: exitcode shadow status $?"
vm -npt -m 16 -kernel /boot/exitcode.elf -append "status=9"
echo "unix_vm: exitcode npt status $?"
vm -m 8 -hda /boot/bootsect.img
echo "unix_vm: bootsect status $?"
vm -m 32 -kernel /boot/paging.elf
echo "unix_vm: paging status $?"
vm -kernel /bin/echo
echo "unix_vm: not multiboot status $?"
vm -kernel /boot/nonexistent.elf
echo "unix_vm: missing file status $?"
vm -smp 2 -kernel /boot/exitcode.elf
echo "unix_vm: two vCPUs status $?"
vm -m 4096 -kernel /boot/exitcode.elf
echo "unix_vm: too much memory status $?"
vm -bogus
echo "unix_vm: bad option status $?"
# Two VMs at once, each in its own process (and environment).
{ vm -m 16 -kernel /boot/exitcode.elf -append status=3; echo "unix_vm: first of two status $?"; } &
{ vm -npt -m 16 -kernel /boot/exitcode.elf -append status=5; echo "unix_vm: second of two status $?"; } &
wait
echo "TEST-END pass"
