import { testOptions } from '../testing-options';
import { BackendRegistry } from './backend-registry';

describe(BackendRegistry.name, () => {
  it('chains each role primary first, with the model named for each backend', () => {
    const sut = new BackendRegistry(
      testOptions({ provider: 'vllm', fallback: 'ollama', vllmUrl: 'http://gpu:8000', ollamaUrl: 'http://cpu:11434' }),
    );

    expect(
      sut.chain('chat').map((link) => [link.pool.kind, link.pool.replicas.map((replica) => replica.url), link.model]),
    ).toEqual([
      ['vllm', ['http://gpu:8000'], 'meta-llama/Llama-3.2-3B-Instruct'],
      ['ollama', ['http://cpu:11434'], 'llama3.2'],
    ]);
    expect(sut.primary('chat').kind).toBe('vllm');
    expect(sut.linkFor('chat', 'ollama')?.pool.replicas[0].url).toBe('http://cpu:11434');
  });

  it('gives roles that share a server one backend and one breaker; a role URL is a server of its own', () => {
    const options = testOptions({ provider: 'vllm', vllmUrl: 'http://gpu:8000', ollamaUrl: 'http://cpu:11434' });
    const changes: string[] = [];
    const sut = new BackendRegistry(
      {
        ...options,
        roles: { ...options.roles, embedding: { ...options.roles.embedding, urls: ['http://embed:8001'] } },
      },
      (backend, state) => changes.push(`${backend} ${state}`),
    );

    expect(sut.primary('chat').replicas[0]).toBe(sut.primary('vision').replicas[0]);
    expect(sut.primary('embedding').replicas[0]).not.toBe(sut.primary('chat').replicas[0]);
    expect(sut.all().map(({ replica, roles }) => [replica.url, roles])).toEqual([
      ['http://gpu:8000', ['chat', 'vision']],
      ['http://embed:8001', ['embedding']],
    ]);
    expect(changes).toEqual(['vllm http://gpu:8000 closed', 'vllm http://embed:8001 closed']);
  });

  it('has no fallback when it is the provider itself', () => {
    const sut = new BackendRegistry(
      testOptions({
        provider: 'ollama',
        fallback: 'ollama',
        vllmUrl: 'http://gpu:8000',
        ollamaUrl: 'http://cpu:11434',
      }),
    );

    expect(sut.chain('chat')).toHaveLength(1);
  });
});

describe(`${BackendRegistry.name} with replicas`, () => {
  it('gives each replica its own breaker, and a role its own replica list for its provider only', () => {
    const options = testOptions({
      provider: 'vllm',
      fallback: 'ollama',
      vllmUrl: ['http://gpu0:8000', 'http://gpu1:8000'],
      ollamaUrl: ['http://cpu0:11434', 'http://cpu1:11434'],
    });
    const changes: string[] = [];
    const sut = new BackendRegistry(
      {
        ...options,
        roles: { ...options.roles, embedding: { ...options.roles.embedding, urls: ['http://embed:8001'] } },
      },
      (backend, state) => changes.push(`${backend} ${state}`),
    );

    const [vllm, ollama] = sut.chain('chat');
    expect(vllm.pool.replicas.map((replica) => replica.url)).toEqual(['http://gpu0:8000', 'http://gpu1:8000']);
    expect(vllm.pool.replicas[0].backend.breaker).not.toBe(vllm.pool.replicas[1].backend.breaker);
    expect(ollama.pool.replicas.map((replica) => replica.url)).toEqual(['http://cpu0:11434', 'http://cpu1:11434']);
    // The embedding role's own URL replaces its provider's replicas; its fallback keeps Ollama's.
    expect(sut.chain('embedding').map((link) => link.pool.replicas.map((replica) => replica.url))).toEqual([
      ['http://embed:8001'],
      ['http://cpu0:11434', 'http://cpu1:11434'],
    ]);
    // Chat and embedding share the Ollama replicas: one replica (one breaker, one in-flight count) each.
    expect(sut.chain('embedding')[1].pool.replicas[0]).toBe(ollama.pool.replicas[0]);
    expect(changes).toHaveLength(5);
    expect(sut.replicaAt('vllm', 'http://gpu1:8000')).toBe(vllm.pool.replicas[1]);
  });
});
