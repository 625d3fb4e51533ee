import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerState } from './resilience/circuit-breaker';

/** One replica as the gauges show it. */
export interface ReplicaGaugeReading {
  backend: string;
  url: string;
  up: boolean;
  inFlight: number;
  routingLoad?: number;
}

const BREAKER_VALUES: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** The library's Prometheus metrics, registered on the app's registry (its /metrics). */
export class LlmMetrics {
  readonly requests: Counter<'backend' | 'role' | 'kind' | 'outcome'>;
  readonly errors: Counter<'backend' | 'role' | 'kind' | 'error'>;
  readonly retries: Counter<'backend' | 'role'>;
  readonly fallbacks: Counter<'role' | 'from' | 'to' | 'reason'>;
  readonly breakerState: Gauge<'backend'>;
  readonly timeToFirstToken: Histogram<'backend' | 'role'>;
  readonly duration: Histogram<'backend' | 'role' | 'kind'>;
  readonly tokens: Counter<'backend' | 'role' | 'type'>;
  readonly routeDecisions: Counter<'backend' | 'replica' | 'reason'>;
  readonly embeddingInUse: Gauge<'use'>;
  readonly embeddingWaiting: Gauge<'use'>;
  readonly embeddingRefused: Counter<'use' | 'reason'>;
  /** What the replica gauges read when scraped; set by the client. */
  private replicas: () => ReplicaGaugeReading[] = () => [];

  constructor(registry: Registry = new Registry()) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'llm_requests_total',
      help: 'LLM calls by backend, role, kind (chat, stream, structured, embed) and outcome (ok, error).',
      labelNames: ['backend', 'role', 'kind', 'outcome'],
      registers,
    });
    this.errors = new Counter({
      name: 'llm_errors_total',
      help: 'Failed LLM call attempts by backend, role, kind and error kind.',
      labelNames: ['backend', 'role', 'kind', 'error'],
      registers,
    });
    this.retries = new Counter({
      name: 'llm_retries_total',
      help: 'Retries of LLM calls.',
      labelNames: ['backend', 'role'],
      registers,
    });
    this.fallbacks = new Counter({
      name: 'llm_fallbacks_total',
      help: 'Calls served by the fallback backend, by role, from, to and reason.',
      labelNames: ['role', 'from', 'to', 'reason'],
      registers,
    });
    this.breakerState = new Gauge({
      name: 'llm_breaker_state',
      help: 'Circuit breaker per backend: 0 closed, 1 half-open, 2 open.',
      labelNames: ['backend'],
      registers,
    });
    this.timeToFirstToken = new Histogram({
      name: 'llm_time_to_first_token_seconds',
      help: 'Time from the call to its first streamed token.',
      labelNames: ['backend', 'role'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    this.duration = new Histogram({
      name: 'llm_request_duration_seconds',
      help: 'Duration of successful LLM calls, retries and fallback included.',
      labelNames: ['backend', 'role', 'kind'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers,
    });
    this.tokens = new Counter({
      name: 'llm_tokens_total',
      help: 'Tokens by backend, role and type (prompt, completion).',
      labelNames: ['backend', 'role', 'type'],
      registers,
    });
    this.routeDecisions = new Counter({
      name: 'llm_route_decisions_total',
      help:
        'Replica picked per call attempt, by backend, replica (URL) and reason: only_replica, only_healthy, ' +
        'least_loaded, affinity, affinity_broken, round_robin, failover, retry.',
      labelNames: ['backend', 'replica', 'reason'],
      registers,
    });
    this.embeddingInUse = new Gauge({
      name: 'llm_embedding_slots_in_use',
      help: 'Embedding requests this process has on the servers now, by use (interactive, bulk).',
      labelNames: ['use'],
      registers,
    });
    this.embeddingWaiting = new Gauge({
      name: 'llm_embedding_waiting',
      help: 'Embedding requests waiting in this process for a slot, by use.',
      labelNames: ['use'],
      registers,
    });
    this.embeddingRefused = new Counter({
      name: 'llm_embedding_refused_total',
      help: 'Embedding calls refused by this process, by use and reason (full: the waiting line; timeout: no slot in time).',
      labelNames: ['use', 'reason'],
      registers,
    });
    const replicaGauge = (name: string, help: string, read: (reading: ReplicaGaugeReading) => number | undefined) => {
      const readReplicas = () => this.replicas();
      return new Gauge({
        name,
        help,
        labelNames: ['backend', 'replica'],
        registers,
        collect() {
          this.reset();
          for (const reading of readReplicas()) {
            const value = read(reading);
            if (value !== undefined) this.set({ backend: reading.backend, replica: reading.url }, value);
          }
        },
      });
    };
    replicaGauge('llm_replica_in_flight', "This client's calls on each replica now.", (reading) => reading.inFlight);
    replicaGauge(
      'llm_replica_healthy',
      'Whether each replica takes calls: 1 while its breaker is not open, else 0.',
      (reading) => (reading.up ? 1 : 0),
    );
    replicaGauge(
      'llm_replica_load',
      "The load the router weighs each replica by, in requests (in-flight, plus its engine's gauges when fresh).",
      (reading) => reading.routingLoad,
    );
  }

  /** Where the replica gauges read from (the client's replicas). */
  watchReplicas(read: () => ReplicaGaugeReading[]): void {
    this.replicas = read;
  }

  breakerChanged(backend: string, state: BreakerState): void {
    this.breakerState.set({ backend }, BREAKER_VALUES[state]);
  }
}
