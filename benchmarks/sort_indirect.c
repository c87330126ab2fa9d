/* sort_indirect: sorting through comparator function pointers (libc qsort
 * and a hand-written merge sort that calls its comparator indirectly). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define N 100000

struct item { uint32_t key; uint16_t group; char tag[6]; };

typedef int (*cmp_fn)(const void *, const void *);

static int by_key(const void *a, const void *b)
{
    uint32_t x = ((const struct item *)a)->key, y = ((const struct item *)b)->key;
    return (x > y) - (x < y);
}

static int by_group_then_tag(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    int c = memcmp(x->tag, y->tag, sizeof x->tag);
    if (c)
        return c;
    return by_key(a, b);
}

static int by_u32_desc(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x < y) - (x > y);
}

/* stable top-down merge sort on an array of struct item, comparator via pointer */
static void msort(struct item *v, struct item *tmp, size_t n, cmp_fn cmp)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    msort(v, tmp, h, cmp);
    msort(v + h, tmp, n - h, cmp);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = cmp(&v[j], &v[i]) < 0 ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    memcpy(v, tmp, k * sizeof *v);
}

static struct item items[N], tmp[N];
static uint32_t keys[N];

int main(int argc, char **argv)
{
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    int rounds = (int)(30 * scale + 0.5);
    if (rounds < 1)
        rounds = 1;
    uint64_t s = 88172645463325252ull, acc = 0;
    for (int round = 0; round < rounds; round++) {
        for (int i = 0; i < N; i++) {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            items[i].key = (uint32_t)s;
            items[i].group = (uint16_t)((s >> 32) % 97);
            for (int t = 0; t < 6; t++)
                items[i].tag[t] = (char)('a' + (s >> (40 + t * 3)) % 4);
            keys[i] = (uint32_t)(s >> 17);
        }
        qsort(items, N, sizeof items[0], by_key);
        acc += items[N / 3].key;
        msort(items, tmp, N, by_group_then_tag);
        for (int i = 0; i < N; i += 997)
            acc = acc * 31 + items[i].key + items[i].group;
        qsort(keys, N, sizeof keys[0], by_u32_desc);
        acc ^= keys[N / 2] + keys[N - 1];
    }
    for (int i = 1; i < N; i++)
        if (by_group_then_tag(&items[i - 1], &items[i]) > 0) {
            printf("sort_indirect: not sorted\n");
            return 1;
        }
    printf("sort_indirect checksum %016llx\n", (unsigned long long)acc);
    return 0;
}
