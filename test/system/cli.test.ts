// tsemu-system as a person meets it: input it cannot boot gets one line on stderr naming the
// fix, exit status 1, and no JS stack.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDisks } from '../../src/cli/drive-options.js';
import { ROOT, SYSTEM_FIXTURES, tsemuSystem } from './run.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-system-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function oneLine(args: string[], pattern: RegExp): void {
  const r = tsemuSystem(args);
  expect(r.status, r.stderr).toBe(1);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^tsemu-system: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at |Error:/);
  expect(r.stdout).toBe('');
}

describe('tsemu-system command line', () => {
  const img = path.join(SYSTEM_FIXTURES, 'timer.img');
  it('no -kernel', () => oneLine(['-M', 'virt'], /no kernel: pass -kernel/));
  it('a missing kernel file', () => oneLine(['-kernel', path.join(dir, 'nope')], /-kernel .*nope: no such file/));
  it('a directory as the kernel', () => oneLine(['-kernel', dir], /not a regular file/));
  it('a text file as the kernel', () => {
    const f = path.join(dir, 'notes.txt');
    fs.writeFileSync(f, 'not a kernel\n'.repeat(20));
    oneLine(['-kernel', f], /not an arm64 Image: no "ARM\\x64" magic at 0x38; pass an arm64 Linux Image/);
  });
  it('an ELF file (a vmlinux) as the kernel', () => {
    oneLine(['-kernel', path.join(ROOT, 'fixtures/bin/hello.static')], /an ELF file \(vmlinux\?\)/);
  });
  it('a damaged gzip file', () => {
    const f = path.join(dir, 'Image.gz');
    fs.writeFileSync(f, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    oneLine(['-kernel', f], /damaged gzip/);
  });
  it('a gzip-compressed Image boots like the Image', async () => {
    const zlib = await import('node:zlib');
    const f = path.join(dir, 'timer.img.gz');
    fs.writeFileSync(f, zlib.gzipSync(fs.readFileSync(img)));
    const r = tsemuSystem(['-kernel', f]);
    expect(r.stdout).toBe(fs.readFileSync(path.join(SYSTEM_FIXTURES, 'timer.expected'), 'utf8'));
    expect(r.status).toBe(0);
  });
  it('a -dtb that is not a device tree blob', () => {
    const f = path.join(dir, 'virt.dts');
    fs.writeFileSync(f, '/dts-v1/;\n/ { };\n'.repeat(4));
    oneLine(['-kernel', img, '-dtb', f], /-dtb .*virt\.dts: not a device tree blob .*dtc -O dtb/);
  });
  it('-dtb passes the given blob in x0 (the fixture checks its magic)', () => {
    const f = path.join(dir, 'given.dtb');
    const blob = Buffer.alloc(64);
    blob.writeUInt32BE(0xd00dfeed, 0);
    blob.writeUInt32BE(64, 4);
    fs.writeFileSync(f, blob);
    const r = tsemuSystem(['-kernel', img, '-dtb', f]);
    expect(r.stdout).toContain('DTB magic 0xd00dfeed\n');
    expect(r.status).toBe(0);
  });
  it('-d stats counts the guest instructions run (count.S runs 2004)', () => {
    // The first tier alone counts (the MMU stays off here, so the loop would go to wasm).
    const r = tsemuSystem(['-kernel', path.join(SYSTEM_FIXTURES, 'count.img'), '-d', 'stats'], { TSEMU_TIER: 'eval' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^stats: 2004 guest instructions in [\d.]+ s .* M\/s when not idle; 0 translation flushes, 0 of the lower half\n$/);
  });
  it('another machine', () => oneLine(['-M', 'raspi3b', '-kernel', img], /-M raspi3b: unknown machine; tsemu-system models -M virt only/));
  it('more than one CPU', () => oneLine(['-smp', '2', '-kernel', img], /-smp 2: one CPU only for now/));
  it('a bad RAM size', () => oneLine(['-m', 'lots', '-kernel', img], /-m lots: not a RAM size/));
  it('too much RAM', () => oneLine(['-m', '8G', '-kernel', img], /at most 2G/));
  it('a missing initrd', () => oneLine(['-kernel', img, '-initrd', path.join(dir, 'none.cpio')], /-initrd .*none\.cpio: no such file/));
  it('a missing disk image', () => {
    const none = path.join(dir, 'none.img');
    oneLine(['-kernel', img, '-drive', `file=${none},format=raw,if=none,id=hd0`, '-device', 'virtio-blk-device,drive=hd0'],
      /-drive file=.*none\.img: no such file; create the disk image first \(e\.g\. truncate -s 64M /);
    oneLine(['-kernel', img, '-drive', `file=${none},format=raw,if=virtio`], /-drive file=.*none\.img: no such file/);
  });
  it('a disk format other than raw, another device, a -device naming no -drive', () => {
    oneLine(['-kernel', img, '-drive', 'file=d.qcow2,format=qcow2'], /format=qcow2: tsemu-system reads raw images only/);
    oneLine(['-kernel', img, '-device', 'virtio-net-device'], /unknown device virtio-net-device; tsemu-system has virtio-blk-device/);
    oneLine(['-kernel', img, '-device', 'virtio-blk-device,drive=hd9'], /no -drive with id=hd9; add -drive file=disk.img,format=raw,if=none,id=hd9/);
  });
  it('a disk on a machine whose program does not use it changes nothing', () => {
    const disk = path.join(dir, 'disk.img');
    fs.writeFileSync(disk, Buffer.alloc(64 * 1024));
    const r = tsemuSystem(['-kernel', img, '-drive', `file=${disk},format=raw,if=none,id=hd0`, '-device', 'virtio-blk-device,drive=hd0']);
    expect(r.stdout).toBe(fs.readFileSync(path.join(SYSTEM_FIXTURES, 'timer.expected'), 'utf8'));
    expect(r.status).toBe(0);
  });
});

describe('-drive and -device, as qemu spells them', () => {
  it('if=virtio (virt\'s default) disks come first, then -device ones in their order', () => {
    expect(parseDisks(['file=a.img,format=raw,if=none,id=x', 'file=b.img', 'file=c,,d.img,if=virtio,readonly=on,serial=S1', 'file=e.img,if=none,id=y'],
      ['virtio-blk-device,drive=y', 'virtio-blk-device,drive=x,serial=S2'])).toEqual([
      { file: 'b.img', option: '-drive file=b.img', readOnly: false, serial: undefined },
      { file: 'c,d.img', option: '-drive file=c,d.img', readOnly: true, serial: 'S1' },
      { file: 'e.img', option: '-drive file=e.img', readOnly: false, serial: undefined },
      { file: 'a.img', option: '-drive file=a.img', readOnly: false, serial: 'S2' },
    ]);
  });
  it('a drive is used once, by id; an if=virtio drive is not also a -device\'s', () => {
    expect(() => parseDisks(['file=a,if=none,id=x'], ['virtio-blk-device,drive=x', 'virtio-blk-device,drive=x'])).toThrow(/already used/);
    expect(() => parseDisks(['file=a,id=x'], ['virtio-blk-device,drive=x'])).toThrow(/is if=virtio, a disk of its own already; give it if=none/);
    expect(() => parseDisks(['file=a,if=ide'], [])).toThrow(/if=ide: -M virt has virtio disks only here/);
    expect(() => parseDisks(['format=raw'], [])).toThrow(/no file/);
  });
});
