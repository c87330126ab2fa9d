/* memstr: libc memcpy/memmove/memset/memcmp/strlen/strcmp/strchr over buffers of many sizes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define BUF (1 << 16)

/* only the sign of strcmp/memcmp is specified; implementations differ in magnitude */
static int sgn(int v) { return (v > 0) - (v < 0); }

static char src[BUF + 64], dst[BUF + 64], strs[64][512];

int main(int argc, char **argv)
{
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    long n = (long)(15000000 * scale);
    uint32_t r = 1;
    for (int i = 0; i < BUF + 64; i++) {
        r = r * 1664525u + 1013904223u;
        src[i] = (char)('a' + (r >> 24) % 26);
    }
    for (int s = 0; s < 64; s++) {
        int len = 8 + (s * 37) % 500;
        memcpy(strs[s], src + s * 100, len);
        strs[s][len] = 0;
        if (s & 1) /* pairs of strings that share long prefixes */
            strs[s][len / 2] = 'A';
    }
    uint64_t acc = 0;
    for (long i = 0; i < n; i++) {
        r = r * 1664525u + 1013904223u;
        size_t len = (r >> 8) % (i & 15 ? 256 : 8192);
        size_t so = (r >> 3) & 31, d0 = (r >> 13) & 31;
        memcpy(dst + d0, src + so, len);
        dst[d0 + len] = 0;
        acc += strlen(dst + d0 + (len >> 1));
        const char *a = strs[i & 63], *b = strs[(i * 7 + 1) & 63];
        acc += (uint64_t)(sgn(strcmp(a, b)) + 1) << (i & 7);
        acc += (uint64_t)(sgn(strncmp(a, strs[i & 62], 200)) + 1) * 3;
        const char *c = strchr(a, 'z');
        acc += c ? (size_t)(c - a) : 0;
        acc += (uint64_t)(sgn(memcmp(src + so, dst + d0, len)) + 1) * 5;
        if ((i & 63) == 0) {
            memmove(dst + 1, dst, 4096);
            memset(dst + 4096, (int)(r & 0x7f), 2048);
            acc += (unsigned char)dst[100] + (unsigned char)dst[5000];
        }
    }
    printf("memstr checksum %016llx\n", (unsigned long long)acc);
    return 0;
}
