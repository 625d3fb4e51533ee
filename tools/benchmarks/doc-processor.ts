// Benchmark of doc-processor: reading text-layer PDF pages, rendering and OCR of scans, OCR character
// error rate, classifier accuracy, the vision path's parallelism, and the service's memory. The reader
// pool is driven directly (as apps/doc-processor/src/reading/reader.int.spec.ts does, children from
// source through ts-run) and the BUILT service runs as a process against real Redis and local-llm on its
// simulated engine. Fixtures are generated on the spot from @rma/testing/documents (seeded samples).
//
//   npx nx build doc-processor local-llm
//   node tools/scripts/ts-run.cjs tools/benchmarks/doc-processor.ts [--only text-layer,ocr,cer,classify,vision,memory]
//     [--text-pages 200] [--text-vision-pages 20] [--ocr-pages 10] [--cer-pages 10] [--classify-seeds 20]
//     [--classify-ocr 2] [--vision-pages 20] [--memory-pages 50]
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import { SAMPLE_DOCUMENT_TYPES, sampleDocument, sampleText, scannedPdf, textPdf } from '@rma/testing/documents';
import type { ScanOptions } from '@rma/testing/documents';
import { assemblePages } from '../../apps/doc-processor/src/analysis/assembly';
import { classifyDocument } from '../../apps/doc-processor/src/analysis/classifier';
import { VISION_CHECK_LIMITS } from '../../apps/doc-processor/src/analysis/vision-check';
import { docProcessorEnvSchema } from '../../apps/doc-processor/src/config/env.schema';
import { PageReading, ReaderPool, ReaderPoolOptions } from '../../apps/doc-processor/src/reading/reader-pool';
// The serving benchmarks' helpers (an ES module; Node 24 requires it synchronously).
// The benchmark CLI's helpers: percentiles as numpy and vllm bench interpolate them, and the machine line.
import { percentile } from '../bench/src/metrics.ts';
import { machineLine } from '../bench/src/report.ts';

const SECTIONS = ['text-layer', 'ocr', 'cer', 'classify', 'vision', 'memory'] as const;
type Section = (typeof SECTIONS)[number];

const { values: flags } = parseArgs({
  options: {
    only: { type: 'string', default: SECTIONS.join(',') },
    'text-pages': { type: 'string', default: '200' },
    'text-vision-pages': { type: 'string', default: '20' },
    'ocr-pages': { type: 'string', default: '10' },
    'cer-pages': { type: 'string', default: '10' },
    'classify-seeds': { type: 'string', default: '20' },
    'classify-ocr': { type: 'string', default: '2' },
    'vision-pages': { type: 'string', default: '20' },
    'memory-pages': { type: 'string', default: '50' },
  },
});
const only = flags.only
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
for (const name of only) {
  if (!(SECTIONS as readonly string[]).includes(name))
    throw new Error(`unknown section '${name}'; known: ${SECTIONS.join(', ')}`);
}
const runs = (section: Section) => only.includes(section);
const size = (name: keyof typeof flags) => Number(flags[name]);

const root = join(__dirname, '..', '..');
const command = `node tools/scripts/ts-run.cjs tools/benchmarks/doc-processor.ts${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`;

/** The service's defaults, from its own schema (REDIS_URL is only there to satisfy it). */
const DEFAULTS = docProcessorEnvSchema.parse({ REDIS_URL: 'redis://127.0.0.1:6379' });
const OCR_DPI = DEFAULTS.OCR_DPI;
/** The issue states the OCR speed goal at 300 dpi; the service itself renders at OCR_DPI. */
const GOAL_OCR_DPI = 300;
/** Scans as a client's scanner might give them; CER's "noisy" case and every other section's scans. */
const SCAN: ScanOptions = { noise: 0.015, skewDegrees: 0.75, dpi: 300 };
const CLEAN: ScanOptions = { noise: 0, skewDegrees: 0, dpi: 300 };
/** Seeds the unit tests do not use (they use 1-20). */
const FIRST_SEED = 1001;

// ---- report ----

const report: string[] = [];
const say = (line = '') => {
  report.push(line);
  process.stdout.write(`${line}\n`);
};
interface Goal {
  section: Section;
  what: string;
  goal: string;
  value: string;
  met: boolean;
  note?: string;
}
const goals: Goal[] = [];
const failures: Array<{ section: Section; error: string }> = [];
const f1 = (value: number) => value.toFixed(1);
const f2 = (value: number) => value.toFixed(2);
const pct = (value: number) => `${(value * 100).toFixed(2)}%`;
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const mean = (values: number[]) => (values.length ? sum(values) / values.length : 0);
const mb = (kb: number) => kb / 1024;

// ---- fixtures ----

interface SourcePage {
  key: string;
  type: string;
  seed: number;
  pageIndex: number;
  lines: string[];
}

/** Pages of the seeded samples in a fixed order: seed 1001 of every type, then 1002, ... */
function pageStream(count: number, types: readonly string[] = SAMPLE_DOCUMENT_TYPES): SourcePage[] {
  const pages: SourcePage[] = [];
  for (let seed = FIRST_SEED; pages.length < count; seed += 1) {
    for (const type of types) {
      const sample = sampleDocument({ type: type as (typeof SAMPLE_DOCUMENT_TYPES)[number], seed });
      sample.pages.forEach((lines, pageIndex) =>
        pages.push({ key: `${type}#${seed}p${pageIndex + 1}`, type, seed, pageIndex, lines }),
      );
      if (pages.length >= count) break;
    }
  }
  return pages.slice(0, count);
}

/** One-page scanned PDFs (scannedPdf), made once per page and options in a run: drawing 300 dpi pages is slow. */
const scanCache = new Map<string, Buffer>();
async function scanPage(page: SourcePage, options: ScanOptions): Promise<Buffer> {
  const key = `${page.key}:${JSON.stringify(options)}`;
  let pdf = scanCache.get(key);
  if (!pdf) {
    pdf = await scannedPdf([page.lines], options);
    scanCache.set(key, pdf);
  }
  return pdf;
}

/** A multi-page scanned PDF: the cached one-page scans, pages copied as they are (no re-encoding). */
async function scannedDocument(pages: SourcePage[], options: ScanOptions): Promise<Buffer> {
  const out = await PDFDocument.create();
  for (const page of pages) {
    const single = await PDFDocument.load(await scanPage(page, options));
    const [copied] = await out.copyPages(single, [0]);
    out.addPage(copied);
  }
  return Buffer.from(await out.save());
}

const workDir = mkdtempSync(join(tmpdir(), 'doc-bench-'));
let fileCounter = 0;
function writeFixture(name: string, bytes: Buffer): string {
  fileCounter += 1;
  const path = join(workDir, `${fileCounter}-${name}`);
  writeFileSync(path, bytes);
  return path;
}

// ---- reader pool ----

function poolOptions(poolSize: number): ReaderPoolOptions {
  return {
    size: poolSize,
    memoryMb: DEFAULTS.READER_MEMORY_MB,
    pagesPerChild: DEFAULTS.READER_PAGES_PER_CHILD,
    inspectTimeoutMs: DEFAULTS.INSPECT_TIMEOUT_MS,
    pageTimeoutMs: DEFAULTS.PAGE_TIMEOUT_MS,
    limits: {
      maxPages: DEFAULTS.DOCUMENT_MAX_PAGES,
      maxPixelsPerPage: DEFAULTS.PAGE_MAX_PIXELS,
      maxTotalPixels: DEFAULTS.DOCUMENT_MAX_PIXELS,
      maxDocxUncompressedBytes: DEFAULTS.DOCX_MAX_UNCOMPRESSED_BYTES,
      maxCompressionRatio: DEFAULTS.DOCX_MAX_COMPRESSION_RATIO,
    },
  };
}

async function withPool<T>(poolSize: number, use: (pool: ReaderPool) => Promise<T>): Promise<T> {
  const pool = new ReaderPool(poolOptions(poolSize));
  try {
    return await use(pool);
  } finally {
    await pool.close();
  }
}

interface PageJob {
  path: string;
  pageIndex: number;
}

/** Reads pages through the pool, all queued at once (the pool's FIFO feeds its children); wall in ms. */
async function readAll(
  pool: ReaderPool,
  jobs: PageJob[],
  dpi = OCR_DPI,
): Promise<{ wallMs: number; readings: PageReading[] }> {
  const started = performance.now();
  const readings = await Promise.all(
    jobs.map((job) => pool.readPage({ path: job.path, kind: 'pdf', pageIndex: job.pageIndex, dpi, mode: 'auto' })),
  );
  return { wallMs: performance.now() - started, readings };
}

/** Starts every child of the pool (and, for scans, its OCR engine) outside the timed part. */
async function warmUp(pool: ReaderPool, jobs: PageJob[], children: number, dpi = OCR_DPI): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: children }, (_, i) => jobs[i % jobs.length]).map((job) => readAll(pool, [job], dpi)),
  );
  return performance.now() - started;
}

/** OCR readings of scanned pages, kept for the run: the same page at the same settings reads the same. */
const ocrCache = new Map<string, PageReading>();
async function ocrPages(pool: ReaderPool, pages: SourcePage[], options: ScanOptions): Promise<PageReading[]> {
  const keys = pages.map((page) => `${page.key}:${JSON.stringify(options)}`);
  const missing = pages.filter((_, i) => !ocrCache.has(keys[i]));
  if (missing.length) {
    const path = writeFixture('ocr.pdf', await scannedDocument(missing, options));
    const { readings } = await readAll(
      pool,
      missing.map((_, pageIndex) => ({ path, pageIndex })),
    );
    missing.forEach((page, i) => ocrCache.set(`${page.key}:${JSON.stringify(options)}`, readings[i]));
  }
  return keys.map((key) => ocrCache.get(key) as PageReading);
}

// ---- servers and the service ----

interface Started {
  url: string;
  pid?: number;
  stop: () => Promise<void>;
}
interface Servers {
  startRedis: () => Promise<Started>;
  startLocalLlm: (options: { args: string[] }) => Promise<Started>;
  freePort: () => Promise<number>;
  waitForHttpOk: (url: string, options: { timeoutMs: number; child?: ChildProcess }) => Promise<void>;
  stopProcess: (child: unknown) => Promise<void>;
}
let servers: Servers;
const started: Started[] = [];
let redis: Started | undefined;
let llm: Started | undefined;
let redisDb = 0;

const LLM_ARGS = [
  '--engine',
  'sim',
  '--profile',
  'vllm-a100-8b',
  '--served-model-name',
  'llama3.2,meta-llama/Llama-3.2-3B-Instruct,llava',
];

interface Service {
  url: string;
  /** DOCUMENT_STORAGE_DIR: a folder per document with its original and page images. */
  storage: string;
  pid: number;
  child: ChildProcess;
  stop: () => Promise<void>;
}

/** The built doc-processor as a process, on a fresh Redis database and its own storage folder. */
async function startService(extra: Record<string, string>): Promise<Service> {
  redis ??= await servers.startRedis();
  if (!started.includes(redis)) started.push(redis);
  llm ??= await servers.startLocalLlm({ args: LLM_ARGS });
  if (!started.includes(llm)) started.push(llm);
  redisDb += 1;
  const port = await servers.freePort();
  const storage = mkdtempSync(join(tmpdir(), 'doc-bench-storage-'));
  const child = spawn(process.execPath, [join(root, 'dist/apps/doc-processor/main.js')], {
    cwd: root,
    env: {
      PATH: process.env['PATH'] ?? '',
      AUTH_MODE: 'off',
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: `${redis.url}/${redisDb}`,
      VLLM_URL: llm.url,
      OLLAMA_URL: llm.url,
      DOCUMENT_STORAGE_DIR: storage,
      LOG_LEVEL: 'warn',
      ...extra,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await servers.stopProcess(child);
    rmSync(storage, { recursive: true, force: true });
  };
  const entry: Started = { url, stop };
  started.push(entry);
  try {
    await servers.waitForHttpOk(`${url}/health/ready`, { timeoutMs: 60_000, child });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    storage,
    pid: child.pid as number,
    child,
    stop: async () => {
      started.splice(started.indexOf(entry), 1);
      await stop();
    },
  };
}

interface PageView {
  pageNumber: number;
  status: 'done' | 'failed';
  method?: string;
  ms: number;
  ocrMs?: number;
  visionMs?: number;
  confidence?: number;
  warnings: string[];
  error?: { code: string; message: string };
}
interface DocumentView {
  documentId: string;
  status: 'queued' | 'processing' | 'done' | 'failed';
  pageCount: number;
  createdAt: string;
  finishedAt?: string;
  pages: PageView[];
  result?: { documentType: string; pages: { total: number; failed: number; byMethod: Record<string, number> } };
  error?: { code: string; message: string };
}

/**
 * Uploads the files (POST /documents, one after another, as a client's app would) and polls until every
 * one is done or failed. Wall time is from the first upload to the last document's finishedAt.
 */
async function uploadAndWait(
  service: Service,
  files: Array<{ name: string; bytes: Buffer }>,
): Promise<{ wallMs: number; views: DocumentView[] }> {
  const begun = Date.now();
  const ids: string[] = [];
  for (const file of files) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(file.bytes)]), file.name);
    const response = await fetch(`${service.url}/documents`, { method: 'POST', body: form });
    const body = (await response.json()) as { documentId?: string };
    if (response.status !== 202 || !body.documentId) {
      throw new Error(`POST /documents answered ${response.status}: ${JSON.stringify(body)}`);
    }
    ids.push(body.documentId);
  }
  const views = new Map<string, DocumentView>();
  const deadline = Date.now() + DEFAULTS.DOCUMENT_TIMEOUT_MS + 60_000;
  while (views.size < ids.length) {
    if (service.child.exitCode !== null) throw new Error(`doc-processor exited with code ${service.child.exitCode}`);
    if (Date.now() > deadline) throw new Error('documents did not finish in time');
    await new Promise((resolve) => setTimeout(resolve, 250));
    for (const id of ids) {
      if (views.has(id)) continue;
      const view = (await (await fetch(`${service.url}/documents/${id}`)).json()) as DocumentView;
      if (view.status === 'done' || view.status === 'failed') views.set(id, view);
    }
  }
  const finished = ids.map((id) => views.get(id) as DocumentView);
  const last = Math.max(...finished.map((view) => Date.parse(view.finishedAt ?? new Date().toISOString())));
  return { wallMs: last - begun, views: finished };
}

// ---- memory ----

function vmRssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Every descendant of pid, from /proc/<pid>/task/<tid>/children. */
function descendants(pid: number): number[] {
  const found: number[] = [];
  const visit = (parent: number) => {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      return;
    }
    for (const tid of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${parent}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of children.split(/\s+/).filter(Boolean).map(Number)) {
        if (!found.includes(child)) {
          found.push(child);
          visit(child);
        }
      }
    }
  };
  visit(pid);
  return found;
}

interface MemorySample {
  at: number;
  mainKb: number;
  childrenKb: number;
  children: number;
  /** The largest child's RSS. */
  largestChildKb: number;
}

/** Samples the process tree's RSS every intervalMs until stopped. */
function sampleMemory(pid: number, intervalMs: number): { stop: () => MemorySample[] } {
  const samples: MemorySample[] = [];
  const take = () => {
    const kids = descendants(pid);
    const sizes = kids.map(vmRssKb);
    samples.push({
      at: Date.now(),
      mainKb: vmRssKb(pid),
      childrenKb: sum(sizes),
      children: kids.length,
      largestChildKb: Math.max(0, ...sizes),
    });
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

// ---- text comparison ----

/** Levenshtein distance, two rows. */
function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let previous = new Uint32Array(b.length + 1).map((_, j) => j);
  let current = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i += 1) {
    current[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j += 1) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length];
}

/** The source lines as text: tabs and column gaps are cell breaks, so one space; all whitespace runs one space. */
function normaliseReference(lines: string[]): string {
  return lines.join('\n').replace(/\s+/g, ' ').trim();
}

/** The reader's markdown as text: page markers and table separator rows out, cell pipes to spaces. */
function normaliseMarkdown(markdown: string): string {
  return markdown
    .split('\n')
    .filter((line) => !/^\s*<!--\s*page \d+\s*-->\s*$/.test(line))
    .filter((line) => !/^\s*\|(?:\s*:?-{3,}:?\s*\|)+\s*$/.test(line))
    .map((line) => {
      if (!line.trim().startsWith('|')) return line;
      return line
        .trim()
        .replace(/^\|/, '')
        .replace(/(?<!\\)\|$/, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.replace(/\\\|/g, '|').trim())
        .join(' ');
    })
    .join('\n')
    .replace(/\s+/g, ' ')
    .trim();
}

// ---- sections ----

async function textLayerSection(): Promise<void> {
  const total = size('text-pages');
  const perPdf = 20;
  const pages = pageStream(total);
  const pdfs: Array<{ path: string; bytes: Buffer; pages: number }> = [];
  for (let i = 0; i < pages.length; i += perPdf) {
    const chunk = pages.slice(i, i + perPdf);
    const bytes = await textPdf(chunk.map((page) => page.lines));
    pdfs.push({ path: writeFixture('text.pdf', bytes), bytes, pages: chunk.length });
  }
  const jobs = pdfs.flatMap((pdf) =>
    Array.from({ length: pdf.pages }, (_, pageIndex) => ({ path: pdf.path, pageIndex })),
  );
  const poolSize = DEFAULTS.READER_POOL_SIZE;
  const direct = await withPool(poolSize, async (pool) => {
    const warmMs = await warmUp(pool, jobs, poolSize);
    const run = await readAll(pool, jobs);
    return { warmMs, ...run, stats: pool.stats() };
  });
  const notText = direct.readings.filter((reading) => reading.method !== 'text-layer').length;
  const rate = jobs.length / (direct.wallMs / 1000);
  const inChild = direct.readings.map((reading) => reading.ms);

  say('## 1. Text-layer PDF pages (`text-layer`)');
  say();
  say(
    `${jobs.length} pages of the seeded samples (every type, seeds from ${FIRST_SEED}: statements, letters, bills, ...) as ` +
      `${pdfs.length} text PDFs of up to ${perPdf} pages (textPdf), all queued at once on a ReaderPool of ` +
      `${poolSize} children (the default READER_POOL_SIZE), mode auto, other options the service's defaults ` +
      `(a child replaced after ${DEFAULTS.READER_PAGES_PER_CHILD} pages). The children were started first (${f1(direct.warmMs)} ms, ` +
      'not counted); children run from source through ts-run, so each replacement pays a TypeScript compile at start.',
  );
  say();
  say(
    `- **${f1(rate)} pages/s** (${jobs.length} pages in ${f2(direct.wallMs / 1000)} s); goal >= 50 pages/s: **${rate >= 50 ? 'met' : 'not met'}**`,
  );
  say(
    `- time in the child per page: p50 ${f1(percentile(inChild, 50))} ms, p90 ${f1(percentile(inChild, 90))} ms, max ${f1(Math.max(...inChild))} ms; ` +
      `${direct.stats.restarts} child replacements during the run; pages not read from the text layer: ${notText}`,
  );
  goals.push({
    section: 'text-layer',
    what: 'text-layer pages/s, ReaderPool of 2',
    goal: '>= 50 pages/s',
    value: `${f1(rate)} pages/s`,
    met: rate >= 50 && notText === 0,
    note: notText ? `${notText} pages were not read from the text layer` : undefined,
  });

  // End to end: the same PDFs through the built service (uploads, Redis queue, per-page records, assembly,
  // classification and extraction), with the model steps off.
  const e2e = async (vision: boolean, files: typeof pdfs) => {
    const service = await startService({ DOCUMENT_VISION: String(vision), DOCUMENT_LLM: 'false' });
    try {
      // One small document first, so the children are started before the timed run.
      const warm = await uploadAndWait(service, [
        { name: 'warm.pdf', bytes: await textPdf([['Warm-up page', 'Nothing to see']]) },
      ]);
      const run = await uploadAndWait(
        service,
        files.map((pdf, i) => ({ name: `statement-${i}.pdf`, bytes: pdf.bytes })),
      );
      // Page images the service stored for the timed documents (DocumentStore.pageImagePath: page-N.png).
      const images = run.views
        .map((view) => view.documentId)
        .filter((id) => id !== warm.views[0].documentId)
        .flatMap((id) => {
          try {
            return readdirSync(join(service.storage, id)).filter((name) => /^page-\d+\.png$/.test(name));
          } catch {
            return [];
          }
        }).length;
      return { ...run, images };
    } finally {
      await service.stop();
    }
  };
  const off = await e2e(false, pdfs);
  const offPages = sum(off.views.map((view) => view.pageCount));
  const offFailed = off.views.filter((view) => view.status !== 'done').length;
  const offMethods = off.views.flatMap((view) => view.pages.map((page) => page.method ?? page.status));
  const offRate = offPages / (off.wallMs / 1000);
  say();
  say(
    `End to end through the built service (DOCUMENT_VISION=false, DOCUMENT_LLM=false, READER_POOL_SIZE ${poolSize}, ` +
      `PAGE_WORKERS ${DEFAULTS.PAGE_WORKERS}): the ${off.views.length} PDFs uploaded one after another, from the first upload to ` +
      'the last finishedAt, after a one-page warm-up document:',
  );
  say();
  say(
    `- **${f1(offRate)} pages/s** (${offPages} pages in ${f2(off.wallMs / 1000)} s; ${offFailed} documents not done; ` +
      `methods: ${summarise(offMethods)})`,
  );
  goals.push({
    section: 'text-layer',
    what: 'text-layer pages/s end to end through the service (vision and LLM off)',
    goal: '>= 50 pages/s (the same goal, for reference)',
    value: `${f1(offRate)} pages/s`,
    met: offRate >= 50 && offFailed === 0,
  });
  const visionPages = Math.min(size('text-vision-pages'), total);
  if (visionPages > 0) {
    const count = Math.max(1, Math.round(visionPages / perPdf));
    const subset = pdfs.slice(0, count);
    const same = await e2e(false, subset);
    const on = await e2e(true, subset);
    const onPages = sum(on.views.map((view) => view.pageCount));
    const onMethods = on.views.flatMap((view) => view.pages.map((page) => page.method ?? page.status));
    const onRate = onPages / (on.wallMs / 1000);
    const sameRate = sum(same.views.map((view) => view.pageCount)) / (same.wallMs / 1000);
    say(
      `- the first ${onPages} of those pages alone, each on a fresh service: ${f1(sameRate)} pages/s with vision off ` +
        `(${f2(same.wallMs / 1000)} s); with DOCUMENT_VISION=true (the default) **${f1(onRate)} pages/s** ` +
        `(${f2(on.wallMs / 1000)} s; methods: ${summarise(onMethods)}), ${f2(sameRate / onRate)}x the time. ` +
        `The service stored ${on.images} page images for these ${onPages} text-layer pages` +
        (on.images > 0
          ? `: with vision on it asks the reader for a page image of every page (imageOut), and this build renders, ` +
            `normalises and stores even a good text-layer page at ${OCR_DPI} dpi, although only OCR pages go to the vision model.`
          : ' (a good text-layer page is not rendered).'),
    );
  }
  say();
}

function summarise(values: string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, count]) => `${count} ${value}`).join(', ');
}

async function ocrSection(): Promise<void> {
  const count = size('ocr-pages');
  const pages = pageStream(count);
  const path = writeFixture('scan.pdf', await scannedDocument(pages, SCAN));
  const jobs = pages.map((_, pageIndex) => ({ path, pageIndex }));
  const one = await withPool(1, async (pool) => {
    const warmMs = await warmUp(pool, jobs, 1, GOAL_OCR_DPI);
    return { warmMs, ...(await readAll(pool, jobs, GOAL_OCR_DPI)) };
  });
  const two = await withPool(2, async (pool) => {
    const warmMs = await warmUp(pool, jobs, 2, GOAL_OCR_DPI);
    return { warmMs, ...(await readAll(pool, jobs, GOAL_OCR_DPI)) };
  });
  // The same pages at the same settings: the cer and classify sections reuse these readings.
  if (GOAL_OCR_DPI === OCR_DPI) {
    pages.forEach((page, i) => ocrCache.set(`${page.key}:${JSON.stringify(SCAN)}`, two.readings[i]));
  }
  const perPage = one.wallMs / 1000 / count;
  const split = (readings: PageReading[]) => {
    const ocr = readings.map((reading) => reading.ocrMs ?? 0);
    const rest = readings.map((reading) => reading.ms - (reading.ocrMs ?? 0));
    return `OCR (tesseract.js) ${f2(mean(ocr) / 1000)} s, open + render + normalise ${f2(mean(rest) / 1000)} s a page on average`;
  };
  const notOcr = [...one.readings, ...two.readings].filter((reading) => reading.method !== 'ocr').length;
  say('## 2. Render and OCR of scanned pages (`ocr`)');
  say();
  say(
    `${count} scanned pages (scannedPdf at ${SCAN.dpi} dpi, noise ${SCAN.noise}, skew ${SCAN.skewDegrees}°; the first pages ` +
      `of the seeded samples from seed ${FIRST_SEED}) in one PDF, rendered at ${GOAL_OCR_DPI} dpi (the goal's; the service's ` +
      `OCR_DPI is ${OCR_DPI}) and OCR'd by the reader ` +
      'children; all queued at once. Each pool read one page first to start its children and their OCR engine ' +
      `(pool of 1: ${f2(one.warmMs / 1000)} s; pool of 2: ${f2(two.warmMs / 1000)} s; not counted).`,
  );
  say();
  say(
    `- ReaderPool of 1 (one core): **${f2(perPage)} s per page** (${count} pages in ${f2(one.wallMs / 1000)} s); ` +
      `${split(one.readings)}; goal <= 2 s per page per core: **${perPage <= 2 ? 'met' : 'not met'}**`,
  );
  say(
    `- ReaderPool of 2: **${f2(count / (two.wallMs / 1000))} pages/s**, ${f2(two.wallMs / 1000 / count)} s per page of wall time ` +
      `(${count} pages in ${f2(two.wallMs / 1000)} s, ${f2(one.wallMs / two.wallMs)}x the pool of 1); ${split(two.readings)}`,
  );
  if (notOcr) say(`- ${notOcr} readings were not OCR`);
  const stages = await stageBreakdown(path, Math.min(3, count), GOAL_OCR_DPI);
  say(
    `- where a page's time goes, from the reader child's own functions run in this process, one page at a time ` +
      `(${stages.pages} pages after one warm-up page), mean: open + text layer ${f2(stages.open / 1000)} s, render with pdf.js ` +
      `to a PNG ${f2(stages.render / 1000)} s, normalise with sharp (greyscale, normalise, PNG again) ` +
      `${f2(stages.normalise / 1000)} s, OCR ${f2(stages.ocr / 1000)} s (${stages.width}x${stages.height} px)`,
  );
  say();
  goals.push({
    section: 'ocr',
    what: `render + OCR at ${GOAL_OCR_DPI} dpi, ReaderPool of 1`,
    goal: '<= 2 s per page per core',
    value: `${f2(perPage)} s/page`,
    met: perPage <= 2 && notOcr === 0,
  });
}

/**
 * The stages of reading a scanned page, timed by calling the reader child's functions in this process
 * (the child reports only its total and the OCR time). Loaded here, not at the top: they pull in pdf.js,
 * sharp and tesseract.js.
 */
async function stageBreakdown(path: string, pages: number, dpi: number) {
  const pdf =
    require('../../apps/doc-processor/src/reading/pdf-document') as typeof import('../../apps/doc-processor/src/reading/pdf-document');
  const image =
    require('../../apps/doc-processor/src/reading/image-page') as typeof import('../../apps/doc-processor/src/reading/image-page');
  const ocr =
    require('../../apps/doc-processor/src/reading/ocr-engine') as typeof import('../../apps/doc-processor/src/reading/ocr-engine');
  const limits = poolOptions(1).limits;
  const times = { open: [] as number[], render: [] as number[], normalise: [] as number[], ocr: [] as number[] };
  let width = 0;
  let height = 0;
  try {
    for (let i = 0; i <= pages; i += 1) {
      const t0 = performance.now();
      const document = await pdf.openPdf(path, limits);
      const page = await pdf.getPdfPage(document, Math.max(0, i - 1));
      await pdf.readTextLayer(page);
      const t1 = performance.now();
      const rendered = await pdf.renderPdfPage(page, dpi, limits);
      const t2 = performance.now();
      const normalised = await image.normaliseImagePage(rendered.png, 0, limits);
      const t3 = performance.now();
      await ocr.recognisePage(normalised.png, rendered.dpi);
      const t4 = performance.now();
      if (i === 0) continue; // warm-up: loads pdf.js and starts the OCR engine
      times.open.push(t1 - t0);
      times.render.push(t2 - t1);
      times.normalise.push(t3 - t2);
      times.ocr.push(t4 - t3);
      width = normalised.widthPx;
      height = normalised.heightPx;
    }
  } finally {
    await ocr.terminateOcr();
    await pdf.closePdf();
  }
  return {
    pages,
    width,
    height,
    open: mean(times.open),
    render: mean(times.render),
    normalise: mean(times.normalise),
    ocr: mean(times.ocr),
  };
}

async function cerSection(): Promise<void> {
  const count = size('cer-pages');
  const pages = pageStream(count);
  const rows: Array<{ name: string; options: ScanOptions; goal: number }> = [
    { name: 'clean', options: CLEAN, goal: 0.02 },
    { name: 'noisy', options: SCAN, goal: 0.06 },
  ];
  say('## 3. OCR character error rate (`cer`)');
  say();
  say(
    `${count} pages each (the first pages of the seeded samples from seed ${FIRST_SEED}), scanned at 300 dpi and read at ` +
      `OCR_DPI ${OCR_DPI} by a ReaderPool of 2. CER = Levenshtein distance / reference length, summed over the pages ` +
      "(per page in brackets). Reference: the page's source lines; OCR: the reader's markdown. Both normalised the same " +
      "way: page markers (`<!-- page N -->`) and table separator rows (`| --- |`) removed, table rows' outer pipes " +
      'dropped and cell pipes made spaces (`\\|` unescaped), then every run of whitespace (line breaks, tabs, column ' +
      'gaps) one space. Case and punctuation count. The noisy scans are the ones every other section uses; ' +
      'readings of the same page at the same settings are reused between sections within a run.',
  );
  say();
  say('| scans | pages | characters | CER | per page: median | worst | OCR confidence, mean | goal | met |');
  say('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  await withPool(2, async (pool) => {
    for (const row of rows) {
      const readings = await ocrPages(pool, pages, row.options);
      const scores = pages.map((page, i) => {
        const reference = normaliseReference(page.lines);
        const distance = levenshtein(reference, normaliseMarkdown(readings[i].markdown));
        return { key: page.key, distance, length: reference.length, cer: distance / Math.max(1, reference.length) };
      });
      const cer = sum(scores.map((s) => s.distance)) / sum(scores.map((s) => s.length));
      const worst = scores.reduce((a, b) => (b.cer > a.cer ? b : a));
      const label = `${row.name} (noise ${row.options.noise}, skew ${row.options.skewDegrees}°)`;
      say(
        `| ${label} | ${pages.length} | ${sum(scores.map((s) => s.length))} | **${pct(cer)}** | ` +
          `${pct(
            percentile(
              scores.map((s) => s.cer),
              50,
            ),
          )} | ${pct(worst.cer)} (${worst.key}) | ` +
          `${f2(mean(readings.map((reading) => reading.confidence)))} | <= ${pct(row.goal)} | ` +
          `${cer <= row.goal ? 'met' : 'not met'} |`,
      );
      goals.push({
        section: 'cer',
        what: `OCR CER, ${label}`,
        goal: `<= ${pct(row.goal)}`,
        value: pct(cer),
        met: cer <= row.goal,
      });
    }
  });
  say();
}

async function classifySection(): Promise<void> {
  const seeds = size('classify-seeds');
  const types = SAMPLE_DOCUMENT_TYPES;
  const matrix = (pairs: Array<{ expected: string; got: string }>) => {
    const cells = new Map<string, number>();
    for (const pair of pairs)
      cells.set(`${pair.expected}>${pair.got}`, (cells.get(`${pair.expected}>${pair.got}`) ?? 0) + 1);
    const gotTypes = [...new Set([...types, ...pairs.map((pair) => pair.got)])];
    const short = (type: string) => type.replace(/_/g, ' ');
    say(`| expected \\ classified as | ${gotTypes.map(short).join(' | ')} | accuracy |`);
    say(`| --- | ${gotTypes.map(() => '---').join(' | ')} | --- |`);
    for (const type of types) {
      const row = pairs.filter((pair) => pair.expected === type);
      const hits = row.filter((pair) => pair.got === type).length;
      const cellsOf = gotTypes.map((got) => {
        const n = cells.get(`${type}>${got}`) ?? 0;
        return got === type ? `**${n}**` : n ? String(n) : '.';
      });
      say(`| ${short(type)} | ${cellsOf.join(' | ')} | ${row.length ? pct(hits / row.length) : '-'} |`);
    }
  };

  const textPairs: Array<{ expected: string; got: string; key: string }> = [];
  const begun = performance.now();
  for (const type of types) {
    for (let seed = FIRST_SEED; seed < FIRST_SEED + seeds; seed += 1) {
      const got = classifyDocument(sampleText(sampleDocument({ type, seed }))).type;
      textPairs.push({ expected: type, got, key: `${type}#${seed}` });
    }
  }
  const classifyMs = (performance.now() - begun) / textPairs.length;
  const textAccuracy = textPairs.filter((pair) => pair.got === pair.expected).length / textPairs.length;
  say('## 4. Classifier accuracy (`classify`)');
  say();
  say(
    `classifyDocument (the rules; no LLM) on ${seeds} seeded samples of each of the ${types.length} types (seeds ` +
      `${FIRST_SEED}-${FIRST_SEED + seeds - 1}; the unit tests use 1-20), ${textPairs.length} documents:`,
  );
  say();
  say(
    `- on the sample text (sampleText): **${pct(textAccuracy)}** (${textPairs.filter((p) => p.got === p.expected).length}/` +
      `${textPairs.length}); goal >= 95%: **${textAccuracy >= 0.95 ? 'met' : 'not met'}**; ${f2(classifyMs)} ms a document`,
  );
  const textMisses = textPairs.filter((pair) => pair.got !== pair.expected);
  if (textMisses.length) say(`- misclassified: ${textMisses.map((pair) => `${pair.key} as ${pair.got}`).join(', ')}`);
  goals.push({
    section: 'classify',
    what: `classifier accuracy, sample text (${textPairs.length} documents)`,
    goal: '>= 95%',
    value: pct(textAccuracy),
    met: textAccuracy >= 0.95,
  });
  say();
  say("Confusion matrix on the sample text (rows: the true type; columns: the classifier's answer):");
  say();
  matrix(textPairs);
  say();

  const perType = size('classify-ocr');
  if (perType > 0) {
    const documents = types.flatMap((type) =>
      Array.from({ length: perType }, (_, i) => {
        const seed = FIRST_SEED + i;
        const sample = sampleDocument({ type, seed });
        const pages = sample.pages.map((lines, pageIndex) => ({
          key: `${type}#${seed}p${pageIndex + 1}`,
          type,
          seed,
          pageIndex,
          lines,
        }));
        return { type, seed, pages };
      }),
    );
    const ocrPairs: Array<{ expected: string; got: string; key: string }> = [];
    let pageCount = 0;
    await withPool(2, async (pool) => {
      const allPages = documents.flatMap((document) => document.pages);
      pageCount = allPages.length;
      const readings = await ocrPages(pool, allPages, SCAN);
      let at = 0;
      for (const document of documents) {
        const mine = readings.slice(at, at + document.pages.length);
        at += document.pages.length;
        const assembled = assemblePages(mine.map((reading, i) => ({ pageNumber: i + 1, markdown: reading.markdown })));
        ocrPairs.push({
          expected: document.type,
          got: classifyDocument(assembled.markdown).type,
          key: `${document.type}#${document.seed}`,
        });
      }
    });
    const ocrAccuracy = ocrPairs.filter((pair) => pair.got === pair.expected).length / ocrPairs.length;
    say(
      `On OCR'd text: ${perType} document${perType > 1 ? 's' : ''} of each type (seeds ${FIRST_SEED}-${FIRST_SEED + perType - 1}, ` +
        `${ocrPairs.length} documents, ${pageCount} pages), scanned (noise ${SCAN.noise}, skew ${SCAN.skewDegrees}°, ${SCAN.dpi} dpi), ` +
        `OCR'd at ${OCR_DPI} dpi and assembled as the service does (assemblePages):`,
    );
    say();
    say(
      `- **${pct(ocrAccuracy)}** (${ocrPairs.filter((p) => p.got === p.expected).length}/${ocrPairs.length}); goal >= 95%: ` +
        `**${ocrAccuracy >= 0.95 ? 'met' : 'not met'}** (a small sample: one miss is ${pct(1 / ocrPairs.length)})`,
    );
    const ocrMisses = ocrPairs.filter((pair) => pair.got !== pair.expected);
    if (ocrMisses.length) say(`- misclassified: ${ocrMisses.map((pair) => `${pair.key} as ${pair.got}`).join(', ')}`);
    goals.push({
      section: 'classify',
      what: `classifier accuracy, OCR'd scans (${ocrPairs.length} documents)`,
      goal: '>= 95%',
      value: pct(ocrAccuracy),
      met: ocrAccuracy >= 0.95,
    });
    say();
    if (ocrPairs.length >= types.length * 3) {
      say("Confusion matrix on the OCR'd text:");
      say();
      matrix(ocrPairs);
      say();
    }
  }
}

async function visionSection(): Promise<void> {
  const count = size('vision-pages');
  const pages = pageStream(count);
  const bytes = await scannedDocument(pages, SCAN);
  const maxTokens = 512;
  const run = async (label: string, pageWorkers: number, concurrency: string) => {
    const service = await startService({
      DOCUMENT_VISION: 'true',
      DOCUMENT_LLM: 'false',
      GENERATION_CONCURRENCY: concurrency,
      VISION_MAX_TOKENS: String(maxTokens),
      PAGE_WORKERS: String(pageWorkers),
    });
    try {
      const { wallMs, views } = await uploadAndWait(service, [{ name: 'scan.pdf', bytes }]);
      return { label, pageWorkers, concurrency, wallMs, view: views[0] };
    } finally {
      await service.stop();
    }
  };
  const parallel = await run('pages in parallel', 20, 'fixed:64');
  const serial = await run('one page after another', 1, 'fixed:1');
  const ratio = serial.wallMs / parallel.wallMs;

  say('## 5. Vision path (`vision`)');
  say();
  say(
    `A ${count}-page scan (noise ${SCAN.noise}, skew ${SCAN.skewDegrees}°, ${SCAN.dpi} dpi; ${(bytes.length / 2 ** 20).toFixed(1)} MB) ` +
      'uploaded to the built service with DOCUMENT_VISION=true, DOCUMENT_LLM=false, VISION_MAX_TOKENS ' +
      `${maxTokens}, OCR_DPI ${OCR_DPI}, READER_POOL_SIZE ${DEFAULTS.READER_POOL_SIZE}; local-llm \`${LLM_ARGS.join(' ')}\` ` +
      "(the vision role on its default provider, Ollama's API, model llava; the simulated A100 answers at its own " +
      'speed however many CPU cores there are). Wall time from the upload to finishedAt, each run on a fresh service ' +
      '(so each includes starting the reader children and their OCR engine).',
  );
  say();
  say(
    '| run | PAGE_WORKERS | GENERATION_CONCURRENCY | wall | pages: method | page time without vision (waits for a reader included), mean | OCR a page, mean | vision a page: mean / p50 / max | sum of vision time / wall |',
  );
  say('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of [parallel, serial]) {
    const done = r.view.pages.filter((page) => page.status === 'done');
    const vision = done.map((page) => page.visionMs ?? 0);
    const reading = done.map((page) => page.ms - (page.visionMs ?? 0));
    const ocr = done.map((page) => page.ocrMs ?? 0);
    say(
      `| ${r.label} | ${r.pageWorkers} | ${r.concurrency} | **${f1(r.wallMs / 1000)} s** | ${summarise(r.view.pages.map((p) => p.method ?? p.status))} | ` +
        `${f2(mean(reading) / 1000)} s | ${f2(mean(ocr) / 1000)} s | ${f2(mean(vision) / 1000)} / ${f2(percentile(vision, 50) / 1000)} / ` +
        `${f2(Math.max(0, ...vision) / 1000)} s | ${f2(sum(vision) / r.wallMs)} |`,
    );
  }
  say();
  const verdicts = (r: typeof parallel) =>
    summarise(
      r.view.pages.map((page) =>
        page.method === 'vision'
          ? 'accepted'
          : page.warnings.some((w) => w.startsWith('vision answer rejected'))
            ? 'rejected (OCR kept)'
            : page.warnings.some((w) => w.startsWith('vision model unavailable'))
              ? 'vision failed (OCR kept)'
              : page.status === 'failed'
                ? `page failed (${page.error?.code})`
                : 'no vision',
      ),
    );
  // Reading time is CPU-bound: with READER_POOL_SIZE children the pages cannot be read faster than the
  // one-after-another run's reading time divided by the pool size, whatever the model does.
  const serialReading = sum(serial.view.pages.map((page) => page.ms - (page.visionMs ?? 0)));
  const floorMs = serialReading / DEFAULTS.READER_POOL_SIZE;
  const serialVision = sum(serial.view.pages.map((page) => page.visionMs ?? 0));
  say(
    `- **${f2(ratio)}x** faster with pages in parallel (${f1(serial.wallMs / 1000)} s against ${f1(parallel.wallMs / 1000)} s); ` +
      `goal >= 8x: **${ratio >= 8 ? 'met' : 'not met'}**`,
  );
  say(
    `- one after another: ${f1(serialReading / 1000)} s of reading (render + OCR) and ${f1(serialVision / 1000)} s of vision ` +
      `(${pct(serialVision / serial.wallMs)} of the wall time). Reading is CPU-bound: ${DEFAULTS.READER_POOL_SIZE} reader ` +
      `children on this 2-vCPU machine need at least ${f1(floorMs / 1000)} s for these pages (their reading time / ` +
      `${DEFAULTS.READER_POOL_SIZE}), so no schedule can beat ${f2(serial.wallMs / floorMs)}x here; in parallel, vision calls ` +
      `overlapped ${f2(sum(parallel.view.pages.map((p) => p.visionMs ?? 0)) / parallel.wallMs)} deep on average over the wall time, ` +
      `and the parallel run's wall time was ${f2(parallel.wallMs / floorMs)}x that reading floor.`,
  );
  const trusted = VISION_CHECK_LIMITS.trustedOcrConfidence;
  const byConfidence = (r: typeof parallel) => {
    const low = r.view.pages.filter((page) => (page.confidence ?? 0) < trusted);
    const high = r.view.pages.filter((page) => (page.confidence ?? 0) >= trusted);
    const accepted = (pages: PageView[]) => pages.filter((page) => page.method === 'vision').length;
    return `${accepted(low)} of ${low.length} pages with OCR confidence under ${trusted} accepted, ${accepted(high)} of ${high.length} at or above it`;
  };
  say(`- vision verdicts: parallel run ${verdicts(parallel)}; one-after-another run ${verdicts(serial)}`);
  say(
    `- by the OCR's confidence: parallel run ${byConfidence(parallel)}; one-after-another run ${byConfidence(serial)}. ` +
      `Under ${trusted}, checkVisionAnswer does not hold the answer to the OCR's numbers or length, only to its words ` +
      '(the simulated engine answers filler text, which shares few of them).',
  );
  say();
  goals.push({
    section: 'vision',
    what: `vision path, ${count} pages: parallel vs one after another`,
    goal: '>= 8x',
    value: `${f2(ratio)}x (${f1(serial.wallMs / 1000)} s / ${f1(parallel.wallMs / 1000)} s)`,
    met: ratio >= 8,
    note:
      ratio >= 8
        ? undefined
        : `reading on ${DEFAULTS.READER_POOL_SIZE} cores caps it at ${f2(serial.wallMs / floorMs)}x (reading ${f1(serialReading / 1000)} s, vision ${f1(serialVision / 1000)} s one after another)`,
  });
}

async function memorySection(): Promise<void> {
  const count = size('memory-pages');
  const pages = pageStream(count);
  const bytes = await scannedDocument(pages, SCAN);
  const uploadMax = Math.max(DEFAULTS.DOCUMENT_UPLOAD_MAX_BYTES, bytes.length + 1024 * 1024);
  const service = await startService({
    DOCUMENT_VISION: 'false',
    DOCUMENT_LLM: 'false',
    DOCUMENT_UPLOAD_MAX_BYTES: String(uploadMax),
  });
  const intervalMs = 150;
  let samples: MemorySample[];
  let result: Awaited<ReturnType<typeof uploadAndWait>>;
  const idle = { mainKb: vmRssKb(service.pid), childrenKb: sum(descendants(service.pid).map(vmRssKb)) };
  try {
    const sampler = sampleMemory(service.pid, intervalMs);
    try {
      result = await uploadAndWait(service, [{ name: 'scan.pdf', bytes }]);
    } finally {
      samples = sampler.stop();
    }
  } finally {
    await service.stop();
  }
  const view = result.views[0];
  const peak = samples.reduce((a, b) => (b.mainKb + b.childrenKb > a.mainKb + a.childrenKb ? b : a));
  const peakTotal = mb(peak.mainKb + peak.childrenKb);
  const peakMain = mb(Math.max(...samples.map((s) => s.mainKb)));
  const peakChildren = mb(Math.max(...samples.map((s) => s.childrenKb)));
  const maxChildren = Math.max(...samples.map((s) => s.children));
  say('## 6. Memory (`memory`)');
  say();
  say(
    `A ${count}-page scan (noise ${SCAN.noise}, skew ${SCAN.skewDegrees}°, ${SCAN.dpi} dpi; ${(bytes.length / 2 ** 20).toFixed(1)} MB` +
      `${uploadMax > DEFAULTS.DOCUMENT_UPLOAD_MAX_BYTES ? `, so DOCUMENT_UPLOAD_MAX_BYTES was raised to ${(uploadMax / 2 ** 20).toFixed(0)} MB from the default ${(DEFAULTS.DOCUMENT_UPLOAD_MAX_BYTES / 2 ** 20).toFixed(0)} MB: the fixture's PNG pages are bigger than a scanner's JPEG or CCITT pages` : ''}) ` +
      `through the built service with DOCUMENT_VISION=false, DOCUMENT_LLM=false and the defaults otherwise (OCR_DPI ${OCR_DPI}, ` +
      `READER_POOL_SIZE ${DEFAULTS.READER_POOL_SIZE}, READER_MEMORY_MB ${DEFAULTS.READER_MEMORY_MB}, PAGE_WORKERS ${DEFAULTS.PAGE_WORKERS}). ` +
      `VmRSS of the service process and of every descendant (from /proc/<pid>/task/*/children), sampled every ${intervalMs} ms ` +
      `(${samples.length} samples over ${f1(result.wallMs / 1000)} s; ${view.status}, ${summarise(view.pages.map((p) => p.method ?? p.status))}):`,
  );
  say();
  say(
    `- **peak of the tree: ${f1(peakTotal)} MB** (main ${f1(mb(peak.mainKb))} MB + ${peak.children} reader children ${f1(mb(peak.childrenKb))} MB at that moment); goal < 600 MB: **${peakTotal < 600 ? 'met' : 'not met'}**`,
  );
  say(
    `- peak of the main process alone ${f1(peakMain)} MB (idle before the upload ${f1(mb(idle.mainKb))} MB); peak of the children together ${f1(peakChildren)} MB; at most ${maxChildren} children at once`,
  );
  say(
    `- the largest single reader child peaked at ${f1(mb(Math.max(...samples.map((s) => s.largestChildKb))))} MB ` +
      `(READER_MEMORY_MB ${DEFAULTS.READER_MEMORY_MB} caps only V8's heap; tesseract's WASM heap and the page images are outside it)`,
  );
  const done = view.pages.filter((page) => page.status === 'done');
  say(
    `- ${f1(count / (result.wallMs / 1000))} pages/s end to end; OCR ${f2(mean(done.map((page) => page.ocrMs ?? 0)) / 1000)} s a page on average`,
  );
  say();
  goals.push({
    section: 'memory',
    what: `peak RSS, service + reader children, ${count}-page scan at ${OCR_DPI} dpi`,
    goal: '< 600 MB',
    value: `${f1(peakTotal)} MB (main ${f1(mb(peak.mainKb))} + children ${f1(mb(peak.childrenKb))})`,
    met: peakTotal < 600,
  });
}

// ---- main ----

const RUNNERS: Record<Section, () => Promise<void>> = {
  'text-layer': textLayerSection,
  ocr: ocrSection,
  cer: cerSection,
  classify: classifySection,
  vision: visionSection,
  memory: memorySection,
};

async function stopAll(): Promise<void> {
  for (const server of started.splice(0).reverse()) await server.stop().catch(() => undefined);
}

// Interrupted: stop what was started (the reader children exit when their IPC channel closes).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  servers = (await import(pathToFileURL(join(root, 'tools/servers/servers.mjs')).href)) as Servers;
  const body: string[] = [];
  const timings: string[] = [];
  const runStarted = performance.now();
  const loadBefore = loadavg();
  // At the start: the revision and the build the sections ran against (someone may commit or build meanwhile).
  const machine = machineLine(root);
  const built = (name: string) => {
    try {
      return statSync(join(root, 'dist/apps', name, 'main.js'))
        .mtime.toISOString()
        .slice(0, 19)
        .replace('T', ' ');
    } catch {
      return 'missing';
    }
  };
  const builds = `dist/apps/doc-processor built ${built('doc-processor')} UTC, dist/apps/local-llm ${built('local-llm')} UTC`;
  try {
    for (const section of SECTIONS) {
      if (!runs(section)) continue;
      process.stdout.write(`\n== ${section}\n`);
      const before = report.length;
      const begun = performance.now();
      try {
        await RUNNERS[section]();
      } catch (error) {
        const message = (error as Error).stack ?? String(error);
        process.stderr.write(`${section} failed: ${message}\n`);
        failures.push({ section, error: (error as Error).message });
        say(`## \`${section}\`: failed`);
        say();
        say(`The section failed: ${(error as Error).message.split('\n')[0]}`);
        say();
        process.exitCode = 1;
      }
      timings.push(`${section} ${f1((performance.now() - begun) / 1000)} s`);
      body.push(...report.splice(before));
    }
  } finally {
    await stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }

  const head: string[] = [];
  const put = (line = '') => head.push(line);
  put('# doc-processor benchmark');
  put();
  put(`Run on ${new Date().toISOString().slice(0, 10)}: ${machine} at the start; ${builds}.`);
  put(
    "A shared 2-vCPU VM (another engineer's tests and builds run on the same cores): the numbers are noisy, CPU-bound " +
      `ones most. Load average (1 min) ${f2(loadBefore[0])} at the start, ${f2(loadavg()[0])} at the end.`,
  );
  put('Real Redis, local-llm on its simulated engine (vllm-a100-8b profile) and the built doc-processor as a process');
  put(
    '(`dist/apps/doc-processor/main.js`, built before the run); the reader pool is also driven directly from source.',
  );
  put('Fixtures are generated by @rma/testing/documents from seeded samples; nothing is downloaded.');
  put();
  put(`Command: \`${command}\` (build first: \`npx nx build doc-processor local-llm\`).`);
  put(
    `Sections run: ${SECTIONS.filter(runs).join(', ')}${SECTIONS.some((s) => !runs(s)) ? `; not run: ${SECTIONS.filter((s) => !runs(s)).join(', ')}` : ''}. ` +
      `A section alone: \`--only <section>\`. Time taken: ${timings.join(', ')}; ${f1((performance.now() - runStarted) / 1000)} s in all.`,
  );
  put();
  put('## Goals');
  put();
  put('| section | measured | goal | result | met |');
  put('| --- | --- | --- | --- | --- |');
  for (const goal of goals) {
    put(
      `| ${goal.section} | ${goal.what} | ${goal.goal} | ${goal.value} | ${goal.met ? 'yes' : `**no**${goal.note ? `: ${goal.note}` : ''}`} |`,
    );
  }
  for (const failure of failures)
    put(`| ${failure.section} | the section failed: ${failure.error.split('\n')[0]} | | | **no** |`);
  put();
  const text = [...head, ...body].join('\n');
  writeFileSync(join(root, 'benchmarks/doc-processor.md'), `${text}\n`);
  process.stdout.write(`\n${head.join('\n')}\nwritten to benchmarks/doc-processor.md\n`);
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
