import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { metricValue, startLocalLlm, StartedServer } from '@rma/testing';

const MODEL = 'llama3.2';
// 121 tokens; with the system message's 4 template tokens and the user header's 3, 128 shared: 8 blocks of 16.
const SYSTEM = Array.from({ length: 121 }, () => 'creditor').join(' ');

const ask = (server: StartedServer, question: string) =>
  new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 }).chat.completions.create({
    model: MODEL,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: question },
    ],
    max_tokens: 4,
  });

async function cacheConfig(server: StartedServer): Promise<string> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return text.split('\n').find((line) => line.startsWith('vllm:cache_config_info{')) ?? '';
}

/** One Ollama chat's simulated duration (ns): the same request on an idle engine takes the same steps. */
async function simulatedNanoseconds(server: StartedServer, question: string): Promise<number> {
  const response = await new Ollama({ host: server.url }).chat({
    model: MODEL,
    messages: [{ role: 'user', content: question }],
    options: { num_predict: 16 },
    stream: false,
  });
  return response.total_duration;
}

describe('local-llm --engine sim as replicas: prefix caching and --speed over HTTP', () => {
  let cached: StartedServer;
  let slowUncached: StartedServer;
  let detailed: StartedServer;

  beforeAll(async () => {
    [cached, slowUncached, detailed] = await Promise.all([
      startLocalLlm(['--engine', 'sim', '--profile', 'fast']),
      startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--no-enable-prefix-caching', '--speed', '0.5']),
      startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--enable-prompt-tokens-details']),
    ]);
  });
  afterAll(async () => {
    await Promise.all([cached?.stop(), slowUncached?.stop(), detailed?.stop()]);
  });

  it('counts a shared system prompt as prefix-cache hits in tokens, as vLLM does by default', async () => {
    const first = await ask(cached, 'What is a Debt Relief Order?');
    const second = await ask(cached, 'Who can apply?');

    expect(await metricValue(cached.url, 'vllm:prefix_cache_queries_total')).toBe(
      (first.usage?.prompt_tokens ?? 0) + (second.usage?.prompt_tokens ?? 0),
    );
    expect(await metricValue(cached.url, 'vllm:prefix_cache_hits_total')).toBe(128);
    // As vLLM, usage says nothing of the hit without --enable-prompt-tokens-details.
    expect(second.usage?.prompt_tokens_details).toBeNull();
    expect(await cacheConfig(cached)).toBe(
      'vllm:cache_config_info{block_size="16",enable_prefix_caching="True",num_gpu_blocks="256"} 1',
    );
  });

  it('counts nothing with --no-enable-prefix-caching, and runs at half speed in simulated time', async () => {
    await ask(slowUncached, 'What is a Debt Relief Order?');
    await ask(slowUncached, 'Who can apply?');

    expect(await metricValue(slowUncached.url, 'vllm:prefix_cache_queries_total')).toBe(0);
    expect(await metricValue(slowUncached.url, 'vllm:prefix_cache_hits_total')).toBe(0);
    expect(await cacheConfig(slowUncached)).toContain('enable_prefix_caching="False"');
    expect(await metricValue(slowUncached.url, 'local_llm_simulation_speed')).toBe(0.5);

    const [full, half] = await Promise.all([
      simulatedNanoseconds(cached, 'How long does a DRO last?'),
      simulatedNanoseconds(slowUncached, 'How long does a DRO last?'),
    ]);

    expect(half / full).toBeCloseTo(2, 3);
  });

  it('reports the cached prompt tokens in usage with --enable-prompt-tokens-details, streamed or not', async () => {
    const first = await ask(detailed, 'What is a Debt Relief Order?');
    const second = await ask(detailed, 'Who can apply?');
    const stream = await new OpenAI({
      baseURL: `${detailed.url}/v1`,
      apiKey: 'unused',
      maxRetries: 0,
    }).chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: 'And how long does it last?' },
      ],
      max_tokens: 4,
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) streamed = chunk.usage ?? streamed;

    expect(first.usage?.prompt_tokens_details).toBeNull();
    expect(second.usage?.prompt_tokens_details).toEqual({ cached_tokens: 128 });
    expect(streamed?.prompt_tokens_details).toEqual({ cached_tokens: 128 });
  });
});
