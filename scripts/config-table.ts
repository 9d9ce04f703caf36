/**
 * Prints (or with --write, updates in README.md) the configuration table generated from
 * src/config/config-schema.ts, between the `<!-- config:start -->` and `<!-- config:end -->` marks.
 * test/config/readme-config.test.ts fails when the README has drifted from the schema.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { settings, type Setting } from '../src/config/config-schema.js';

export function configTable(): string {
  const rows = (settings as readonly Setting[]).map((s) => {
    const def = s.defaultLabel ?? (s.default === undefined ? '(unset)' : s.default === '' ? '(empty)' : `\`${s.default}\``);
    return `| \`${s.env}\` | ${def} | ${s.description} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

export function withTable(readme: string): string {
  return readme.replace(/<!-- config:start -->[\s\S]*<!-- config:end -->/, `<!-- config:start -->\n${configTable()}\n<!-- config:end -->`);
}

if (process.argv.includes('--write')) {
  const path = new URL('../README.md', import.meta.url);
  writeFileSync(path, withTable(readFileSync(path, 'utf8')));
  console.log('README.md configuration table updated');
} else if (process.argv[1]?.endsWith('config-table.ts')) {
  console.log(configTable());
}
