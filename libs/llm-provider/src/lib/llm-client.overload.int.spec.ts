import { eventually, metricValue, setFaults, sharedServerUrl, StartedServer, startLocalLlm } from '@rma/testing';
import { Registry } from 'prom-client';
import { LlmClient } from './llm-client';
import type { StreamEvent } from './llm-client.types';
import { LlmTimeoutError, LlmUnavailableError } from './llm.errors';
import { testOptions } from './testing-options';

// A real local-llm whose simulated engine runs as Ollama does by default: one sequence at a time at
// 24 ms a token, the rest waiting in its queue. One long request makes it busy but healthy: it answers
// /health at once, and every other request waits for the slot. The fallback is the shared server's
// Ollama API.
let busy: StartedServer;
const fallbackUrl = sharedServerUrl();
const VLLM_MODEL = 'meta-llama/Llama-3.2-3B-Instruct';
const ask = { messages: [{ role: 'user' as const, content: 'What is a DRO?' }], maxTokens: 4 };

type Overrides = Partial<Parameters<typeof testOptions>[0]>;

function client(overrides: Overrides = {}) {
  const registry = new Registry();
  const sut = new LlmClient({
    ...testOptions({ provider: 'vllm', fallback: 'ollama', vllmUrl: busy.url, ollamaUrl: fallbackUrl, ...overrides }),
    registry,
  });
  const metric = async (name: string, labels: Record<string, string>) => {
    const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
    return values
      .filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted))
      .reduce((sum, value) => sum + value.value, 0);
  };
  return { sut, metric };
}

/**
 * Makes the busy server busy: generations that fill its only slot and its queue for several seconds
 * (the simulated engine writes about 40 tokens, a second, for this prompt), until the returned release.
 */
async function makeBusy(): Promise<() => Promise<void>> {
  const controller = new AbortController();
  const hogs = Array.from({ length: 10 }, () =>
    fetch(`${busy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: VLLM_MODEL, messages: ask.messages, max_tokens: 1_000 }),
      signal: controller.signal,
    }).then(
      (response) => response.text(),
      () => undefined,
    ),
  );
  await eventually(async () => (await metricValue(busy.url, 'vllm:num_requests_waiting')) >= 8);
  return async () => {
    controller.abort();
    await Promise.all(hogs);
    await eventually(async () => (await metricValue(busy.url, 'vllm:num_requests_running')) === 0);
  };
}

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

beforeAll(async () => {
  busy = await startLocalLlm(['--engine', 'sim', '--profile', 'ollama-default', '--admin']);
});
afterAll(async () => {
  await busy?.stop();
});
afterEach(async () => {
  await setFaults(busy.url, []);
});

describe(`${LlmClient.name} when the primary is busy`, () => {
  it('does not open the breaker on first-token timeouts while the server answers its health probe', async () => {
    const { sut, metric } = client({
      timeouts: { firstTokenMs: 300 },
      retry: { maxAttempts: 1 },
      breaker: { failureThreshold: 2 },
    });
    const release = await makeBusy();

    const served: string[] = [];
    try {
      for (let call = 0; call < 3; call += 1) {
        const events = await collect(sut.stream(ask));
        const end = events[events.length - 1];
        if (end.type === 'end') served.push(`${end.backend.kind}${end.backend.fallback ? ' (fallback)' : ''}`);
      }
    } finally {
      await release();
    }

    // Each call that waited past its first-token time was served by the fallback; every one of them
    // tried the primary first, because a busy server's timeouts are not breaker failures.
    expect(served).toEqual(['ollama (fallback)', 'ollama (fallback)', 'ollama (fallback)']);
    expect(await metric('llm_errors_total', { backend: 'vllm', error: 'timeout' })).toBe(3);
    expect(await metric('llm_breaker_state', { backend: `vllm ${busy.url}` })).toBe(0);
    expect(sut.serving('chat')).toMatchObject({ kind: 'vllm', url: busy.url, fallback: false });
    expect((await sut.chat(ask)).backend).toMatchObject({ kind: 'vllm', fallback: false });
  });

  it('does not try a timed-out request again on the busy server: one attempt, then the caller decides', async () => {
    const sut = new LlmClient(
      testOptions({
        provider: 'vllm',
        vllmUrl: busy.url,
        ollamaUrl: busy.url,
        timeouts: { firstTokenMs: 300 },
        retry: { maxAttempts: 3 },
      }),
    );
    const release = await makeBusy();

    const error = await collect(sut.stream(ask))
      .catch((caught: unknown) => caught)
      .finally(release);

    expect(error).toBeInstanceOf(LlmTimeoutError);
    expect(error).toMatchObject({ phase: 'first_token', retryable: true, attempts: 1 });
  });

  it('gives an answer that is not streamed its first-token time plus an allowance per token asked for', async () => {
    // 30 tokens at 24 ms take about 0.7 s: far past the 300 ms first-token time, within 300 + 30 x 100.
    const sut = new LlmClient(
      testOptions({
        provider: 'vllm',
        vllmUrl: busy.url,
        ollamaUrl: busy.url,
        timeouts: { firstTokenMs: 300, tokenAllowanceMs: 100 },
        retry: { maxAttempts: 1 },
      }),
    );

    const result = await sut.chat({ ...ask, maxTokens: 30 });

    expect(result.usage.completionTokens).toBe(30);
    expect(result.timings.totalMs).toBeGreaterThan(300);
    expect(result.backend).toMatchObject({ kind: 'vllm', fallback: false });
  });

  it('still bounds that answer: too small an allowance ends it with an answer timeout', async () => {
    const sut = new LlmClient(
      testOptions({
        provider: 'vllm',
        vllmUrl: busy.url,
        ollamaUrl: busy.url,
        timeouts: { firstTokenMs: 300, tokenAllowanceMs: 1 },
        retry: { maxAttempts: 1 },
      }),
    );

    const error = await sut.chat({ ...ask, maxTokens: 30 }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(LlmTimeoutError);
    expect(error).toMatchObject({ phase: 'answer', timeoutMs: 330 });
  });
});

describe(`${LlmClient.name} when the primary stops answering altogether`, () => {
  it('counts first-token timeouts against the breaker when the server misses its health probe too', async () => {
    const { sut, metric } = client({
      timeouts: { firstTokenMs: 300 },
      retry: { maxAttempts: 1 },
      breaker: { failureThreshold: 2 },
    });
    // Frozen: the kernel still takes connections, the process answers nothing, /health included.
    process.kill(busy.pid, 'SIGSTOP');

    try {
      for (let call = 0; call < 2; call += 1) await collect(sut.stream(ask));
    } finally {
      process.kill(busy.pid, 'SIGCONT');
    }

    expect(await metric('llm_breaker_state', { backend: `vllm ${busy.url}` })).toBe(2);
    expect(sut.serving()).toMatchObject({ kind: 'ollama', fallback: true });
  });
});

describe(`${LlmClient.name} serving backend`, () => {
  it('counts refused connections against the breaker and then names the fallback as serving', async () => {
    const registry = new Registry();
    const sut = new LlmClient({
      ...testOptions({
        provider: 'vllm',
        fallback: 'ollama',
        vllmUrl: 'http://127.0.0.1:1',
        ollamaUrl: fallbackUrl,
        retry: { maxAttempts: 1 },
        breaker: { failureThreshold: 2 },
      }),
      registry,
    });
    expect(sut.serving()).toMatchObject({ kind: 'vllm', url: 'http://127.0.0.1:1', fallback: false });

    await sut.chat(ask);
    await sut.chat(ask);

    expect(sut.serving()).toEqual({ kind: 'ollama', url: fallbackUrl, model: 'llama3.2', fallback: true });
    // The controller reads the serving backend's gauges: Ollama has none.
    expect(await sut.engineLoad()).toBeUndefined();
  });

  it('counts 503s against the breaker, and says how many attempts the client made', async () => {
    await setFaults(busy.url, [{ kind: 'status', status: 503 }]);
    const sut = new LlmClient(
      testOptions({
        provider: 'vllm',
        vllmUrl: busy.url,
        ollamaUrl: busy.url,
        retry: { maxAttempts: 2 },
        breaker: { failureThreshold: 2 },
      }),
    );

    const error = await sut.chat(ask).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(LlmUnavailableError);
    expect(error).toMatchObject({ status: 503, retryable: true, attempts: 2 });
    expect((await sut.health())[0].breaker).toBe('open');
  });
});
