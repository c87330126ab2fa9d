// Loads and stores: every addressing mode, pairs, literal, exclusives, acquire/release, LSE atomics.
export {};
