/** Errno numbers as the names Node gives them ('ECONNREFUSED'), for errors vipd builds from a bare number. */
import { constants } from 'node:os';

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}

/** 'EEXIST' for 17, and so on; `E<n>` for a number the platform does not name. */
export function errnoName(errno: number): string {
  return errnoNames.get(Math.abs(errno)) ?? `E${Math.abs(errno)}`;
}
