/* mul64: 64-bit multiplies, 128-bit products (UMULH/SMULH) and modular math. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

typedef unsigned __int128 u128;

/* wyhash-style multiply-fold */
static uint64_t mum(uint64_t a, uint64_t b)
{
    u128 p = (u128)a * b;
    return (uint64_t)p ^ (uint64_t)(p >> 64);
}

/* a * b mod m for m < 2^63, via a 128-bit product */
static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m)
{
    return (uint64_t)((u128)a * b % m);
}

/* Montgomery multiplication modulo an odd m < 2^63 */
struct mont { uint64_t m, minv; };

static uint64_t redc(const struct mont *M, u128 t)
{
    uint64_t q = (uint64_t)t * M->minv;
    u128 s = t + (u128)q * M->m;
    uint64_t r = (uint64_t)(s >> 64);
    return r >= M->m ? r - M->m : r;
}

int main(int argc, char **argv)
{
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    long n = (long)(240000000 * scale);

    uint64_t x = 0x0123456789abcdefull, y = 0xfedcba9876543210ull, acc = 0;
    for (long i = 0; i < n; i++) {
        x = mum(x ^ 0xa0761d6478bd642full, y ^ 0xe7037ed1a0b428dbull);
        y += x * 0x9e3779b97f4a7c15ull;
        int64_t sx = (int64_t)x, sy = (int64_t)y;
        acc += (uint64_t)(((__int128)sx * sy) >> 64);
    }

    /* Montgomery modular exponentiation chain */
    struct mont M = {0x7fffffffffffffe7ull, 0};
    uint64_t inv = 1;
    for (int k = 0; k < 6; k++)
        inv *= 2 - M.m * inv; /* Newton iteration: inv = m^-1 mod 2^64 */
    M.minv = -inv;
    uint64_t r2 = (uint64_t)(((u128)1 << 64) % M.m);
    r2 = mulmod(r2, r2, M.m); /* R^2 mod m */
    uint64_t base = redc(&M, (u128)3 * r2), one = redc(&M, r2), prod = one;
    long m = n / 4;
    for (long i = 0; i < m; i++) {
        prod = redc(&M, (u128)prod * base);
        base = redc(&M, (u128)base * base) ^ (uint64_t)(i & 1);
    }
    uint64_t plain = redc(&M, prod);

    /* divisions by a variable to keep UDIV in the mix */
    uint64_t d = 0, q = y | 1;
    for (long i = 0; i < n / 8; i++)
        d += (x + (uint64_t)i * 0x10001ull) / (q >> (i & 15) | 1);

    printf("mul64 checksum %016llx %016llx %016llx %016llx\n", (unsigned long long)x,
           (unsigned long long)acc, (unsigned long long)plain, (unsigned long long)d);
    return 0;
}
