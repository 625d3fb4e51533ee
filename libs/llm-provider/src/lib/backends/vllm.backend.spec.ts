import { CircuitBreaker } from '../resilience/circuit-breaker';
import { VllmBackend } from './vllm.backend';

const breaker = () =>
  new CircuitBreaker({ failureThreshold: 5, failureRate: 0.5, windowSize: 20, minCalls: 10, openMs: 1_000 });

describe('VllmBackend chat models', () => {
  const sampling = { maxTokens: 64, temperature: 0.2 };

  it('reuses one model for the same model name, sampling settings and connect timeout', () => {
    const backend = new VllmBackend('http://127.0.0.1:9', breaker());

    const first = backend.chatModel('llama3.2', sampling, 2_000);

    expect(backend.chatModel('llama3.2', { ...sampling }, 2_000)).toBe(first);
    expect(backend.chatModel('llama3.2', { ...sampling, maxTokens: 65 }, 2_000)).not.toBe(first);
    expect(backend.chatModel('llama3.2', { ...sampling, seed: 1 }, 2_000)).not.toBe(first);
    expect(backend.chatModel('llama3.2', { ...sampling, stop: ['END'] }, 2_000)).not.toBe(first);
    expect(backend.chatModel('llama3.2', sampling, 3_000)).not.toBe(first);
    expect(backend.chatModel('other', sampling, 2_000)).not.toBe(first);
    expect(new VllmBackend('http://127.0.0.1:9', breaker()).chatModel('llama3.2', sampling, 2_000)).not.toBe(first);
  });

  it('keeps at most 32 models, dropping the least recently used', () => {
    const backend = new VllmBackend('http://127.0.0.1:9', breaker());
    const first = backend.chatModel('llama3.2', { maxTokens: 0 }, 2_000);
    const second = backend.chatModel('llama3.2', { maxTokens: 1 }, 2_000);
    for (let maxTokens = 2; maxTokens < 32; maxTokens += 1) backend.chatModel('llama3.2', { maxTokens }, 2_000);
    expect(backend.chatModel('llama3.2', { maxTokens: 0 }, 2_000)).toBe(first);

    // A 33rd setting drops the least recently used: the second, since the first was just used.
    backend.chatModel('llama3.2', { maxTokens: 32 }, 2_000);

    expect(backend.chatModel('llama3.2', { maxTokens: 0 }, 2_000)).toBe(first);
    expect(backend.chatModel('llama3.2', { maxTokens: 1 }, 2_000)).not.toBe(second);
  });
});
