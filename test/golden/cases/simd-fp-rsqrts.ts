// FRSQRTS in double precision where a*b overflows but (3 - a*b)/2 does not (found by the
// SIMD differential test): the step is fused, so the result is finite.
import type { CaseSpec } from '../record.js';

const cases: CaseSpec[] = [
  { asm: ['frsqrts v0.2d, v1.2d, v2.2d'], in: { v1: '0x3ff0000000000000:0xc170000000000000', v2: '0x4000000000000000:0x7e70000000000000' } },
  { asm: ['frsqrts d0, d1, d2'], in: { v1: '0x0:0xc066e4a2905c1eb9', v2: '0x0:0xff7fffffc5e637e3' } },
  { asm: ['frsqrts v3.2d, v4.2d, v5.2d'], in: { v4: '0x7fefffffffffffff:0xffefffffffffffff', v5: '0x3ff8000000000000:0x3ff8000000000000' } },
  { asm: ['frsqrts d6, d7, d8'], in: { v7: '0x0:0x7fefffffffffffff', v8: '0x0:0xc000000000000000' } },
  { asm: ['frsqrts d9, d10, d11'], in: { v10: '0x0:0x7ff0000000000000', v11: '0x0:0x3ff0000000000000' } },
];
export default cases;
