/*
 * vm - run a virtual machine: the VMM library OS (libos/vmm) for guest
 * memory, vCPUs and devices, the UNIX library OS for files and the
 * terminal (docs/vmm.md).
 *
 *   vm [-m MiB] [-smp N] [-npt] [-check] [-timeout MS] [-kernel FILE]
 *      [-initrd "MOD ARGS,MOD ARGS..."] [-append CMDLINE] [-hda IMG]
 *      [-hdb IMG] [-drive IMG[,ro]]...
 *
 * The options mean what they mean to QEMU. The guest holds the terminal
 * while it runs (raw mode): Ctrl-] x kills it. Exit statuses are listed
 * in usage() below.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "../lib/util.h"
#include "vmm.h"

#define MAX_FILE (512u << 20)

static void usage(void)
{
	fprintf(stderr,
		"usage: vm [-m MiB] [-smp N] [-npt] [-check] [-timeout MS] [-kernel FILE]\n"
		"          [-initrd \"MOD ARGS,MOD ARGS...\"] [-append CMDLINE] [-hda IMG]\n"
		"          [-hdb IMG] [-drive IMG[,ro]]...\n"
		"  -m MiB       guest memory (default 128)\n"
		"  -smp N       vCPUs, 1 to 8 (default 1)\n"
		"  -npt         nested paging (default: shadow paging)\n"
		"  -check       shadow paging with its coherence checker on (debugging)\n"
		"  -timeout MS  end the guest after MS ms of its time\n"
		"  -kernel FILE a multiboot (v1, ELF32) kernel, or a Linux bzImage\n"
		"  -initrd      multiboot modules, each a file and its string, comma-separated;\n"
		"               for Linux, the initrd\n"
		"  -append      the kernel's command line\n"
		"  -hda IMG     the IDE master disk; without -kernel, boot its first sector\n"
		"               in real mode\n"
		"  -hdb IMG     the IDE slave disk\n"
		"  -drive IMG   a virtio block device (up to 4; ,ro: read-only)\n"
		"Ctrl-] x kills the guest. Exit status: (V << 1) | 1 when the guest writes V to\n"
		"port 0xf4; 0 when it powers off or resets; %d triple fault; %d VMM error or bad\n"
		"input; %d killed (Ctrl-] x); %d time limit.\n",
		VM_EXIT_TRIPLE, VM_EXIT_VMM_ERROR, VM_EXIT_KILLED, VM_EXIT_TIMEOUT);
	exit(VM_EXIT_VMM_ERROR);
}

/* The whole of file path in memory (at most max bytes), or exit. */
static void *slurp(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "vm: %s: %s\n", path, strerror(errno));
		exit(VM_EXIT_VMM_ERROR);
	}
	size_t n = st.st_size < (off_t)max ? (size_t)st.st_size : max;
	char *buf = xmalloc(n ? n : 1);
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "vm: %s: %s\n", path,
				r < 0 ? strerror(errno) : "short read");
			exit(VM_EXIT_VMM_ERROR);
		}
		got += (size_t)r;
	}
	close(fd);
	*len = n;
	return buf;
}

/* A disk backed by an image file (struct vdev_disk): 512-byte sectors at
 * byte offset sector * 512; a tail shorter than a sector is not part of
 * the disk. */
struct image {
	int fd;
	const char *path;
};

/* Move count sectors from sector between buf and the image: all of them,
 * or -1. */
static int img_io(struct image *im, uint64_t sector, char *buf, uint32_t count, bool write)
{
	size_t n = (size_t)count * VDEV_SECTOR, done = 0;
	while (done < n) {
		off_t at = (off_t)(sector * VDEV_SECTOR + done);
		ssize_t r = write ? pwrite(im->fd, buf + done, n - done, at)
				  : pread(im->fd, buf + done, n - done, at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

static int img_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
	return img_io(ctx, sector, buf, count, false);
}

static int img_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
	return img_io(ctx, sector, (char *)buf, count, true);
}

static int img_flush(void *ctx)
{
	struct image *im = ctx;
	return fsync(im->fd) < 0 ? -1 : 0;
}

/* "IMG" or "IMG,ro": open the image (exit on failure). */
static struct vdev_disk image(char *arg)
{
	bool ro = false;
	char *comma = strchr(arg, ',');
	if (comma) {
		if (strcmp(comma, ",ro")) {
			fprintf(stderr, "vm: %s: the one drive option is ,ro\n", arg);
			exit(VM_EXIT_VMM_ERROR);
		}
		*comma = 0;
		ro = true;
	}
	struct image *im = xmalloc(sizeof(*im));
	im->path = arg;
	im->fd = open(arg, ro ? O_RDONLY : O_RDWR);
	struct stat st;
	if (im->fd < 0 || fstat(im->fd, &st) < 0) {
		fprintf(stderr, "vm: %s: %s\n", arg, strerror(errno));
		exit(VM_EXIT_VMM_ERROR);
	}
	if (st.st_size < (off_t)VDEV_SECTOR) {
		fprintf(stderr, "vm: %s: shorter than one 512-byte sector\n", arg);
		exit(VM_EXIT_VMM_ERROR);
	}
	return (struct vdev_disk){ .ctx = im,
				   .sectors = (uint64_t)st.st_size / VDEV_SECTOR,
				   .readonly = ro,
				   .read = img_read,
				   .write = img_write,
				   .flush = img_flush };
}

static void con_write(void *ctx, const char *buf, size_t n)
{
	(void)ctx;
	util_write_all(STDOUT_FILENO, buf, n);
}

static size_t con_read(void *ctx, char *buf, size_t max)
{
	(void)ctx;
	ssize_t r = read(STDIN_FILENO, buf, max);
	return r > 0 ? (size_t)r : 0;
}

/* "-initrd": "FILE ARGS,FILE ARGS": each module's string is the whole
 * entry (multiboot's convention: the file name, then its arguments). */
static void modules(struct vm_config *cfg, char *list)
{
	for (char *save = NULL, *e = strtok_r(list, ",", &save); e;
	     e = strtok_r(NULL, ",", &save)) {
		while (*e == ' ')
			e++;
		if (cfg->nmods == VM_MAX_MODULES) {
			fprintf(stderr, "vm: more than %d modules\n", VM_MAX_MODULES);
			exit(VM_EXIT_VMM_ERROR);
		}
		char *file = strdup(e), *sp = strchr(file, ' ');
		if (sp)
			*sp = 0;
		struct vm_module *m = &cfg->mods[cfg->nmods++];
		m->data = slurp(file, MAX_FILE, &m->len);
		m->string = e;
	}
}

int main(int argc, char **argv)
{
	struct vm_config cfg = { .mem_mib = 128, .smp = 1, .cmdline = "" };
	char *kernel = NULL, *hda = NULL, *hdb = NULL, *initrd = NULL;
	util_prog = "vm";
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		bool more = i + 1 < argc;
		if (!strcmp(o, "-npt"))
			cfg.npt = true;
		else if (!strcmp(o, "-check"))
			cfg.check_shadow = true;
		else if (!strcmp(o, "-m") && more)
			cfg.mem_mib = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(o, "-smp") && more)
			cfg.smp = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(o, "-timeout") && more)
			cfg.timeout_ms = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(o, "-kernel") && more)
			kernel = argv[++i];
		else if (!strcmp(o, "-initrd") && more)
			initrd = argv[++i];
		else if (!strcmp(o, "-append") && more)
			cfg.cmdline = argv[++i];
		else if (!strcmp(o, "-hda") && more)
			hda = argv[++i];
		else if (!strcmp(o, "-hdb") && more)
			hdb = argv[++i];
		else if (!strcmp(o, "-drive") && more && cfg.ndrives < VM_MAX_DRIVES)
			cfg.drives[cfg.ndrives++] = image(argv[++i]);
		else
			usage();
	}
	if (kernel) {
		cfg.kernel = slurp(kernel, MAX_FILE, &cfg.kernel_len);
		if (initrd)
			modules(&cfg, initrd);
	} else if (hda) {
		size_t n;
		cfg.bootsect = slurp(hda, 512, &n);
		if (n < 512) {
			fprintf(stderr, "vm: %s: shorter than one 512-byte sector\n", hda);
			return VM_EXIT_VMM_ERROR;
		}
	} else {
		usage();
	}
	if (hda)
		cfg.ide[0] = image(hda);
	if (hdb)
		cfg.ide[1] = image(hdb);
	/* The guest holds the terminal: raw, no echo, no signals. */
	struct termios saved, raw;
	bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
	if (tty) {
		raw = saved;
		raw.c_lflag &= ~(ICANON | ECHO | ISIG);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	int fl = fcntl(STDIN_FILENO, F_GETFL);
	if (fl >= 0)
		fcntl(STDIN_FILENO, F_SETFL, fl | O_NONBLOCK);
	cfg.host = (struct vm_host){ .console_write = con_write, .console_read = con_read };
	char err[256];
	int status = vm_run(&cfg, err, sizeof(err));
	if (fl >= 0)
		fcntl(STDIN_FILENO, F_SETFL, fl);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (err[0])
		fprintf(stderr, "\r\nvm: %s\n", err);
	return status;
}
