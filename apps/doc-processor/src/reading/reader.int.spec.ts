import { existsSync } from 'node:fs';
import { readdirSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import {
  docxFile,
  encryptedPdf,
  fixtureFolder,
  manyPagesPdf,
  multiPageTiff,
  pageImage,
  pixelBombPng,
  scannedPdf,
  textPdf,
  truncated,
  zipBombDocx,
} from '@rma/testing/documents';
import { ReaderLimits, ReaderPool, ReaderPoolOptions, ReadError } from './reader-pool';

const limits: ReaderLimits = {
  maxPages: 500,
  maxPixelsPerPage: 40_000_000,
  maxTotalPixels: 400_000_000,
  maxDocxUncompressedBytes: 5_000_000,
  maxCompressionRatio: 200,
};

const options: ReaderPoolOptions = {
  size: 1,
  memoryMb: 512,
  pagesPerChild: 100,
  inspectTimeoutMs: 20_000,
  pageTimeoutMs: 30_000,
  limits,
};

const STATEMENT = [
  'Acme Bank plc statement for Jane Doe',
  'Account 12345678 sort code 12-34-56',
  '',
  'Date\tDescription\tAmount\tBalance',
  '01/03/2026\tTesco Stores\t£45.20\t£1,234.56',
  '02/03/2026\tRent payment\t£650.00\t£584.56',
  '03/03/2026\tCouncil tax\t£120.00\t£464.56',
];

/** OCR may read "£1,234.56" as "£1, 234.56" or change case: compare without either. */
function squash(text: string): string {
  return text.toLowerCase().replace(/\s+/g, '');
}

function tableRows(markdown: string): string[] {
  return markdown.split('\n').filter((line) => line.startsWith('|'));
}

/** The pool's children, from /proc: the pool does not hand out pids. */
function childPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent pid; the command name before it may hold spaces.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function readError(promise: Promise<unknown>): Promise<ReadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReadError);
  return error as ReadError;
}

describe(ReaderPool.name, () => {
  let folder: Awaited<ReturnType<typeof fixtureFolder>>;
  let sut: ReaderPool;

  beforeAll(async () => {
    folder = await fixtureFolder();
    sut = new ReaderPool(options);
  });

  afterAll(async () => {
    await sut.close();
    await folder.remove();
  });

  describe('reading', () => {
    it('reads a text PDF page from its text layer, line by line, with the statement rows as a table', async () => {
      const letter = ['Dear Ms Doe,', 'We write about your overdraft.', 'Yours sincerely'];
      const path = await folder.write('text.pdf', await textPdf([letter, STATEMENT]));

      const inspection = await sut.inspect(path);
      // A vision model only reads pages whose text came from pixels: a good text layer makes no picture.
      const imageOut = `${folder.dir}/text-page-1.png`;
      const first = await sut.readPage({ path, kind: 'pdf', pageIndex: 0, dpi: 150, mode: 'auto', imageOut });
      const second = await sut.readPage({ path, kind: 'pdf', pageIndex: 1, dpi: 150, mode: 'auto' });

      expect(inspection).toMatchObject({ kind: 'pdf', mime: 'application/pdf', pages: 2 });
      expect(first).toMatchObject({ method: 'text-layer', confidence: 1, pageIndex: 0 });
      expect(first.markdown.split('\n')).toEqual(letter);
      expect(first.imagePath).toBeUndefined();
      expect(existsSync(imageOut)).toBe(false);
      expect(second.markdown).toContain('Account 12345678 sort code 12-34-56');
      expect(tableRows(second.markdown)).toEqual([
        '| Date | Description | Amount | Balance |',
        '| --- | --- | --- | --- |',
        '| 01/03/2026 | Tesco Stores | £45.20 | £1,234.56 |',
        '| 02/03/2026 | Rent payment | £650.00 | £584.56 |',
        '| 03/03/2026 | Council tax | £120.00 | £464.56 |',
      ]);
    });

    it('OCRs a scanned PDF page (noise, skew), keeps amounts, and writes the page image when asked', async () => {
      const path = await folder.write(
        'scan.pdf',
        await scannedPdf([STATEMENT], { noise: 0.01, skewDegrees: 0.6, dpi: 150 }),
      );
      const imageOut = `${folder.dir}/scan-page-1.png`;

      const reading = await sut.readPage({ path, kind: 'pdf', pageIndex: 0, dpi: 150, mode: 'auto', imageOut });

      expect(reading.method).toBe('ocr');
      expect(reading.quality?.useTextLayer).toBe(false);
      expect(reading.confidence).toBeGreaterThan(0.6);
      for (const word of ['Acme Bank', 'Jane Doe', 'Tesco Stores', '£1,234.56', '£650.00']) {
        expect(squash(reading.markdown)).toContain(squash(word));
      }
      const rows = tableRows(reading.markdown);
      expect(rows[1]).toBe('| --- | --- | --- | --- |');
      expect(rows).toHaveLength(5);
      expect(reading.imagePath).toBe(imageOut);
      const written = await sharp(imageOut).metadata();
      expect(written).toMatchObject({ format: 'png', width: reading.widthPx, height: reading.heightPx });
    });

    it('OCRs a text PDF page when asked to, with the same table', async () => {
      const path = await folder.write('text-ocr.pdf', await textPdf([STATEMENT]));

      const reading = await sut.readPage({ path, kind: 'pdf', pageIndex: 0, dpi: 150, mode: 'ocr' });

      expect(reading.method).toBe('ocr');
      expect(squash(tableRows(reading.markdown)[2] ?? '')).toBe(
        squash('| 01/03/2026 | Tesco Stores | £45.20 | £1,234.56 |'),
      );
    });

    it.each(['png', 'jpeg', 'webp'] as const)('reads a %s photo by OCR', async (format) => {
      const lines = ['Final demand', 'Amount due £1,234.56'];
      const path = await folder.write(
        `photo-${format}.bin`,
        await pageImage(lines, { format, dpi: 150, noise: 0.005 }),
      );

      const inspection = await sut.inspect(path);
      const reading = await sut.readPage({
        path,
        kind: inspection.kind as 'png',
        pageIndex: 0,
        dpi: 150,
        mode: 'auto',
      });

      expect(inspection).toMatchObject({ kind: format, pages: 1 });
      expect(reading.method).toBe('ocr');
      expect(squash(reading.markdown)).toContain(squash('Final demand'));
      expect(squash(reading.markdown)).toContain(squash('£1,234.56'));
    });

    it('counts the pages of a multi-page TIFF and reads page 2', async () => {
      const path = await folder.write(
        'fax.tiff',
        await multiPageTiff([['First page'], ['Second page says hello'], ['Third']]),
      );

      const inspection = await sut.inspect(path);
      const reading = await sut.readPage({ path, kind: 'tiff', pageIndex: 1, dpi: 150, mode: 'auto' });

      expect(inspection).toMatchObject({ kind: 'tiff', pages: 3 });
      expect(squash(reading.markdown)).toBe(squash('Second page says hello'));
    });

    it('reads a DOCX as markdown with its heading and table', async () => {
      const path = await folder.write(
        'budget.docx',
        await docxFile({
          heading: 'Household budget',
          paragraphs: ['Prepared with the client.'],
          table: [
            ['Item', 'Monthly'],
            ['Rent', '£650.00'],
            ['Council tax | band B', '£120.00'],
          ],
        }),
      );

      const inspection = await sut.inspect(path);
      const reading = await sut.readDocx(path);

      expect(inspection).toMatchObject({ kind: 'docx', pages: 1 });
      expect(reading.markdown).toBe(
        [
          '# Household budget',
          '',
          'Prepared with the client.',
          '',
          '| Item | Monthly |',
          '| --- | --- |',
          '| Rent | £650.00 |',
          '| Council tax \\| band B | £120.00 |',
        ].join('\n'),
      );
    });
  });

  describe('refusing files', () => {
    it.each([
      ['a zero-byte file', 'empty_file', () => Buffer.alloc(0)],
      ['a text file', 'unsupported_type', () => Buffer.from('Name: Jane Doe\nBalance: 12.00\n')],
      ['a GIF', 'unsupported_type', () => Buffer.from('R0lGODlhAQABAAAAACw=', 'base64')],
      ['a truncated PDF', 'corrupt_file', async () => truncated(await textPdf([STATEMENT]))],
      ['a truncated PNG', 'corrupt_file', async () => truncated(await pageImage(['x']), 0.05)],
      ['an encrypted PDF', 'needs_password', () => encryptedPdf()],
      ['a 10,000-page PDF', 'too_many_pages', () => manyPagesPdf(10_000)],
      ['a PNG declaring 60000x60000 pixels', 'too_many_pixels', () => pixelBombPng(60_000, 60_000)],
      ['a DOCX-shaped zip bomb', 'archive_too_large', () => zipBombDocx()],
    ])('refuses %s with %s', async (name, code, make) => {
      const path = await folder.write(`refused-${name.replace(/\W+/g, '-')}`, await make());

      const error = await readError(sut.inspect(path));

      expect(error).toMatchObject({ code, retryable: false });
    });

    it('says which type it saw and which it accepts', async () => {
      const path = await folder.write('picture.gif', Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));

      const error = await readError(sut.inspect(path));

      expect(error.message).toMatch(/image\/gif.*PDF, PNG, JPEG, TIFF, WebP or DOCX/);
    });

    it('decides the kind from the bytes, not the name', async () => {
      const path = await folder.write('statement.pdf', await pageImage(['Hello']));

      expect(await sut.inspect(path)).toMatchObject({ kind: 'png', mime: 'image/png' });
    });

    it('refuses a DOCX that unpacks past the size cap even at a modest ratio', async () => {
      const path = await folder.write('big.docx', await docxFile({ heading: 'Big', paragraphs: ['x'.repeat(1000)] }));
      const small = new ReaderPool({ ...options, limits: { ...limits, maxDocxUncompressedBytes: 2_000 } });
      try {
        expect(await readError(small.readDocx(path))).toMatchObject({ code: 'archive_too_large' });
      } finally {
        await small.close();
      }
    });

    it('refuses pages past the per-page pixel cap and a page that does not exist', async () => {
      const image = await folder.write('page.png', await pageImage(['Hello'], { dpi: 100 }));
      const pdf = await folder.write('one-page.pdf', await textPdf([['Hello']]));
      const small = new ReaderPool({ ...options, limits: { ...limits, maxPixelsPerPage: 100_000 } });
      try {
        expect(await readError(small.inspect(image))).toMatchObject({ code: 'too_many_pixels' });
        expect(
          await readError(small.readPage({ path: image, kind: 'png', pageIndex: 0, dpi: 150, mode: 'auto' })),
        ).toMatchObject({
          code: 'too_many_pixels',
        });
        expect(
          await readError(small.readPage({ path: pdf, kind: 'pdf', pageIndex: 3, dpi: 150, mode: 'auto' })),
        ).toMatchObject({
          code: 'page_out_of_range',
        });
      } finally {
        await small.close();
      }
    });
  });

  describe('children', () => {
    it('kills a child that runs past the page timeout and serves the next request with a new one', async () => {
      const scan = await folder.write('slow.pdf', await scannedPdf([STATEMENT], { dpi: 150 }));
      const text = await folder.write('quick.pdf', await textPdf([['Still here']]));
      const pool = new ReaderPool({ ...options, pageTimeoutMs: 50 });
      try {
        const error = await readError(pool.readPage({ path: scan, kind: 'pdf', pageIndex: 0, dpi: 150, mode: 'ocr' }));
        const next = await pool.inspect(text);

        expect(error).toMatchObject({ code: 'timeout', retryable: true });
        expect(next.kind).toBe('pdf');
        expect(pool.stats().restarts).toBe(1);
      } finally {
        await pool.close();
      }
    });

    it('turns a child killed from outside into a retryable error and replaces it', async () => {
      const scan = await folder.write('killed.pdf', await scannedPdf([STATEMENT], { dpi: 150 }));
      const pool = new ReaderPool(options);
      const before = new Set(childPids());
      try {
        const reading = pool.readPage({ path: scan, kind: 'pdf', pageIndex: 0, dpi: 150, mode: 'ocr' });
        let pids: number[] = [];
        while (pids.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          pids = childPids().filter((pid) => !before.has(pid));
        }
        process.kill(pids[0], 'SIGKILL');
        const error = await readError(reading);
        const again = await pool.readPage({ path: scan, kind: 'pdf', pageIndex: 0, dpi: 150, mode: 'ocr' });

        // An unexplained SIGKILL is what the kernel's OOM killer sends.
        expect(error).toMatchObject({ code: 'out_of_memory', retryable: true });
        expect(again.method).toBe('ocr');
        expect(pool.stats()).toMatchObject({ restarts: 1, busy: 0, queued: 0 });
      } finally {
        await pool.close();
      }
    });

    it('recycles a child after pagesPerChild pages', async () => {
      const lines = [
        'Page one of three, from a text PDF.',
        'Page two of three, from a text PDF.',
        'Page three of three, from a text PDF.',
      ];
      const path = await folder.write('recycle.pdf', await textPdf(lines.map((line) => [line])));
      const pool = new ReaderPool({ ...options, pagesPerChild: 2 });
      try {
        const pages = await Promise.all(
          [0, 1, 2].map((pageIndex) => pool.readPage({ path, kind: 'pdf', pageIndex, dpi: 150, mode: 'auto' })),
        );

        expect(pages.map((p) => p.markdown)).toEqual(lines);
        expect(pages.map((p) => p.method)).toEqual(['text-layer', 'text-layer', 'text-layer']);
        expect(pool.stats()).toMatchObject({ restarts: 1, pagesRead: 3 });
      } finally {
        await pool.close();
      }
    });

    it('queues requests first in, first out and fails the queue on close', async () => {
      const path = await folder.write('queued.pdf', await textPdf([['Queued']]));
      const pool = new ReaderPool(options);
      const first = pool.inspect(path);
      const second = pool.inspect(path);
      const queued = pool.stats().queued;

      const closing = pool.close();
      const errors = await Promise.all([readError(first), readError(second)]);
      await closing;

      expect(queued).toBe(1);
      expect(errors.map((e) => e.code)).toEqual(['pool_closed', 'pool_closed']);
      expect(await readError(pool.inspect(path))).toMatchObject({ code: 'pool_closed' });
      expect(pool.closed).toBe(true);
    });
  });
});
