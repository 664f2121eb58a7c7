/**
 * keepalived's command-line splitting for notify and track scripts (lib/parser.c alloc_strvec_quoted_escaped,
 * applied by notify.c set_script_params_array to the command string). Pure, so the config model can hold argv
 * arrays; src/edges/scripts.ts re-exports it.
 *
 * Rules, as keepalived has them:
 * - unquoted whitespace (space, tab, \f, \n, \r, \v) separates words;
 * - "..." and '...' group, may start or end mid-word (a"b c"d is one word `ab cd`), and "" is an empty word;
 * - a backslash escapes everywhere, inside single quotes too (unlike a shell): \a \b \E \f \n \r \t \v,
 *   \xHH... (all following hex digits, low 8 bits kept), \cX (control-X), \NNN (1 to 3 octal digits);
 *   any other escaped character stands for itself (\" \' \\ \space);
 * - an unterminated quote or a trailing lone backslash is an error (keepalived refuses the script).
 */
import { VipdError } from '../errors.js';

export class CommandSyntaxError extends VipdError {
  constructor(message: string) {
    super('VIPD_ERR_COMMAND_SYNTAX', message);
  }
}

const WHITE = ' \t\f\n\r\v';
/** keepalived's one-letter C escapes, shared by the command splitter and the keepalived.conf lexer. */
export const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

const isHex = (c: string | undefined): c is string => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isOctal = (c: string | undefined): c is string => c !== undefined && c >= '0' && c <= '7';

/** Splits a command line into argv. Throws CommandSyntaxError on an unterminated quote or a trailing backslash. */
export function splitCommand(cmd: string): string[] {
  const words: string[] = [];
  let i = 0;
  const n = cmd.length;
  while (i < n) {
    while (i < n && WHITE.includes(cmd[i] as string)) i++;
    if (i >= n) break;
    let word = '';
    let quote: '"' | "'" | undefined;
    while (i < n) {
      const c = cmd[i] as string;
      if (c === '\\') {
        i++;
        if (i >= n) throw new CommandSyntaxError(`trailing backslash in: ${cmd}`);
        const e = cmd[i] as string;
        if (e === 'x' && isHex(cmd[i + 1])) {
          let v = 0;
          i++;
          while (isHex(cmd[i])) {
            v = ((v << 4) | Number.parseInt(cmd[i] as string, 16)) & 0xff;
            i++;
          }
          word += String.fromCharCode(v);
        } else if (e === 'c' && i + 1 < n) {
          word += String.fromCharCode((cmd.charCodeAt(i + 1) & 0x1f) >>> 0);
          i += 2;
        } else if (isOctal(e)) {
          let v = 0;
          for (let k = 0; k < 3 && isOctal(cmd[i]); k++, i++) v = ((v << 3) + Number(cmd[i])) & 0xff;
          word += String.fromCharCode(v);
        } else {
          word += SIMPLE_ESCAPES[e] ?? e;
          i++;
        }
        continue;
      }
      if (quote) {
        if (c === quote) quote = undefined;
        else word += c;
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        quote = c;
        i++;
        continue;
      }
      if (WHITE.includes(c)) break;
      word += c;
      i++;
    }
    if (quote) throw new CommandSyntaxError(`missing terminating ${quote} quote in: ${cmd}`);
    words.push(word);
  }
  return words;
}
