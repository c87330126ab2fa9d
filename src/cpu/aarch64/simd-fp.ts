// AdvSIMD floating point (vector and scalar-SIMD forms).
export {};
