// A growable byte buffer with the encodings WebAssembly uses, so building code and modules does
// not allocate an array per LEB128 number.
export class Bytes {
  buf = new Uint8Array(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.length));
    this.buf = b;
  }

  byte(b: number): this {
    this.room(1);
    this.buf[this.length++] = b;
    return this;
  }

  bytes(a: ArrayLike<number>): this {
    this.room(a.length);
    for (let i = 0; i < a.length; i++) this.buf[this.length++] = a[i];
    return this;
  }

  append(b: Bytes): this {
    this.room(b.length);
    this.buf.set(b.buf.subarray(0, b.length), this.length);
    this.length += b.length;
    return this;
  }

  /** Unsigned LEB128 (values up to 2^32). */
  u(n: number): this {
    this.room(5);
    do {
      let b = n & 0x7f;
      n = Math.floor(n / 128);
      if (n !== 0) b |= 0x80;
      this.buf[this.length++] = b;
    } while (n !== 0);
    return this;
  }

  /** Signed LEB128 of a 32-bit value. */
  s32(n: number): this {
    this.room(5);
    n |= 0;
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
        this.buf[this.length++] = b;
        return this;
      }
      this.buf[this.length++] = b | 0x80;
    }
  }

  /** A name: its length, then UTF-8 bytes. */
  name(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u(b.length).bytes(b);
  }

  /** A section or vector body whose byte length comes first. */
  sized(f: (b: Bytes) => void): this {
    const inner = new Bytes();
    f(inner);
    return this.u(inner.length).append(inner);
  }

  view(): Uint8Array<ArrayBuffer> {
    return this.buf.subarray(0, this.length) as Uint8Array<ArrayBuffer>;
  }
}
