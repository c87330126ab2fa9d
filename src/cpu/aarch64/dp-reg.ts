// Data processing (register): logical, add/sub, carry, conditional, 1/2/3-source.
export {};
