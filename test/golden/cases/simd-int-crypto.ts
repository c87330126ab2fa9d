// Cryptographic extension (AES, SHA1, SHA256, PMULL .1q), recorded under qemu -cpu max.
import type { CaseSpec } from '../record.js';
import { A, B, C, D } from './simd-int.js';

const P = '0x0123456789abcdef:0xfedcba9876543210';
const Q = '0x243f6a8885a308d3:0x13198a2e03707344';
const cases: CaseSpec[] = [];
for (const [x, y] of [[A, B], [P, Q], [C, D]]) {
  cases.push(
    { asm: ['aese v0.16b, v1.16b'], in: { v0: x, v1: y } }, { asm: ['aesd v0.16b, v1.16b'], in: { v0: x, v1: y } },
    { asm: ['aesmc v0.16b, v1.16b'], in: { v1: x } }, { asm: ['aesimc v0.16b, v1.16b'], in: { v1: y } },
    { asm: ['sha1c q0, s1, v2.4s'], in: { v0: x, v1: y, v2: P } }, { asm: ['sha1p q0, s1, v2.4s'], in: { v0: x, v1: y, v2: Q } },
    { asm: ['sha1m q0, s1, v2.4s'], in: { v0: x, v1: y, v2: P } }, { asm: ['sha1h s0, s1'], in: { v1: x } },
    { asm: ['sha1su0 v0.4s, v1.4s, v2.4s'], in: { v0: x, v1: y, v2: Q } }, { asm: ['sha1su1 v0.4s, v1.4s'], in: { v0: x, v1: y } },
    { asm: ['sha256h q0, q1, v2.4s'], in: { v0: x, v1: y, v2: P } }, { asm: ['sha256h2 q0, q1, v2.4s'], in: { v0: x, v1: y, v2: Q } },
    { asm: ['sha256su0 v0.4s, v1.4s'], in: { v0: x, v1: y } }, { asm: ['sha256su1 v0.4s, v1.4s, v2.4s'], in: { v0: x, v1: y, v2: P } },
    { asm: ['pmull v0.1q, v1.1d, v2.1d'], in: { v1: x, v2: y } }, { asm: ['pmull2 v0.1q, v1.2d, v2.2d'], in: { v1: x, v2: y } },
  );
}
cases.push({ asm: ['aese v0.16b, v1.16b', 'aesmc v0.16b, v0.16b', 'aesd v2.16b, v1.16b', 'aesimc v2.16b, v2.16b'] });
// The snippet harness overruns its output segment with an even number of cases (see simd-int.ts).
if (cases.length % 2 === 0) cases.push({ asm: ['nop'] });
export default cases;
