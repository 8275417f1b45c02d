// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'src/service/dashboard/static/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // Imports flow one way: pricing <- adapters <- hedging <- src. Lower layers never import upper ones.
    files: ['pricing/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '**/adapters/**',
            '**/hedging/**',
            '**/src/**',
            'ccxt',
            'express',
            'ws',
            'better-sqlite3',
            'pino',
            'node:*',
          ],
        },
      ],
    },
  },
  {
    files: ['adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/hedging/**', '**/src/**', 'express', 'better-sqlite3'] }],
    },
  },
  {
    files: ['hedging/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/src/**', 'ccxt', 'express', 'ws', 'better-sqlite3'] }],
    },
  },
);
