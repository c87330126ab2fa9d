/* int_arith: integer hashing loop (adds, xors, shifts, rotates, 32-bit muls). */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

static uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

/* murmur3-style finaliser mixed with an FNV step */
static uint32_t step(uint32_t h, uint32_t k)
{
    k *= 0xcc9e2d51u;
    k = rotl32(k, 15);
    k *= 0x1b873593u;
    h ^= k;
    h = rotl32(h, 13);
    h = h * 5 + 0xe6546b64u;
    h ^= h >> 16;
    h = (h ^ (k & 0xff)) * 16777619u;
    return h;
}

int main(int argc, char **argv)
{
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    long n = (long)(270000000 * scale);
    uint32_t h = 0x12345678u, a = 1, b = 0;
    uint64_t acc = 0;
    for (long i = 0; i < n; i++) {
        h = step(h, (uint32_t)i);
        a += h & 0xffff;
        b += a;
        if ((h & 7) == 0)
            acc += h >> 3;
        else
            acc ^= (uint64_t)h << (i & 31);
    }
    printf("int_arith checksum %08x %08x %016llx\n", h, (a % 65521) | (b % 65521) << 16,
           (unsigned long long)acc);
    return 0;
}
