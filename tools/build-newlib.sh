#!/bin/sh
# Build Debian's newlib-source for the x86_64-elf target with the host gcc.
#
# newlib supplies libc and libm for every user program. Our library OSes
# supply its system-call layer (_write, _read, _sbrk, ...), so newlib is
# configured without its own syscall stubs. Flags follow ../shared/PLATFORM.md:
# freestanding, no red zone (upcalls may land on the user stack), no PIC.
#
# usage: tools/build-newlib.sh BUILD_DIR   (installs into BUILD_DIR/install)
set -eu
out=$(realpath -m "$1")
tarball=/usr/src/newlib/newlib-3.3.0.tar.xz
[ -f "$tarball" ] || { echo "build-newlib: $tarball missing (apt-get install newlib-source)" >&2; exit 1; }
rm -rf "$out/src" "$out/obj" "$out/install"
mkdir -p "$out/src" "$out/obj"
tar -xJf "$tarball" -C "$out/src"
src=$(ls -d "$out"/src/*/ | head -n 1)
cd "$out/obj"
cflags="-ffreestanding -fno-stack-protector -mno-red-zone -fno-pic -fno-pie"
"$src/configure" --target=x86_64-elf --prefix="$out/install" \
	--disable-multilib --disable-newlib-supplied-syscalls \
	--enable-newlib-io-long-long --enable-newlib-io-c99-formats \
	CC_FOR_TARGET="gcc $cflags" AR_FOR_TARGET=ar AS_FOR_TARGET=as \
	LD_FOR_TARGET=ld RANLIB_FOR_TARGET=ranlib NM_FOR_TARGET=nm \
	CFLAGS_FOR_TARGET="-O2 -g" >"$out/configure.log" 2>&1
make -j"$(nproc)" all-target-newlib >"$out/build.log" 2>&1
make install-target-newlib >"$out/install.log" 2>&1
