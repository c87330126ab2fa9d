// System instructions: MRS/MSR, barriers, cache maintenance, hints.
export {};
