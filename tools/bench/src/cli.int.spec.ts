// The CLI as an operator runs it (a child process), against a real local-llm on its simulated engine.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricValue, setFaults, startLocalLlm } from '@rma/testing';
import type { StartedServer } from '@rma/testing';
import type { Distribution } from './metrics.ts';
import type { BenchReport } from './report.ts';
import { arrivalTimes } from './runner.ts';

const workspaceRoot = join(__dirname, '..', '..', '..');
// The engine runs 50 times faster than the GPU it simulates; reports read in simulated time.
const TIME_SCALE = '0.02';

function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(workspaceRoot, 'tools/bench/src/cli.ts'), ...args],
      { cwd: workspaceRoot, timeout: 20_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The CLI against the shared engine (in simulated time); `words` are the other arguments, split at spaces. */
const atEngine = (words: string, ...more: string[]) =>
  bench(['--target', 'openai', '--url', engine.url, '--time-scale', TIME_SCALE, ...words.split(' '), ...more]);

/** Requests an engine has finished, whatever their finish reason (the counter has a series per reason). */
async function finishedRequests(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('vllm:request_success_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

const readReport = (dir: string, name = 'bench') =>
  JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as BenchReport;
const ordered = (d: Distribution) => d.p50 <= d.p90 && d.p90 <= d.p95 && d.p95 <= d.p99;

let engine: StartedServer;
let out: string;

beforeAll(async () => {
  engine = await startLocalLlm(['--engine', 'sim', '--profile', 'vllm-a100-8b', '--time-scale', TIME_SCALE, '--admin']);
  out = mkdtempSync(join(tmpdir(), 'rma-bench-'));
});

afterAll(async () => {
  await engine?.stop();
  rmSync(out, { recursive: true, force: true });
});

describe('bench CLI', () => {
  it('runs a short benchmark and writes a consistent JSON report, its markdown and its chart', async () => {
    const dir = join(out, 'run');
    const result = await atEngine(
      '--num-requests 12 --concurrency 4 --max-tokens 24 --goodput ttft:300 e2el:100000 --out',
      dir,
      ...['--header', 'Authorization: Bearer sk-bench-secret'],
    );

    expect(result).toMatchObject({ code: 0 });
    const report = readReport(dir);
    // The report records the command, but not the key (recorded-command.spec.ts covers each case).
    expect(report.command).toContain("--header 'Authorization: [redacted]'");
    expect(readFileSync(join(dir, 'bench.json'), 'utf8') + readFileSync(join(dir, 'bench.md'), 'utf8')).not.toContain(
      'sk-bench-secret',
    );
    const [run] = report.runs;
    const s = run.summary;
    expect(report.runs).toHaveLength(1);
    expect(report.slo).toEqual({ ttft: 300, e2el: 100000 });
    expect([s.numRequests, s.completed, s.failed, run.concurrency, s.peakConcurrency]).toEqual([12, 12, 0, 4, 4]);
    expect([s.ttftMs, s.tpotMs, s.itlMs, s.e2elMs].every(ordered)).toBe(true);
    expect(s.ttftMs.p50).toBeGreaterThan(0);
    expect(s.e2elMs.p50).toBeGreaterThan(s.ttftMs.p50);
    expect(s.totalOutputTokens).toBeGreaterThan(12);
    expect(s.outputThroughput).toBeCloseTo(s.totalOutputTokens / s.durationS, 6);
    expect(s.requestThroughput).toBeCloseTo(12 / s.durationS, 6);
    expect(s.goodCompleted).toBeLessThanOrEqual(s.completed);
    expect(s.requestGoodput).toBeLessThanOrEqual(s.requestThroughput);
    // The engine's own count of generated tokens agrees with the client's.
    expect(await metricValue(engine.url, 'vllm:generation_tokens_total')).toBeGreaterThanOrEqual(s.totalOutputTokens);
    const markdown = readFileSync(join(dir, 'bench.md'), 'utf8');
    const table = markdown.split('\n').filter((line) => line.startsWith('| '));
    expect(new Set(table.map((line) => line.split('|').length)).size).toBe(1);
    expect(markdown).toContain('![openai benchmark](bench.svg)');
    expect(markdown).toContain('| concurrency 4 | 4 | 12 / 0 |');
    expect(readFileSync(join(dir, 'bench.svg'), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<path d="M[\s\S]*<\/svg>$/);
  });

  it('judges goodput against the SLOs: none good under an impossible TTFT, all good under generous ones', async () => {
    const dir = join(out, 'slo');
    const strict = await atEngine('--num-requests 4 --goodput ttft:0.001 --out', dir);
    const generous = await atEngine('--num-requests 4 --goodput e2el:600000 --name generous --out', dir);

    expect([strict.code, generous.code]).toEqual([0, 0]);
    expect(readReport(dir).runs[0].summary.requestGoodput).toBe(0);
    const all = readReport(dir, 'generous').runs[0].summary;
    expect(all.requestGoodput).toBe(all.requestThroughput);
  });

  it('sweeps concurrency, one run per level, and compares two reports side by side', async () => {
    const sweep = await atEngine('--num-requests 8 --sweep 1,8 --max-tokens 16 --name sweep --out', out);
    const rated = await atEngine(
      '--num-requests 8 --sweep 1,8 --max-tokens 16 --request-rate 400 --seed 7 --name rated --out',
      out,
    );
    const compared = await bench(['--compare', join(out, 'sweep.json'), join(out, 'rated.json'), '--out', out]);

    expect([sweep.code, rated.code, compared.code]).toEqual([0, 0, 0]);
    const report = readReport(out, 'sweep');
    expect(
      report.runs.map((run) => [run.label, run.concurrency, run.summary.completed, run.summary.peakConcurrency]),
    ).toEqual([
      ['concurrency 1', 1, 8, 1],
      ['concurrency 8', 8, 8, 8],
    ]);
    // Continuous batching: eight at a time finish sooner than one at a time.
    expect(report.runs[1].summary.durationS).toBeLessThan(report.runs[0].summary.durationS);
    expect(readReport(out, 'rated').load).toMatchObject({ requestRate: 400, seed: 7 });
    const markdown = readFileSync(join(out, 'compare.md'), 'utf8');
    expect(compared.stdout).toBe(`${markdown}\nwritten: ${join(out, 'compare.md')}\n`);
    expect(markdown).toContain('| metric | A: concurrency 1 | B: concurrency 1 | B against A |');
    expect(markdown).toMatch(/\| output throughput tok\/s \| [\d.]+ \| [\d.]+ \| [+-]?[\d.]+% \|/);
    expect(markdown.match(/\| completed \| 8 \| 8 \| 0\.0% \|/g)).toHaveLength(2);
  });

  it('runs the headline scenario: one at a time (the old way) against all at once', async () => {
    const result = await bench(
      `--spawn-sim vllm-a100-8b --scenario headline --num-requests 8 --max-tokens 16 --time-scale ${TIME_SCALE} --name headline --out ${out}`.split(
        ' ',
      ),
    );

    expect(result).toMatchObject({ code: 0 });
    const report = readReport(out, 'headline');
    expect(report.runs.map((run) => [run.label, run.concurrency, run.summary.peakConcurrency])).toEqual([
      ['old way: one at a time', 1, 1],
      ['new way: all at once', null, 8],
    ]);
    expect(report.speedUp).toBeCloseTo(report.runs[0].summary.durationS / report.runs[1].summary.durationS, 6);
    expect(report.speedUp).toBeGreaterThan(1.5);
    expect(result.stdout).toContain(
      `speed-up of new way: all at once over old way: one at a time: ${report.speedUp?.toFixed(1)}x`,
    );
  });

  it('spreads requests over several URLs in turn, and runs the replicas scenario: the first alone, then all', async () => {
    const slow = await startLocalLlm([
      '--engine',
      'sim',
      '--profile',
      'vllm-a100-8b',
      '--time-scale',
      TIME_SCALE,
      '--speed',
      '0.5',
    ]);
    try {
      const before = [await finishedRequests(engine.url), await finishedRequests(slow.url)];
      const result = await bench(
        ['--target', 'openai', '--url', `${engine.url},${slow.url}`, '--scenario', 'replicas'].concat(
          `--num-requests 8 --concurrency 4 --max-tokens 16 --time-scale ${TIME_SCALE} --name replicas --out ${out}`.split(
            ' ',
          ),
        ),
      );

      expect(result).toMatchObject({ code: 0 });
      const report = readReport(out, 'replicas');
      expect(report.target.url).toBe(`${engine.url}, ${slow.url}`);
      expect(report.runs.map((run) => [run.label, run.summary.completed])).toEqual([
        ['one replica', 8],
        ['2 replicas, round robin', 8],
      ]);
      // Each engine's own count, read by the CLI around each run (of the engines that run used).
      expect(report.runs.map((run) => run.engines.map((e) => [e.url, e.requests]))).toEqual([
        [[engine.url, 8]],
        [
          [engine.url, 4],
          [slow.url, 4],
        ],
      ]);
      expect(report.runs[1].engines.map((e) => e.prefixCacheHitRate)).toEqual([expect.any(Number), expect.any(Number)]);
      expect(readFileSync(join(out, 'replicas.md'), 'utf8')).toContain(
        `- one replica: ${engine.url} 8 requests, prefix cache hits`,
      );
      // One probe each; then 8 to the first alone; then 4 each, in turn.
      expect([
        (await finishedRequests(engine.url)) - before[0],
        (await finishedRequests(slow.url)) - before[1],
      ]).toEqual([13, 5]);
    } finally {
      await slow.stop();
    }
  });

  it('counts failed requests by error and exits 1 when more fail than --max-failures allows', async () => {
    // The first request checks the target; the faults go in once it has been answered.
    const armed = (async () => {
      const before = await finishedRequests(engine.url);
      while ((await finishedRequests(engine.url)) <= before) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await setFaults(engine.url, [{ kind: 'status', status: 503, count: 3 }]);
    })();
    // 0.2 requests a simulated second: 10 a wall second, so the faults are in before most are sent.
    const failing = atEngine('--num-requests 10 --request-rate 0.2 --name failing --out', out);
    await armed;
    const result = await failing;
    await setFaults(engine.url, []);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('3 requests failed (more than --max-failures 0)');
    const s = readReport(out, 'failing').runs[0].summary;
    // Poisson arrivals, seeded: the run lasts at least until its last request was sent (simulated seconds).
    const lastArrivalS = arrivalTimes({ numRequests: 10, requestRate: 0.2, seed: 0 }).at(-1) as number;
    expect(lastArrivalS).toBeGreaterThan(10_000);
    expect(s.durationS).toBeGreaterThanOrEqual(lastArrivalS / 1000);
    expect([s.completed, s.failed, s.failures]).toEqual([
      7,
      3,
      [{ error: 'HTTP 503 ServiceUnavailableError', count: 3 }],
    ]);
    expect(readFileSync(join(out, 'failing.md'), 'utf8')).toContain('- run: 3 x `HTTP 503 ServiceUnavailableError`');
  });

  it('stops with exit 1 and says what to check when the first request fails', async () => {
    const result = await bench(['--target', 'letters', '--url', engine.url]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `the first request to ${engine.url} failed (HTTP 404): check --url, --target and --header`,
    );
  });

  it('exits 2 with what to change for a bad argument (options.spec.ts covers each check)', async () => {
    const result = await bench(['--target', 'vllm', '--url', engine.url]);

    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'bench: --target vllm: use one of openai, ollama, ask, letters\n(see --help)\n',
    });
  });

  it('refuses a JSONL dataset line it cannot send, and a file that is not a report, naming the line or file', async () => {
    const dataset = join(out, 'bad.jsonl');
    writeFileSync(dataset, '{"question": "What is a DRO?"}\n{"text": "no known field"}\n');
    const notReport = join(out, 'bad.jsonl');

    const badDataset = await bench(['--target', 'openai', '--url', engine.url, '--dataset', dataset]);
    const badCompare = await bench(['--compare', notReport, notReport]);

    expect([badDataset.code, badCompare.code]).toEqual([2, 2]);
    expect(badDataset.stderr).toContain(`${dataset} line 2: each line needs a non-empty "question"`);
    expect(badCompare.stderr).toContain('not JSON; give a NAME.json this tool wrote');
  });
});
