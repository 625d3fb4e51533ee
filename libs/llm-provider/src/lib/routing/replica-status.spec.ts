import { BackendRegistry } from '../backends/backend-registry';
import type { Replica } from '../backends/replica';
import type { EngineLoad } from '../engine-load';
import { testOptions } from '../testing-options';
import { EngineLoadScraper } from './engine-load-scraper';
import { ReplicaRouter } from './replica-router';
import { routingPolicyFrom } from './routing-policy';
import { ReplicaStatus } from './replica-status';

// Real registry, router and scraper; the scraper's reader is the test's table of engine gauges (the int
// spec reads real /metrics), so no server is involved.
function setup() {
  const registry = new BackendRegistry(
    testOptions({
      provider: 'vllm',
      fallback: 'ollama',
      vllmUrl: ['http://gpu0:8000', 'http://gpu1:8000'],
      ollamaUrl: 'http://cpu:11434',
    }),
  );
  const gauges = new Map<string, EngineLoad>();
  const policy = routingPolicyFrom({});
  const scraper = new EngineLoadScraper(
    () => registry.all().map(({ replica }) => replica),
    policy,
    async (replica) => gauges.get(replica.url),
  );
  const sut = new ReplicaStatus(registry, scraper, new ReplicaRouter(policy, scraper));
  const [gpu0, gpu1] = registry.chain('chat')[0].pool.replicas;
  const open = (replica: Replica) => {
    for (let failure = 0; failure < 5; failure += 1) replica.backend.breaker.recordFailure();
  };
  return { sut, scraper, gauges, gpu0, gpu1, open };
}

describe(ReplicaStatus.name, () => {
  it("lists the serving backend's replicas with their state, this client's calls and fresh gauges", async () => {
    const { sut, scraper, gauges, gpu0, gpu1, open } = setup();
    gauges.set('http://gpu0:8000', { running: 5, waiting: 2, kvCacheUsage: 0.5 });
    gauges.set('http://gpu1:8000', { running: 1, waiting: 0, kvCacheUsage: 0.1 });
    const end = gpu1.begin();
    open(gpu0);

    const loads = await sut.replicaLoads('chat');
    scraper.stop();
    end();

    expect(loads).toEqual([
      {
        backend: 'vllm',
        url: 'http://gpu0:8000',
        up: false,
        breaker: 'open',
        inFlight: 0,
        load: { running: 5, waiting: 2, kvCacheUsage: 0.5 },
        loadAgeMs: expect.any(Number),
      },
      {
        backend: 'vllm',
        url: 'http://gpu1:8000',
        up: true,
        breaker: 'closed',
        inFlight: 1,
        load: { running: 1, waiting: 0, kvCacheUsage: 0.1 },
        loadAgeMs: expect.any(Number),
      },
    ]);
    // The sum counts replicas that are up only.
    expect(await sut.engineLoad('chat')).toEqual({ running: 1, waiting: 0, kvCacheUsage: 0.1 });
    expect(sut.serving('chat')).toMatchObject({ kind: 'vllm', url: 'http://gpu1:8000', fallback: false });
  });

  it('serves from the fallback only once every primary replica is down', async () => {
    const { sut, scraper, gpu0, gpu1, open } = setup();
    open(gpu0);
    open(gpu1);

    const loads = await sut.replicaLoads('chat');
    scraper.stop();

    expect(sut.serving('chat')).toMatchObject({ kind: 'ollama', url: 'http://cpu:11434', fallback: true });
    expect(loads).toEqual([{ backend: 'ollama', url: 'http://cpu:11434', up: true, breaker: 'closed', inFlight: 0 }]);
    expect(await sut.engineLoad('chat')).toBeUndefined();
  });
});
