import { Registry } from 'prom-client';
import type { BackendChains, ChainLink } from '../backends/backend-registry';
import type { LlmBackend } from '../backends/llm-backend';
import { Replica } from '../backends/replica';
import { LlmBadRequestError, LlmTimeoutError, LlmUnavailableError } from '../llm.errors';
import { LlmMetrics } from '../llm-metrics';
import type { BackendKind } from '../llm.options';
import { ReplicaRouter } from '../routing/replica-router';
import { routingPolicyFrom } from '../routing/routing-policy';
import { testOptions } from '../testing-options';
import { callPolicyFrom } from './call-policy';
import { Attempt, CallRunner } from './call-runner';
import { CircuitBreaker } from './circuit-breaker';

// The runner's policy on backends that are only a kind, a URL and a breaker: what each attempt does is
// the test's `call`, so no server is involved (the int specs run the same paths against local-llm).
const options = testOptions({
  provider: 'vllm',
  fallback: 'ollama',
  vllmUrl: 'http://gpu:8000',
  ollamaUrl: 'http://cpu:11434',
  retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
  breaker: { failureThreshold: 2 },
  timeouts: { totalMs: 200 },
});

function backend(kind: BackendKind, url: string, alive = true): LlmBackend {
  return {
    kind,
    url,
    breaker: new CircuitBreaker(options.breaker),
    ref: (model?: string) => ({ kind, url, model }),
    probe: async () => {
      if (!alive) throw new Error('no answer');
    },
  } as unknown as LlmBackend;
}

function link(kind: BackendKind, urls: string[], model: string, alive = true): ChainLink {
  return { pool: { kind, replicas: urls.map((url) => new Replica(backend(kind, url, alive))) }, model };
}

function runner(primaryAlive = true, primaryUrls = ['http://gpu:8000']) {
  const chain: ChainLink[] = [
    link('vllm', primaryUrls, 'big', primaryAlive),
    link('ollama', ['http://cpu:11434'], 'small'),
  ];
  const chains: BackendChains = { chain: () => chain };
  const registry = new Registry();
  const metrics = new LlmMetrics(registry);
  // No engine readings: the router weighs in-flight counts (the router's spec covers the gauges).
  const router = new ReplicaRouter(
    routingPolicyFrom({ strategy: 'round-robin' }),
    { loadOf: () => undefined, touch: () => undefined },
    (replica, reason) => metrics.routeDecisions.inc({ backend: replica.kind, replica: replica.url, reason }),
  );
  const sut = new CallRunner(callPolicyFrom(options), chains, router, metrics);
  const count = async (name: string, labels: Record<string, string> = {}) =>
    ((await registry.getSingleMetric(name)?.get())?.values ?? [])
      .filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted))
      .reduce((sum, value) => sum + value.value, 0);
  const primary = (index = 0) => chain[0].pool.replicas[index];
  return { sut, chain, count, primary };
}

const unavailable = (attempt: Attempt) =>
  new LlmUnavailableError('503', { backend: attempt.backend.ref(), status: 503 });

describe(CallRunner.name, () => {
  it('retries a retryable failure on the same backend and returns what the retry gave', async () => {
    const { sut, count } = runner();
    const seen: string[] = [];

    const result = await sut.run({ role: 'chat', kind: 'chat' }, async (attempt) => {
      seen.push(attempt.model);
      if (seen.length === 1) throw unavailable(attempt);
      return 'answer';
    });

    expect(result).toMatchObject({
      value: 'answer',
      servedBy: { kind: 'vllm', url: 'http://gpu:8000', model: 'big', fallback: false },
    });
    expect(seen).toEqual(['big', 'big']);
    expect(await count('llm_retries_total')).toBe(1);
  });

  it('falls back once the attempts on the primary are spent', async () => {
    const { sut, count } = runner();

    const result = await sut.run({ role: 'chat', kind: 'chat' }, async (attempt) => {
      if (attempt.backend.kind === 'vllm') throw unavailable(attempt);
      return attempt.model;
    });

    expect(result.servedBy).toMatchObject({ kind: 'ollama', fallback: true });
    expect(await count('llm_fallbacks_total')).toBe(1);
    expect(await count('llm_errors_total')).toBe(2);
  });

  it('passes a bad request straight to the caller: no retry, no fallback, the breaker counts a success', async () => {
    const { sut, primary } = runner();
    let calls = 0;

    const failure = sut.run({ role: 'chat', kind: 'chat' }, async (attempt) => {
      calls += 1;
      throw new LlmBadRequestError('temperature out of range', { backend: attempt.backend.ref(), status: 400 });
    });

    await expect(failure).rejects.toBeInstanceOf(LlmBadRequestError);
    expect(calls).toBe(1);
    expect(primary().backend.breaker.state).toBe('closed');
  });

  it('skips a backend whose breaker is open, without calling it', async () => {
    const { sut, primary } = runner();
    primary().backend.breaker.recordFailure();
    primary().backend.breaker.recordFailure();
    const called: string[] = [];

    const result = await sut.run({ role: 'chat', kind: 'chat' }, async (attempt) => {
      called.push(attempt.backend.kind);
      return 'ok';
    });

    expect(called).toEqual(['ollama']);
    expect(result.servedBy.fallback).toBe(true);
  });

  it('ends at the total time without another attempt or the fallback', async () => {
    const { sut } = runner();
    const called: string[] = [];

    const failure = sut.run({ role: 'chat', kind: 'chat' }, (attempt) => {
      called.push(attempt.backend.kind);
      return new Promise((_, reject) => attempt.signal.addEventListener('abort', () => reject(attempt.signal.reason)));
    });

    await expect(failure).rejects.toMatchObject({ phase: 'total', timeoutMs: 200 });
    await expect(failure).rejects.toBeInstanceOf(LlmTimeoutError);
    expect(called).toEqual(['vllm']);
  });

  // The int spec shows the busy side on a real server; a server that takes requests and answers nothing,
  // not even its health route, is faked here (local-llm cannot be frozen from a test).
  it.each([
    [true, 'closed'],
    [false, 'open'],
  ])(
    'counts first-token timeouts against the breaker only when the server misses its probe (answers: %s)',
    async (alive, state) => {
      const { sut, primary } = runner(alive);
      const timeOut = async (attempt: Attempt) => {
        if (attempt.backend.kind === 'ollama') return 'fallback';
        throw new LlmTimeoutError('first_token', 300, { backend: attempt.backend.ref() });
      };

      const first = await sut.run({ role: 'chat', kind: 'stream' }, timeOut);
      await sut.run({ role: 'chat', kind: 'stream' }, timeOut);

      expect(first.servedBy.kind).toBe('ollama');
      expect(primary().backend.breaker.state).toBe(state);
    },
  );

  it('moves a call that failed on one replica to another at once, without a retry or the fallback', async () => {
    const { sut, count, primary } = runner(true, ['http://gpu0:8000', 'http://gpu1:8000', 'http://gpu2:8000']);
    const seen: string[] = [];

    const result = await sut.run({ role: 'chat', kind: 'chat' }, async (attempt) => {
      seen.push(attempt.backend.url);
      if (seen.length < 3) throw unavailable(attempt);
      return 'answer';
    });

    expect(new Set(seen).size).toBe(3);
    expect(result.servedBy).toMatchObject({ kind: 'vllm', url: seen[2], fallback: false });
    expect(await count('llm_retries_total')).toBe(0);
    expect(await count('llm_route_decisions_total', { reason: 'failover' })).toBe(2);
    expect([0, 1, 2].map((index) => primary(index).inFlight)).toEqual([0, 0, 0]);
  });

  it('retries with backoff only once every healthy replica failed, within the same attempts, then falls back', async () => {
    const { sut, count } = runner(true, ['http://gpu0:8000', 'http://gpu1:8000']);
    const seen: string[] = [];

    const result = await sut.run({ role: 'chat', kind: 'chat' }, async (attempt) => {
      seen.push(attempt.backend.kind);
      if (attempt.backend.kind === 'vllm') throw unavailable(attempt);
      return 'answer';
    });

    // Two replicas once each, one retry (maxAttempts 2), then Ollama: no retries per replica on top.
    expect(seen).toEqual(['vllm', 'vllm', 'vllm', 'ollama']);
    expect(await count('llm_retries_total')).toBe(1);
    expect(await count('llm_route_decisions_total', { reason: 'retry' })).toBe(1);
    expect(result.servedBy).toMatchObject({ kind: 'ollama', fallback: true });
  });

  it('skips a replica whose breaker is open and serves from the others', async () => {
    const { sut, primary } = runner(true, ['http://gpu0:8000', 'http://gpu1:8000']);
    primary(0).backend.breaker.recordFailure();
    primary(0).backend.breaker.recordFailure();

    const served = await Promise.all(
      Array.from({ length: 4 }, () => sut.run({ role: 'chat', kind: 'chat' }, async () => 'ok')),
    );

    expect(served.map((result) => result.servedBy.url)).toEqual(Array(4).fill('http://gpu1:8000'));
  });

  it("holds a stream's replica until its caller ends it", async () => {
    const { sut, primary } = runner();

    const { end } = await sut.run({ role: 'chat', kind: 'stream' }, async () => 'first token');

    expect(primary().inFlight).toBe(1);
    end();
    expect(primary().inFlight).toBe(0);
  });

  it('counts a stream broken after its first token against the replica that served it, and no other', async () => {
    const { sut, primary } = runner(true, ['http://gpu0:8000', 'http://gpu1:8000']);
    const { servedBy, replica, end } = await sut.run({ role: 'chat', kind: 'stream' }, async () => 'first token');
    end();
    const total = sut.totalTimer('chat', undefined);

    for (let failure = 0; failure < 2; failure += 1) {
      const broken = new LlmUnavailableError('connection reset', { backend: servedBy });
      await expect(sut.streamFailure(broken, { role: 'chat', servedBy, replica, total })).resolves.toBe(broken);
    }
    total.dispose();

    const other = replica === primary(0) ? primary(1) : primary(0);
    expect(replica.backend.breaker.state).toBe('open');
    expect(other.backend.breaker.state).toBe('closed');
  });

  it('reads a frozen policy', () => {
    const policy = callPolicyFrom(options);

    expect(Object.isFrozen(policy.attempts)).toBe(true);
    expect(Object.isFrozen(policy.timeouts.chat)).toBe(true);
    expect(() => ((policy.attempts as { maxAttempts: number }).maxAttempts = 9)).toThrow(TypeError);
  });
});
