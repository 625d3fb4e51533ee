import type { LlmBackend } from '../backends/llm-backend';
import { Replica, ReplicaPool } from '../backends/replica';
import type { EngineLoad } from '../engine-load';
import { CircuitBreaker } from '../resilience/circuit-breaker';
import { prefixKeyOf } from './prefix-affinity';
import { ReplicaRouter, RouteReason } from './replica-router';
import { RoutingOptions, routingPolicyFrom } from './routing-policy';
import { SystemMessage, HumanMessage } from '@langchain/core/messages';

// Replicas are a URL and a real breaker; engine readings come from a table the test sets (the scraper's
// own spec reads real /metrics text and ages it).
function replica(url: string): Replica {
  const breaker = new CircuitBreaker({
    failureThreshold: 1,
    failureRate: 1,
    windowSize: 10,
    minCalls: 10,
    openMs: 60_000,
  });
  return new Replica({ kind: 'vllm', url, breaker, ref: () => ({ kind: 'vllm', url }) } as unknown as LlmBackend);
}

function setup(routing: Partial<RoutingOptions> = {}, size = 3) {
  const replicas = Array.from({ length: size }, (_, index) => replica(`http://gpu${index}:8000`));
  const pool: ReplicaPool = { kind: 'vllm', replicas };
  const readings = new Map<Replica, EngineLoad>();
  const decisions: [string, RouteReason][] = [];
  const sut = new ReplicaRouter(
    routingPolicyFrom(routing),
    {
      loadOf: (target) => {
        const load = readings.get(target);
        return load ? { load, ageMs: 0 } : undefined;
      },
      touch: () => undefined,
    },
    (picked, reason) => decisions.push([picked.url.slice(7, 11), reason]),
  );
  /** Holds `count` calls on a replica, as calls in flight do. */
  const busy = (target: Replica, count: number) => Array.from({ length: count }, () => target.begin());
  return { sut, pool, replicas, readings, decisions, busy };
}

const idle: EngineLoad = { running: 0, waiting: 0, kvCacheUsage: 0 };

describe(ReplicaRouter.name, () => {
  it("picks the replica with the fewest of this client's calls when no engine reading is fresh", () => {
    const { sut, pool, replicas, busy } = setup();
    busy(replicas[0], 3);
    busy(replicas[1], 1);
    busy(replicas[2], 2);

    const route = sut.acquire(pool);

    expect(route?.replica).toBe(replicas[1]);
    expect(route?.reason).toBe('least_loaded');
    expect(replicas[1].inFlight).toBe(2);
    route?.end();
    route?.end();
    expect(replicas[1].inFlight).toBe(1);
  });

  it("weighs each engine's running, waiting and KV cache when every replica's reading is fresh", () => {
    const { sut, pool, replicas, readings, busy } = setup();
    // Idle for this client, but the engine is queueing another service's requests.
    readings.set(replicas[0], { running: 8, waiting: 4, kvCacheUsage: 0.9 });
    readings.set(replicas[1], { running: 3, waiting: 0, kvCacheUsage: 0.2 });
    readings.set(replicas[2], { running: 2, waiting: 0, kvCacheUsage: 0.2 });
    busy(replicas[2], 5);

    expect(sut.loads(replicas)).toEqual(
      new Map([
        [replicas[0], 12 + 4 + 3.6],
        [replicas[1], 3 + 0.8],
        [replicas[2], 5 + 0.8],
      ]),
    );
    expect(sut.acquire(pool)?.replica).toBe(replicas[1]);
  });

  it('ignores every reading when one replica has none (stale or failed), and weighs in-flight counts', () => {
    const { sut, pool, replicas, readings, busy } = setup();
    readings.set(replicas[0], { running: 50, waiting: 20 });
    readings.set(replicas[1], idle);
    busy(replicas[1], 2);
    busy(replicas[2], 1);

    expect(sut.loads(replicas)).toEqual(
      new Map([
        [replicas[0], 0],
        [replicas[1], 2],
        [replicas[2], 1],
      ]),
    );
    expect(sut.acquire(pool)?.replica).toBe(replicas[0]);
  });

  it('skips a replica whose breaker is open; the one left is counted as only_healthy', () => {
    const { sut, pool, replicas, decisions } = setup({}, 2);
    replicas[0].backend.breaker.recordFailure();

    const routes = [sut.acquire(pool), sut.acquire(pool), sut.acquire(pool)];

    expect(routes.map((route) => route?.replica)).toEqual([replicas[1], replicas[1], replicas[1]]);
    expect(decisions.map(([, reason]) => reason)).toEqual(['only_healthy', 'only_healthy', 'only_healthy']);
    replicas[1].backend.breaker.recordFailure();
    expect(sut.acquire(pool)).toBeUndefined();
  });

  it('does not pick a replica the call already failed on, and counts the move as a failover', () => {
    const { sut, pool, replicas } = setup();

    const route = sut.acquire(pool, { exclude: new Set([replicas[0], replicas[1]]), after: 'failover' });

    expect(route).toMatchObject({ replica: replicas[2], reason: 'failover' });
  });

  it('keeps a prefix on the replica that took it last while it is within the margin of the least loaded', () => {
    const { sut, pool, busy } = setup({ affinityMargin: 2 });
    const first = sut.acquire(pool, { prefixKey: 'letters' });
    const home = first?.replica as Replica;
    // The home replica now has 1 call; add 1 more: 2 above the idle others, the margin.
    busy(home, 1);

    const again = sut.acquire(pool, { prefixKey: 'letters' });
    const other = sut.acquire(pool, { prefixKey: 'answers' });

    expect(again).toMatchObject({ replica: home, reason: 'affinity' });
    expect(other?.replica).not.toBe(home);
    expect(other?.reason).toBe('least_loaded');
  });

  it('breaks affinity once that replica is loaded beyond the margin, and the prefix moves to the new one', () => {
    const { sut, pool, busy } = setup({ affinityMargin: 2 });
    const home = sut.acquire(pool, { prefixKey: 'letters' })?.replica as Replica;
    busy(home, 2);

    const moved = sut.acquire(pool, { prefixKey: 'letters' });
    const next = sut.acquire(pool, { prefixKey: 'letters' });

    expect(moved?.reason).toBe('affinity_broken');
    expect(moved?.replica).not.toBe(home);
    expect(next).toMatchObject({ replica: moved?.replica, reason: 'affinity' });
  });

  it('takes every replica in turn with round robin, whatever their load and prefix', () => {
    const { sut, pool, replicas, busy, decisions } = setup({ strategy: 'round-robin' });
    busy(replicas[0], 10);

    const picked = Array.from({ length: 6 }, () => sut.acquire(pool, { prefixKey: 'letters' })?.replica);

    expect(picked).toEqual([...replicas, ...replicas]);
    expect(new Set(decisions.map(([, reason]) => reason))).toEqual(new Set(['round_robin']));
  });

  it('spreads calls over idle replicas instead of piling them on the first', () => {
    const { sut, pool, replicas } = setup();

    const routes = Array.from({ length: 6 }, () => sut.acquire(pool));

    expect(replicas.map((target) => target.inFlight)).toEqual([2, 2, 2]);
    for (const route of routes) route?.end();
  });
});

describe(prefixKeyOf.name, () => {
  const system = 'You write letters to the creditors of a client in debt. '.repeat(3);

  it('is the same for requests that share their system messages and model, whatever follows', () => {
    const a = prefixKeyOf([new SystemMessage(system), new HumanMessage('notes A')], 'llama3.2', 64);
    const b = prefixKeyOf([new SystemMessage(system), new HumanMessage('notes B')], 'llama3.2', 64);

    expect(a).toBeDefined();
    expect(a).toBe(b);
    expect(prefixKeyOf([new SystemMessage(system)], 'other-model', 64)).not.toBe(a);
    expect(prefixKeyOf([new SystemMessage(`${system}!`)], 'llama3.2', 64)).not.toBe(a);
  });

  it('is undefined without a system message, or for a short one', () => {
    expect(prefixKeyOf([new HumanMessage(system)], 'llama3.2', 64)).toBeUndefined();
    expect(prefixKeyOf([new SystemMessage('Be brief.'), new HumanMessage(system)], 'llama3.2', 64)).toBeUndefined();
  });
});
