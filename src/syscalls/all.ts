// Importing this module registers every syscall definition.
import './files.js';
import './memory.js';
import './process.js';
import './time.js';
import './info.js';
import './signals.js';
