// Lint keeps the shape of STYLE.md: no `any`; dependencies point inward (the layers below, cycle-
// free by construction); routes never reach SQL; services hold no SQL (no kysely values); a
// feature uses another feature's service, never its repository; only entry points read
// process.env.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first. A folder (or top-level module) may import its own layer's
 * *lower* entries and every lower layer — never an entry listed after it — so no two folders can
 * depend on each other. A new feature takes its place here.
 */
const LAYERS = [
  ['errors', 'clock', 'request-context', 'principal'],
  ['config'],
  ['db', 'cache'],
  ['security'],
  ['http'],
  ['audit', 'keys', 'passwords', 'mail'],
  ['roles', 'sessions'],
  ['users'],
  ['email'],
  ['auth', 'products'],
  ['oauth'],
  ['mfa'],
  ['user-import'],
  ['oidc'],
  ['admin', 'hello', 'health', 'metrics'],
  ['pages'],
  ['services'],
  ['app'],
  ['server'],
  ['cli'],
];
const ORDER = LAYERS.flat();
const TOP_LEVEL_MODULES = new Set(['errors', 'clock', 'request-context', 'principal', 'services', 'app', 'server']);

/** import patterns naming `name` from a file one folder below src/ (or directly in src/) */
function patternsFor(name, fromTopLevel) {
  const up = fromTopLevel ? './' : '../';
  return TOP_LEVEL_MODULES.has(name) ? [`${up}${name}.js`] : [`${up}${name}/*`, `${up}${name}/**`];
}

function forbiddenFor(name) {
  const layer = LAYERS.findIndex((l) => l.includes(name));
  const rank = ORDER.indexOf(name);
  // later layers, and later entries of the same layer (siblings stay independent of each other)
  const above = ORDER.filter((other, i) => other !== name && (LAYERS.findIndex((l) => l.includes(other)) > layer || (i > rank && LAYERS[layer].includes(other))));
  return above.flatMap((other) => patternsFor(other, TOP_LEVEL_MODULES.has(name)));
}

const layering = { group: [], message: 'Dependencies point inward: this module may not import a higher layer or a sibling feature (see LAYERS in eslint.config.js).' };
const crossRepository = { group: ['../*/*-repository.js'], message: "A feature uses another feature's service, never its repository." };
const routesNoSql = { group: ['kysely', 'pg', 'ioredis', '@electric-sql/*', '../db/*', './*-repository.js'], message: 'Routes call services; SQL lives in repositories.', allowTypeImports: true };
const servicesNoSql = { name: 'kysely', message: 'Services hold the rules; SQL (kysely values such as sql) lives in repositories. Type imports are fine.', allowTypeImports: true };

const COMPOSITION = new Set(['services', 'app', 'server', 'cli']);

function layerBlocks(name) {
  const base = TOP_LEVEL_MODULES.has(name) ? `src/${name}.ts` : `src/${name}/**/*.ts`;
  const restricted = (extraPatterns = [], paths = []) => [
    'error',
    { patterns: [{ ...layering, group: forbiddenFor(name) }, ...(COMPOSITION.has(name) ? [] : [crossRepository]), ...extraPatterns].filter((p) => p.group.length > 0), paths },
  ];
  if (TOP_LEVEL_MODULES.has(name)) return [{ files: [base], rules: { '@typescript-eslint/no-restricted-imports': restricted() } }];
  return [
    { files: [base], rules: { '@typescript-eslint/no-restricted-imports': restricted() } },
    { files: [`src/${name}/**/*-routes.ts`], rules: { '@typescript-eslint/no-restricted-imports': restricted([routesNoSql]) } },
    { files: [`src/${name}/**/*-service.ts`], rules: { '@typescript-eslint/no-restricted-imports': restricted([], [servicesNoSql]) } },
  ];
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'tmp/**'] },
  // the pages' one browser script (assets/webauthn.js)
  { files: ['assets/**/*.js'], languageOptions: { sourceType: 'script', globals: { window: 'readonly', document: 'readonly', navigator: 'readonly', fetch: 'readonly', URLSearchParams: 'readonly', btoa: 'readonly', atob: 'readonly' } } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', crypto: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', performance: 'readonly', Blob: 'readonly', NodeJS: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...ORDER.flatMap(layerBlocks),
  {
    files: ['src/**/*.ts'],
    ignores: ['src/server.ts', 'src/cli/main.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Only entry points read process.env; pass config.' }],
    },
  },
);
