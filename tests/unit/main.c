/*
 * main.c - runs every registered host unit-test suite with CUnit.
 *
 * Suites register themselves with UNIT_SUITE (unit.h). An optional argument
 * runs only the suite of that name. The last line printed is
 * "unit: N passed, N failed" counting tests, and the exit status is non-zero
 * when any test failed.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "unit.h"

extern const struct unit_suite __start_unit_suites[];
extern const struct unit_suite __stop_unit_suites[];

int main(int argc, char **argv)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (const struct unit_suite *s = __start_unit_suites; s < __stop_unit_suites; s++) {
		if (argc > 1 && strcmp(argv[1], s->name) != 0)
			continue;
		CU_SuiteInfo info[] = {
			{ .pName = s->name, .pTests = s->tests },
			CU_SUITE_INFO_NULL,
		};
		if (CU_register_suites(info) != CUE_SUCCESS) {
			fprintf(stderr, "unit: cannot register suite %s\n", s->name);
			return 2;
		}
	}
	if (argc > 1 && CU_get_registry()->uiNumberOfSuites == 0) {
		fprintf(stderr, "unit: no suite named %s\n", argv[1]);
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned run = CU_get_number_of_tests_run();
	unsigned failed = CU_get_number_of_tests_failed();
	printf("\nunit: %u passed, %u failed\n", run - failed, failed);
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
