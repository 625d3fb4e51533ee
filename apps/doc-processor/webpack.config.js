// The reader child (PDF parsing, rendering, OCR in its own process with a memory limit) is a second
// entry point, bundled beside main.js as reader-child.js. It loads file-type by a computed import() and
// the OCR language data by path, which the generated package.json would otherwise leave out.
module.exports = require('../../tools/webpack/node-app.config.js')(__dirname, 'doc-processor', {
  additionalEntryPoints: [{ entryName: 'reader-child', entryPath: './src/reading/reader.child.ts' }],
  runtimeDependencies: ['file-type', '@tesseract.js-data/eng', 'pdfjs-dist', 'tesseract.js'],
});
