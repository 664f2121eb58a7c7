/** `script_user` and a vrrp_script's `user`: USER [GROUP], and vipd's USER:GROUP with keepalived's reading said. */
import { parseUserSpec } from '../tracking.js';
import type { PathSegment, Reporter } from './report.js';

/**
 * A parsed `USER [GROUP]` (userSpec). USER:GROUP is vipd's; keepalived 2.2.7 reads it as one user name, which
 * the warning says.
 */
export function userOf(
  value: string | undefined,
  at: readonly PathSegment[],
  report: Reporter,
): { user: string; group?: string | undefined } | undefined {
  if (value === undefined) return undefined;
  if (report.keepalived && value.includes(':')) {
    report.lenient(
      at,
      'value',
      `${value}: vipd runs scripts as user ${value.split(':')[0]}, group ${value.split(':')[1]}; keepalived 2.2.7 ` +
        `looks for a user named "${value}" (write "${value.replace(':', ' ')}" for both)`,
    );
  }
  return parseUserSpec(value);
}
