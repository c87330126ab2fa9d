// Where a user-mode process's pieces go in the 4 GiB guest window: shared by the loader (which
// places the program and stack) and the memory system calls (which place mmap and brk).
export const LAYOUT = {
  /** Base of position-independent main programs. */
  pieBase: 0x10000000,
  stackTop: 0xfffe0000,
  stackSize: 8 * 1024 * 1024,
  /** mmap allocates top-down from here (below the stack and a guard gap). */
  mmapTop: 0xfffe0000 - 8 * 1024 * 1024 - 0x10000,
} as const;

