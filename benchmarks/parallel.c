/* parallel: the same CPU-bound work (an integer hashing loop in two independent chunks) done
 * by one thread or by two, one chunk each: argv[2] threads (default 1). run.mjs runs it both
 * ways and prints the speed-up; the checksum does not depend on the thread count. The work is
 * long enough (about 7 s of CPU under tsemu) that starting workers for the threads, about
 * 0.7 s of CPU in all (measured), does not decide the speed-up. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHUNKS 2

static long per_chunk;
/* One result per cache line: no false sharing between the threads. */
static struct { uint64_t v; char pad[56]; } result[CHUNKS];

static uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static uint64_t chunk(uint32_t seed)
{
    uint32_t h = 0x12345678u ^ seed, a = 1;
    uint64_t acc = seed;
    for (long i = 0; i < per_chunk; i++) {
        uint32_t k = (uint32_t)i * 0xcc9e2d51u;
        k = rotl32(k, 15) * 0x1b873593u;
        h ^= k;
        h = rotl32(h, 13) * 5 + 0xe6546b64u;
        h ^= h >> 16;
        a += h & 0xffff;
        acc += (uint64_t)h * a;
    }
    return acc ^ h;
}

static void *worker(void *arg)
{
    long c = (long)arg;
    result[c].v = chunk((uint32_t)c);
    return NULL;
}

int main(int argc, char **argv)
{
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    if (threads < 1 || threads > CHUNKS) {
        fprintf(stderr, "parallel: threads must be 1..%d\n", CHUNKS);
        return 2;
    }
    per_chunk = (long)(900000000 * scale);
    pthread_t t[CHUNKS];
    if (threads == 1) {
        for (long c = 0; c < CHUNKS; c++) result[c].v = chunk((uint32_t)c);
    } else {
        for (long c = 0; c < CHUNKS; c++) pthread_create(&t[c], NULL, worker, (void *)c);
        for (int c = 0; c < CHUNKS; c++) pthread_join(t[c], NULL);
    }
    uint64_t sum = 0;
    for (int c = 0; c < CHUNKS; c++) sum = sum * 31 + result[c].v;
    printf("parallel checksum %016llx\n", (unsigned long long)sum);
    return 0;
}
