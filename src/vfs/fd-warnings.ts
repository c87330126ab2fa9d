// Node tracks the descriptors a worker opens through fs and warns, on the process's stderr
// (which is the guest's), when a worker closes one it did not open, or opens a number it still
// counts as open. Both happen rightly in tsemu: the guest's descriptors are the process's
// (inherited, opened before a fork, or by another guest thread), and a descriptor the socket
// worker opens and hands to a net.Socket is closed by libuv, which fs does not see, so its
// number comes back from the next open. Go's sync and strings tests printed dozens of them.
// Those two warnings are dropped; every other one goes through.
const FD_NOISE = /^File descriptor \d+ (closed but not opened in unmanaged mode|opened in unmanaged mode twice)/;

export function quietFdWarnings(): void {
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (FD_NOISE.test(text)) return;
    (emitWarning as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
