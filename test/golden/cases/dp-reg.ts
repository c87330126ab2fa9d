// Data processing (register): logical/add/sub shifted and extended, carry, conditional compare
// and select, 1-source, 2-source (divide, variable shifts, CRC32), 3-source (multiply).
import type { CaseSpec } from '../record.js';

const V = [
  '0x0', '0x1', '0xffffffffffffffff', '0x7fffffff', '0x80000000', '0xffffffff', '0x7fffffffffffffff',
  '0x8000000000000000', '0x123456789abcdef0', '0xfedcba9876543210', '0x00000000ffff8001',
];
/** Pairs of operands that hit carries, overflows and zero results. */
const PAIRS: [string, string][] = [
  ['0x0', '0x0'], ['0xffffffffffffffff', '0x1'], ['0x7fffffffffffffff', '0x1'], ['0x8000000000000000', '0x8000000000000000'],
  ['0x8000000000000000', '0x1'], ['0x7fffffff', '0x1'], ['0xffffffff', '0x1'], ['0x80000000', '0x80000000'],
  ['0x123456789abcdef0', '0xfedcba9876543210'], ['0x1', '0x2'], ['0x5', '0x5'], ['0xffffffff80000000', '0x7fffffff'],
];
const NZCV = ['0x0', '0x20000000', '0xf0000000', '0x40000000', '0x90000000', '0x10000000', '0x80000000', '0x60000000'];

const cases: CaseSpec[] = [];
const add = (asm: string | string[], inp?: Record<string, string>) =>
  cases.push({ asm: Array.isArray(asm) ? asm : [asm], ...(inp ? { in: inp } : {}) });

// ---- logical, shifted register
for (const op of ['and', 'bic', 'orr', 'orn', 'eor', 'eon', 'ands', 'bics']) {
  V.forEach((v, i) => {
    const x2 = V[(i * 7 + 3) % V.length];
    add(`${op} x0, x1, x2`, { x1: v, x2 });
    add(`${op} w0, w1, w2`, { x1: v, x2 });
  });
  for (const sh of ['lsl #1', 'lsr #63', 'asr #17', 'ror #40']) add(`${op} x0, x1, x2, ${sh}`, { x1: '0xf0f0f0f0ff00ff00', x2: '0x8000000180000001' });
  for (const sh of ['lsl #31', 'lsr #1', 'asr #31', 'ror #7']) add(`${op} w0, w1, w2, ${sh}`, { x1: '0xf0f0f0f0ff00ff00', x2: '0x8000000180000001' });
}
add('ands x0, x1, x2', { x1: '0xf0', x2: '0x0f', nzcv: '0x30000000' });
add('bics w0, w1, w2', { x1: '0x80000000', x2: '0x0', nzcv: '0x70000000' });
add('tst w1, w2, lsl #4', { x1: '0x10000000', x2: '0x1' });
add('mov x0, x1', { x1: '0xfedcba9876543210' });
add('mov w0, w1', { x1: '0xfedcba9876543210' });
add('mvn x0, x1, ror #4', { x1: '0xfedcba9876543210' });
add('mvn w0, w1', { x1: '0xfedcba9876543210' });
add('orr x0, xzr, x1, lsl #3', { x1: '0xfedcba9876543210' });

// ---- add/sub, shifted register
for (const op of ['add', 'adds', 'sub', 'subs']) {
  for (const [a, b] of PAIRS) {
    add(`${op} x0, x1, x2`, { x1: a, x2: b });
    add(`${op} w0, w1, w2`, { x1: a, x2: b });
  }
  add(`${op} x0, x1, x2, lsl #63`, { x1: '0x8000000000000000', x2: '0x1' });
  add(`${op} x0, x1, x2, lsr #1`, { x1: '0x1', x2: '0xffffffffffffffff' });
  add(`${op} x0, x1, x2, asr #63`, { x1: '0x1', x2: '0x8000000000000000' });
  add(`${op} w0, w1, w2, lsl #31`, { x1: '0x80000000', x2: '0x1' });
  add(`${op} w0, w1, w2, lsr #31`, { x1: '0xffffffff', x2: '0x80000000' });
  add(`${op} w0, w1, w2, asr #4`, { x1: '0x0', x2: '0x80000000' });
}
add('neg x0, x1', { x1: '0x8000000000000000' });
add('negs w0, w1', { x1: '0x80000000' });
add('negs x0, x1', { x1: '0x0' });
add('cmp w1, w2', { x1: '0x7fffffff', x2: '0xffffffff' });
add('cmn x1, x2', { x1: '0x7fffffffffffffff', x2: '0x7fffffffffffffff' });

// ---- add/sub, extended register (including SP)
const exts = ['uxtb', 'uxth', 'uxtw', 'uxtx', 'sxtb', 'sxth', 'sxtw', 'sxtx'];
exts.forEach((ext, i) => {
  const r = ext.endsWith('x') ? 'x2' : 'w2';
  const sh = i % 5;
  add(`add x0, x1, ${r}, ${ext} #${sh}`, { x1: '0x1000', x2: '0xfedcba9876548281' });
  add(`adds x0, x1, ${r}, ${ext}`, { x1: '0xffffffffffffff80', x2: '0x80808080' });
  add(`sub x0, x1, ${r}, ${ext} #${4 - sh}`, { x1: '0x1000', x2: '0xfedcba9876548281' });
  add(`subs x0, x1, ${r}, ${ext}`, { x1: '0x80', x2: '0x80808080' });
  add(`add w0, w1, w2, ${ext} #${sh}`, { x1: '0x1000', x2: '0xfedcba9876548281' });
  add(`subs w0, w1, w2, ${ext}`, { x1: '0x80', x2: '0xffffffff80808080' });
});
add('add sp, sp, x1', { x1: '0x10' });
add('sub sp, sp, w1, uxtw #4', { x1: '0xffffffff00000002' });
add('add x0, sp, w1, sxtw', { x1: '0xfffffff0' });
add('adds x0, sp, x1', { x1: '0xfffffffffffffff0' });
add('cmp sp, x1', { x1: '0x520000' });
add('cmp sp, w1, uxtw', { x1: '0x520001' });
add('sub wsp, wsp, w1', { x1: '0x1', sp: '0xffffffff00000000' });
add('add w0, wsp, w1, uxtb #2', { x1: '0xff', sp: '0x1234567800520000' });
add('adds w0, wsp, w1', { x1: '0xffffffff', sp: '0x500001' });

// ---- add/subtract with carry
for (const op of ['adc', 'adcs', 'sbc', 'sbcs']) {
  for (const [a, b] of PAIRS) {
    for (const c of ['0x0', '0x20000000']) {
      add(`${op} x0, x1, x2`, { x1: a, x2: b, nzcv: c });
      add(`${op} w0, w1, w2`, { x1: a, x2: b, nzcv: c });
    }
  }
}
add('ngc x0, x1', { x1: '0x0', nzcv: '0x0' });
add('ngcs w0, w1', { x1: '0x0', nzcv: '0x20000000' });

// ---- conditional compare
const conds = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al', 'nv'];
conds.forEach((cond, i) => {
  for (const nz of [NZCV[i % NZCV.length], NZCV[(i + 3) % NZCV.length]]) {
    add(`ccmp x1, x2, #0b1010, ${cond}`, { x1: '0x5', x2: '0x7', nzcv: nz });
    add(`ccmn w1, w2, #0b0101, ${cond}`, { x1: '0x7fffffff', x2: '0x1', nzcv: nz });
    add(`ccmp w1, #31, #0b1111, ${cond}`, { x1: '0x1f', nzcv: nz });
    add(`ccmn x1, #1, #0b0000, ${cond}`, { x1: '0xffffffffffffffff', nzcv: nz });
  }
});
for (const [a, b] of PAIRS) {
  add('ccmp x1, x2, #0, eq', { x1: a, x2: b, nzcv: '0x40000000' });
  add('ccmp w1, w2, #0, eq', { x1: a, x2: b, nzcv: '0x40000000' });
  add('ccmn x1, x2, #0, eq', { x1: a, x2: b, nzcv: '0x40000000' });
  add('ccmn w1, w2, #0, eq', { x1: a, x2: b, nzcv: '0x40000000' });
}

// ---- conditional select
conds.forEach((cond, i) => {
  const nz = NZCV[i % NZCV.length];
  const nz2 = NZCV[(i + 5) % NZCV.length];
  for (const n of [nz, nz2]) {
    add(`csel x0, x1, x2, ${cond}`, { x1: '0x1111', x2: '0x2222', nzcv: n });
    add(`csinc w0, w1, w2, ${cond}`, { x1: '0xffffffff11111111', x2: '0xffffffff', nzcv: n });
    add(`csinv x0, x1, x2, ${cond}`, { x1: '0x1111', x2: '0x2222', nzcv: n });
    add(`csneg w0, w1, w2, ${cond}`, { x1: '0x1111', x2: '0x80000000', nzcv: n });
    add(`csneg x0, x1, x2, ${cond}`, { x1: '0x1111', x2: '0x8000000000000000', nzcv: n });
  }
});
add('cset w0, eq', { nzcv: '0x40000000' });
add('csetm x0, ne', { nzcv: '0x0' });
add('cinc x0, x1, lt', { x1: '0xffffffffffffffff', nzcv: '0x80000000' });
add('cneg w0, w1, mi', { x1: '0x5', nzcv: '0x80000000' });
add('cinv w0, w1, pl', { x1: '0x5', nzcv: '0x0' });

// ---- 1-source
for (const v of V) {
  for (const op of ['rbit', 'rev16', 'rev', 'clz', 'cls']) {
    add(`${op} x0, x1`, { x1: v });
    add(`${op} w0, w1`, { x1: v });
  }
  add('rev32 x0, x1', { x1: v });
}
for (const v of ['0x4000000000000000', '0xc000000000000000', '0x00000000c0000000', '0x0000000040000000', '0x8', '0xfffffffffffffff7']) {
  add('cls x0, x1', { x1: v });
  add('cls w0, w1', { x1: v });
  add('clz x0, x1', { x1: v });
  add('clz w0, w1', { x1: v });
}

// ---- 2-source: divide, variable shifts, CRC32
const DIVS: [string, string][] = [
  ['0x64', '0x7'], ['0x64', '0x0'], ['0x8000000000000000', '0xffffffffffffffff'], ['0x80000000', '0xffffffff'],
  ['0xffffffffffffff9c', '0x7'], ['0x64', '0xfffffffffffffff9'], ['0xffffffffffffffff', '0x2'], ['0x0', '0x0'],
  ['0xffffffff', '0xffffffff'], ['0x8000000000000000', '0x1'], ['0x7fffffffffffffff', '0xffffffffffffffff'],
  ['0x123456789abcdef0', '0x1234'], ['0xffffffff80000000', '0x00000000ffffffff'],
];
for (const [a, b] of DIVS) {
  add('udiv x0, x1, x2', { x1: a, x2: b });
  add('sdiv x0, x1, x2', { x1: a, x2: b });
  add('udiv w0, w1, w2', { x1: a, x2: b });
  add('sdiv w0, w1, w2', { x1: a, x2: b });
}
for (const amt of ['0x0', '0x1', '0x1f', '0x20', '0x21', '0x3f', '0x40', '0x41', '0xffffffffffffffff', '0x8000000000000007']) {
  for (const op of ['lsl', 'lsr', 'asr', 'ror']) {
    add(`${op} x0, x1, x2`, { x1: '0x8123456789abcdef', x2: amt });
    add(`${op} w0, w1, w2`, { x1: '0x0123456789abcdef', x2: amt });
  }
}
for (const op of ['crc32b', 'crc32h', 'crc32w', 'crc32cb', 'crc32ch', 'crc32cw']) {
  add(`${op} w0, w1, w2`, { x1: '0x0', x2: '0x0' });
  add(`${op} w0, w1, w2`, { x1: '0xffffffffffffffff', x2: '0x123456789abcdef0' });
  add(`${op} w0, w1, w2`, { x1: '0x12345678', x2: '0xffffffffffffffff' });
}
for (const op of ['crc32x', 'crc32cx']) {
  add(`${op} w0, w1, x2`, { x1: '0x0', x2: '0x0' });
  add(`${op} w0, w1, x2`, { x1: '0xffffffffffffffff', x2: '0x123456789abcdef0' });
  add(`${op} w0, w1, x2`, { x1: '0x12345678', x2: '0xffffffffffffffff' });
}
add(['crc32x w0, w1, x2', 'crc32x w0, w0, x3'], { x1: '0xffffffff', x2: '0x6867666564636261', x3: '0x706f6e6d6c6b6a69' });

// ---- 3-source: multiply
const MULS: [string, string][] = [
  ['0x0', '0x0'], ['0xffffffffffffffff', '0xffffffffffffffff'], ['0x8000000000000000', '0x8000000000000000'],
  ['0x7fffffffffffffff', '0x7fffffffffffffff'], ['0x8000000000000000', '0xffffffffffffffff'], ['0xffffffff', '0xffffffff'],
  ['0x123456789abcdef0', '0xfedcba9876543210'], ['0x80000000', '0x80000000'], ['0x100000000', '0x100000000'],
  ['0xffffffff00000001', '0x3'], ['0x7fffffffffffffff', '0x8000000000000000'], ['0x00000001ffffffff', '0xfffffffe00000001'],
];
for (const [a, b] of MULS) {
  const ra = { x1: a, x2: b, x3: '0x0123456789abcdef' };
  for (const op of ['madd', 'msub']) {
    add(`${op} x0, x1, x2, x3`, ra);
    add(`${op} w0, w1, w2, w3`, ra);
  }
  for (const op of ['smaddl', 'smsubl', 'umaddl', 'umsubl']) add(`${op} x0, w1, w2, x3`, ra);
  add('smulh x0, x1, x2', ra);
  add('umulh x0, x1, x2', ra);
  add('mul w0, w1, w2', ra);
  add('mneg x0, x1, x2', ra);
  add('smull x0, w1, w2', ra);
  add('umnegl x0, w1, w2', ra);
}

export default cases;
