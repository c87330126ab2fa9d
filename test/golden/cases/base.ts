// A few cases for the instructions of the skeleton; each group adds its own file.
import type { CaseSpec } from '../record.js';

const cases: CaseSpec[] = [
  { asm: ['movz x0, #0x1234, lsl #16'] },
  { asm: ['movn w1, #0x5'] },
  { asm: ['movk x2, #0xbeef, lsl #48'] },
  { asm: ['add x3, x4, #0xfff'] },
  { asm: ['adds w5, w6, #1'], in: { x6: '0x7fffffff' } },
  { asm: ['subs x7, x8, #1'], in: { x8: '0x0' } },
  { asm: ['cmp x9, #0x10, lsl #12'] },
  { asm: ['add sp, sp, #0x100'] },
  { asm: ['adr x10, .+0x40'] },
  { asm: ['adrp x11, .+0x5000'] },
  { asm: ['b.eq .+8', 'movz x0, #1'], in: { nzcv: '0x40000000' } },
  { asm: ['b.ne .+8', 'movz x0, #1'], in: { nzcv: '0x40000000' } },
  { asm: ['cbz w1, .+8', 'movz x0, #2'], in: { x1: '0x100000000' } },
  { asm: ['tbnz x2, #63, .+8', 'movz x0, #3'], in: { x2: '0x8000000000000000' } },
  { asm: ['bl .+8', 'movz x0, #4'] },
];
export default cases;
