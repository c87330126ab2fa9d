// Importing this module registers every syscall definition.
import './files.js';
import './stat.js';
import './dirs.js';
import './attrs.js';
import './fdops.js';
import './memory.js';
import './process.js';
import './fork.js';
import './poll.js';
import './futex.js';
import './time.js';
import './info.js';
import './signals.js';
import './timers.js';
import './sockets.js';
import './eventfd.js';
import './epoll.js';
