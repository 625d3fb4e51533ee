import type { LlmBackend } from '../backends/llm-backend';
import { Replica } from '../backends/replica';
import { parseVllmMetrics } from '../engine-load';
import { EngineLoadScraper } from './engine-load-scraper';

const page = (running: number, waiting: number) =>
  [
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    `vllm:num_requests_running{model_name="m"} ${running}`,
    `vllm:num_requests_waiting{model_name="m"} ${waiting}`,
    'vllm:kv_cache_usage_perc{model_name="m"} 0.25',
  ].join('\n');

function replica(kind: 'vllm' | 'ollama', url: string): Replica {
  return new Replica({ kind, url } as unknown as LlmBackend);
}

// The reader is the test's: a page of vLLM's metric text, or a failure (the int spec scrapes real servers).
function setup() {
  let clock = 1_000_000;
  const vllm = replica('vllm', 'http://gpu:8000');
  const ollama = replica('ollama', 'http://cpu:11434');
  const pages = new Map<Replica, string | Error>([[vllm, page(3, 1)]]);
  const read = jest.fn(async (target: Replica) => {
    const text = pages.get(target);
    if (text instanceof Error) throw text;
    return text === undefined ? undefined : parseVllmMetrics(text);
  });
  const sut = new EngineLoadScraper(
    () => [vllm, ollama],
    { scrapeIntervalMs: 1_000, staleAfterMs: 3_000, scrapeIdleStopMs: 30_000 },
    read,
    () => clock,
  );
  return { sut, vllm, ollama, pages, read, advance: (ms: number) => (clock += ms) };
}

describe(EngineLoadScraper.name, () => {
  it('reads only vLLM replicas, and gives a reading while it is fresh', async () => {
    const { sut, vllm, ollama, read, advance } = setup();

    await sut.touch();
    sut.stop();

    expect(read).toHaveBeenCalledTimes(1);
    expect(sut.loadOf(vllm)).toEqual({ load: { running: 3, waiting: 1, kvCacheUsage: 0.25 }, ageMs: 0 });
    expect(sut.loadOf(ollama)).toBeUndefined();
    advance(3_000);
    expect(sut.loadOf(vllm)?.ageMs).toBe(3_000);
    advance(1);
    expect(sut.loadOf(vllm)).toBeUndefined();
  });

  it('forgets a reading when a scrape fails', async () => {
    const { sut, vllm, pages } = setup();
    await sut.touch();
    sut.stop();
    pages.set(vllm, new Error('connection refused'));

    await sut.touch();
    sut.stop();

    expect(sut.loadOf(vllm)).toBeUndefined();
  });

  it('reads again on refresh, after a round already out that may predate what changed', async () => {
    const { sut, vllm, pages, read } = setup();
    await sut.touch();
    let answer: (text: string) => void = () => undefined;
    pages.set(vllm, page(3, 1));
    read.mockImplementationOnce(() => new Promise((resolve) => (answer = (text) => resolve(parseVllmMetrics(text)))));
    // A round out (the interval's), then the limit changes and a fresh reading is asked for.
    const outstanding = sut.refresh();
    pages.set(vllm, page(12, 0));
    const fresh = sut.refresh();
    answer(page(3, 1));
    await Promise.all([outstanding, fresh]);
    sut.stop();

    expect(read).toHaveBeenCalledTimes(3);
    expect(sut.loadOf(vllm)?.load).toEqual({ running: 12, waiting: 0, kvCacheUsage: 0.25 });
  });

  it('scrapes every interval while touched, and stops by itself once nobody asks', async () => {
    jest.useFakeTimers();
    try {
      const { sut, read, advance } = setup();
      await sut.touch();
      expect(sut.touch()).toBeUndefined();

      for (let second = 0; second < 5; second += 1) {
        advance(1_000);
        await jest.advanceTimersByTimeAsync(1_000);
      }
      expect(read).toHaveBeenCalledTimes(6);
      advance(30_000);
      await jest.advanceTimersByTimeAsync(5_000);
      const calls = read.mock.calls.length;
      await jest.advanceTimersByTimeAsync(5_000);

      expect(read).toHaveBeenCalledTimes(calls);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
