// The reader child (PDF parsing, rendering, OCR in its own process with a memory limit) is a second
// entry point, bundled beside main.js as reader-child.js.
module.exports = require('../../tools/webpack/node-app.config.js')(__dirname, 'doc-processor', {
  additionalEntryPoints: [{ entryName: 'reader-child', entryPath: './src/reading/reader.child.ts' }],
});
