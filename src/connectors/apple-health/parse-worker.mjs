// Entry of the XML worker thread: the worker starts without the parent's loader flags (under
// vitest there are none to inherit), so it registers tsx itself, as bin/context-vault.js does.
import { register } from 'tsx/esm/api';

register();
await import('./parse-worker.ts');
