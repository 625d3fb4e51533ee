import { testOptions } from '../testing-options';
import { BackendRegistry } from './backend-registry';

describe(BackendRegistry.name, () => {
  it('chains each role primary first, with the model named for each backend', () => {
    const sut = new BackendRegistry(
      testOptions({ provider: 'vllm', fallback: 'ollama', vllmUrl: 'http://gpu:8000', ollamaUrl: 'http://cpu:11434' }),
    );

    expect(sut.chain('chat').map((link) => [link.backend.kind, link.backend.url, link.model])).toEqual([
      ['vllm', 'http://gpu:8000', 'meta-llama/Llama-3.2-3B-Instruct'],
      ['ollama', 'http://cpu:11434', 'llama3.2'],
    ]);
    expect(sut.primary('chat').kind).toBe('vllm');
    expect(sut.backendFor('chat', 'ollama')?.url).toBe('http://cpu:11434');
  });

  it('gives roles that share a server one backend and one breaker; a role URL is a server of its own', () => {
    const options = testOptions({ provider: 'vllm', vllmUrl: 'http://gpu:8000', ollamaUrl: 'http://cpu:11434' });
    const changes: string[] = [];
    const sut = new BackendRegistry(
      { ...options, roles: { ...options.roles, embedding: { ...options.roles.embedding, url: 'http://embed:8001' } } },
      (backend, state) => changes.push(`${backend} ${state}`),
    );

    expect(sut.primary('chat')).toBe(sut.primary('vision'));
    expect(sut.primary('embedding')).not.toBe(sut.primary('chat'));
    expect(sut.all().map(({ backend, roles }) => [backend.url, roles])).toEqual([
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
