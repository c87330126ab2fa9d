// A flattened device tree (devicetree specification v0.4, chapter 5: version 17) built from a
// small in-memory tree. Property values: a string, a string list, u32 cells, raw bytes, or
// nothing (a boolean property).
export type PropValue = string | string[] | number[] | Uint8Array | null;

export interface FdtNode {
  name: string;
  props: [string, PropValue][];
  children: FdtNode[];
}

export const node = (name: string, props: Record<string, PropValue>, children: FdtNode[] = []): FdtNode =>
  ({ name, props: Object.entries(props), children });

/** u64 values as pairs of u32 cells (#address-cells = #size-cells = 2). */
export const cells64 = (...vs: (number | bigint)[]): number[] =>
  vs.flatMap((v) => { const b = BigInt(v); return [Number(b >> 32n), Number(b & 0xffffffffn)]; });

const MAGIC = 0xd00dfeed;
const BEGIN_NODE = 1, END_NODE = 2, PROP = 3, END = 9;
const HEADER_SIZE = 40;

function bytesOf(v: PropValue): Uint8Array {
  if (v === null) return new Uint8Array(0);
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v + '\0', 'utf8');
  if (v.length && typeof v[0] === 'string') return Buffer.from((v as string[]).map((s) => s + '\0').join(''), 'utf8');
  const out = new Uint8Array(v.length * 4);
  const dv = new DataView(out.buffer);
  (v as number[]).forEach((c, i) => dv.setUint32(i * 4, c >>> 0));
  return out;
}

/** Serialize the tree rooted at `root` (its name is ignored: the root's is empty). */
export function buildFdt(root: FdtNode, bootCpu = 0): Uint8Array {
  const struct: number[] = [];
  const strings: number[] = [];
  const nameOff = new Map<string, number>();
  const u32 = (v: number) => struct.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  const raw = (b: ArrayLike<number>) => {
    for (let i = 0; i < b.length; i++) struct.push(b[i]);
    while (struct.length % 4) struct.push(0);
  };
  const str = (s: string) => {
    let off = nameOff.get(s);
    if (off === undefined) {
      off = strings.length;
      nameOff.set(s, off);
      strings.push(...Buffer.from(s + '\0', 'utf8'));
    }
    return off;
  };
  const emit = (n: FdtNode, isRoot: boolean) => {
    u32(BEGIN_NODE);
    raw(Buffer.from((isRoot ? '' : n.name) + '\0', 'utf8'));
    for (const [name, value] of n.props) {
      const data = bytesOf(value);
      u32(PROP);
      u32(data.length);
      u32(str(name));
      raw(data);
    }
    for (const c of n.children) emit(c, false);
    u32(END_NODE);
  };
  emit(root, true);
  u32(END);

  const rsvOff = HEADER_SIZE; // one terminating (0, 0) reservation entry
  const structOff = rsvOff + 16;
  const stringsOff = structOff + struct.length;
  const total = stringsOff + strings.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  [MAGIC, total, structOff, stringsOff, rsvOff, 17, 16, bootCpu, strings.length, struct.length]
    .forEach((v, i) => dv.setUint32(i * 4, v));
  out.set(struct, structOff);
  out.set(strings, stringsOff);
  return out;
}
