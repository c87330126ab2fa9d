// Scalar FP: fused multiply-add, compares, selects and moves (cases defined in fp.ts).
import { fmaCmp } from './fp.js';

export default fmaCmp;
