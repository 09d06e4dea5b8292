# tests/fuzz/fuzz.mk - build and run rules for the system-call fuzzer
# (tests/fuzz/README.md). Included by the top-level Makefile after the
# rule that builds tests/integration/NAME.c:
#
#     include tests/fuzz/fuzz.mk
#
#   make fuzz SECONDS=N [SEED=S] [VERBOSE=1]   one fuzz run of N seconds
#   make fuzz SEED=S CALLS=N [VERBOSE=1]       replay: the first N calls of seed S
#   make test-long                             also fuzzes for FUZZ_LONG_SECONDS
#
# A run is the integration test fuzz1 (tests/integration/fuzz1.test),
# parameterised through FUZZ_SEED, FUZZ_CALLS, FUZZ_SECONDS and FUZZ_VERBOSE;
# make test runs fuzz1..fuzz4 with their fixed defaults.

# All of tests/fuzz/*.c is one program, build/tests/fuzz.
FUZZ_SRCS := $(wildcard tests/fuzz/*.c)
FUZZ_OBJS := $(patsubst %,$(BUILD)/user/%.o,$(FUZZ_SRCS))
FUZZ_PROG := $(BUILD)/tests/fuzz
$(FUZZ_PROG): $(FUZZ_OBJS) $(CRT0) $(ULIBS)
	@mkdir -p $(@D)
	$(call link-user,$@,$(FUZZ_OBJS))
all: $(FUZZ_PROG)

SECONDS ?= 60
SEED ?= $(shell date +%s)
CALLS ?= 0
FUZZ_LONG_SECONDS ?= 900
FUZZ_SMP ?= 1
.PHONY: fuzz fuzz-long
# SECONDS is bash's clock: keep it out of the runner's environment.
fuzz: deps
	@$(MAKE) --no-print-directory all
	env -u SECONDS FUZZ_SMP=$(FUZZ_SMP) FUZZ_SEED=$(SEED) FUZZ_CALLS=$(CALLS) \
		FUZZ_SECONDS=$(if $(filter 0,$(CALLS)),$(SECONDS),0) \
		FUZZ_VERBOSE=$(if $(VERBOSE),v,) TEST_RUN_DIR=$(BUILD)/fuzz tools/run-tests.sh fuzz1
fuzz-long: deps
	@$(MAKE) --no-print-directory all
	env -u SECONDS FUZZ_SMP=$(FUZZ_SMP) FUZZ_SEED=$(SEED) FUZZ_CALLS=0 FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) \
		TEST_RUN_DIR=$(BUILD)/fuzz tools/run-tests.sh fuzz1
test-long: fuzz-long
