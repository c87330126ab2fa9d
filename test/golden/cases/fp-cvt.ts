// Scalar FP: conversions and rounding to integral (cases defined in fp.ts).
import { cvt } from './fp.js';

export default cvt;
