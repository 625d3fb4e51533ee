import { z } from 'zod';
import { llmEnvShape, llmOptionsFromEnv } from './llm.options';

describe('llmEnvShape', () => {
  const sut = z.object(llmEnvShape);

  it('reads an empty role provider as unset, so the role follows LLM_PROVIDER', () => {
    const env = sut.parse({
      LLM_PROVIDER: 'ollama',
      LLM_CHAT_PROVIDER: '',
      LLM_EMBEDDING_PROVIDER: '',
      LLM_VISION_PROVIDER: '',
    });

    const options = llmOptionsFromEnv(env);

    expect(options.roles.chat.provider).toBe('ollama');
    expect(options.roles.embedding.provider).toBe('ollama');
    expect(options.roles.vision.provider).toBe('ollama');
  });

  it('still refuses a role provider that is neither vllm nor ollama', () => {
    const result = sut.safeParse({ LLM_CHAT_PROVIDER: 'openai' });

    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toBe('expected vllm or ollama');
  });

  it('reads one URL as a list of one replica, and a replica list that wins over it when both are set', () => {
    const single = llmOptionsFromEnv(sut.parse({ VLLM_URL: 'http://gpu:8000', OLLAMA_URL: 'http://cpu:11434' }));
    const listed = llmOptionsFromEnv(
      sut.parse({
        VLLM_URL: 'http://gpu:8000',
        LLM_VLLM_URLS: ' http://gpu0:8000, http://gpu1:8000 ,',
        LLM_OLLAMA_URLS: 'http://cpu0:11434,http://cpu1:11434',
        LLM_CHAT_URL: 'http://chat:8000',
        LLM_EMBEDDING_URL: 'http://embed:8000',
        LLM_EMBEDDING_URLS: 'http://embed0:8000,http://embed1:8000',
      }),
    );

    expect(single.backends.vllm.urls).toEqual(['http://gpu:8000']);
    expect(single.backends.ollama.urls).toEqual(['http://cpu:11434']);
    expect(single.roles.chat.urls).toBeUndefined();
    expect(listed.backends.vllm.urls).toEqual(['http://gpu0:8000', 'http://gpu1:8000']);
    expect(listed.backends.ollama.urls).toEqual(['http://cpu0:11434', 'http://cpu1:11434']);
    expect(listed.roles.chat.urls).toEqual(['http://chat:8000']);
    expect(listed.roles.embedding.urls).toEqual(['http://embed0:8000', 'http://embed1:8000']);
  });

  it('says what to change in a bad replica list', () => {
    const result = sut.safeParse({
      LLM_VLLM_URLS: 'http://gpu0:8000,gpu1:8000',
      LLM_OLLAMA_URLS: 'http://cpu:11434,http://cpu:11434/',
      LLM_ROUTING: 'random',
      LLM_AFFINITY_MARGIN: '-1',
    });

    expect(result.error?.issues.map((issue) => [issue.path[0], issue.message])).toEqual([
      ['LLM_VLLM_URLS', 'expected comma-separated http:// or https:// URLs'],
      ['LLM_OLLAMA_URLS', 'expected each URL once (a replica listed twice would get twice the traffic)'],
      ['LLM_ROUTING', 'expected least-loaded or round-robin'],
      ['LLM_AFFINITY_MARGIN', 'expected a number of requests, 0 or more'],
    ]);
  });

  it('reads the routing policy, least loaded by default', () => {
    expect(llmOptionsFromEnv(sut.parse({})).routing).toEqual({
      strategy: 'least-loaded',
      scrapeIntervalMs: 1_000,
      affinityMargin: 4,
    });
    expect(
      llmOptionsFromEnv(
        sut.parse({ LLM_ROUTING: 'round-robin', LLM_ROUTING_SCRAPE_INTERVAL_MS: '500', LLM_AFFINITY_MARGIN: '0' }),
      ).routing,
    ).toEqual({ strategy: 'round-robin', scrapeIntervalMs: 500, affinityMargin: 0 });
  });

  it('reads the embedding slots per use, with defaults, and refuses a concurrency below 1', () => {
    expect(llmOptionsFromEnv(sut.parse({})).embeddingLimits).toEqual({
      interactive: { concurrency: 8, maxWaiting: 256 },
      bulk: { concurrency: 8, maxWaiting: 64 },
    });
    expect(
      llmOptionsFromEnv(
        sut.parse({
          LLM_EMBEDDING_CONCURRENCY: '4',
          LLM_EMBEDDING_MAX_WAITING: '0',
          LLM_EMBEDDING_BULK_CONCURRENCY: '1',
          LLM_EMBEDDING_BULK_MAX_WAITING: '10',
        }),
      ).embeddingLimits,
    ).toEqual({ interactive: { concurrency: 4, maxWaiting: 0 }, bulk: { concurrency: 1, maxWaiting: 10 } });
    const refused = sut.safeParse({ LLM_EMBEDDING_BULK_CONCURRENCY: '0' });
    expect(refused.error?.issues.map((issue) => [issue.path[0], issue.message])).toEqual([
      ['LLM_EMBEDDING_BULK_CONCURRENCY', 'expected a whole number, 1 or more'],
    ]);
  });
});
