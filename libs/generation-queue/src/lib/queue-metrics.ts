import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The queue's Prometheus metrics, on the app's registry. */
export class QueueMetrics {
  readonly depth: Gauge<'class'>;
  readonly inFlight: Gauge;
  readonly limit: Gauge;
  readonly limitChanges: Counter<'reason'>;
  readonly waitSeconds: Histogram<'class'>;
  readonly runSeconds: Histogram<'class'>;
  readonly jobs: Counter<'class' | 'outcome'>;
  readonly retries: Counter<'class'>;
  readonly refused: Counter<'class' | 'reason'>;

  constructor(
    registry: Registry = new Registry(),
    collectCounts?: () => Promise<{ interactive: number; bulk: number; active: number }>,
  ) {
    const registers = [registry];
    const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
    const read = () => collectCounts?.() ?? Promise.resolve({ interactive: 0, bulk: 0, active: 0 });
    this.depth = new Gauge({
      name: 'generation_queue_depth',
      help: 'Generation jobs waiting, by class.',
      labelNames: ['class'],
      registers,
      async collect() {
        const { interactive, bulk } = await read();
        this.set({ class: 'interactive' }, interactive);
        this.set({ class: 'bulk' }, bulk);
      },
    });
    this.inFlight = new Gauge({
      name: 'generation_in_flight',
      help: 'Generation jobs running across all workers.',
      registers,
      async collect() {
        this.set((await read()).active);
      },
    });
    this.limit = new Gauge({
      name: 'generation_concurrency_limit',
      help: 'The global limit on generations in flight.',
      registers,
    });
    this.limitChanges = new Counter({
      name: 'generation_concurrency_changes_total',
      help: 'Changes of the global limit, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.waitSeconds = new Histogram({
      name: 'generation_queue_wait_seconds',
      help: 'Time from enqueue to start, by class.',
      labelNames: ['class'],
      buckets,
      registers,
    });
    this.runSeconds = new Histogram({
      name: 'generation_run_seconds',
      help: 'Time a job ran, by class.',
      labelNames: ['class'],
      buckets,
      registers,
    });
    this.jobs = new Counter({
      name: 'generation_jobs_total',
      help: 'Finished jobs by class and outcome.',
      labelNames: ['class', 'outcome'],
      registers,
    });
    this.retries = new Counter({
      name: 'generation_retries_total',
      help: 'Runs of a job after the first, on another worker after its worker died mid-job.',
      labelNames: ['class'],
      registers,
    });
    this.refused = new Counter({
      name: 'generation_refused_total',
      help: 'Generations the queue refused before adding them, by class and reason (overloaded, queue_unavailable).',
      labelNames: ['class', 'reason'],
      registers,
    });
  }
}
