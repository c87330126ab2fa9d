#!/usr/bin/env bash
# Build every benchmark twice: natively (build/X.native) and as a static
# AArch64 binary (build/X.arm64). Up-to-date outputs are kept; --force rebuilds.
#
# -ffp-contract=off on both sides: AArch64 gcc fuses a*b+c into FMA by default
# and x86-64 gcc does not, which would make floating-point checksums differ.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

force=0
[ "${1:-}" = "--force" ] && force=1

CC_NATIVE=${CC_NATIVE:-gcc}
CC_ARM64=${CC_ARM64:-aarch64-linux-gnu-gcc}
CFLAGS=(-O2 -ffp-contract=off -Wall)

if ! command -v "$CC_NATIVE" >/dev/null; then
    echo "benchmarks/build.sh: $CC_NATIVE not found; install it with: apt-get install gcc" >&2
    exit 1
fi
if ! command -v "$CC_ARM64" >/dev/null; then
    echo "benchmarks/build.sh: $CC_ARM64 not found; install the cross toolchain with:" >&2
    echo "  apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross" >&2
    exit 1
fi

mkdir -p build

# true when $1 is missing or older than the source or this script
stale() { [ $force = 1 ] || [ ! -e "$1" ] || [ "$1" -ot "$2" ] || [ "$1" -ot "$0" ]; }

for src in *.c; do
    name=${src%.c}
    if stale "build/$name.native" "$src"; then
        echo "build    $src -> build/$name.native"
        "$CC_NATIVE" "${CFLAGS[@]}" -o "build/$name.native" "$src" -lm
    fi
    if stale "build/$name.arm64" "$src"; then
        echo "build    $src -> build/$name.arm64 (static)"
        "$CC_ARM64" "${CFLAGS[@]}" -static -o "build/$name.arm64" "$src" -lm
    fi
done
echo "ready    $(ls *.c | wc -l) benchmarks in benchmarks/build"
