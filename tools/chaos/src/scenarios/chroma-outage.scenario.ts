// Scenario 3: Chroma stopped, then frozen (SIGSTOP), under /ask load: every /ask sent meanwhile answers
// 503 or 504 by its deadline (ASK_TIMEOUT_MS, plus the 100 ms the issue allows), never hangs.
import { byStatus, failuresOf, latencyOf, ms, openLoop, percentile, Sample } from '../load';
import type { Scenario, ScenarioContext, ScenarioReport } from '../scenario';
import { ChaosSystem, platformEnv, sleep, waitForStatus } from '../system';

const ASK_TIMEOUT_MS = 5_000;
const CHROMA_TIMEOUT_MS = 2_000;

export const chromaOutageScenario: Scenario = {
  name: 'chroma-outage',
  run: async (context) => {
    const system = new ChaosSystem();
    try {
      return await run(system, context);
    } finally {
      await system.stopAll();
    }
  },
};

interface Window {
  name: string;
  fromMs: number;
  toMs: number;
}

async function run(system: ChaosSystem, { short, progress }: ScenarioContext): Promise<ScenarioReport> {
  const outageMs = 5_000;
  const settleMs = short ? 4_000 : 8_000;
  const perSecond = 4;
  const redis = await system.redis();
  const chroma = await system.chroma();
  const llm = await system.localLlm(['--parallel', '32']);
  const rag = await system.app('rag-service', {
    ...platformEnv({ redisUrl: redis.url, llmUrl: llm.url, chromaUrl: chroma.url }),
    ASK_TIMEOUT_MS: String(ASK_TIMEOUT_MS),
    CHROMA_TIMEOUT_MS: String(CHROMA_TIMEOUT_MS),
  });
  await waitForStatus(`${rag.url}/health/ready`, 200, { timeoutMs: 60_000, app: rag });

  const epoch = Date.now();
  const now = () => Date.now() - epoch;
  const windows: Window[] = [];
  let done = false;
  const load = openLoop({
    url: `${rag.url}/ask`,
    perSecond,
    epoch,
    payload: (i) => ({ question: `What does a Debt Relief Order cost? (question ${i})` }),
    until: () => done,
    boundMs: 60_000,
  });
  await sleep(settleMs);

  progress(`chroma-outage: stopping Chroma for ${outageMs / 1000} s`);
  let from = now();
  await chroma.stop();
  await sleep(outageMs);
  windows.push({ name: `stopped ${outageMs / 1000} s`, fromMs: from, toMs: now() });
  const restartFrom = now();
  await chroma.start();
  const restartMs = now() - restartFrom;
  await sleep(settleMs);

  progress(`chroma-outage: freezing Chroma for ${outageMs / 1000} s`);
  from = now();
  chroma.freeze();
  await sleep(outageMs);
  chroma.thaw();
  windows.push({ name: `frozen ${outageMs / 1000} s`, fromMs: from, toMs: now() });
  await sleep(settleMs);
  done = true;
  const samples = await load;

  const deadlineMs = ASK_TIMEOUT_MS + 100;
  const perWindow = windows.map((window) => {
    const during = samples.filter((sample) => sample.startMs >= window.fromMs && sample.startMs <= window.toMs);
    // A request that ended after Chroma answered again may rightly be a 200.
    const wrong = during.filter(
      (sample) =>
        !(sample.status === 503 || sample.status === 504 || (sample.status === 200 && sample.endMs > window.toMs)),
    );
    const late = during.filter((sample) => latencyOf(sample) > deadlineMs);
    return { window, during, wrong, late };
  });
  const before = samples.filter((sample) => sample.endMs < windows[0].fromMs);
  const after = samples.filter((sample) => sample.startMs > windows[1].toMs + 1_000);
  const all = perWindow.flatMap((w) => w.during);
  const wrong = perWindow.flatMap((w) => w.wrong);
  const late = perWindow.flatMap((w) => w.late);
  const byWindow = (list: Sample[]) =>
    `${byStatus(list)}; p50 ${ms(percentile(list.map(latencyOf), 50))}, max ${ms(Math.max(0, ...list.map(latencyOf)))}`;

  return {
    title: `3. Chroma stopped ${outageMs / 1000} s, then frozen (SIGSTOP) ${outageMs / 1000} s, under /ask load`,
    setup: [
      'redis-server, Chroma, local-llm (sim), rag-service (its own workers)',
      `ASK_TIMEOUT_MS=${ASK_TIMEOUT_MS}, CHROMA_TIMEOUT_MS=${CHROMA_TIMEOUT_MS}; POST /ask at ${perSecond}/s (open loop)`,
      `Chroma stopped (SIGTERM) for ${outageMs / 1000} s and started again on the same port and data (${(restartMs / 1000).toFixed(1)} s to answer its heartbeat); ${settleMs / 1000} s later frozen for ${outageMs / 1000} s`,
    ],
    figures: [
      `before: ${byWindow(before)}${before.some((s) => s.status !== 200) ? `; failures: ${failuresOf(before)}` : ''}`,
      ...perWindow.map(
        ({ window, during }) =>
          `${window.name}: ${during.length} asks sent in it: ${byWindow(during)}; ${failuresOf(during)}`,
      ),
      `after (from 1 s after the thaw): ${byWindow(after)}`,
    ],
    goals: [
      {
        goal: '/ask in the outage answers 503 or 504',
        measured: `${all.length - wrong.length} of ${all.length}${wrong.length ? `; others: ${byStatus(wrong)}` : ''}`,
        met: all.length > 0 && wrong.length === 0,
      },
      {
        goal: `... within its deadline (ASK_TIMEOUT_MS + 100 ms = ${deadlineMs} ms)`,
        measured: `slowest ${ms(Math.max(0, ...all.map(latencyOf)))}; ${late.length} late`,
        met: late.length === 0,
      },
      {
        goal: '/ask recovers once Chroma is back (not a goal of the issue; a check)',
        measured: byStatus(after),
        met: after.length > 0 && after.every((sample) => sample.status === 200),
      },
    ],
  };
}
