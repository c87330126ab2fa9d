// AdvSIMD integer extensions: Armv8.1 RDM (SQRDMLAH/SQRDMLSH) and Armv8.2 DotProd (SDOT/UDOT).
import type { CaseSpec } from '../record.js';
import { A, B, C, D, E } from './simd-int.js';

const cases: CaseSpec[] = [];
for (const op of ['sqrdmlah', 'sqrdmlsh']) {
  for (const t of ['4h', '8h', '2s', '4s']) {
    cases.push({ asm: [`${op} v0.${t}, v1.${t}, v2.${t}`], in: { v0: E, v1: A, v2: B } });
    cases.push({ asm: [`${op} v0.${t}, v1.${t}, v2.${t}`], in: { v0: D, v1: D, v2: D } });
    cases.push({ asm: [`${op} v0.${t}, v1.${t}, v2.${t}`], in: { v0: C, v1: D, v2: C } });
  }
  cases.push({ asm: [`${op} h0, h1, h2`], in: { v0: A, v1: B, v2: B } }, { asm: [`${op} s0, s1, s2`], in: { v0: C, v1: D, v2: D } });
  cases.push({ asm: [`${op} v0.4h, v1.4h, v2.h[7]`], in: { v0: E, v1: A, v2: B } },
    { asm: [`${op} v0.8h, v1.8h, v15.h[0]`], in: { v0: A, v1: B, v15: B } },
    { asm: [`${op} v0.2s, v1.2s, v2.s[3]`], in: { v0: E, v1: D, v2: D } },
    { asm: [`${op} v0.4s, v1.4s, v31.s[1]`], in: { v0: C, v1: D, v31: D } },
    { asm: [`${op} h0, h1, v2.h[3]`], in: { v0: A, v1: B, v2: B } },
    { asm: [`${op} s0, s1, v2.s[2]`], in: { v0: C, v1: D, v2: D } });
}
for (const op of ['sdot', 'udot']) {
  for (const t of ['2s/8b', '4s/16b']) {
    const [td, ts] = t.split('/');
    cases.push({ asm: [`${op} v0.${td}, v1.${ts}, v2.${ts}`], in: { v0: E, v1: A, v2: B } });
    cases.push({ asm: [`${op} v0.${td}, v1.${ts}, v2.${ts}`], in: { v0: D, v1: D, v2: C } });
    cases.push({ asm: [`${op} v0.${td}, v1.${ts}, v2.4b[3]`], in: { v0: E, v1: A, v2: B } });
    cases.push({ asm: [`${op} v0.${td}, v1.${ts}, v17.4b[1]`], in: { v0: D, v1: D, v17: C } });
  }
}
// The snippet harness overruns its output segment with an even number of cases (see simd-int.ts).
if (cases.length % 2 === 0) cases.push({ asm: ['nop'] });
export default cases;
