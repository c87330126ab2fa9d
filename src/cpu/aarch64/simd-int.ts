// AdvSIMD integer, permutes, element moves, immediates, structure loads and stores.
export {};
