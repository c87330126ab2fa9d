// The first tier's commonest integer and lane operators, done in JS on 32-bit halves (indices
// into an Int32Array over linear memory) instead of calling the wasm operator of the same name:
// a JS→wasm call costs more than the operation. Each must agree bit for bit with the wasm
// operator (test/translate/eval-operators.test.ts compares them).
/** A step returns 0 to go on (see eval-emitter.ts). */
type Step = () => number;
type Fast = (m: Int32Array, d: number, a: number, b: number, lane: number) => Step;

/** Unsigned a < b on i64 halves at a and b. */
const ltU = (m: Int32Array, a: number, b: number) => {
  const ah = m[a + 1] >>> 0, bh = m[b + 1] >>> 0;
  return ah < bh || (ah === bh && m[a] >>> 0 < m[b] >>> 0);
};
const ltS = (m: Int32Array, a: number, b: number) => {
  const ah = m[a + 1], bh = m[b + 1];
  return ah < bh || (ah === bh && m[a] >>> 0 < m[b] >>> 0);
};
const cmp64 = (f: (m: Int32Array, a: number, b: number) => boolean): Fast =>
  (m, d, a, b) => () => { m[d] = f(m, a, b) ? 1 : 0; return 0; };
const cmp32 = (f: (x: number, y: number) => boolean): Fast =>
  (m, d, a, b) => () => { m[d] = f(m[a], m[b]) ? 1 : 0; return 0; };

const FAST: Record<string, Fast> = {
  'i64.add': (m, d, a, b) => () => {
    const lo = (m[a] >>> 0) + (m[b] >>> 0);
    m[d + 1] = (m[a + 1] + m[b + 1] + (lo > 0xffffffff ? 1 : 0)) | 0;
    m[d] = lo | 0;
    return 0;
  },
  'i64.sub': (m, d, a, b) => () => {
    const al = m[a] >>> 0, bl = m[b] >>> 0;
    m[d + 1] = (m[a + 1] - m[b + 1] - (al < bl ? 1 : 0)) | 0;
    m[d] = (al - bl) | 0;
    return 0;
  },
  'i64.and': (m, d, a, b) => () => { m[d] = m[a] & m[b]; m[d + 1] = m[a + 1] & m[b + 1]; return 0; },
  'i64.or': (m, d, a, b) => () => { m[d] = m[a] | m[b]; m[d + 1] = m[a + 1] | m[b + 1]; return 0; },
  'i64.xor': (m, d, a, b) => () => { m[d] = m[a] ^ m[b]; m[d + 1] = m[a + 1] ^ m[b + 1]; return 0; },
  'i64.shl': (m, d, a, b) => () => {
    const s = m[b] & 63, lo = m[a], hi = m[a + 1];
    if (s === 0) { m[d] = lo; m[d + 1] = hi; } else if (s < 32) { m[d + 1] = (hi << s) | (lo >>> (32 - s)); m[d] = lo << s; } else { m[d + 1] = lo << (s - 32); m[d] = 0; }
    return 0;
  },
  'i64.shr_u': (m, d, a, b) => () => {
    const s = m[b] & 63, lo = m[a], hi = m[a + 1];
    if (s === 0) { m[d] = lo; m[d + 1] = hi; } else if (s < 32) { m[d] = (lo >>> s) | (hi << (32 - s)); m[d + 1] = hi >>> s; } else { m[d] = hi >>> (s - 32); m[d + 1] = 0; }
    return 0;
  },
  'i64.shr_s': (m, d, a, b) => () => {
    const s = m[b] & 63, lo = m[a], hi = m[a + 1];
    if (s === 0) { m[d] = lo; m[d + 1] = hi; } else if (s < 32) { m[d] = (lo >>> s) | (hi << (32 - s)); m[d + 1] = hi >> s; } else { m[d] = hi >> (s - 32); m[d + 1] = hi >> 31; }
    return 0;
  },
  'i64.rotr': (m, d, a, b) => () => {
    const s = m[b] & 63, lo = m[a], hi = m[a + 1];
    if (s === 0) { m[d] = lo; m[d + 1] = hi; } else if (s === 32) { m[d] = hi; m[d + 1] = lo; } else if (s < 32) {
      m[d] = (lo >>> s) | (hi << (32 - s)); m[d + 1] = (hi >>> s) | (lo << (32 - s));
    } else {
      const t = s - 32;
      m[d] = (hi >>> t) | (lo << (32 - t)); m[d + 1] = (lo >>> t) | (hi << (32 - t));
    }
    return 0;
  },
  'i64.eq': (m, d, a, b) => () => { m[d] = m[a] === m[b] && m[a + 1] === m[b + 1] ? 1 : 0; return 0; },
  'i64.ne': (m, d, a, b) => () => { m[d] = m[a] !== m[b] || m[a + 1] !== m[b + 1] ? 1 : 0; return 0; },
  'i64.eqz': (m, d, a) => () => { m[d] = (m[a] | m[a + 1]) === 0 ? 1 : 0; return 0; },
  'i64.lt_u': cmp64((m, a, b) => ltU(m, a, b)),
  'i64.ge_u': cmp64((m, a, b) => !ltU(m, a, b)),
  'i64.gt_u': cmp64((m, a, b) => ltU(m, b, a)),
  'i64.le_u': cmp64((m, a, b) => !ltU(m, b, a)),
  'i64.lt_s': cmp64((m, a, b) => ltS(m, a, b)),
  'i64.ge_s': cmp64((m, a, b) => !ltS(m, a, b)),
  'i64.gt_s': cmp64((m, a, b) => ltS(m, b, a)),
  'i64.le_s': cmp64((m, a, b) => !ltS(m, b, a)),
  'i32.wrap_i64': (m, d, a) => () => { m[d] = m[a]; return 0; },
  'i64.extend_i32_u': (m, d, a) => () => { m[d] = m[a]; m[d + 1] = 0; return 0; },
  'i64.extend_i32_s': (m, d, a) => () => { m[d] = m[a]; m[d + 1] = m[a] >> 31; return 0; },
  'i64.extend32_s': (m, d, a) => () => { m[d] = m[a]; m[d + 1] = m[a] >> 31; return 0; },
  'i64.extend16_s': (m, d, a) => () => { const v = (m[a] << 16) >> 16; m[d] = v; m[d + 1] = v >> 31; return 0; },
  'i64.extend8_s': (m, d, a) => () => { const v = (m[a] << 24) >> 24; m[d] = v; m[d + 1] = v >> 31; return 0; },
  'i32.extend16_s': (m, d, a) => () => { m[d] = (m[a] << 16) >> 16; return 0; },
  'i32.extend8_s': (m, d, a) => () => { m[d] = (m[a] << 24) >> 24; return 0; },
  'i32.add': (m, d, a, b) => () => { m[d] = (m[a] + m[b]) | 0; return 0; },
  'i32.sub': (m, d, a, b) => () => { m[d] = (m[a] - m[b]) | 0; return 0; },
  'i32.mul': (m, d, a, b) => () => { m[d] = Math.imul(m[a], m[b]); return 0; },
  'i32.and': (m, d, a, b) => () => { m[d] = m[a] & m[b]; return 0; },
  'i32.or': (m, d, a, b) => () => { m[d] = m[a] | m[b]; return 0; },
  'i32.xor': (m, d, a, b) => () => { m[d] = m[a] ^ m[b]; return 0; },
  'i32.shl': (m, d, a, b) => () => { m[d] = m[a] << m[b]; return 0; },
  'i32.shr_u': (m, d, a, b) => () => { m[d] = m[a] >>> m[b]; return 0; },
  'i32.shr_s': (m, d, a, b) => () => { m[d] = m[a] >> m[b]; return 0; },
  'i32.eqz': (m, d, a) => () => { m[d] = m[a] === 0 ? 1 : 0; return 0; },
  'i32.eq': cmp32((x, y) => x === y),
  'i32.ne': cmp32((x, y) => x !== y),
  'i32.lt_s': cmp32((x, y) => x < y),
  'i32.gt_s': cmp32((x, y) => x > y),
  'i32.le_s': cmp32((x, y) => x <= y),
  'i32.ge_s': cmp32((x, y) => x >= y),
  'i32.lt_u': cmp32((x, y) => x >>> 0 < y >>> 0),
  'i32.gt_u': cmp32((x, y) => x >>> 0 > y >>> 0),
  'i32.le_u': cmp32((x, y) => x >>> 0 <= y >>> 0),
  'i32.ge_u': cmp32((x, y) => x >>> 0 >= y >>> 0),
  // Lane moves: whole 32-bit words, so no arithmetic to get wrong.
  'i64x2.extract_lane': (m, d, a, _b, l) => () => { m[d] = m[a + 2 * l]; m[d + 1] = m[a + 2 * l + 1]; return 0; },
  'i64x2.replace_lane': (m, d, a, b, l) => () => {
    m[d] = m[a]; m[d + 1] = m[a + 1]; m[d + 2] = m[a + 2]; m[d + 3] = m[a + 3];
    m[d + 2 * l] = m[b]; m[d + 2 * l + 1] = m[b + 1];
    return 0;
  },
  'i64x2.splat': (m, d, a) => () => { m[d] = m[d + 2] = m[a]; m[d + 1] = m[d + 3] = m[a + 1]; return 0; },
  'i32x4.extract_lane': (m, d, a, _b, l) => () => { m[d] = m[a + l]; return 0; },
  'i32x4.replace_lane': (m, d, a, b, l) => () => {
    m[d] = m[a]; m[d + 1] = m[a + 1]; m[d + 2] = m[a + 2]; m[d + 3] = m[a + 3];
    m[d + l] = m[b];
    return 0;
  },
  'i32x4.splat': (m, d, a) => () => { m[d] = m[d + 1] = m[d + 2] = m[d + 3] = m[a]; return 0; },
};
/** For the test that compares them with the wasm operators. */
export const FAST_OPERATORS: Readonly<Record<string, Fast>> = FAST;
