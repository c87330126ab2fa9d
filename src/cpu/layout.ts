// Where a user-mode process's pieces go in the 4 GiB guest window: shared by the loader (which
// places the program and stack) and the memory system calls (which place mmap and brk).
// Everything here lies below GUEST_END: above it is tsemu's own data (see state.ts).
import { GUEST_END } from './state.js';

const STACK_TOP = GUEST_END - 0x20000;
const STACK_SIZE = 8 * 1024 * 1024;

export const LAYOUT = {
  /** Base of position-independent main programs. */
  pieBase: 0x10000000,
  stackTop: STACK_TOP,
  stackSize: STACK_SIZE,
  /** mmap allocates top-down from here (below the stack and a guard gap). */
  mmapTop: STACK_TOP - STACK_SIZE - 0x10000,
} as const;

