/**
 * The seed inputs in test/fuzz/corpus/<parser>/ (README there): real Genesys shapes, the
 * integration guides' formats, and every minimised counterexample that once found a bug
 * (`regressions/`). Properties draw from them and mutate them; they never change the files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../corpus/', import.meta.url));

export interface CorpusEntry {
  /** Path under the parser's folder, for messages. */
  name: string;
  bytes: Buffer;
}

function walk(dir: string, prefix: string): CorpusEntry[] {
  return readdirSync(dir)
    .sort()
    .flatMap((file) => {
      const path = join(dir, file);
      if (statSync(path).isDirectory()) return walk(path, `${prefix}${file}/`);
      if (file.endsWith('.md')) return [];
      return [{ name: `${prefix}${file}`, bytes: readFileSync(path) }];
    });
}

/** Every seed of one parser, in a stable order (a seed's index is part of a replay). */
export function corpus(parser: string): CorpusEntry[] {
  const entries = walk(join(ROOT, parser), '');
  if (entries.length === 0) throw new Error(`no corpus for ${parser} in ${ROOT}`);
  return entries;
}

/** Seeds of JSON files, parsed. */
export function corpusJson<T>(parser: string): { name: string; value: T }[] {
  return corpus(parser)
    .filter((e) => e.name.endsWith('.json'))
    .map((e) => ({ name: e.name, value: JSON.parse(e.bytes.toString('utf8')) as T }));
}
