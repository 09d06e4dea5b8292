# tools/lint.mk - `make lint`: static checks of the kernel and the secure
# bindings (exokernel/, secure-bindings/), with zero findings required.
# tools/run-tests.sh runs the same target as the test "lint" in make test.
#
# cppcheck: the warning, portability and performance classes (style is
#   left out: it is opinion, not bugs). Findings that are right but cannot
#   apply are suppressed inline with the reason next to them.
# clang-tidy: the Clang static analyzer (clang-analyzer-*) and bugprone-*,
#   except checks that flag this code's deliberate idioms rather than bugs:
#     bugprone-easily-swappable-parameters  every (uint64_t, uint64_t) ABI call
#     bugprone-reserved-identifier          the freestanding libc (memset, __*)
#     bugprone-narrowing-conversions        checked narrowing of user words
#     bugprone-implicit-widening-of-multiplication-result  page arithmetic
#     bugprone-macro-parentheses            asm and initializer macros
#     bugprone-branch-clone                 parallel cases kept apart on purpose
#     bugprone-assignment-in-if-condition   the `if ((r = f()) < 0)` idiom
#     clang-analyzer-security.insecureAPI.* memcpy/memset flagged for Annex K
#     clang-analyzer-valist.Uninitialized   a va_list received as a parameter
#                                           (kvprintf): the analyzer cannot see
#                                           the caller's va_start
#
# Included by the Makefile (tools/*.mk) after KCFLAGS is defined.
LINT_SRCS := $(shell find exokernel secure-bindings -name '*.c')
CPPCHECK_FLAGS := --quiet --enable=warning,portability,performance --std=c11 --inline-suppr \
	--error-exitcode=1 -Iexokernel/include -Iexokernel -Isecure-bindings \
	-Iexokernel/lib/include -D__x86_64__
TIDY_CHECKS := -*,clang-analyzer-*,bugprone-*,-bugprone-easily-swappable-parameters,$\
	-bugprone-reserved-identifier,-bugprone-narrowing-conversions,$\
	-bugprone-implicit-widening-of-multiplication-result,-bugprone-macro-parentheses,$\
	-bugprone-branch-clone,-bugprone-assignment-in-if-condition,$\
	-clang-analyzer-security.insecureAPI.*,-clang-analyzer-valist.Uninitialized
TIDY_CFLAGS := -std=gnu11 -ffreestanding -nostdinc -isystem $(GCCINC) -Iexokernel/lib/include \
	-Iexokernel/include -Iexokernel -Isecure-bindings

.PHONY: lint
lint:
	$(Q)cppcheck $(CPPCHECK_FLAGS) exokernel secure-bindings
	$(Q)clang-tidy --quiet --warnings-as-errors='*' -checks='$(TIDY_CHECKS)' $(LINT_SRCS) \
		-- $(TIDY_CFLAGS) 2>/dev/null
	@echo "lint: cppcheck and clang-tidy clean on $(words $(LINT_SRCS)) files"
