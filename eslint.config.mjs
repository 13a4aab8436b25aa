// Lint rules: the recommended sets of ESLint and typescript-eslint over every file we write. Formatting is Prettier's
// job (`npm run format:check`), so no stylistic rule is enabled here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['lib/', 'dist/', 'node_modules/', 'bench/work/', 'coverage/', '.stryker-tmp/', 'reports/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Errors are rewritten to name the field and to leave credentials out; a `cause` would carry the original,
      // credentials and all, into every place that prints the error with its causes.
      'preserve-caught-error': 'off',
    },
  },
  {
    // Tests build deliberately malformed objects and read raw YAML, which no precise type describes.
    files: ['tests/**/*.ts'],
    languageOptions: { globals: { ...globals.jest } },
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Plain Node.js scripts are CommonJS.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
