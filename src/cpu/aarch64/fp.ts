// Scalar floating point: arithmetic, fused multiply-add, compares, conversions, rounding.
export {};
