// Client documents made on the spot for doc-processor's tests, the services' e2e tests and benchmarks:
// a separate entry point, so that tests which never draw a page do not load canvas, sharp and pdf-lib.

/** Text and scanned PDFs, page images, multi-page TIFFs and DOCX files drawn from lines of text. */
export {
  docxFile,
  drawPage,
  fixtureFolder,
  multiPageTiff,
  pageImage,
  scannedPdf,
  textPdf,
} from './lib/documents/document-files';
export type { DocxContent, PageImageOptions, ScanOptions } from './lib/documents/document-files';
/** Hostile and broken files: encrypted, truncated, pixel and zip bombs, a PDF of thousands of pages. */
export {
  encryptedPdf,
  manyPagesPdf,
  pixelBombPng,
  truncated,
  zipArchive,
  zipBombDocx,
} from './lib/documents/raw-document-files';
/** Seeded synthetic UK documents of every type doc-processor classifies, with the facts they carry. */
export { SAMPLE_DOCUMENT_TYPES, mulberry32, sampleDocument, sampleText } from './lib/documents/sample-documents';
export type { ExpectedFacts, SampleDocument } from './lib/documents/sample-documents';
