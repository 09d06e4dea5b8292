/*
 * virtio_mmio.h - the virtio-mmio transport's register offsets and device
 * status bits (virtio 1.1 §4.2.2, §2.1), for the guests that drive a
 * virtio block device (virtio_blk.c, devfuzz.c).
 */
#ifndef GUEST_VIRTIO_MMIO_H
#define GUEST_VIRTIO_MMIO_H

#define R_MAGIC	   0x000
#define R_VERSION  0x004
#define R_DEVID	   0x008
#define R_VENDOR   0x00C
#define R_DFEAT	   0x010
#define R_DFEATSEL 0x014
#define R_GFEAT	   0x020
#define R_GFEATSEL 0x024
#define R_QSEL	   0x030
#define R_QNUMMAX  0x034
#define R_QNUM	   0x038
#define R_QREADY   0x044
#define R_QNOTIFY  0x050
#define R_ISR	   0x060
#define R_IACK	   0x064
#define R_STATUS   0x070
#define R_QDESCLO  0x080
#define R_QDESCHI  0x084
#define R_QDRVLO   0x090
#define R_QDRVHI   0x094
#define R_QDEVLO   0x0A0
#define R_QDEVHI   0x0A4
#define R_CFGGEN   0x0FC
#define R_CONFIG   0x100

#define S_ACK	      1
#define S_DRIVER      2
#define S_DRIVER_OK   4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 0x40
#define S_FAILED      128

#endif
