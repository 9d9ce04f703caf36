// Lint keeps the shape docs/architecture.md describes: no `any`; dependencies point inward (the layers below, cycle-
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
  ['errors', 'clock', 'request-context', 'principal', 'lifecycle'],
  ['config'],
  // the reader's language: message catalogues and the translator, used by pages and mail
  ['i18n'],
  ['db', 'cache'],
  ['security'],
  ['http'],
  ['outbox'],
  ['audit', 'keys', 'passwords', 'mail'],
  ['roles', 'sessions', 'webhooks'],
  ['users'],
  // one way to finish a sign-in (account rules, lockout, re-authentication, the second step):
  // below every sign-in method and every feature that re-authenticates
  ['sign-in'],
  ['email-ownership'],
  ['mfa'],
  ['auth', 'products'],
  ['social'],
  // sign-in by emailed code or link: the email feature's codes, finished by the sign-in core,
  // answered as the password sign-in answers (auth's token response, mfa's second step)
  ['email-login'],
  ['user-import'],
  ['oidc'],
  ['admin', 'hello', 'health', 'metrics'],
  ['pages'],
  ['services'],
  ['commands'],
  ['app'],
  ['server'],
  ['cli'],
];
const ORDER = LAYERS.flat();
const TOP_LEVEL_MODULES = new Set(['errors', 'clock', 'request-context', 'principal', 'lifecycle', 'services', 'app', 'server']);

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

// The CLI reaches the database through the services and src/commands/, never through the HTTP
// app: no CLI module imports app.ts, and only the serve command's module (src/cli/serve.ts)
// imports server.ts.
const CLI_SERVE = 'src/cli/serve.ts';
const cliNoApp = { group: ['../app.js'], message: 'The CLI uses the services (services.ts, commands/), never the HTTP app.' };
const cliNoServer = { group: ['../server.js'], message: 'Only the serve command (src/cli/serve.ts) may import the server; other commands use the services.' };

/**
 * Every table has one owning folder: only that feature's code writes it (insertInto, updateTable,
 * deleteFrom). Another feature that needs a row written asks the owner's service, or composes the
 * owner's statement builder in its own statement (outbox/outbox-queue.ts: withQueuedWhen). A new table takes
 * its place here.
 */
const TABLE_OWNERS = {
  users: 'users',
  user_roles: 'users',
  roles: 'roles',
  sessions: 'sessions',
  refresh_tokens: 'sessions',
  signing_keys: 'keys',
  products: 'products',
  audit_events: 'audit',
  audit_chain_head: 'audit',
  outbox: 'outbox',
  webhook_endpoints: 'webhooks',
  permissions: 'roles',
  audit_chain_eras: 'audit',
  oidc_clients: 'oidc',
  oidc_payloads: 'oidc',
  email_codes: 'email-ownership',
  identities: 'social',
  oauth_providers: 'social',
  mfa_totp: 'mfa',
  mfa_recovery_codes: 'mfa',
  passkeys: 'mfa',
};
const envRule = { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Only entry points read process.env; pass config.' };

/** a folder's no-restricted-syntax: the process.env rule (restated: a later block replaces a rule) and the tables it does not own */
function tableWriteBlock(name) {
  const foreign = Object.keys(TABLE_OWNERS).filter((table) => TABLE_OWNERS[table] !== name);
  return {
    files: [`src/${name}/**/*.ts`],
    ignores: ['src/cli/main.ts', 'src/db/migrations/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        envRule,
        {
          selector: `CallExpression[callee.property.name=/^(insertInto|updateTable|deleteFrom)$/][arguments.0.value=/^(${foreign.join('|')})$/]`,
          message: "Each table has one owner (TABLE_OWNERS in eslint.config.js): call the owning feature's service, or compose its statement builder.",
        },
        {
          selector: `CallExpression[callee.property.name=/^(insertInto|updateTable|deleteFrom)$/][arguments.0.value=/^(?!(${Object.keys(TABLE_OWNERS).join('|')})$)/]`,
          message: 'A table written here has no owner yet: add it to TABLE_OWNERS in eslint.config.js (the folder whose repositories write it).',
        },
      ],
    },
  };
}

function layerBlocks(name) {
  const base = TOP_LEVEL_MODULES.has(name) ? `src/${name}.ts` : `src/${name}/**/*.ts`;
  const restricted = (extraPatterns = [], paths = []) => [
    'error',
    { patterns: [{ ...layering, group: forbiddenFor(name) }, ...(COMPOSITION.has(name) ? [] : [crossRepository]), ...extraPatterns].filter((p) => p.group.length > 0), paths },
  ];
  if (TOP_LEVEL_MODULES.has(name)) return [{ files: [base], rules: { '@typescript-eslint/no-restricted-imports': restricted() } }];
  if (name === 'cli') {
    return [
      { files: [base], ignores: [CLI_SERVE], rules: { '@typescript-eslint/no-restricted-imports': restricted([cliNoApp, cliNoServer]) } },
      { files: [CLI_SERVE], rules: { '@typescript-eslint/no-restricted-imports': restricted([cliNoApp]) } },
    ];
  }
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
      'no-restricted-syntax': ['error', envRule],
    },
  },
  ...ORDER.filter((name) => !TOP_LEVEL_MODULES.has(name)).map(tableWriteBlock),
);
