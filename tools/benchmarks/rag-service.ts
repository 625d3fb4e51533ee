// Benchmark of rag-service outside the LLM: ingest throughput (chunks/s) on the sample manuals, and the
// latency an ask adds beyond the LLM's own work (retrieval, prompt building, queue and HTTP plumbing).
// Real Redis, real Chroma and the built rag-service as a process; local-llm on its simulated engine
// (fast profile), so the LLM's share is small and the service's own overhead shows.
//
//   npx nx build rag-service local-llm
//   node tools/scripts/ts-run.cjs tools/benchmarks/rag-service.ts [--asks 300] [--rounds 6]
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
// The serving benchmarks' helpers (an ES module; Node 24 requires it synchronously).
// The benchmark CLI's helpers: percentiles as numpy and vllm bench interpolate them, and the machine line.
import { percentile } from '../bench/src/metrics.ts';
import { machineLine } from '../bench/src/report.ts';

const { values: flags } = parseArgs({
  options: { asks: { type: 'string', default: '300' }, rounds: { type: 'string', default: '6' } },
});
const root = join(__dirname, '..', '..');
const lines: string[] = [];
const say = (line = '') => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};
const ms = (value: number) => value.toFixed(2);

interface Started {
  url: string;
  stop: () => Promise<void>;
}

async function main(): Promise<void> {
  const servers = (await import(pathToFileURL(join(root, 'tools/servers/servers.mjs')).href)) as {
    startRedis: () => Promise<Started>;
    startChroma: () => Promise<Started>;
    startLocalLlm: (options: { args: string[] }) => Promise<Started>;
    freePort: () => Promise<number>;
    waitForHttpOk: (url: string, options: { timeoutMs: number }) => Promise<void>;
    stopProcess: (child: unknown) => Promise<void>;
  };
  const started: Started[] = [];
  try {
    const redis = await servers.startRedis();
    started.push(redis);
    const chroma = await servers.startChroma();
    started.push(chroma);
    const llm = await servers.startLocalLlm({ args: ['--engine', 'sim', '--profile', 'fast', '--parallel', '64'] });
    started.push(llm);
    const port = await servers.freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const service = spawn(process.execPath, [join(root, 'dist/apps/rag-service/main.js')], {
      env: {
        PATH: process.env['PATH'] ?? '',
        AUTH_MODE: 'off',
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: redis.url,
        CHROMA_URL: chroma.url,
        VLLM_URL: llm.url,
        OLLAMA_URL: llm.url,
        MANUALS_DIR: 'off',
        LOG_LEVEL: 'warn',
        INGEST_JOB_MIN_CHUNKS: '100000',
        ASK_MAX_TOKENS: '16',
      },
      stdio: 'inherit',
    });
    started.push({ url: baseUrl, stop: () => servers.stopProcess(service) });
    await servers.waitForHttpOk(`${baseUrl}/health/ready`, { timeoutMs: 30_000 });

    const manualsDir = join(root, 'apps/rag-service/src/assets/manuals');
    const manuals = readdirSync(manualsDir)
      .filter((file) => file.endsWith('.md'))
      .map((file) => ({ file, text: readFileSync(join(manualsDir, file), 'utf8') }));
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
      // Only the fields read below: an ingest's chunk count, an ask's timings (see AskResult).
      return response.json() as Promise<{ chunks: number; timings: Record<string, number> }>;
    };

    // Ingest: each round sends every manual with a changed last line, so each is a real ingest (new chunks
    // replacing old ones), not an unchanged no-op.
    const rounds = Number(flags.rounds);
    const ingestRates: number[] = [];
    let totalChunks = 0;
    let totalSeconds = 0;
    for (let round = 0; round < rounds; round += 1) {
      const begun = performance.now();
      let chunks = 0;
      for (const manual of manuals) {
        const outcome = await post('/documents', {
          title: manual.file,
          source: `bench/${manual.file}`,
          text: `${manual.text}\n\nRevision ${round}.`,
        });
        chunks += outcome.chunks;
      }
      const seconds = (performance.now() - begun) / 1000;
      ingestRates.push(chunks / seconds);
      totalChunks += chunks;
      totalSeconds += seconds;
    }

    // Asks, one at a time: the overhead of one request, not contention.
    const questions = [
      'What is the debt limit for a Debt Relief Order?',
      'How long does a standard breathing space last?',
      'What does bankruptcy cost?',
      'Which debts are priority debts?',
      'How long does an IVA last?',
    ];
    const asks = Number(flags.asks);
    const samples: Array<{
      client: number;
      total: number;
      embed: number;
      retrieve: number;
      llm: number;
      generate: number;
    }> = [];
    for (let i = 0; i < asks + 20; i += 1) {
      const begun = performance.now();
      const answer = await post('/ask', { question: questions[i % questions.length] });
      const client = performance.now() - begun;
      // The first 20 warm up connections and JIT; not counted.
      if (i >= 20) {
        const t = answer.timings;
        samples.push({
          client,
          total: t.totalMs,
          embed: t.embedMs,
          retrieve: t.retrieveMs,
          llm: t.llmMs,
          generate: t.generateMs,
        });
      }
    }
    const series = {
      'retrieval (Chroma query)': samples.map((s) => s.retrieve),
      'outside the LLM (total - embedding - LLM run)': samples.map((s) => s.total - s.embed - s.llm),
      'queue round trip (generate - LLM run)': samples.map((s) => s.generate - s.llm),
      'embedding the question (LLM server)': samples.map((s) => s.embed),
      'LLM run (sim fast, 16 tokens)': samples.map((s) => s.llm),
      'whole request, as the client saw it': samples.map((s) => s.client),
    };

    say('# rag-service benchmark');
    say();
    say(`Run on ${new Date().toISOString().slice(0, 10)}: ${machineLine(root)}.`);
    say('Real Redis and Chroma (chromadb 3.5 server 1.0.0), the built rag-service as a process, local-llm on its');
    say('simulated engine (fast profile: about 1 ms a step) so that the LLM share is small. A shared VM: noisy.');
    say();
    say(
      'Command: `npx nx build rag-service local-llm && node tools/scripts/ts-run.cjs tools/benchmarks/rag-service.ts' +
        ` --asks ${asks} --rounds ${rounds}\``,
    );
    say();
    say('## Ingest');
    say();
    say(
      `${manuals.length} sample manuals (${manuals.reduce((sum, m) => sum + m.text.length, 0)} characters), chunk size 1000,`,
    );
    say(`overlap 150, sent ${rounds} times with a changed last line (each a real replace), one request at a time:`);
    say();
    say(
      `- ${totalChunks} chunks in ${totalSeconds.toFixed(2)} s: **${(totalChunks / totalSeconds).toFixed(1)} chunks/s** overall`,
    );
    say(`- per round: ${ingestRates.map((rate) => rate.toFixed(1)).join(', ')} chunks/s`);
    say();
    say('## Ask');
    say();
    say(`${asks} asks one at a time (after 20 warm-up), top 5 chunks, 16-token answers. Milliseconds:`);
    say();
    say('| part | p50 | p90 | p99 | max |');
    say('| --- | --- | --- | --- | --- |');
    for (const [name, values] of Object.entries(series)) {
      say(
        `| ${name} | ${ms(percentile(values, 50))} | ${ms(percentile(values, 90))} | ${ms(percentile(values, 99))} | ${ms(Math.max(...values))} |`,
      );
    }
    writeFileSync(join(root, 'benchmarks/rag-service.md'), `${lines.join('\n')}\n`);
    process.stdout.write('\nwritten to benchmarks/rag-service.md\n');
  } finally {
    for (const server of started.reverse()) await server.stop();
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
