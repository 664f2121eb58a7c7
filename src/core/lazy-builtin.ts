/**
 * A Node built-in loaded on its first use instead of at start-up (issue 11). node:crypto is some twenty internal
 * modules (10–20 ms to load on the test machine) and node:child_process 5–10 ms, and most configurations need
 * neither before their first state: crypto only for AH, child_process only for scripts, nft and mkfifo.
 */
import { createRequire } from 'node:module';
import { once } from './once.js';

const load = createRequire(import.meta.url);

export function lazyBuiltin<T>(name: `node:${string}`): () => T {
  return once(() => load(name) as T);
}
