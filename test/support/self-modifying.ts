// A guest loop that rewrites itself, for the tier and saved-translation tests.
// (aarch64-linux-gnu-as; the tests need no cross tools.)

/** x0 counts x1 iterations of `add x0, x0, #1`; the second time round (x3 != 0 after the first)
 *  the add has been rewritten to w2 (e.g. `add x0, x0, #2`) at x4 by a store, DC CVAU, IC IVAU,
 *  and the loop runs 100 more times. */
export const SELF_MODIFYING = [
  0xd2800000, // movz x0, #0
  0x91000400, // loop: add x0, x0, #1
  0xf1000421, // subs x1, x1, #1
  0x54ffffc1, // b.ne loop
  0xb5000123, // cbnz x3, done
  0xd2800023, // movz x3, #1
  0xb9000082, // str w2, [x4]
  0xd50b7b24, // dc cvau, x4
  0xd5033b9f, // dsb ish
  0xd50b7524, // ic ivau, x4
  0xd5033fdf, // isb
  0xd2800c81, // movz x1, #100
  0x17fffff5, // b loop
  0xd4200000, // done: brk #0
];
export const ADD2 = 0x91000800; // add x0, x0, #2
