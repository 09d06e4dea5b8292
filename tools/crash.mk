# tools/crash.mk - `make crash-test`: the crash test of the disk ownership
# region (tests/integration/crash.sh, docs/crash.md "The ownership-region
# crash test") at CRASH_TEST_POINTS crash points, CRASH_TEST_JOBS boots at
# a time, then the UNIX file system's (tests/integration/unix_crash.sh) at
# as many points, and 20 rounds of killing QEMU (unix_kill.sh); `make
# test-long` runs it. `make test` runs the same
# scripts with their default of 24 points as the integration tests "crash"
# and "unix_crash".
#
#   make crash-test                        200 points, files in build/crash-test
#   make crash-test CRASH_TEST_POINTS=500 CRASH_SEED=7
#
# Included by the Makefile (tools/*.mk) after its deps and all targets.
CRASH_TEST_POINTS ?= 200
CRASH_TEST_JOBS ?= 2

.PHONY: crash-test
crash-test: deps
	@$(MAKE) --no-print-directory all
	CRASH_POINTS=$(CRASH_TEST_POINTS) CRASH_JOBS=$(CRASH_TEST_JOBS) RUN_DIR=$(BUILD)/crash-test \
		bash tests/integration/crash.sh
	CRASH_POINTS=$(CRASH_TEST_POINTS) RUN_DIR=$(BUILD)/crash-test-unix \
		bash tests/integration/unix_crash.sh
	KILL_ROUNDS=20 RUN_DIR=$(BUILD)/crash-test-kill bash tests/integration/unix_kill.sh
test-long: crash-test
