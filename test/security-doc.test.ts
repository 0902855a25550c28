import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every `file › test` reference in docs/security.md, with "…" meaning the file before. */
function referencesIn(markdown: string): { file: string; test: string }[] {
  const references: { file: string; test: string }[] = [];
  let file = '';

  for (const [, ref] of markdown.matchAll(/`([^`]+ › [^`]+)`/g)) {
    const [where = '', test = ''] = (ref as string).split(' › ');
    file = where === '…' ? file : where;
    // The page's own explanation of the notation names no real file.
    if (file.endsWith('.test.ts')) references.push({ file, test });
  }
  return references;
}

describe('docs/security.md', function () {
  it('names only tests that exist, in the files it says', function () {
    const markdown = readFileSync(path.join(root, 'docs/security.md'), 'utf8');
    const references = referencesIn(markdown);

    assert.ok(references.length > 40, `found ${references.length} references`);
    for (const { file, test } of references) {
      const source = readFileSync(path.join(root, 'test', file), 'utf8').replace(/\s+/g, ' ');
      const title = test.replace(/"/g, '');
      assert.ok(
        source.replace(/\\'/g, "'").replace(/"/g, '').includes(title),
        `${file} has a test named "${test}"`,
      );
    }
  });
});
