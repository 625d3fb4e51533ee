// Scenario 4: the primary LLM server (vLLM's API) SIGKILLed under /ask load, with Ollama's API on a
// second local-llm as the fallback (LLM_FALLBACK=ollama). Requests sent after the kill have not started
// streaming from the primary: at least 99.5% of them must be served by the fallback, adding under 1 s
// at p99. Which backend served an answer is read from the answer itself (`backend`).
import { byStatus, failuresOf, latencyOf, ms, openLoop, percentile, Sample } from '../load';
import type { Scenario, ScenarioContext, ScenarioReport } from '../scenario';
import { ChaosSystem, platformEnv, sleep, waitForStatus } from '../system';

export const llmFailoverScenario: Scenario = {
  name: 'llm-failover',
  run: async (context) => {
    const system = new ChaosSystem();
    try {
      return await run(system, context);
    } finally {
      await system.stopAll();
    }
  },
};

interface Backend {
  kind?: string;
  fallback?: boolean;
}

const backendOf = (sample: Sample): Backend | undefined => (sample.body as { backend?: Backend } | undefined)?.backend;
const servedByFallback = (sample: Sample) => sample.status === 200 && backendOf(sample)?.fallback === true;

async function run(system: ChaosSystem, { short, progress }: ScenarioContext): Promise<ScenarioReport> {
  const baselineMs = short ? 6_000 : 12_000;
  const afterMs = short ? 10_000 : 25_000;
  const perSecond = 4;
  const redis = await system.redis();
  const chroma = await system.chroma();
  const primary = await system.localLlm(['--parallel', '32']);
  const fallback = await system.localLlm(['--parallel', '32']);
  const rag = await system.app('rag-service', {
    ...platformEnv({ redisUrl: redis.url, llmUrl: primary.url, fallbackUrl: fallback.url, chromaUrl: chroma.url }),
    LLM_PROVIDER: 'vllm',
    LLM_FALLBACK: 'ollama',
  });
  await waitForStatus(`${rag.url}/health/ready`, 200, { timeoutMs: 60_000, app: rag });

  const epoch = Date.now();
  let done = false;
  const load = openLoop({
    url: `${rag.url}/ask`,
    perSecond,
    epoch,
    payload: (i) => ({ question: `Can I get a DRO if I rent my home? (question ${i})` }),
    until: () => done,
    boundMs: 150_000,
  });
  await sleep(baselineMs);
  progress('llm-failover: SIGKILL to the primary local-llm');
  const killAt = Date.now() - epoch;
  primary.kill();
  await sleep(afterMs);
  done = true;
  const samples = await load;

  const before = samples.filter((sample) => sample.endMs < killAt);
  const inFlight = samples.filter((sample) => sample.startMs <= killAt && sample.endMs >= killAt);
  const after = samples.filter((sample) => sample.startMs > killAt);
  const served = after.filter(servedByFallback);
  const share = after.length ? served.length / after.length : 0;
  const baselineP99 = percentile(before.filter((s) => s.status === 200).map(latencyOf), 99);
  const afterP99 = percentile(served.map(latencyOf), 99);
  const addedP99 = afterP99 - baselineP99;
  const firstSecond = after.filter((sample) => sample.startMs - killAt <= 2_000);

  return {
    title: '4. The primary LLM server SIGKILLed under load, with a fallback',
    setup: [
      'redis-server, Chroma, two local-llm (sim) processes: the primary as vLLM (VLLM_URL), the fallback as Ollama (OLLAMA_URL); LLM_FALLBACK=ollama, other LLM_* at their defaults',
      `rag-service with its own workers (GENERATION_CONCURRENCY adaptive, the default); POST /ask at ${perSecond}/s, ${baselineMs / 1000} s before the kill and ${afterMs / 1000} s after`,
    ],
    figures: [
      `before the kill: ${before.length} asks: ${byStatus(before)}; p50 ${ms(percentile(before.map(latencyOf), 50))}, p99 ${ms(baselineP99)}; served by the fallback: ${before.filter(servedByFallback).length}; failures: ${failuresOf(before)}`,
      `in flight at the kill: ${inFlight.length}: ${byStatus(inFlight)}; served by the fallback ${inFlight.filter(servedByFallback).length}`,
      `sent after the kill: ${after.length}: ${byStatus(after)}; served by the fallback ${served.length} (failures: ${failuresOf(after)}); p50 ${ms(percentile(served.map(latencyOf), 50))}, p99 ${ms(afterP99)}`,
      `the first 2 s after the kill (before the breaker opens): ${firstSecond.length} asks, p50 ${ms(percentile(firstSecond.map(latencyOf), 50))}, max ${ms(Math.max(0, ...firstSecond.map(latencyOf)))}`,
      'added latency = p99 of asks the fallback served after the kill - p99 of asks before it',
    ],
    goals: [
      {
        goal: '>= 99.5% of requests not yet streaming served by the fallback',
        measured: `${(share * 100).toFixed(1)}% (${served.length} of ${after.length} sent after the kill)`,
        met: after.length > 0 && share >= 0.995,
      },
      { goal: 'p99 added latency < 1 s', measured: ms(addedP99), met: addedP99 < 1_000 },
    ],
  };
}
