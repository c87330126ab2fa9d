// Data processing (immediate): add/sub, moves, PC-relative, logical immediate, bitfield, extract.
import type { CaseSpec } from '../record.js';

/** Edge values for source registers. */
const V = [
  '0x0', '0x1', '0xffffffffffffffff', '0x7fffffff', '0x80000000', '0xffffffff', '0x7fffffffffffffff',
  '0x8000000000000000', '0x123456789abcdef0', '0xfedcba9876543210', '0x00000000ffff8001',
];

const cases: CaseSpec[] = [];
const add = (asm: string | string[], inp?: Record<string, string>) =>
  cases.push({ asm: Array.isArray(asm) ? asm : [asm], ...(inp ? { in: inp } : {}) });

// ---- add/sub immediate (the skeleton's ADD_imm), flags and SP forms
for (const v of ['0x0', '0xffffffffffffffff', '0x7fffffffffffffff', '0x8000000000000000', '0x7fffffff', '0xffffffff', '0x80000000']) {
  add('adds x0, x1, #1', { x1: v });
  add('subs x0, x1, #1', { x1: v });
  add('adds w0, w1, #1', { x1: v });
  add('subs w0, w1, #1', { x1: v });
  add('cmn w1, #0xfff, lsl #12', { x1: v });
  add('cmp x1, #0', { x1: v });
}
add('add w0, w1, #0xfff', { x1: '0xffffffffffffffff' });
add('sub w0, w1, #1', { x1: '0x0' });
add('sub x0, x1, #0xfff, lsl #12', { x1: '0x0' });
add('mov x0, sp');
add('mov sp, x1', { x1: '0x510000' });
add('add w0, wsp, #4', { sp: '0xffffffff00510000' });
add('add wsp, w1, #8', { x1: '0xffffffffffffffff' });
add('sub sp, sp, #0x10');
add('adds x0, sp, #0x10');
add('cmp sp, #0x520, lsl #12');

// ---- moves
add('movz w0, #0xffff, lsl #16');
add('movn x0, #0xffff, lsl #48');
add('movn w0, #0xffff, lsl #16');
add('movk w0, #0x1234, lsl #16', { x0: '0xffffffffffffffff' });
add('movk x0, #0, lsl #32', { x0: '0xffffffffffffffff' });
add('movn x0, #0');

// ---- PC-relative
add('adr x0, .-0x100000');
add('adr x0, .+0xfffff');
add('adrp x0, .-0x100000000');
add('adrp x0, .+0x12345000');

// ---- logical immediate
const masks64 = ['0xff', '0xff00', '0x5555555555555555', '0xfffffffffffffffe', '0x8000000000000000', '0x7fffffffffffffff',
  '0x3ffc', '0x1', '0xaaaaaaaaaaaaaaaa', '0x0f0f0f0f0f0f0f0f', '0xffff0000ffff0000', '0xc000000000000003', '0x1ffffffffffff'];
const masks32 = ['0xff', '0xaaaaaaaa', '0x7fffffff', '0x80000000', '0xfffffffe', '0x0f0f0f0f', '0x80000001', '0xffff'];
for (const op of ['and', 'orr', 'eor', 'ands']) {
  masks64.forEach((m, i) => add(`${op} x0, x1, #${m}`, { x1: V[(i * 3 + 2) % V.length] }));
  masks32.forEach((m, i) => add(`${op} w0, w1, #${m}`, { x1: V[(i * 5 + 1) % V.length] }));
}
add('ands x0, x1, #0xff', { x1: '0xff00' });
add('ands w0, w1, #0x80000000', { x1: '0x80000000' });
add('ands x0, x1, #0x8000000000000000', { x1: '0x8000000000000000', nzcv: '0x30000000' });
add('tst x1, #0x1', { x1: '0x2', nzcv: '0xf0000000' });
add('tst w1, #0xffff0000', { x1: '0xffff0000' });
add('mov x0, #0x5555555555555555');
add('mov w0, #0xfffefffe');
add('and sp, x1, #0xfffffffffffffff0', { x1: '0x51fff8' });
add('orr wsp, w1, #0x10', { x1: '0xffffffff00510000' });
add('eor x0, xzr, #0xfffffffffffffff0');

// ---- bitfield and its aliases
for (const v of V) {
  for (const w of ['x', 'w']) {
    const top = w === 'x' ? 63 : 31;
    add(`lsl ${w}0, ${w}1, #1`, { x1: v });
    add(`lsl ${w}0, ${w}1, #${top}`, { x1: v });
    add(`lsr ${w}0, ${w}1, #1`, { x1: v });
    add(`lsr ${w}0, ${w}1, #${top}`, { x1: v });
    add(`asr ${w}0, ${w}1, #1`, { x1: v });
    add(`asr ${w}0, ${w}1, #${top}`, { x1: v });
    add(`sxtb ${w}0, w1`, { x1: v });
    add(`sxth ${w}0, w1`, { x1: v });
    add(`bfi ${w}0, ${w}1, #4, #12`, { x1: v, x0: '0x0123456789abcdef' });
    add(`bfxil ${w}0, ${w}1, #3, #9`, { x1: v, x0: '0x0123456789abcdef' });
    add(`ubfx ${w}0, ${w}1, #7, #13`, { x1: v });
    add(`sbfx ${w}0, ${w}1, #7, #13`, { x1: v });
    add(`ubfiz ${w}0, ${w}1, #5, #20`, { x1: v });
    add(`sbfiz ${w}0, ${w}1, #5, #20`, { x1: v });
    add(`ror ${w}0, ${w}1, #${top - 4}`, { x1: v });
    add(`extr ${w}0, ${w}1, ${w}2, #${top - 10}`, { x1: v, x2: '0x0f1e2d3c4b5a6978' });
  }
  add('sxtw x0, w1', { x1: v });
  add('uxtb w0, w1', { x1: v });
  add('uxth w0, w1', { x1: v });
  add(`sbfx x0, x1, #31, #33`, { x1: v });
  add(`ubfx x0, x1, #0, #63`, { x1: v });
  add(`sbfx w0, w1, #0, #31`, { x1: v });
}
// Raw forms at the extremes of immr/imms
for (const [r, s] of [[0, 0], [0, 63], [63, 0], [63, 63], [1, 0], [32, 31], [31, 32], [5, 4]]) {
  add(`sbfm x0, x1, #${r}, #${s}`, { x1: '0x8123456789abcdef' });
  add(`ubfm x0, x1, #${r}, #${s}`, { x1: '0x8123456789abcdef' });
  add(`bfm x0, x1, #${r}, #${s}`, { x1: '0x8123456789abcdef', x0: '0x55aa55aa55aa55aa' });
}
for (const [r, s] of [[0, 0], [0, 31], [31, 0], [31, 31], [1, 0], [16, 15], [15, 16]]) {
  add(`sbfm w0, w1, #${r}, #${s}`, { x1: '0xff123456f9abcdef' });
  add(`ubfm w0, w1, #${r}, #${s}`, { x1: '0xff123456f9abcdef' });
  add(`bfm w0, w1, #${r}, #${s}`, { x1: '0xff123456f9abcdef', x0: '0x55aa55aa55aa55aa' });
}
add('bfi x0, x1, #0, #64', { x1: '0x123' });
add('bfxil x0, x0, #8, #8', { x0: '0x0123456789abcdef' });
add('lsl xzr, x1, #3');
add('extr x0, x1, x2, #0', { x1: '0x1', x2: '0x2' });
add('extr w0, w1, w2, #0', { x1: '0x1', x2: '0xffffffff00000002' });
add('extr x0, x1, x2, #63', { x1: '0x8000000000000001', x2: '0x8000000000000000' });
add('extr w0, w1, w2, #31', { x1: '0x80000001', x2: '0xffffffff80000000' });
add('ror x0, x1, #0', { x1: '0x8000000000000001' });

export default cases;
