import { z } from 'zod';
import { BackendKind, llmEnvShape, llmOptionsFromEnv } from '../llm.options';
import {
  checkShares,
  formatTrafficSplit,
  parseTrafficSplit,
  TrafficSplitError,
  TrafficSplitter,
} from './traffic-split';

const chain: BackendKind[] = ['ollama', 'vllm'];
const kindOf = (kind: BackendKind) => kind;

/** Which backend each of `calls` calls would try first. */
function firsts(splitter: TrafficSplitter, calls: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < calls; i += 1) {
    const first = splitter.order('chat', chain, kindOf)[0];
    counts[first] = (counts[first] ?? 0) + 1;
  }
  return counts;
}

describe(parseTrafficSplit.name, () => {
  it('reads roles separated by ; and backends by ,', () => {
    const split = parseTrafficSplit('chat:vllm=10,ollama=90; vision:ollama=100');

    expect(split).toEqual({ chat: { vllm: 10, ollama: 90 }, vision: { ollama: 100 } });
    expect(formatTrafficSplit(split)).toBe('chat:vllm=10,ollama=90;vision:ollama=100');
    expect(parseTrafficSplit('')).toEqual({});
  });

  it.each([
    ['chat:vllm=10,ollama=80', 'chat: the shares add up to 90, expected 100'],
    ['chat:vllm=10,llamacpp=90', 'chat: unknown backend "llamacpp": expected vllm or ollama'],
    ['speech:vllm=100', 'unknown role "speech": expected one of chat, embedding, vision'],
    ['chat:vllm=ten', 'chat: "vllm=ten": expected backend=share, e.g. vllm=10'],
    ['chat:vllm=150', "chat: vllm's share must be a whole percentage from 0 to 100"],
    ['chat:vllm=50,vllm=50', 'chat: vllm given twice'],
    ['vllm=100', '"vllm=100": expected role:backend=share,backend=share'],
  ])('refuses %s: %s', (text, message) => {
    expect(() => parseTrafficSplit(text)).toThrow(new TrafficSplitError(message));
  });

  it("quotes an unknown backend only when it is shaped like one: a body's keys can carry anything", () => {
    expect(() => checkShares('chat', { llamacpp: 100 })).toThrow(
      new TrafficSplitError('chat: unknown backend "llamacpp": expected vllm or ollama'),
    );
    expect(() => checkShares('chat', { 'Ms Patel owes £1,200': 100 })).toThrow(
      new TrafficSplitError('chat: unknown backend: expected vllm or ollama'),
    );
  });
});

describe('LLM_TRAFFIC_SPLIT', () => {
  const schema = z.object(llmEnvShape);

  it('is the default split of the options; empty means none', () => {
    expect(llmOptionsFromEnv(schema.parse({ LLM_TRAFFIC_SPLIT: 'chat:vllm=10,ollama=90' })).trafficSplit).toEqual({
      chat: { vllm: 10, ollama: 90 },
    });
    expect(llmOptionsFromEnv(schema.parse({ LLM_TRAFFIC_SPLIT: '' })).trafficSplit).toEqual({});
  });

  it('refuses a bad split at boot with what to change', () => {
    const result = schema.safeParse({ LLM_TRAFFIC_SPLIT: 'chat:vllm=10,ollama=80' });

    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: ['LLM_TRAFFIC_SPLIT'],
        message: 'chat: the shares add up to 90, expected 100 (e.g. LLM_TRAFFIC_SPLIT=chat:vllm=10,ollama=90)',
      }),
    ]);
  });
});

describe(checkShares.name, () => {
  it('refuses a share for a backend the role does not have, saying how to add it', () => {
    expect(() => checkShares('chat', { vllm: 10, ollama: 90 }, ['ollama'])).toThrow(
      'chat: no vllm backend is configured for it here (it has ollama); set LLM_CHAT_FALLBACK=vllm or name it in LLM_TRAFFIC_SPLIT',
    );
    // At 0 it gets nothing, so it need not exist.
    expect(checkShares('chat', { vllm: 0, ollama: 100 }, ['ollama'])).toEqual({ vllm: 0, ollama: 100 });
    expect(() => checkShares('chat', 'vllm=100')).toThrow('chat: expected an object of backend shares');
    expect(() => checkShares('chat', { vllm: 10.5, ollama: 89.5 })).toThrow('whole percentage');
  });
});

describe(TrafficSplitter.name, () => {
  it('sends each backend exactly its share of calls, spread evenly, with the other as its fallback', () => {
    const splitter = new TrafficSplitter({ chat: { vllm: 10, ollama: 90 } });

    expect(firsts(splitter, 1_000)).toEqual({ vllm: 100, ollama: 900 });
    // Any 10 calls in a row hold one canary call.
    const window = Array.from({ length: 10 }, () => splitter.order('chat', chain, kindOf)[0]);
    expect(window.filter((kind) => kind === 'vllm')).toHaveLength(1);
    const orders = new Set(Array.from({ length: 10 }, () => splitter.order('chat', chain, kindOf).join(',')).values());
    expect(orders).toEqual(new Set(['vllm,ollama', 'ollama,vllm']));
  });

  it('sends nothing to a backend at 0, not even as a fallback', () => {
    const splitter = new TrafficSplitter({ chat: { vllm: 0, ollama: 100 } });

    const orders = Array.from({ length: 200 }, () => splitter.order('chat', chain, kindOf));

    expect(orders.every((order) => order.length === 1 && order[0] === 'ollama')).toBe(true);
  });

  it('leaves a role without a split as configured, and follows a new split from the next call', () => {
    const splitter = new TrafficSplitter({ vision: { ollama: 100 } });
    expect(splitter.order('chat', chain, kindOf)).toBe(chain);

    splitter.set({ chat: { vllm: 50, ollama: 50 } });

    expect(firsts(splitter, 100)).toEqual({ vllm: 50, ollama: 50 });
    splitter.set({ chat: { vllm: 100, ollama: 0 } });
    expect(firsts(splitter, 100)).toEqual({ vllm: 100 });
  });

  it('uses the role as configured when the split names only backends this process lacks', () => {
    const splitter = new TrafficSplitter({ chat: { vllm: 100 } });

    expect(splitter.order('chat', ['ollama'] as BackendKind[], kindOf)).toEqual(['ollama']);
  });
});
