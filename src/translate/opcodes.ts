// WebAssembly opcodes the emitter may produce, by their text-format names. Each entry gives the
// encoding, operand types, result type and the kind of immediate that follows the opcode.
import type { Ty } from '../cpu/emitter.js';
export type { Ty };
export type Imm = 'none' | 'lane' | 'shuffle';

export interface OpInfo {
  bytes: number[];
  params: Ty[];
  result: Ty | null;
  imm: Imm;
}

export const OPS = new Map<string, OpInfo>();

function def(name: string, bytes: number[], params: Ty[], result: Ty | null, imm: Imm = 'none'): void {
  OPS.set(name, { bytes, params, result, imm });
}

// Scalar numeric operators, grouped by shape to keep the table readable.
const cmp = (t: Ty, names: string[], first: number) =>
  names.forEach((n, i) => def(`${t}.${n}`, [first + i], [t, t], 'i32'));
const bin = (t: Ty, names: string[], first: number) =>
  names.forEach((n, i) => n && def(`${t}.${n}`, [first + i], [t, t], t));
const un = (t: Ty, names: string[], first: number) =>
  names.forEach((n, i) => n && def(`${t}.${n}`, [first + i], [t], t));

def('i32.eqz', [0x45], ['i32'], 'i32');
cmp('i32', ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'], 0x46);
def('i64.eqz', [0x50], ['i64'], 'i32');
cmp('i64', ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'], 0x51);
cmp('f32', ['eq', 'ne', 'lt', 'gt', 'le', 'ge'], 0x5b);
cmp('f64', ['eq', 'ne', 'lt', 'gt', 'le', 'ge'], 0x61);
un('i32', ['clz', 'ctz', 'popcnt'], 0x67);
bin('i32', ['add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr'], 0x6a);
un('i64', ['clz', 'ctz', 'popcnt'], 0x79);
bin('i64', ['add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr'], 0x7c);
un('f32', ['abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest', 'sqrt'], 0x8b);
bin('f32', ['', '', '', '', '', '', '', 'add', 'sub', 'mul', 'div', 'min', 'max', 'copysign'], 0x8b);
un('f64', ['abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest', 'sqrt'], 0x99);
bin('f64', ['', '', '', '', '', '', '', 'add', 'sub', 'mul', 'div', 'min', 'max', 'copysign'], 0x99);

const conv: [string, Ty, Ty][] = [
  ['i32.wrap_i64', 'i64', 'i32'], ['i32.trunc_f32_s', 'f32', 'i32'], ['i32.trunc_f32_u', 'f32', 'i32'],
  ['i32.trunc_f64_s', 'f64', 'i32'], ['i32.trunc_f64_u', 'f64', 'i32'], ['i64.extend_i32_s', 'i32', 'i64'],
  ['i64.extend_i32_u', 'i32', 'i64'], ['i64.trunc_f32_s', 'f32', 'i64'], ['i64.trunc_f32_u', 'f32', 'i64'],
  ['i64.trunc_f64_s', 'f64', 'i64'], ['i64.trunc_f64_u', 'f64', 'i64'], ['f32.convert_i32_s', 'i32', 'f32'],
  ['f32.convert_i32_u', 'i32', 'f32'], ['f32.convert_i64_s', 'i64', 'f32'], ['f32.convert_i64_u', 'i64', 'f32'],
  ['f32.demote_f64', 'f64', 'f32'], ['f64.convert_i32_s', 'i32', 'f64'], ['f64.convert_i32_u', 'i32', 'f64'],
  ['f64.convert_i64_s', 'i64', 'f64'], ['f64.convert_i64_u', 'i64', 'f64'], ['f64.promote_f32', 'f32', 'f64'],
  ['i32.reinterpret_f32', 'f32', 'i32'], ['i64.reinterpret_f64', 'f64', 'i64'], ['f32.reinterpret_i32', 'i32', 'f32'],
  ['f64.reinterpret_i64', 'i64', 'f64'], ['i32.extend8_s', 'i32', 'i32'], ['i32.extend16_s', 'i32', 'i32'],
  ['i64.extend8_s', 'i64', 'i64'], ['i64.extend16_s', 'i64', 'i64'], ['i64.extend32_s', 'i64', 'i64'],
];
conv.forEach(([n, p, r], i) => def(n, [0xa7 + i], [p], r));

const sat: [string, Ty, Ty][] = [
  ['i32.trunc_sat_f32_s', 'f32', 'i32'], ['i32.trunc_sat_f32_u', 'f32', 'i32'],
  ['i32.trunc_sat_f64_s', 'f64', 'i32'], ['i32.trunc_sat_f64_u', 'f64', 'i32'],
  ['i64.trunc_sat_f32_s', 'f32', 'i64'], ['i64.trunc_sat_f32_u', 'f32', 'i64'],
  ['i64.trunc_sat_f64_s', 'f64', 'i64'], ['i64.trunc_sat_f64_u', 'f64', 'i64'],
];
sat.forEach(([n, p, r], i) => def(n, [0xfc, i], [p], r));

// SIMD (0xfd prefix). Opcode numbers are the immediate after the prefix, LEB128-encoded.
function simd(name: string, code: number, params: Ty[], result: Ty | null, imm: Imm = 'none'): void {
  def(name, [0xfd, ...uleb(code)], params, result, imm);
}
const V: Ty = 'v128';
simd('i8x16.shuffle', 13, [V, V], V, 'shuffle');
simd('i8x16.swizzle', 14, [V, V], V);
(['i8x16', 'i16x8', 'i32x4', 'i64x2', 'f32x4', 'f64x2'] as const).forEach((s, i) =>
  simd(`${s}.splat`, 15 + i, [s.startsWith('f') ? (s === 'f32x4' ? 'f32' : 'f64') : s === 'i64x2' ? 'i64' : 'i32'], V));
simd('i8x16.extract_lane_s', 21, [V], 'i32', 'lane');
simd('i8x16.extract_lane_u', 22, [V], 'i32', 'lane');
simd('i8x16.replace_lane', 23, [V, 'i32'], V, 'lane');
simd('i16x8.extract_lane_s', 24, [V], 'i32', 'lane');
simd('i16x8.extract_lane_u', 25, [V], 'i32', 'lane');
simd('i16x8.replace_lane', 26, [V, 'i32'], V, 'lane');
simd('i32x4.extract_lane', 27, [V], 'i32', 'lane');
simd('i32x4.replace_lane', 28, [V, 'i32'], V, 'lane');
simd('i64x2.extract_lane', 29, [V], 'i64', 'lane');
simd('i64x2.replace_lane', 30, [V, 'i64'], V, 'lane');
simd('f32x4.extract_lane', 31, [V], 'f32', 'lane');
simd('f32x4.replace_lane', 32, [V, 'f32'], V, 'lane');
simd('f64x2.extract_lane', 33, [V], 'f64', 'lane');
simd('f64x2.replace_lane', 34, [V, 'f64'], V, 'lane');
const icmp = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
icmp.forEach((n, i) => simd(`i8x16.${n}`, 35 + i, [V, V], V));
icmp.forEach((n, i) => simd(`i16x8.${n}`, 45 + i, [V, V], V));
icmp.forEach((n, i) => simd(`i32x4.${n}`, 55 + i, [V, V], V));
['eq', 'ne', 'lt', 'gt', 'le', 'ge'].forEach((n, i) => simd(`f32x4.${n}`, 65 + i, [V, V], V));
['eq', 'ne', 'lt', 'gt', 'le', 'ge'].forEach((n, i) => simd(`f64x2.${n}`, 71 + i, [V, V], V));
simd('v128.not', 77, [V], V);
['and', 'andnot', 'or', 'xor'].forEach((n, i) => simd(`v128.${n}`, 78 + i, [V, V], V));
simd('v128.bitselect', 82, [V, V, V], V);
simd('v128.any_true', 83, [V], 'i32');
simd('f32x4.demote_f64x2_zero', 94, [V], V);
simd('f64x2.promote_low_f32x4', 95, [V], V);

// Per-shape integer operators: [name, code, kind] where kind is u (unary), b (binary), s (shift), r (reduce to i32).
type K = 'u' | 'b' | 's' | 'r';
const shaped: [string, [string, number, K][]][] = [
  ['i8x16', [['abs', 96, 'u'], ['neg', 97, 'u'], ['popcnt', 98, 'u'], ['all_true', 99, 'r'], ['bitmask', 100, 'r'],
    ['narrow_i16x8_s', 101, 'b'], ['narrow_i16x8_u', 102, 'b'], ['shl', 107, 's'], ['shr_s', 108, 's'], ['shr_u', 109, 's'],
    ['add', 110, 'b'], ['add_sat_s', 111, 'b'], ['add_sat_u', 112, 'b'], ['sub', 113, 'b'], ['sub_sat_s', 114, 'b'],
    ['sub_sat_u', 115, 'b'], ['min_s', 118, 'b'], ['min_u', 119, 'b'], ['max_s', 120, 'b'], ['max_u', 121, 'b'],
    ['avgr_u', 123, 'b']]],
  ['i16x8', [['extadd_pairwise_i8x16_s', 124, 'u'], ['extadd_pairwise_i8x16_u', 125, 'u'], ['abs', 128, 'u'],
    ['neg', 129, 'u'], ['q15mulr_sat_s', 130, 'b'], ['all_true', 131, 'r'], ['bitmask', 132, 'r'],
    ['narrow_i32x4_s', 133, 'b'], ['narrow_i32x4_u', 134, 'b'], ['extend_low_i8x16_s', 135, 'u'],
    ['extend_high_i8x16_s', 136, 'u'], ['extend_low_i8x16_u', 137, 'u'], ['extend_high_i8x16_u', 138, 'u'],
    ['shl', 139, 's'], ['shr_s', 140, 's'], ['shr_u', 141, 's'], ['add', 142, 'b'], ['add_sat_s', 143, 'b'],
    ['add_sat_u', 144, 'b'], ['sub', 145, 'b'], ['sub_sat_s', 146, 'b'], ['sub_sat_u', 147, 'b'], ['mul', 149, 'b'],
    ['min_s', 150, 'b'], ['min_u', 151, 'b'], ['max_s', 152, 'b'], ['max_u', 153, 'b'], ['avgr_u', 155, 'b'],
    ['extmul_low_i8x16_s', 156, 'b'], ['extmul_high_i8x16_s', 157, 'b'], ['extmul_low_i8x16_u', 158, 'b'],
    ['extmul_high_i8x16_u', 159, 'b']]],
  ['i32x4', [['extadd_pairwise_i16x8_s', 126, 'u'], ['extadd_pairwise_i16x8_u', 127, 'u'], ['abs', 160, 'u'],
    ['neg', 161, 'u'], ['all_true', 163, 'r'], ['bitmask', 164, 'r'], ['extend_low_i16x8_s', 167, 'u'],
    ['extend_high_i16x8_s', 168, 'u'], ['extend_low_i16x8_u', 169, 'u'], ['extend_high_i16x8_u', 170, 'u'],
    ['shl', 171, 's'], ['shr_s', 172, 's'], ['shr_u', 173, 's'], ['add', 174, 'b'], ['sub', 177, 'b'], ['mul', 181, 'b'],
    ['min_s', 182, 'b'], ['min_u', 183, 'b'], ['max_s', 184, 'b'], ['max_u', 185, 'b'], ['dot_i16x8_s', 186, 'b'],
    ['extmul_low_i16x8_s', 188, 'b'], ['extmul_high_i16x8_s', 189, 'b'], ['extmul_low_i16x8_u', 190, 'b'],
    ['extmul_high_i16x8_u', 191, 'b'], ['trunc_sat_f32x4_s', 248, 'u'], ['trunc_sat_f32x4_u', 249, 'u'],
    ['trunc_sat_f64x2_s_zero', 252, 'u'], ['trunc_sat_f64x2_u_zero', 253, 'u']]],
  ['i64x2', [['abs', 192, 'u'], ['neg', 193, 'u'], ['all_true', 195, 'r'], ['bitmask', 196, 'r'],
    ['extend_low_i32x4_s', 199, 'u'], ['extend_high_i32x4_s', 200, 'u'], ['extend_low_i32x4_u', 201, 'u'],
    ['extend_high_i32x4_u', 202, 'u'], ['shl', 203, 's'], ['shr_s', 204, 's'], ['shr_u', 205, 's'], ['add', 206, 'b'],
    ['sub', 209, 'b'], ['mul', 213, 'b'], ['eq', 214, 'b'], ['ne', 215, 'b'], ['lt_s', 216, 'b'], ['gt_s', 217, 'b'],
    ['le_s', 218, 'b'], ['ge_s', 219, 'b'], ['extmul_low_i32x4_s', 220, 'b'], ['extmul_high_i32x4_s', 221, 'b'],
    ['extmul_low_i32x4_u', 222, 'b'], ['extmul_high_i32x4_u', 223, 'b']]],
  ['f32x4', [['ceil', 103, 'u'], ['floor', 104, 'u'], ['trunc', 105, 'u'], ['nearest', 106, 'u'], ['abs', 224, 'u'],
    ['neg', 225, 'u'], ['sqrt', 227, 'u'], ['add', 228, 'b'], ['sub', 229, 'b'], ['mul', 230, 'b'], ['div', 231, 'b'],
    ['min', 232, 'b'], ['max', 233, 'b'], ['pmin', 234, 'b'], ['pmax', 235, 'b'], ['convert_i32x4_s', 250, 'u'],
    ['convert_i32x4_u', 251, 'u']]],
  ['f64x2', [['ceil', 116, 'u'], ['floor', 117, 'u'], ['trunc', 122, 'u'], ['nearest', 148, 'u'], ['abs', 236, 'u'],
    ['neg', 237, 'u'], ['sqrt', 239, 'u'], ['add', 240, 'b'], ['sub', 241, 'b'], ['mul', 242, 'b'], ['div', 243, 'b'],
    ['min', 244, 'b'], ['max', 245, 'b'], ['pmin', 246, 'b'], ['pmax', 247, 'b'], ['convert_low_i32x4_s', 254, 'u'],
    ['convert_low_i32x4_u', 255, 'u']]],
];
for (const [shape, ops] of shaped) {
  for (const [n, code, k] of ops) {
    const params: Ty[] = k === 'b' ? [V, V] : k === 's' ? [V, 'i32'] : [V];
    simd(`${shape}.${n}`, code, params, k === 'r' ? 'i32' : V);
  }
}

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Signed LEB128 of a 32-bit value given as a JS number (fast path: no BigInt). */
export function sleb32(n: number): number[] {
  n |= 0;
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export const TYPE_CODE: Record<Ty, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };
