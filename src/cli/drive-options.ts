// qemu's -drive and -device spellings for a disk on -M virt, as far as tsemu-system has them:
//   -drive file=disk.img,format=raw,if=none,id=hd0 -device virtio-blk-device,drive=hd0
//   -drive file=disk.img,format=raw[,if=virtio]       (virt's default interface is virtio)
// Both give a virtio-blk device on a virtio-mmio transport. Errors are one line naming the fix.

export interface DiskSpec { file: string; option: string; readOnly?: boolean; serial?: string }

export class OptionError extends Error {}

/** "a=1,b=x,,y" → [['a','1'], ['b','x,y']] (qemu's QemuOpts: ",," is a comma in a value);
 *  a first item without "=" is `implied` (the device type of -device). */
function keyValues(spec: string, implied?: string): [string, string][] {
  const items: string[] = [];
  let cur = '';
  for (let i = 0; i < spec.length; i++) {
    if (spec[i] === ',' && spec[i + 1] === ',') { cur += ','; i++; }
    else if (spec[i] === ',') { items.push(cur); cur = ''; }
    else cur += spec[i];
  }
  items.push(cur);
  return items.filter((s) => s !== '').map((s, i) => {
    const eq = s.indexOf('=');
    if (eq < 0) {
      if (i === 0 && implied) return [implied, s];
      return [s, 'on']; // qemu's flag shorthand: readonly = readonly=on
    }
    return [s.slice(0, eq), s.slice(eq + 1)];
  });
}

const onOff = (option: string, key: string, v: string): boolean => {
  if (['on', 'yes', 'true'].includes(v)) return true;
  if (['off', 'no', 'false'].includes(v)) return false;
  throw new OptionError(`${option}: ${key}=${v}: say ${key}=on or ${key}=off`);
};

interface Drive { file: string; id?: string; iface: string; readOnly: boolean; serial?: string; option: string; used: boolean }

/** The disks the -drive and -device options describe, in the order the guest will see them
 *  (if=virtio drives first, then -device ones). */
export function parseDisks(drives: string[], devices: string[]): DiskSpec[] {
  const parsed: Drive[] = drives.map((spec) => {
    const option = `-drive ${spec}`;
    const d: Drive = { file: '', iface: 'virtio', readOnly: false, option, used: false };
    for (const [k, v] of keyValues(spec, 'file')) {
      switch (k) {
        case 'file': d.file = v; break;
        case 'format':
          if (v !== 'raw') throw new OptionError(`${option}: format=${v}: tsemu-system reads raw images only; pass format=raw (convert with qemu-img convert -O raw)`);
          break;
        case 'if':
          if (v !== 'none' && v !== 'virtio') throw new OptionError(`${option}: if=${v}: -M virt has virtio disks only here; pass if=virtio, or if=none with -device virtio-blk-device`);
          d.iface = v;
          break;
        case 'id': d.id = v; break;
        case 'readonly': d.readOnly = onOff(option, k, v); break;
        case 'serial': d.serial = v; break;
        case 'media': if (v !== 'disk') throw new OptionError(`${option}: media=${v}: only disks (media=disk)`); break;
        case 'cache': case 'aio': case 'discard': case 'detect-zeroes': break; // host I/O tuning: ours is plain reads and writes
        default: throw new OptionError(`${option}: unknown parameter ${k}; tsemu-system takes file, format, if, id, readonly, serial`);
      }
    }
    if (!d.file) throw new OptionError(`${option}: no file; pass -drive file=disk.img,format=raw`);
    d.option = `-drive file=${d.file}`;
    return d;
  });
  const ids = new Map<string, Drive>();
  for (const d of parsed) {
    if (d.id === undefined) continue;
    if (ids.has(d.id)) throw new OptionError(`-drive id=${d.id}: two drives with that id; give each its own`);
    ids.set(d.id, d);
  }
  const disks: DiskSpec[] = parsed.filter((d) => d.iface === 'virtio').map((d) => ({ file: d.file, option: d.option, readOnly: d.readOnly, serial: d.serial }));
  for (const spec of devices) {
    const option = `-device ${spec}`;
    const kv = keyValues(spec, 'driver');
    const type = kv.find(([k]) => k === 'driver')?.[1];
    if (type !== 'virtio-blk-device') {
      throw new OptionError(`${option}: unknown device${type ? ` ${type}` : ''}; tsemu-system has virtio-blk-device (virtio-mmio; there is no PCI)`);
    }
    let drive: Drive | undefined;
    let serial: string | undefined;
    for (const [k, v] of kv) {
      if (k === 'driver') continue;
      if (k === 'drive') {
        drive = ids.get(v);
        if (!drive) throw new OptionError(`${option}: no -drive with id=${v}; add -drive file=disk.img,format=raw,if=none,id=${v}`);
      } else if (k === 'serial') serial = v;
      else throw new OptionError(`${option}: unknown property ${k}; virtio-blk-device takes drive and serial`);
    }
    if (!drive) throw new OptionError(`${option}: no drive; pass drive=ID naming a -drive ...,if=none,id=ID`);
    if (drive.iface !== 'none') throw new OptionError(`${option}: drive ${drive.id} is if=${drive.iface}, a disk of its own already; give it if=none`);
    if (drive.used) throw new OptionError(`${option}: drive ${drive.id} is already used by another -device`);
    drive.used = true;
    disks.push({ file: drive.file, option: drive.option, readOnly: drive.readOnly, serial: serial ?? drive.serial });
  }
  return disks;
}
