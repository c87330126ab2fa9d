// Every A64 instruction definition, collected into one decoder. Each group lives in its own file.
import { Decoder } from '../decoder.js';
import { collect, type Insn } from '../insn.js';
import * as branch from './branch.js';
import * as dpImm from './dp-imm.js';
import * as dpReg from './dp-reg.js';
import * as fp from './fp.js';
import * as ldst from './ldst.js';
import * as simdFp from './simd-fp.js';
import * as simdInt from './simd-int.js';
import * as system from './system.js';

export const A64_INSNS: Insn[] = collect(dpImm, dpReg, branch, system, ldst, fp, simdInt, simdFp);

let decoder: Decoder | undefined;
export function a64Decoder(): Decoder {
  return (decoder ??= new Decoder(A64_INSNS));
}
