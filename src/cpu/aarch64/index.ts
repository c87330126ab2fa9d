// Every A64 instruction definition, collected into one decoder.
import { Decoder } from '../decoder.js';
import { collect, type Insn } from '../insn.js';
import * as branch from './branch.js';
import * as dpImm from './dp-imm.js';

export const A64_INSNS: Insn[] = collect(dpImm, branch);

let decoder: Decoder | undefined;
export function a64Decoder(): Decoder {
  return (decoder ??= new Decoder(A64_INSNS));
}
