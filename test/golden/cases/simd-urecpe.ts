// URECPE / URSQRTE over the whole input range: out-of-range operands, table edges, and the
// rounding of each estimate (found missing by the SIMD differential test).
import type { CaseSpec } from '../record.js';

const words = ['0x00000000', '0x7fffffff', '0x80000000', '0x80800000', '0xbfffffff', '0xc0000000', '0xffffffff',
  '0x3fffffff', '0x40000000', '0x40800000', '0x5a827999', '0x12345678', '0x9abcdef0', '0xfedcba98', '0xe0000001', '0xa5a5a5a5'];
const v = (i: number) => `0x${words[(i + 3) % 16].slice(2)}${words[(i + 2) % 16].slice(2)}:0x${words[(i + 1) % 16].slice(2)}${words[i % 16].slice(2)}`;

const cases: CaseSpec[] = [];
for (let i = 0; i < 16; i += 4) {
  cases.push({ asm: ['urecpe v0.4s, v1.4s'], in: { v1: v(i) } });
  cases.push({ asm: ['ursqrte v2.4s, v3.4s'], in: { v3: v(i) } });
  cases.push({ asm: ['urecpe v4.2s, v5.2s'], in: { v5: v(i + 1) } });
  cases.push({ asm: ['ursqrte v6.2s, v7.2s'], in: { v7: v(i + 2) } });
}
export default cases;
