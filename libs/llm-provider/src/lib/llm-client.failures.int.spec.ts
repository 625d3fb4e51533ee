import { setFaults, sharedServerUrl, StartedServer, startLocalLlm } from '@rma/testing';
import { Registry } from 'prom-client';
import { LlmClient } from './llm-client';
import type { StreamEvent } from './llm-client.types';
import {
  LlmBadRequestError,
  LlmRateLimitError,
  LlmStreamInterruptedError,
  LlmTimeoutError,
  LlmUnavailableError,
} from './llm.errors';
import { testOptions } from './testing-options';

// Failures come from a real local-llm with fault injection (--admin): the primary is its vLLM API, the
// fallback the shared server's Ollama API.
let faulty: StartedServer;
const fallbackUrl = sharedServerUrl();

async function counter(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const match = metric?.values.find((value) =>
    Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted),
  );
  return match?.value ?? 0;
}

function client(overrides: Parameters<typeof testOptions>[0] extends infer O ? Partial<O> : never = {}) {
  const registry = new Registry();
  const sut = new LlmClient({
    ...testOptions({ provider: 'vllm', fallback: 'ollama', vllmUrl: faulty.url, ollamaUrl: fallbackUrl, ...overrides }),
    registry,
  });
  return { sut, registry };
}

const ask = { messages: [{ role: 'user' as const, content: 'What is a DRO?' }], maxTokens: 4 };

beforeAll(async () => {
  faulty = await startLocalLlm(['--admin']);
});
afterAll(async () => {
  await faulty?.stop();
});
afterEach(async () => {
  await setFaults(faulty.url, []);
});

describe(`${LlmClient.name} when the primary fails`, () => {
  it('falls back silently when the primary refuses connections (port closed)', async () => {
    const registry = new Registry();
    const sut = new LlmClient({
      ...testOptions({ provider: 'vllm', fallback: 'ollama', vllmUrl: 'http://127.0.0.1:1', ollamaUrl: fallbackUrl }),
      registry,
    });

    const result = await sut.chat(ask);

    expect(result.backend).toMatchObject({ kind: 'ollama', url: fallbackUrl, fallback: true });
    expect(await counter(registry, 'llm_fallbacks_total', { from: 'vllm', to: 'ollama', reason: 'unavailable' })).toBe(
      1,
    );
  });

  it('retries a 503, then falls back', async () => {
    await setFaults(faulty.url, [{ kind: 'status', status: 503 }]);
    const { sut, registry } = client({ retry: { maxAttempts: 2 } });

    const result = await sut.chat(ask);

    expect(result.backend).toMatchObject({ kind: 'ollama', fallback: true });
    expect(await counter(registry, 'llm_errors_total', { backend: 'vllm', error: 'unavailable' })).toBe(2);
    expect(await counter(registry, 'llm_retries_total', { backend: 'vllm' })).toBe(1);
  });

  it('retries a 503 on the primary and succeeds there when it recovers', async () => {
    await setFaults(faulty.url, [{ kind: 'status', status: 503, count: 1 }]);
    const { sut } = client({ retry: { maxAttempts: 3 } });

    const result = await sut.chat(ask);

    expect(result.backend).toMatchObject({ kind: 'vllm', fallback: false });
  });

  it('gives up on a primary that stalls before the first token, and streams from the fallback', async () => {
    await setFaults(faulty.url, [{ kind: 'delay-first-token', delayMs: 20_000 }]);
    const { sut, registry } = client({ timeouts: { firstTokenMs: 300 }, retry: { maxAttempts: 1 } });

    const events: StreamEvent[] = [];
    for await (const event of sut.stream({ ...ask, maxTokens: 5 })) events.push(event);

    expect(events[events.length - 1]).toMatchObject({ type: 'end', backend: { kind: 'ollama', fallback: true } });
    expect(await counter(registry, 'llm_errors_total', { backend: 'vllm', error: 'timeout' })).toBe(1);
  });

  it('ends a stream cut after its first tokens with a typed error, never switching backend silently', async () => {
    await setFaults(faulty.url, [{ kind: 'cut', afterTokens: 3 }]);
    const { sut, registry } = client();
    const tokens: string[] = [];

    const consumed = (async () => {
      for await (const event of sut.stream({ ...ask, maxTokens: 50 }))
        if (event.type === 'token') tokens.push(event.text);
    })();

    await expect(consumed).rejects.toBeInstanceOf(LlmStreamInterruptedError);
    expect(tokens.length).toBeGreaterThan(0);
    expect(await counter(registry, 'llm_fallbacks_total', {})).toBe(0);
  });

  it('passes a 400 from the primary to the caller, without fallback', async () => {
    const { sut, registry } = client();

    await expect(sut.chat({ ...ask, temperature: 7 })).rejects.toBeInstanceOf(LlmBadRequestError);
    expect(await counter(registry, 'llm_fallbacks_total', {})).toBe(0);
  });

  it('opens the breaker after failures, sends calls straight to the fallback, and closes when the primary returns', async () => {
    await setFaults(faulty.url, [{ kind: 'status', status: 503 }]);
    const { sut, registry } = client({ retry: { maxAttempts: 1 }, breaker: { failureThreshold: 2, openMs: 400 } });
    const breakerState = () => counter(registry, 'llm_breaker_state', { backend: `vllm ${faulty.url}` });

    await sut.chat(ask);
    await sut.chat(ask);
    expect(await breakerState()).toBe(2);
    const errorsWhileOpen = await counter(registry, 'llm_errors_total', { backend: 'vllm' });
    const whileOpen = await sut.chat(ask);
    expect(whileOpen.backend.kind).toBe('ollama');
    expect(await counter(registry, 'llm_errors_total', { backend: 'vllm' })).toBe(errorsWhileOpen);

    await setFaults(faulty.url, []);
    await new Promise((resolve) => setTimeout(resolve, 450));
    const probe = await sut.chat(ask);

    expect(probe.backend).toMatchObject({ kind: 'vllm', fallback: false });
    expect(await breakerState()).toBe(0);
  });

  it('fails with a typed unavailable error when no backend can serve', async () => {
    await setFaults(faulty.url, [{ kind: 'status', status: 503 }]);
    const sut = new LlmClient(testOptions({ provider: 'vllm', vllmUrl: faulty.url, ollamaUrl: fallbackUrl }));

    await expect(sut.chat(ask)).rejects.toMatchObject({ kind: 'unavailable', status: 503, backend: { kind: 'vllm' } });
    await expect(sut.chat(ask)).rejects.toBeInstanceOf(LlmUnavailableError);
  });
});

describe(`${LlmClient.name} timeouts and rate limits, on the primary alone`, () => {
  // No fallback: each failure reaches the caller as the primary's own.
  const primaryOnly = (overrides: Partial<Parameters<typeof testOptions>[0]> = {}) =>
    new LlmClient(testOptions({ provider: 'vllm', vllmUrl: faulty.url, ollamaUrl: faulty.url, ...overrides }));

  it('gives up on a stream that goes quiet after its first tokens: the idle timeout', async () => {
    await setFaults(faulty.url, [{ kind: 'stall', afterTokens: 2 }]);
    const sut = primaryOnly({ timeouts: { idleMs: 300, totalMs: 5_000 }, retry: { maxAttempts: 1 } });
    const tokens: string[] = [];

    const error = await (async () => {
      for await (const event of sut.stream({ ...ask, maxTokens: 20 }))
        if (event.type === 'token') tokens.push(event.text);
    })().catch((caught: unknown) => caught);

    // After its first token a stream is never retried (the caller has the tokens): the idle timeout is
    // the cause of the interruption.
    expect(tokens).toHaveLength(2);
    expect(error).toBeInstanceOf(LlmStreamInterruptedError);
    expect((error as Error).cause).toBeInstanceOf(LlmTimeoutError);
    expect((error as Error).cause).toMatchObject({ phase: 'idle', timeoutMs: 300 });
  });

  it('gives up on the whole call when its total time runs out, before any other timeout', async () => {
    await setFaults(faulty.url, [{ kind: 'delay-first-token', delayMs: 20_000 }]);
    const sut = primaryOnly({ timeouts: { firstTokenMs: 3_000, totalMs: 300 }, retry: { maxAttempts: 3 } });

    const error = await sut.chat(ask).catch((caught: unknown) => caught);

    // Total time is not retried: a retry could only run past the caller's budget.
    expect(error).toBeInstanceOf(LlmTimeoutError);
    expect(error).toMatchObject({ phase: 'total', timeoutMs: 300 });
  });

  it("waits as long as a 429's Retry-After asks before retrying, even past the call's budget", async () => {
    await setFaults(faulty.url, [{ kind: 'status', status: 429, retryAfterSeconds: 5, count: 1 }]);
    // Backoff alone would retry within 10 ms and succeed; honouring Retry-After (5 s) outlasts the 500 ms
    // budget, so the call can only end in the total timeout.
    const sut = primaryOnly({
      timeouts: { totalMs: 500 },
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 60_000 },
    });

    const error = await sut.chat(ask).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ kind: 'timeout', phase: 'total' });
  });

  it('retries after a 429 once Retry-After has passed, and is served by the primary', async () => {
    await setFaults(faulty.url, [{ kind: 'status', status: 429, retryAfterSeconds: 1, count: 1 }]);
    const sut = primaryOnly({ retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 60_000 } });

    const result = await sut.chat(ask);

    expect(result.backend).toMatchObject({ kind: 'vllm', fallback: false });
  });

  it('gives a typed rate-limit error with the Retry-After when attempts run out', async () => {
    await setFaults(faulty.url, [{ kind: 'status', status: 429, retryAfterSeconds: 7 }]);
    const sut = primaryOnly({ retry: { maxAttempts: 1 } });

    const error = await sut.chat(ask).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(LlmRateLimitError);
    expect(error).toMatchObject({ retryAfterMs: 7_000, retryable: true });
  });
});

describe(`${LlmClient.name} health`, () => {
  it('probes each backend cheaply and reports its breaker', async () => {
    const { sut } = client();
    const down = new LlmClient(
      testOptions({ provider: 'vllm', vllmUrl: 'http://127.0.0.1:1', ollamaUrl: fallbackUrl }),
    );

    const health = await sut.health();
    const [unreachable] = await down.health();

    expect(health).toEqual([
      expect.objectContaining({
        kind: 'vllm',
        url: faulty.url,
        up: true,
        breaker: 'closed',
        roles: ['chat', 'embedding', 'vision'],
      }),
      expect.objectContaining({ kind: 'ollama', url: fallbackUrl, up: true }),
    ]);
    expect(unreachable).toMatchObject({ up: false, error: expect.any(String) });
  });
});
