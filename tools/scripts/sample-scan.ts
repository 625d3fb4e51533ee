// Writes a scanned client letter (a PDF of page images, no text layer, a little noise and skew) drawn by
// the test fixtures, to try doc-processor with: the README's `curl` uploads it.
//
//   bash tools/scripts/use-node.sh node tools/scripts/ts-run.cjs tools/scripts/sample-scan.ts /tmp/letter-scan.pdf [type] [seed]
import { SAMPLE_DOCUMENT_TYPES, sampleDocument, scannedPdf } from '@rma/testing/documents';
import { writeFile } from 'node:fs/promises';

async function main(): Promise<void> {
  const [path, type = 'debt_collection_letter', seed = '11'] = process.argv.slice(2);
  const known = SAMPLE_DOCUMENT_TYPES as readonly string[];
  if (!path || !known.includes(type) || !/^\d+$/.test(seed)) {
    process.stderr.write(`usage: sample-scan.ts <out.pdf> [type: ${known.join('|')}] [seed]\n`);
    process.exit(2);
  }
  const document = sampleDocument({ type: type as (typeof SAMPLE_DOCUMENT_TYPES)[number], seed: Number(seed) });
  await writeFile(path, await scannedPdf(document.pages, { noise: 0.005, skewDegrees: 0.5, dpi: 200 }));
  process.stdout.write(`${path}: a scanned ${type.replace(/_/g, ' ')} of ${document.pages.length} page(s)\n`);
}

void main();
