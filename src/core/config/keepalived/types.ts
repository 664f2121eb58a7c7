/** Shared types of the keepalived.conf reader (see index.ts). */
import type { ConfigIssue, SourceLocation } from '../model.js';

export type { ConfigIssue, SourceLocation } from '../model.js';

/** Where a character, token or tree node came from. */
export type Pos = SourceLocation;

/**
 * The outside world the reader needs, injected so that the core stays pure: tests pass an in-memory fake,
 * the daemon and CLI pass src/edges/config-host.ts.
 */
export interface ConfigHost {
  /** The text of a file, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /**
   * The files matching a glob pattern (`*`, `?`, `[...]`, `{a,b}`), a relative pattern resolved against `cwd`,
   * as paths readFile accepts, sorted. None: an empty list.
   */
  glob(pattern: string, cwd: string): string[];
}

export interface KeepalivedOptions {
  host: ConfigHost;
  /** keepalived's `-i` config id for `@id` / `@^id` lines and `${_INSTANCE}`; the caller passes the short host name. */
  configId?: string | undefined;
  /** The environment for `${_ENV VAR}` (default: none). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The random source of `${_RANDOM}`, in [0, 1) (the config edge gives Math.random; tests their own). */
  random?: (() => number) | undefined;
}

export interface Issues {
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

export type TokenKind = 'word' | 'open' | 'close';

export interface Token {
  kind: TokenKind;
  /** The word with its quotes removed and, inside "...", C escapes decoded. */
  value: string;
  /** The word as written (after parameter substitution), quotes and backslashes included. */
  raw: string;
  /** True when any part of the word was in double quotes. */
  quoted: boolean;
  pos: Pos;
  /** Index of the logical line the token is on (after includes, definitions and ~SEQ expansion). */
  line: number;
}
