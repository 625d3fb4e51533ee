import { join } from 'node:path';

// Resolves packages and their data files (pdf.js fonts, tesseract's traineddata) from the running
// script, which works both from source (ts-run) and from the webpack bundle, where `require.resolve`
// is rewritten by webpack and an imported `createRequire()` call is replaced by `undefined` (its ESM
// handling): `process.getBuiltinModule` is invisible to webpack.
const { createRequire } = process.getBuiltinModule('node:module');

/** A real Node require, rooted at the child's own script. */
export const childRequire = createRequire(process.argv[1] ?? join(process.cwd(), 'reader-child.js'));

/**
 * A real import() of an ESM-only package. webpack is told to leave it alone; the specifier is a
 * parameter so TypeScript (moduleResolution node10) does not try to resolve the package's types.
 */
export function importEsm<T>(specifier: string): Promise<T> {
  return import(/* webpackIgnore: true */ specifier) as Promise<T>;
}
