import { VllmMetrics } from '../../metrics/vllm-metrics';
import type { GenerationRequest } from '../engine.types';
import { SIM_PROFILES } from './sim-profiles';
import { SimEngine } from './sim-engine';

const manualEngine = (overrides: Partial<ConstructorParameters<typeof SimEngine>[0]> = {}) =>
  new SimEngine({ profile: SIM_PROFILES.fast, policy: 'fcfs', timeScale: 1, autoRun: false, ...overrides });

const ask = (text: string, extra: Partial<GenerationRequest> = {}): GenerationRequest => ({
  input: { kind: 'chat', messages: [{ role: 'user', content: text }] },
  signal: new AbortController().signal,
  ...extra,
});

function runUntilIdle(engine: SimEngine): void {
  while (engine.runStep());
}

/** A system prompt of `words` tokens: with its 4 template tokens and the user's 3 header tokens, 7 more are shared. */
const systemPrompt = (words: number, word = 'budget') => Array.from({ length: words }, () => word).join(' ');
const withSystem = (system: string, question: string, extra: Partial<GenerationRequest> = {}): GenerationRequest => ({
  input: {
    kind: 'chat',
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: question },
    ],
  },
  maxTokens: 2,
  signal: new AbortController().signal,
  ...extra,
});

async function gauge(metrics: VllmMetrics, name: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values[0]?.value ?? Number.NaN;
}

describe(SimEngine.name, () => {
  it('writes the same readable text for the same request, max_tokens tokens long', async () => {
    const sut = manualEngine();
    const first = sut.generate(ask('What is a DRO?', { maxTokens: 12, seed: 3 }));
    const second = sut.generate(ask('What is a DRO?', { maxTokens: 12, seed: 3 }));
    runUntilIdle(sut);

    const [a, b] = await Promise.all([first, second]);

    expect(a.text).toBe(b.text);
    expect(a.text).toMatch(/^[A-Z][a-z]+( [a-z]+){11}$/);
    expect(a).toMatchObject({ completionTokens: 12, finishReason: 'length' });
    expect(a.promptTokens).toBe(5 + 4);
  });

  it('reports timings from its own clock: queue, first token and total', async () => {
    const sut = manualEngine({ maxNumSeqs: 1 });
    const first = sut.generate(ask('one', { maxTokens: 2 }));
    const second = sut.generate(ask('two', { maxTokens: 2 }));
    runUntilIdle(sut);

    const [a, b] = await Promise.all([first, second]);

    expect(a.queueMs).toBe(0);
    expect(b.queueMs).toBeCloseTo(a.totalMs, 6);
    expect(a.firstTokenMs).toBeLessThan(a.totalMs);
  });

  it('shows exactly the scheduler state in the vLLM gauges', async () => {
    const sut = manualEngine({ maxNumSeqs: 2 });
    const metrics = new VllmMetrics(sut, 'llama3.2');
    const requests = [1, 2, 3, 4, 5].map((i) => sut.generate(ask(`question ${i}`, { maxTokens: 3 })));

    sut.runStep();

    expect(await gauge(metrics, 'vllm:num_requests_running')).toBe(sut.load().running);
    expect(await gauge(metrics, 'vllm:num_requests_waiting')).toBe(sut.load().waiting);
    expect(await gauge(metrics, 'vllm:kv_cache_usage_perc')).toBe(sut.load().kvCacheUsage);
    expect(sut.load()).toMatchObject({ running: 2, waiting: 3 });
    runUntilIdle(sut);
    await Promise.all(requests);
    expect(await gauge(metrics, 'vllm:num_requests_running')).toBe(0);
  });

  it('gives structured output that parses and stops on its own', async () => {
    const sut = manualEngine();
    const schema = { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] };
    const result = sut.generate(ask('amount?', { format: { kind: 'json-schema', schema }, maxTokens: 200 }));
    runUntilIdle(sut);

    const { text, finishReason } = await result;

    expect(JSON.parse(text)).toEqual({ amount: expect.any(Number) });
    expect(finishReason).toBe('stop');
  });

  it('ends at a stop string and streams nothing past it', async () => {
    const sut = manualEngine();
    const streamed: string[] = [];
    const result = sut.generate(
      ask('x', {
        format: { kind: 'json-schema', schema: { const: 'pay the rent first' } },
        stop: ['rent'],
        onText: (t) => streamed.push(t),
      }),
    );
    runUntilIdle(sut);

    expect(await result).toMatchObject({ text: '"pay the ', finishReason: 'stop' });
    expect(streamed.join('')).toBe('"pay the ');
  });

  it('frees the slot of a cancelled request and rejects it', async () => {
    const sut = manualEngine();
    const controller = new AbortController();
    const result = sut.generate(ask('long', { maxTokens: 100, signal: controller.signal }));
    sut.runStep();

    controller.abort();

    await expect(result).rejects.toMatchObject({ code: 'aborted' });
    expect(sut.load()).toEqual({ running: 0, waiting: 0, kvCacheUsage: 0 });
  });

  it('refuses a priority unless it schedules by priority, as vLLM does', async () => {
    await expect(manualEngine().generate(ask('x', { priority: 1 }))).rejects.toMatchObject({ code: 'bad_request' });
    const sut = manualEngine({ policy: 'priority' });
    const accepted = sut.generate(ask('x', { priority: 1, maxTokens: 1 }));
    runUntilIdle(sut);
    await expect(accepted).resolves.toMatchObject({ completionTokens: 1 });
  });

  it('runs by itself on the wall clock, scaled', async () => {
    const sut = new SimEngine({ profile: SIM_PROFILES.fast, policy: 'fcfs', timeScale: 0.01 });

    const result = await sut.generate(ask('hello', { maxTokens: 20 }));

    expect(result.completionTokens).toBe(20);
    expect(sut.load().running).toBe(0);
  });

  it('skips the prefill of a shared system prompt, and counts vLLM prefix-cache metrics in tokens', async () => {
    const sut = manualEngine({ profile: { ...SIM_PROFILES.fast, prefillPerTokenMs: 0.5 } });
    const metrics = new VllmMetrics(sut, 'llama3.2');
    const shared = systemPrompt(121); // 121 + 4 + 3 = 128 shared tokens: 8 full blocks
    const ask = async (request: GenerationRequest) => {
      const result = sut.generate(request);
      runUntilIdle(sut);
      return result;
    };

    const first = await ask(withSystem(shared, 'What is a DRO?'));
    expect(await gauge(metrics, 'vllm:prefix_cache_queries_total')).toBe(first.promptTokens);
    const second = await ask(withSystem(shared, 'Who can get one?'));
    const other = await ask(withSystem(systemPrompt(121, 'letter'), 'What is a DRO?'));

    // The first token's step computes the prompt: the cached 128 tokens are 64 ms less of it.
    expect((first.firstTokenMs as number) - (second.firstTokenMs as number)).toBeCloseTo(0.5 * 128, 6);
    expect(other.firstTokenMs).toBeCloseTo(first.firstTokenMs as number, 6);
    expect(await gauge(metrics, 'vllm:prefix_cache_queries_total')).toBe(
      first.promptTokens + second.promptTokens + other.promptTokens,
    );
    expect(await gauge(metrics, 'vllm:prefix_cache_hits_total')).toBe(128);
    expect(await gauge(metrics, 'vllm:kv_cache_usage_perc')).toBe(0);
  });

  it('reports its cache settings as vLLM cache_config_info, and no lookups with prefix caching off', async () => {
    const sut = manualEngine({ prefixCaching: false });
    const metrics = new VllmMetrics(sut, 'llama3.2');
    const results = [
      sut.generate(withSystem(systemPrompt(121), 'a')),
      sut.generate(withSystem(systemPrompt(121), 'b')),
    ];
    runUntilIdle(sut);
    await Promise.all(results);

    const info = await metrics.registry.getSingleMetric('vllm:cache_config_info')?.get();

    expect(info?.values[0]).toMatchObject({
      value: 1,
      labels: { block_size: '16', enable_prefix_caching: 'False', num_gpu_blocks: '256' },
    });
    expect(await gauge(metrics, 'vllm:prefix_cache_queries_total')).toBe(0);
    expect(await gauge(metrics, 'vllm:prefix_cache_hits_total')).toBe(0);
  });

  it('takes twice the simulated time at half speed, and says so', async () => {
    const timed = async (speed: number) => {
      const sut = manualEngine({ speed });
      const result = sut.generate(ask('How long does a DRO last?', { maxTokens: 20 }));
      runUntilIdle(sut);
      return { result: await result, simulation: sut.simulation };
    };

    const full = await timed(1);
    const half = await timed(0.5);

    expect(half.result.totalMs).toBeCloseTo(2 * full.result.totalMs, 9);
    expect(half.result.firstTokenMs).toBeCloseTo(2 * (full.result.firstTokenMs as number), 9);
    expect(half.simulation).toMatchObject({ speed: 0.5 });
  });
});
