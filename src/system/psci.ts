// PSCI (Arm DEN 0022) over HVC, as QEMU's virt provides it to a guest at EL1 (target/arm/psci.c):
// version 1.1, one CPU. Arguments in x0-x3, result in x0.
export const PSCI = {
  VERSION: 0x84000000,
  CPU_SUSPEND: 0xc4000001,
  CPU_OFF: 0x84000002,
  CPU_ON: 0xc4000003,
  AFFINITY_INFO: 0xc4000004,
  MIGRATE_INFO_TYPE: 0x84000006,
  SYSTEM_OFF: 0x84000008,
  SYSTEM_RESET: 0x84000009,
  FEATURES: 0x8400000a,
} as const;

const SUCCESS = 0n;
const NOT_SUPPORTED = BigInt.asUintN(64, -1n);
const ALREADY_ON = BigInt.asUintN(64, -4n);
const VERSION_1_1 = 0x10001n;
/** MIGRATE_INFO_TYPE: a trusted OS is not present or does not need migration. */
const NO_MIGRATION = 2n;

export type PsciResult = { kind: 'return'; x0: bigint } | { kind: 'off' } | { kind: 'reset' };

/** Perform the call whose function id is in x0 (32-bit ids: SMC32/HVC32 or SMC64/HVC64). */
export function psciCall(x: (n: number) => bigint): PsciResult {
  const fn = Number(x(0) & 0xffffffffn);
  const ret = (x0: bigint): PsciResult => ({ kind: 'return', x0 });
  switch (fn) {
    case PSCI.VERSION: return ret(VERSION_1_1);
    case PSCI.SYSTEM_OFF: return { kind: 'off' };
    case PSCI.SYSTEM_RESET: return { kind: 'reset' };
    case PSCI.MIGRATE_INFO_TYPE: return ret(NO_MIGRATION);
    // One CPU: it is on (the caller itself), and there is no other to start.
    case PSCI.AFFINITY_INFO: return ret(x(1) === 0n ? SUCCESS : BigInt.asUintN(64, -2n));
    case PSCI.CPU_ON: return ret(x(1) === 0n ? ALREADY_ON : BigInt.asUintN(64, -2n));
    case PSCI.FEATURES: {
      const q = Number(x(1) & 0xffffffffn);
      const known: number[] = [PSCI.VERSION, PSCI.SYSTEM_OFF, PSCI.SYSTEM_RESET, PSCI.MIGRATE_INFO_TYPE,
        PSCI.AFFINITY_INFO, PSCI.CPU_ON, PSCI.FEATURES];
      return ret(known.includes(q) ? SUCCESS : NOT_SUPPORTED);
    }
    default: return ret(NOT_SUPPORTED);
  }
}
