import { AdaptiveLimit } from './adaptive-limit';
import type { ReplicaLoad } from './replica-loads';

const vllm = (waiting: number): ReplicaLoad[] => [
  { url: 'http://vllm:8000', backend: 'vllm', up: true, load: { running: 64, waiting, kvCacheUsage: 0.5 } },
];
const ollama: ReplicaLoad[] = [{ url: 'http://ollama:11434', backend: 'ollama', up: true }];

describe('AdaptiveLimit', () => {
  it('learns a new engine afresh when another one serves chat (a fallback taking over), and back', () => {
    const adaptive = new AdaptiveLimit({ min: 2, max: 256 });
    adaptive.step(64, { backlog: 100, inFlight: 64, overloads: 0, replicaLoads: vllm(20) });
    // An engine queue above the target: the controller learnt vLLM's ceiling.
    expect(adaptive.state(64)['engineCeiling']).toBe(64);

    const toOllama = adaptive.step(64, { backlog: 100, inFlight: 64, overloads: 0, ttftMs: 900, replicaLoads: ollama });
    expect(toOllama).toEqual({
      limit: 2,
      reason: expect.stringMatching(/^another engine serves chat/),
      slowStart: true,
    });
    expect(adaptive.state(2)).toMatchObject({
      engineCeiling: '',
      bestTtftMs: '',
      slowStart: 1,
      serving: 'ollama',
    });

    // The same engine again: no relearning, the ordinary arithmetic decides.
    const next = adaptive.step(2, { backlog: 100, inFlight: 2, overloads: 0, ttftMs: 900, replicaLoads: ollama });
    expect(next.reason).not.toMatch(/another engine/);

    const back = adaptive.step(next.limit, { backlog: 100, inFlight: 2, overloads: 0, replicaLoads: vllm(0) });
    expect(back.limit).toBe(2);
    expect(back.reason).toMatch(/^another engine serves chat/);
  });

  it('keeps what it learnt while the same replicas serve, one of them down or not', () => {
    const adaptive = new AdaptiveLimit({ min: 2, max: 256 });
    const two = (upSecond: boolean): ReplicaLoad[] => [
      { url: 'http://vllm-0:8000', backend: 'vllm', up: true, load: { running: 64, waiting: 20 } },
      {
        url: 'http://vllm-1:8000',
        backend: 'vllm',
        up: upSecond,
        load: upSecond ? { running: 64, waiting: 20 } : undefined,
      },
    ];
    adaptive.step(128, { backlog: 100, inFlight: 128, overloads: 0, replicaLoads: two(true) });
    const oneDown = adaptive.step(128, { backlog: 100, inFlight: 128, overloads: 0, replicaLoads: two(false) });
    expect(oneDown.reason).not.toMatch(/another engine/);
    expect(adaptive.state(oneDown.limit)['serving']).toBe('vllm');
  });

  it('a new leader takes over the engine it served, so it does not relearn the same one', () => {
    const first = new AdaptiveLimit({ min: 2, max: 256 });
    first.step(64, { backlog: 100, inFlight: 64, overloads: 0, replicaLoads: vllm(20) });
    const state = Object.fromEntries(Object.entries(first.state(64)).map(([key, value]) => [key, String(value)]));
    const next = new AdaptiveLimit({ min: 2, max: 256 });
    next.restore(state);
    expect(next.step(64, { backlog: 100, inFlight: 64, overloads: 0, replicaLoads: vllm(20) }).reason).not.toMatch(
      /another engine/,
    );
  });
});
