// Between two tests, let the test worker's event loop turn once. Many tests run guest code or
// spawn programs synchronously; a file of them keeps the loop busy for minutes, and vitest's own
// messages between worker and main process (task updates) then wait past vitest's RPC timeout
// on a loaded machine ("Timeout calling onTaskUpdate"), which fails the run with every test green.
import { afterEach } from 'vitest';

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
