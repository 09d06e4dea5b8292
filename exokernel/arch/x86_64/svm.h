/*
 * svm.h - AMD SVM on this CPU (svm.c, svm.S; AMD APM vol. 2 ch. 15).
 */
#ifndef ARCH_SVM_H
#define ARCH_SVM_H

#include <stdbool.h>
#include <stdint.h>

#include "vmcb.h"

/* Whether every CPU can run guests, and what they support (checks). */
extern bool svm_available;
extern struct sb_vmcb_host svm_caps;
/* The kernel's I/O and MSR permission maps (every port, every MSR but the
 * safe list intercepted): physical addresses for the VMCB. */
extern uint64_t svm_iopm_pa, svm_msrpm_pa;

/* Turn SVM on for this CPU (EFER.SVME, host save area). The bootstrap
 * processor's call also decides svm_available and builds the maps. */
void svm_cpu_init(void);
void svm_vmrun(uint64_t vmcb_pa, uint64_t *gpr, uint64_t host_pa);

#endif
