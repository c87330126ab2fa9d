// AdvSIMD integer: shifts by immediate, modified immediates, permutes, element moves, across lanes.
import type { CaseSpec } from '../record.js';
import { A, B, C, D, E } from './simd-int.js';

const sizes: [string, string, number][] = [['8b', '16b', 8], ['4h', '8h', 16], ['2s', '4s', 32], ['', '2d', 64]];
const cases: CaseSpec[] = [];

// ---- shift by immediate
for (const op of ['sshr', 'ushr', 'ssra', 'usra', 'srshr', 'urshr', 'srsra', 'ursra', 'sri']) {
  for (const [t64, t128, es] of sizes) {
    for (const n of [1, es >> 1, es - 1, es]) {
      if (t64) cases.push({ asm: [`${op} v0.${t64}, v1.${t64}, #${n}`], in: { v0: E, v1: A } });
      cases.push({ asm: [`${op} v0.${t128}, v1.${t128}, #${n}`], in: { v0: E, v1: n === 1 ? B : D } });
    }
  }
  for (const n of [1, 63, 64]) cases.push({ asm: [`${op} d0, d1, #${n}`], in: { v0: E, v1: D } });
}
for (const op of ['shl', 'sli', 'sqshl', 'uqshl', 'sqshlu']) {
  for (const [t64, t128, es] of sizes) {
    for (const n of [0, 1, es >> 1, es - 1]) {
      if (t64) cases.push({ asm: [`${op} v0.${t64}, v1.${t64}, #${n}`], in: { v0: E, v1: A } });
      cases.push({ asm: [`${op} v0.${t128}, v1.${t128}, #${n}`], in: { v0: E, v1: n === 1 ? B : D } });
    }
  }
  for (const n of [0, 1, 63]) cases.push({ asm: [`${op} d0, d1, #${n}`], in: { v0: E, v1: C } });
}
for (const op of ['sqshl', 'uqshl', 'sqshlu']) {
  cases.push({ asm: [`${op} b0, b1, #3`], in: { v1: A } }, { asm: [`${op} h0, h1, #1`], in: { v1: B } },
    { asm: [`${op} s0, s1, #31`], in: { v1: '0:0x1' } });
}
const narrow: [string, string, string, number][] = [['8b', '16b', '8h', 8], ['4h', '8h', '4s', 16], ['2s', '4s', '2d', 32]];
for (const op of ['shrn', 'rshrn', 'sqshrn', 'uqshrn', 'sqrshrn', 'uqrshrn', 'sqshrun', 'sqrshrun']) {
  for (const [t64, t128, tw, es] of narrow) {
    for (const n of [1, es >> 1, es]) {
      cases.push({ asm: [`${op} v0.${t64}, v1.${tw}, #${n}`], in: { v0: E, v1: A } });
      cases.push({ asm: [`${op}2 v0.${t128}, v1.${tw}, #${n}`], in: { v0: E, v1: D } });
    }
  }
  if (!op.endsWith('shrn') || op.startsWith('sq') || op.startsWith('uq')) {
    if (op !== 'shrn' && op !== 'rshrn') {
      cases.push({ asm: [`${op} b0, h1, #3`], in: { v1: B } }, { asm: [`${op} s0, d1, #5`], in: { v1: D } });
    }
  }
}
for (const op of ['sshll', 'ushll']) {
  for (const [t64, t128, tw, es] of narrow) {
    for (const n of [0, 1, es - 1]) {
      cases.push({ asm: [`${op} v0.${tw}, v1.${t64}, #${n}`], in: { v1: A } });
      cases.push({ asm: [`${op}2 v0.${tw}, v1.${t128}, #${n}`], in: { v1: D } });
    }
  }
}
cases.push({ asm: ['sxtl v0.8h, v1.8b'], in: { v1: A } }, { asm: ['uxtl2 v0.2d, v1.4s'], in: { v1: D } });

// ---- modified immediate
cases.push(
  { asm: ['movi v0.16b, #0xa5'] }, { asm: ['movi v0.8b, #0xff'] },
  { asm: ['movi v0.4h, #0x12'] }, { asm: ['movi v0.8h, #0x34, lsl #8'] },
  { asm: ['movi v0.2s, #0x56, lsl #16'] }, { asm: ['movi v0.4s, #0x78, lsl #24'] },
  { asm: ['movi v0.4s, #0x9a, msl #8'] }, { asm: ['movi v0.2s, #0xbc, msl #16'] },
  { asm: ['movi d0, #0xff00ff0000ffff00'] }, { asm: ['movi v0.2d, #0x00ffff00ff0000ff'] },
  { asm: ['mvni v0.4h, #0x12'] }, { asm: ['mvni v0.8h, #0x34, lsl #8'] },
  { asm: ['mvni v0.2s, #0x56, lsl #16'] }, { asm: ['mvni v0.4s, #0x78'] },
  { asm: ['mvni v0.4s, #0x9a, msl #8'] }, { asm: ['mvni v0.2s, #0xbc, msl #16'] },
  { asm: ['orr v0.4h, #0x12'] }, { asm: ['orr v0.8h, #0x34, lsl #8'] }, { asm: ['orr v0.2s, #0x56, lsl #16'] },
  { asm: ['orr v0.4s, #0x78, lsl #24'] },
  { asm: ['bic v0.4h, #0x12'] }, { asm: ['bic v0.8h, #0x34, lsl #8'] }, { asm: ['bic v0.2s, #0x56, lsl #16'] },
  { asm: ['bic v0.4s, #0xff, lsl #24'] },
);

// ---- permutes
for (const op of ['zip1', 'zip2', 'uzp1', 'uzp2', 'trn1', 'trn2']) {
  for (const t of ['8b', '16b', '4h', '8h', '2s', '4s', '2d']) cases.push({ asm: [`${op} v0.${t}, v1.${t}, v2.${t}`], in: { v1: A, v2: B } });
}
for (const n of [0, 1, 7]) cases.push({ asm: [`ext v0.8b, v1.8b, v2.8b, #${n}`], in: { v1: A, v2: B } });
for (const n of [0, 3, 8, 15]) cases.push({ asm: [`ext v0.16b, v1.16b, v2.16b, #${n}`], in: { v1: A, v2: B } });
const IDX = '0x3f1e2d0c4b5a6978:0x0f101f202f304001';
for (const op of ['tbl', 'tbx']) {
  for (const t of ['8b', '16b']) {
    cases.push({ asm: [`${op} v0.${t}, {v1.16b}, v5.${t}`], in: { v0: E, v5: IDX } });
    cases.push({ asm: [`${op} v0.${t}, {v1.16b, v2.16b}, v5.${t}`], in: { v0: E, v5: IDX } });
    cases.push({ asm: [`${op} v0.${t}, {v1.16b, v2.16b, v3.16b}, v5.${t}`], in: { v0: E, v5: IDX } });
    cases.push({ asm: [`${op} v0.${t}, {v1.16b, v2.16b, v3.16b, v4.16b}, v5.${t}`], in: { v0: E, v5: IDX } });
  }
}
cases.push({ asm: ['tbl v0.16b, {v31.16b, v0.16b}, v5.16b'], in: { v5: IDX } });

// ---- element moves
cases.push(
  { asm: ['dup v0.8b, v1.b[15]'] }, { asm: ['dup v0.16b, v1.b[3]'] }, { asm: ['dup v0.4h, v1.h[7]'] },
  { asm: ['dup v0.8h, v1.h[2]'] }, { asm: ['dup v0.2s, v1.s[3]'] }, { asm: ['dup v0.4s, v1.s[1]'] },
  { asm: ['dup v0.2d, v1.d[1]'] },
  { asm: ['dup v0.8b, w1'] }, { asm: ['dup v0.16b, w1'] }, { asm: ['dup v0.4h, w1'] }, { asm: ['dup v0.8h, w1'] },
  { asm: ['dup v0.2s, w1'] }, { asm: ['dup v0.4s, w1'] }, { asm: ['dup v0.2d, x1'] },
  { asm: ['dup b0, v1.b[9]'] }, { asm: ['dup h0, v1.h[5]'] }, { asm: ['dup s0, v1.s[3]'] }, { asm: ['mov d0, v1.d[1]'] },
  { asm: ['ins v0.b[13], w1'] }, { asm: ['ins v0.h[6], w1'] }, { asm: ['ins v0.s[2], w1'] }, { asm: ['ins v0.d[1], x1'] },
  { asm: ['ins v0.b[0], v1.b[15]'] }, { asm: ['ins v0.h[7], v1.h[0]'] }, { asm: ['ins v0.s[1], v1.s[2]'] },
  { asm: ['ins v0.d[0], v1.d[1]'] },
  { asm: ['umov w0, v1.b[15]'] }, { asm: ['umov w0, v1.h[4]'] }, { asm: ['umov w0, v1.s[3]'] }, { asm: ['umov x0, v1.d[1]'] },
  { asm: ['smov w0, v1.b[8]'] }, { asm: ['smov w0, v1.h[7]'] }, { asm: ['smov x0, v1.b[15]'] }, { asm: ['smov x0, v1.h[3]'] },
  { asm: ['smov x0, v1.s[3]'] },
);

// ---- across lanes and scalar pairwise
for (const op of ['addv', 'smaxv', 'sminv', 'umaxv', 'uminv', 'saddlv', 'uaddlv']) {
  for (const t of ['8b', '16b', '4h', '8h', '4s']) {
    for (const x of [A, B, D]) {
      const r = op.endsWith('lv') ? { '8b': 'h', '16b': 'h', '4h': 's', '8h': 's', '4s': 'd' }[t] : t.slice(-1);
      cases.push({ asm: [`${op} ${r}0, v1.${t}`], in: { v1: x } });
    }
  }
}
cases.push({ asm: ['addp d0, v1.2d'], in: { v1: A } }, { asm: ['addp d0, v1.2d'], in: { v1: D } });

// The snippet harness overruns its output segment with an even number of cases (see simd-int.ts).
if (cases.length % 2 === 0) cases.push({ asm: ['nop'] });
export default cases;
