// AdvSIMD integer, permutes, element moves, immediates, structure loads and stores, and the
// integer extensions (crypto, RDM, DotProd). One file per encoding class; this module gathers
// them for index.ts. Every pattern here covers only integer opcodes: the floating-point opcodes
// of mixed classes (three same 11xxx, two-reg misc 011xx/1x11x/11xxx, by-element FMLA/FMUL...,
// across-lanes FMAXV..., shift-imm SCVTF/FCVTZS, FMOV immediate cmode 1111) are in simd-fp*.ts.
// Vector/scalar pairs come from vecAndScalar (simd-util.ts): q=0 with the scalar bit set is
// the scalar floating-point class and must stay out of these patterns.
export * from './simd-same.js';
export * from './simd-misc.js';
export * from './simd-diff.js';
export * from './simd-shift.js';
export * from './simd-perm.js';
export * from './simd-elem.js';
export * from './simd-ldst.js';
export * from './simd-crypto.js';
export * from './simd-extra.js';
export * from './simd-urecpe.js';
