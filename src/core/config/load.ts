/** The one impure step of configuration loading: read the file, then parse it with the pure loader. */
import { readFile } from 'node:fs/promises';
import { type ParseResult, parseYamlConfig } from './yaml.js';

export async function loadConfigFile(path: string): Promise<ParseResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return {
      errors: [{ file: path, line: 1, col: 1, message: `cannot read the file: ${e.code ?? e.message}` }],
      warnings: [],
    };
  }
  return parseYamlConfig(text, path);
}
