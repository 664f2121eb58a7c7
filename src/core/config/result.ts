/**
 * What either configuration reader (YAML or keepalived.conf) returns, and how an issue is printed. Kept apart
 * from the readers so that printing an issue loads neither of them (the YAML package is the bulk of the config
 * code: a keepalived.conf never loads it).
 */
import type { ConfigIssue, VipdConfig } from './model.js';

export interface ParseResult {
  /** Present only when there are no errors. */
  config?: VipdConfig | undefined;
  /**
   * The complete model even though some keywords are "not supported yet" (every error is such a refusal):
   * for check-config and convert, never for running. Equal to `config` when there are no errors.
   */
  model?: VipdConfig | undefined;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

/** `file:line:col: message`, the form editors and compilers use. */
export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.col}: ${i.message}`;
}
