# tools/ext2.mk - the UNIX libOS's file-system core (libos/unix/fs/: the
# buffer cache and ext2, docs/unix-libos.md). It touches no hardware, so it
# goes into the host unit tests (tests/unit/test_ext2_*.c run it against
# images made by mke2fs and judged by e2fsck) and into libunix.a, built
# against newlib like the rest of the libOS.
#
# Included by the Makefile (tools/*.mk) after UNIT_SRCS, UNIT_CFLAGS,
# LIBUNIX and the unit-test rules are defined: UNIT_SRCS and UNIT_CFLAGS are
# used in recipes, so appending here reaches them; prerequisites are added
# with rules of their own.
EXT2_SRCS := $(wildcard libos/unix/fs/*.c)
EXT2_HDRS := $(wildcard libos/unix/fs/*.h)

UNIT_SRCS += $(EXT2_SRCS)
UNIT_CFLAGS += -Ilibos/unix/fs
$(BUILD)/unit/run-tests $(BUILD)/unit/run-tests-san: $(EXT2_SRCS) $(EXT2_HDRS)

$(LIBUNIX): $(patsubst %,$(BUILD)/user/%.o,$(EXT2_SRCS))
