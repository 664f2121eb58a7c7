/**
 * A worker thread running one of vipd's modules: from dist/ its JavaScript, from the TypeScript sources (tests)
 * the module after registering tsx (Node 20 loads a worker's entry before --import hooks would apply).
 */
import { Worker } from 'node:worker_threads';

export function startWorker(moduleUrl: URL, workerData?: unknown): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, { workerData });
  return new Worker(
    `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); })`,
    { eval: true, workerData },
  );
}

/** The URL of a module beside `base` (an import.meta.url), in the same flavour (.ts from sources, .js from dist). */
export function siblingModule(base: string, name: string): URL {
  return new URL(`${name}.${base.endsWith('.ts') ? 'ts' : 'js'}`, base);
}
