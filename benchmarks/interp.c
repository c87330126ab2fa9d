/* interp: a switch-dispatched stack bytecode interpreter running a small
 * program (nested loops computing a sieve-like count and a hash). */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

enum op {
    PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, AND, XOR, SHL, SHR,
    LT, JMP, JZ, JNZ, DUP, DROP, SWAP, ALOAD, ASTORE, INC, HALT
};

struct insn { uint8_t op; int32_t arg; };

static int64_t run(const struct insn *code, int64_t *vars, int64_t *arr)
{
    int64_t stack[64];
    int sp = 0, pc = 0;
    for (;;) {
        const struct insn *in = &code[pc++];
        switch (in->op) {
        case PUSH: stack[sp++] = in->arg; break;
        case LOAD: stack[sp++] = vars[in->arg]; break;
        case STORE: vars[in->arg] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case SHL: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] << (stack[sp] & 63)); break;
        case SHR: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] >> (stack[sp] & 63)); break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case JMP: pc = in->arg; break;
        case JZ: if (stack[--sp] == 0) pc = in->arg; break;
        case JNZ: if (stack[--sp] != 0) pc = in->arg; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case DROP: sp--; break;
        case SWAP: { int64_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
        case ALOAD: stack[sp - 1] = arr[stack[sp - 1] & 4095]; break;
        case ASTORE: sp -= 2; arr[stack[sp + 1] & 4095] = stack[sp]; break;
        case INC: vars[in->arg]++; break;
        case HALT: return sp ? stack[sp - 1] : 0;
        default: return -1;
        }
    }
}

int main(int argc, char **argv)
{
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    int64_t outer = (int64_t)(4600 * scale);
    if (outer < 1)
        outer = 1;
    /* vars: 0 = i, 1 = j, 2 = h, 3 = outer limit, 4 = count
     * for (i = 0; i < outer; i++)
     *   for (j = 0; j < 4096; j++) {
     *     h = (h * 31 + (j ^ i)) & 0xffffffff;
     *     arr[j] = arr[j] + (h >> 7);
     *     if (h % 4 == 0) count++;
     *   }
     * return h ^ count ^ arr[i & 4095]
     */
    const struct insn prog[] = {
        /* 0 */ {PUSH, 0}, {STORE, 0},
        /* 2 */ {LOAD, 0}, {LOAD, 3}, {LT, 0}, {JZ, 45},
        /* 6 */ {PUSH, 0}, {STORE, 1},
        /* 8 */ {LOAD, 1}, {PUSH, 4096}, {LT, 0}, {JZ, 42},
        /* 12 */ {LOAD, 2}, {PUSH, 31}, {MUL, 0}, {LOAD, 1}, {LOAD, 0}, {XOR, 0}, {ADD, 0},
        /* 19 */ {PUSH, 1}, {PUSH, 32}, {SHL, 0}, {PUSH, 1}, {SUB, 0}, {AND, 0}, {STORE, 2},
        /* 26 */ {LOAD, 1}, {ALOAD, 0}, {LOAD, 2}, {PUSH, 7}, {SHR, 0}, {ADD, 0}, {LOAD, 1}, {ASTORE, 0},
        /* 34 */ {LOAD, 2}, {PUSH, 4}, {MOD, 0}, {JNZ, 39},
        /* 38 */ {INC, 4},
        /* 39 */ {INC, 1}, {JMP, 8},
        /* 41 */ {HALT, 0},
        /* 42 */ {INC, 0}, {JMP, 2},
        /* 44 */ {HALT, 0},
        /* 45 */ {LOAD, 2}, {LOAD, 4}, {XOR, 0}, {LOAD, 0}, {ALOAD, 0}, {XOR, 0}, {HALT, 0},
    };
    int64_t vars[8] = {0, 0, 0, outer, 0, 0, 0, 0};
    static int64_t arr[4096];
    int64_t r = run(prog, vars, arr);
    int64_t sum = 0;
    for (int k = 0; k < 4096; k++)
        sum += arr[k] * (k + 1);
    printf("interp checksum %lld %lld %lld\n", (long long)r, (long long)vars[4], (long long)sum);
    return 0;
}
