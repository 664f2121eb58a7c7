/**
 * The block structure: logical lines of tokens → statements. A statement is a keyword, the words after it on
 * its line, and optionally a `{ ... }` block, whose `{` may be on the same line or start the next one. Several
 * statements may share a line (`virtual_ipaddress { 10.0.0.1 }`, `} vrrp_instance B {`); inside a block each
 * line (or the part of it between braces) is one statement.
 */
import type { ConfigIssue, Token } from './types.js';

export interface Statement {
  keyword: Token;
  args: Token[];
  block?: Block | undefined;
}

export interface Block {
  open: Token;
  body: Statement[];
}

export function parseStatements(lines: readonly Token[][], errors: ConfigIssue[]): Statement[] {
  const tokens = lines.flat();
  let i = 0;
  const peek = () => tokens[i];

  const parseBody = (open: Token | undefined): Statement[] => {
    const body: Statement[] = [];
    while (i < tokens.length) {
      const tok = tokens[i] as Token;
      if (tok.kind === 'close') {
        i++;
        if (open) return body;
        errors.push({ ...tok.pos, message: 'unbalanced braces: this } closes no block' });
        continue;
      }
      if (tok.kind === 'open') {
        i++;
        errors.push({ ...tok.pos, message: 'this { follows no keyword' });
        parseBody(tok); // skip the orphan block, still checking its braces
        continue;
      }
      i++;
      const args: Token[] = [];
      while (i < tokens.length && peek()?.kind === 'word' && peek()?.line === tok.line) args.push(tokens[i++] as Token);
      const next = peek();
      let block: Block | undefined;
      // `{` on the keyword's line, or opening the next line.
      if (next?.kind === 'open') {
        i++;
        block = { open: next, body: parseBody(next) };
      }
      body.push({ keyword: tok, args, block });
    }
    if (open) errors.push({ ...open.pos, message: 'unbalanced braces: this { is never closed' });
    return body;
  };
  return parseBody(undefined);
}
