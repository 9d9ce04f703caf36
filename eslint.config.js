// Lint keeps the shape of STYLE.md: no `any`, and the inward-pointing dependencies (routes never
// reach SQL, the core never imports a feature, only entry points read process.env).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const features = ['auth', 'sessions', 'users', 'roles', 'products', 'admin', 'audit', 'keys', 'hello', 'health', 'cli'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'tmp/**'] },
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
  {
    files: ['src/**/*-routes.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['kysely', 'pg', 'ioredis', '@electric-sql/*', '**/db/*', '*-repository.js', '**/*-repository.js'], message: 'Routes call services; SQL lives in repositories.', allowTypeImports: true }] }],
    },
  },
  {
    files: ['src/db/**', 'src/cache/**', 'src/config/**', 'src/http/**', 'src/security/**', 'src/errors.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: features.map((f) => `**/${f}/*`), message: 'The core never imports a feature.' }] }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/server.ts', 'src/cli/main.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Only entry points read process.env; pass config.' }],
    },
  },
);
