/**
 * The installed package's own directory (where package.json and native/ are), found from a module's URL by walking
 * up: the same answer from src/ (tsx), dist/ (tsc) and the bundle dist/vipd.js, however deep the module is.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_LEVELS = 6;

export function packageRoot(moduleUrl: string): string {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (let i = 0; i < MAX_LEVELS; i++) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'vipd') return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`vipd's package.json not found above ${fileURLToPath(moduleUrl)}`);
}
