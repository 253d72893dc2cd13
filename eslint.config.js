// The dependency rule of DESIGN.md §2 lives here as lint errors. Do not relax these rules:
// they are what keeps the till free of server code and core free of I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const relativeInto = (...parts) => ({
  regex: `^\\.{1,2}/(?:.*/)?(?:${parts.join('|')})(?:/|$)`,
  message: `Crosses the dependency rule (DESIGN.md §2): import ${parts.join('/')} only through its own package.`,
});
const banned = (names, why) => ({ group: names, message: why });

const serverOnly = ['fastify', 'fastify-*', '@fastify/*', 'kysely', 'better-sqlite3', 'pg', '@pos/sync-server', '@pos/sync-server/*'];
const rendererOnly = ['react', 'react-dom', 'react-dom/*', 'rxdb', 'rxdb/*', 'xstate', '@xstate/*', 'dexie'];
const devicesOnly = ['node-hid', 'serialport', '@serialport/*'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**', 'release/**', 'test-results/**', 'bench-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/ban-ts-comment': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^(?!zod$|zod/|\\.)', message: 'core/ imports only core and zod (DESIGN.md §2).' },
          relativeInto('renderer', 'main', 'sync-server', 'test'),
        ],
      }],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'core/ is deterministic: take `now` as a parameter.' },
        { object: 'Math', property: 'random', message: 'core/ is deterministic: take ids/randomness as a parameter.' },
      ],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'core/ is deterministic: take `now` as a parameter.' },
      ],
    },
  },
  {
    // Core's own tests may use the test tools; the code under test still may not.
    files: ['core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^(?!zod$|zod/|vitest$|fast-check$|\\.)', message: 'core/ tests import only core, zod, vitest and fast-check.' },
          relativeInto('renderer', 'main', 'sync-server', 'test'),
        ],
      }],
    },
  },
  {
    files: ['sync-server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          banned(['electron', ...rendererOnly, ...devicesOnly], 'The sync server never depends on till-only packages (DESIGN.md §2).'),
          relativeInto('renderer', 'main'),
        ],
      }],
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/src/devices/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          banned([...serverOnly, ...rendererOnly], 'main/ depends on core and itself only (DESIGN.md §2).'),
          banned(devicesOnly, 'Device drivers live only in main/src/devices/ (DESIGN.md §2).'),
          relativeInto('renderer', 'sync-server'),
        ],
      }],
    },
  },
  {
    files: ['main/src/devices/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          banned([...serverOnly, ...rendererOnly], 'main/ depends on core and itself only (DESIGN.md §2).'),
          relativeInto('renderer', 'sync-server'),
        ],
      }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^node:', message: 'The renderer runs in a browser: no node:* (DESIGN.md §2).' },
          banned(['electron', ...serverOnly, ...devicesOnly], 'The renderer talks to the platform port, never to Electron, devices or server code (DESIGN.md §2).'),
          relativeInto('main', 'sync-server'),
        ],
      }],
    },
  },
);
