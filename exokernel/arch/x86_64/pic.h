/* pic.h - legacy 8259A interrupt controllers (pic.c). */
#ifndef ARCH_PIC_H
#define ARCH_PIC_H

#include <stdbool.h>

void pic_init(void);
void pic_disable(void);
void pic_unmask(unsigned irq);
void pic_eoi(unsigned irq);
bool pic_spurious(unsigned irq);

#endif
