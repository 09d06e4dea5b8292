/*
 * module.c - data boot modules: the kernel lists them in the sysinfo
 * window and gives their frames to the first boot program, which maps
 * them like any frame it owns (docs/abi.md, "Read-only windows").
 */
#include <string.h>

#include <exo/calls.h>
#include <exo/libexo.h>

const struct exo_module *exo_module_find(const char *name)
{
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	for (uint32_t i = 0; i < si->nmodules && i < EXO_MAX_MODULES; i++)
		if (strcmp(si->module[i].name, name) == 0)
			return &si->module[i];
	return NULL;
}

const void *exo_module_map(const struct exo_module *m, uint64_t va)
{
	uint64_t pages = (m->bytes + 4095) / 4096;
	for (uint64_t i = 0; i < pages; i++)
		if (exo_page_map(EXO_AS_SELF, va + i * 4096, m->frame + i, EXO_PERM_R) < 0)
			return NULL;
	return (const void *)va;
}
