# tools/posix.mk - newlib's libc/posix as $(LIBPOSIX) (build/user/libposix.a).
#
# The x86_64-elf configuration of newlib (tools/build-newlib.sh) leaves
# libc/posix out of libc.a. This fragment compiles the parts our libOSes
# can back straight from the unpacked newlib source: regular expressions
# (regcomp/regexec/regerror/regfree), fnmatch, glob, directory streams
# (opendir/readdir/scandir/..., over getdents() and the DIR of
# libos/unix/include/sys/dirent.h), the exec*() family over execve(),
# sleep/usleep over nanosleep(), creat, popen and wordexp.
#
# Left out: isatty.c and _isatty.c (the UNIX libOS defines isatty), execve.c
# (so does it execve), posix_spawn.c (needs execvpe and sched_*, which no one
# provides).
#
# Included by the Makefile (tools/*.mk) after BUILD, CC, UCFLAGS, NEWLIB
# and Q are defined. The Makefile puts $(LIBPOSIX) in ULIBS after libunix.

LIBPOSIX ?= $(BUILD)/user/libposix.a

POSIX_NAMES := closedir collate collcmp creat dirfd execl execle execlp execv execvp \
	fnmatch glob opendir popen readdir readdir_r regcomp regerror regexec regfree \
	rewinddir scandir seekdir sleep telldir usleep wordexp wordfree
POSIX_OBJS := $(patsubst %,$(BUILD)/user/newlib-posix/%.o,$(POSIX_NAMES))

# The unpacked source is only known once newlib is built, so the recipe
# finds it (tools/build-newlib.sh unpacks the tarball's one top directory).
POSIX_SRC = $$(ls -d $(BUILD)/newlib/src/*/newlib/libc/posix | head -n 1)

# Third-party code: the user flags without our warning policy, plus the
# defines newlib's own build uses (libc/posix/Makefile.am's -D_GNU_SOURCE,
# configure.host's -fno-builtin -D__NO_SYSCALLS__ -DMISSING_SYSCALL_NAMES).
# HAVE_OPENDIR stays undefined: it would compile the directory code away.
# HAVE_NANOSLEEP builds sleep.c and usleep.c.
POSIX_CFLAGS := $(filter-out -Werror -Wall -Wextra,$(UCFLAGS)) -w -fno-builtin \
	-D_GNU_SOURCE -D_COMPILING_NEWLIB -D__NO_SYSCALLS__ -DMISSING_SYSCALL_NAMES \
	-DHAVE_NANOSLEEP

# The exec*() files call _execve; our libOS names it execve (as newlib's
# MISSING_SYSCALL_NAMES does through _syslist.h, which these files do not
# include).
$(patsubst %,$(BUILD)/user/newlib-posix/%.o,execl execle execv): POSIX_EXTRA := -D_execve=execve
# dirfd.c expects <sys/dirent.h> to define __dirfd, as newlib's
# per-system headers do.
$(BUILD)/user/newlib-posix/dirfd.o: POSIX_EXTRA := '-D__dirfd(dp)=((dp)->dd_fd)'

$(BUILD)/user/newlib-posix/%.o: $(NEWLIB)/.stamp
	@mkdir -p $(@D)
	@echo "  CC      newlib/libc/posix/$*.c"
	$(Q)src=$(POSIX_SRC); $(CC) $(POSIX_CFLAGS) $(POSIX_EXTRA) -I$$src -c $$src/$*.c -o $@

$(LIBPOSIX): $(POSIX_OBJS)
	@rm -f $@
	ar rcs $@ $^
