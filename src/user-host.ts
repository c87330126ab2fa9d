// What the thread that owns the host process needs from the emulator's side (cli/user-main.ts,
// cli/job-control.ts): the words it shares with the guest's thread and the job-control session.
// Only that, so that this thread does not load the emulator itself: the guest's thread loads it,
// and every fork and every run pays for each module loaded here (issue 8, fixed start-up).
export { HOST_EVENTS, type HostLink } from './syscalls/host-link.js';
export { hostJobIds, Session, SESSION_ENV } from './syscalls/process/session.js';
