// Errno values and SysError for handlers; defined in vfs/ (see there) so backends can use them.
export { E, ERESTARTNOHAND, ERESTARTNOINTR, ERESTARTSYS, SysError, errnoOf, host, type Errno } from '../vfs/errno.js';
