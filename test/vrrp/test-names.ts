/**
 * Finds the names of the tests in a tree of *.test.ts files by parsing them with the TypeScript
 * compiler (no execution): every `describe` / `it` / `test` call whose first argument is a literal
 * string, through modifiers (`.skip`, `.only`, `.skipIf(c)`, `.each(table)`, ...). `.each` titles are
 * kept as written, template included ('%s master, %s backup ...'). `.todo` is not a test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface TestName {
  file: string;
  /** The test's own title. */
  title: string;
  /** Enclosing describe titles and the title, joined with ' > ' as vitest prints them. */
  fullName: string;
}

const SUITE = new Set(['describe', 'suite']);
const TEST = new Set(['it', 'test']);

/** The root identifier of a call's callee and the modifiers on the way (`it.skipIf(x).each(t)` → it, [each, skipIf]). */
function calleeChain(callee: ts.Expression): { root: string; modifiers: string[] } | undefined {
  const modifiers: string[] = [];
  let e = callee;
  for (;;) {
    if (ts.isCallExpression(e)) e = e.expression;
    else if (ts.isPropertyAccessExpression(e)) {
      modifiers.push(e.name.text);
      e = e.expression;
    } else break;
  }
  return ts.isIdentifier(e) ? { root: e.text, modifiers } : undefined;
}

function literalTitle(node: ts.Node | undefined): string | undefined {
  return node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;
}

export function testNamesInSource(file: string, source: string): TestName[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: TestName[] = [];
  const visit = (node: ts.Node, suites: string[]): void => {
    if (ts.isCallExpression(node)) {
      const chain = calleeChain(node.expression);
      const title = literalTitle(node.arguments[0]);
      if (chain && title !== undefined && !chain.modifiers.includes('todo')) {
        if (TEST.has(chain.root)) {
          found.push({ file, title, fullName: [...suites, title].join(' > ') });
          return;
        }
        if (SUITE.has(chain.root)) {
          for (const arg of node.arguments) visit(arg, [...suites, title]);
          return;
        }
      }
    }
    ts.forEachChild(node, (child) => visit(child, suites));
  };
  visit(sf, []);
  return found;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every test under `root` (e.g. the repository's test/ folder); file paths are relative to `base`. */
export function collectTestNames(root: string, base = root): TestName[] {
  return testFiles(root).flatMap((path) => testNamesInSource(relative(base, path), readFileSync(path, 'utf8')));
}
