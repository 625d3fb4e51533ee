import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GenerationResult, LlmEngine } from '../engine/engine.types';

const LATENCY_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160,
];

/**
 * vLLM's Prometheus metrics (V1 names and meanings), every series labelled `model_name`. The gauges are
 * read from the engine's scheduler when scraped, so they show its state exactly.
 */
export class VllmMetrics {
  readonly registry = new Registry();
  private readonly promptTokens: Counter<'model_name'>;
  private readonly generationTokens: Counter<'model_name'>;
  private readonly success: Counter<'model_name' | 'finished_reason'>;
  private readonly timeToFirstToken: Histogram<'model_name'>;
  private readonly endToEnd: Histogram<'model_name'>;
  private readonly queueTime: Histogram<'model_name'>;
  private readonly interToken: Histogram<'model_name'>;
  private readonly images: Counter<'api' | 'model_name'>;

  constructor(
    engine: LlmEngine,
    private readonly modelName: string,
  ) {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['model_name'],
        registers,
        collect() {
          this.set({ model_name: modelName }, read());
        },
      });
    gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', () => engine.load().running);
    gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', () => engine.load().waiting);
    gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', () => engine.load().kvCacheUsage);
    // vLLM's counters of prefix-cache lookups by new requests, in tokens; 0 for an engine without one.
    const fromEngine = (name: string, help: string, read: () => number) => {
      let counted = 0;
      return new Counter({
        name,
        help,
        labelNames: ['model_name'],
        registers,
        collect() {
          const total = read();
          this.inc({ model_name: modelName }, total - counted);
          counted = total;
        },
      });
    };
    fromEngine(
      'vllm:prefix_cache_queries_total',
      'Prefix cache queries, in terms of number of queried tokens.',
      () => engine.kvCache?.().queries ?? 0,
    );
    fromEngine(
      'vllm:prefix_cache_hits_total',
      'Prefix cache hits, in terms of number of cached tokens.',
      () => engine.kvCache?.().hits ?? 0,
    );
    const cache = engine.kvCache?.();
    if (cache) {
      // vLLM's info gauge: the cache's settings as labels (Python's str() of each), value 1.
      new Gauge({
        name: 'vllm:cache_config_info',
        help: 'Information of the LLMEngine CacheConfig',
        labelNames: ['block_size', 'enable_prefix_caching', 'num_gpu_blocks'],
        registers,
      }).set(
        {
          block_size: String(cache.blockSize),
          enable_prefix_caching: cache.prefixCaching ? 'True' : 'False',
          num_gpu_blocks: String(cache.numBlocks),
        },
        1,
      );
    }
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['model_name'], registers });
    this.promptTokens = counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.');
    this.generationTokens = counter('vllm:generation_tokens_total', 'Number of generation tokens processed.');
    this.success = new Counter({
      name: 'vllm:request_success_total',
      help: 'Count of successfully processed requests.',
      labelNames: ['model_name', 'finished_reason'],
      registers,
    });
    const histogram = (name: string, help: string) =>
      new Histogram({
        name,
        help,
        labelNames: ['model_name'],
        buckets: LATENCY_BUCKETS,
        registers,
      });
    this.timeToFirstToken = histogram(
      'vllm:time_to_first_token_seconds',
      'Histogram of time to first token in seconds.',
    );
    this.endToEnd = histogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.');
    this.queueTime = histogram(
      'vllm:request_queue_time_seconds',
      'Histogram of time spent in WAITING phase for request.',
    );
    this.interToken = histogram('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.');
    // local-llm's own: which images reached it, so that a client's tests can see them arrive.
    this.images = new Counter({
      name: 'local_llm_images_total',
      help: 'Images received on generation requests, by API (openai: image_url parts; ollama: base64 images).',
      labelNames: ['api', 'model_name'],
      registers,
    });
    // Both series exist from the start, so a scrape before the first image reads 0, not nothing.
    for (const api of ['openai', 'ollama'] as const) this.images.inc({ api, model_name: modelName }, 0);
    if (engine.simulation) {
      // Durations above are simulated GPU seconds; this says how fast the simulation ran against the wall clock.
      new Gauge({
        name: 'local_llm_simulation_time_scale',
        help: 'Wall seconds per simulated second of the simulated engine (durations in vllm:* metrics are simulated).',
        labelNames: ['model_name', 'profile'],
        registers,
      }).set({ model_name: modelName, profile: engine.simulation.profile }, engine.simulation.timeScale);
      // Replicas on mixed GPUs: 0.5 means this one takes twice its profile's time for everything.
      new Gauge({
        name: 'local_llm_simulation_speed',
        help: 'Speed of the simulated GPU against its profile (0.5: every step takes twice as long).',
        labelNames: ['model_name', 'profile'],
        registers,
      }).set({ model_name: modelName, profile: engine.simulation.profile }, engine.simulation.speed);
      // The simulated GPU's own clock: rates computed against it stay exact when this machine lags.
      new Gauge({
        name: 'local_llm_simulation_clock_seconds',
        help: 'Simulated seconds elapsed on the simulated engine (its scheduler clock).',
        labelNames: ['model_name'],
        registers,
        collect() {
          this.set({ model_name: modelName }, (engine.simulation?.clockMs ?? 0) / 1000);
        },
      });
    }
  }

  /** Counts generated tokens as they come, as vLLM does each engine step. */
  countGenerated(count: number): void {
    this.generationTokens.inc({ model_name: this.modelName }, count);
  }

  /** Counts the images one generation request carried. */
  countImages(api: 'openai' | 'ollama', count: number): void {
    this.images.inc({ api, model_name: this.modelName }, count);
  }

  /** Records a finished generation. */
  recordGeneration(result: GenerationResult): void {
    const labels = { model_name: this.modelName };
    this.promptTokens.inc(labels, result.promptTokens);
    this.success.inc({ ...labels, finished_reason: result.finishReason });
    this.endToEnd.observe(labels, result.totalMs / 1000);
    this.queueTime.observe(labels, result.queueMs / 1000);
    if (result.firstTokenMs !== undefined) {
      this.timeToFirstToken.observe(labels, result.firstTokenMs / 1000);
      if (result.completionTokens > 1) {
        this.interToken.observe(labels, (result.totalMs - result.firstTokenMs) / 1000 / (result.completionTokens - 1));
      }
    }
  }

  /** Records the tokens of an embedding request (vLLM counts them as prompt tokens). */
  recordEmbedding(promptTokens: number): void {
    this.promptTokens.inc({ model_name: this.modelName }, promptTokens);
    this.success.inc({ model_name: this.modelName, finished_reason: 'stop' });
  }
}
