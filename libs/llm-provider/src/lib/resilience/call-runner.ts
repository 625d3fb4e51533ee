import type { BackendChains } from '../backends/backend-registry';
import type { LlmBackend } from '../backends/llm-backend';
import type { Replica, ReplicaPool } from '../backends/replica';
import type { ReplicaRouter, RouteRequest } from '../routing/replica-router';
import type { ServedBy } from '../llm-client.types';
import { BackendRef, LlmAbortedError, LlmError, LlmTimeoutError, LlmUnavailableError } from '../llm.errors';
import type { LlmMetrics } from '../llm-metrics';
import type { LlmRole, RoleTimeouts } from '../llm.options';
import { normalizeError } from '../normalize-error';
import { AttemptTimers, TotalTimer } from './attempt-timers';
import { retryDelayMs, sleep } from './backoff';
import { answerBudgetMs, CallPolicy } from './call-policy';

/** One attempt on one backend, as the runner hands it to the call. */
export interface Attempt {
  backend: LlmBackend;
  model: string;
  /** Aborts on the caller's cancellation, the call's total time and the attempt's own timers. */
  signal: AbortSignal;
  timeouts: RoleTimeouts;
  /** Call when a chunk arrives: stops the first-token timer and restarts the idle one. */
  onChunk: () => void;
  timers: AttemptTimers;
}

/** Which call is run: its role, its label in the metrics, and the caller's signal. */
export interface RunRequest {
  role: LlmRole;
  /** The metrics' `kind` label: chat, stream or embed. */
  kind: string;
  signal?: AbortSignal;
  /** A total timer the caller already holds (a stream's covers its tokens too); else the run makes one. */
  total?: TotalTimer;
  /** The tokens asked for: a `chat` call (not streamed) may take its first-token time plus an allowance each. */
  maxTokens?: number;
  /** The prompt's shared prefix, for the router's affinity (see `prefixKeyOf`). */
  prefixKey?: string;
}

/** Timeouts after the server took the request: it is busy or stuck, never unreachable. */
const SERVER_SIDE_PHASES = new Set(['first_token', 'idle', 'answer']);

function isServerSideTimeout(error: LlmError): error is LlmTimeoutError {
  return error instanceof LlmTimeoutError && SERVER_SIDE_PHASES.has(error.phase);
}

/** The error of a backend none of whose replicas takes a call now. */
function breakerOpen(pool: ReplicaPool, model: string): LlmUnavailableError {
  const [first] = pool.replicas;
  const where =
    pool.replicas.length === 1
      ? `the circuit breaker for ${pool.kind} at ${first.url} is open`
      : `no ${pool.kind} replica takes calls: every circuit breaker is open (${pool.replicas.map((replica) => replica.url).join(', ')})`;
  return new LlmUnavailableError(where, { backend: first.backend.ref(model) });
}

/** What the call runner needs of the metrics. */
type RunnerMetrics = Pick<LlmMetrics, 'requests' | 'errors' | 'retries' | 'fallbacks' | 'duration'>;

/**
 * Runs one call on a role's backends in order, as the policy says: each attempt on a replica the router
 * picks (its breaker consulted), another replica after a failure, attempts with backoff on retryable
 * failures (Retry-After honoured), then the fallback when the failure says another backend may serve.
 * Bad requests, auth and context errors never fall back. This is the library's one retry layer.
 */
export class CallRunner {
  /** One busy probe in flight per backend, shared by every call that timed out on it meanwhile. */
  private readonly busyProbes = new Map<LlmBackend, Promise<boolean>>();

  constructor(
    private readonly policy: CallPolicy,
    private readonly backends: BackendChains,
    private readonly router: Pick<ReplicaRouter, 'acquire'>,
    private readonly metrics: RunnerMetrics,
  ) {}

  /** The whole call's timer for a role (it caps every attempt, retries and fallback); the caller disposes it. */
  totalTimer(role: LlmRole, signal: AbortSignal | undefined): TotalTimer {
    return new TotalTimer(this.policy.timeouts[role].totalMs, signal);
  }

  /**
   * Runs the call on the role's backends in order. On each backend the router picks a replica per
   * attempt: a failure before the first token moves to another healthy replica at once (another server,
   * like the fallback: no backoff, no retry used); once every healthy replica failed, a retryable failure
   * is tried again on the least loaded after the backoff, up to the policy's attempts. With one replica
   * this is the attempts-then-fallback it always was. `end` ends the replica's in-flight count: the
   * runner calls it, except for a stream, whose caller does once the stream is over.
   */
  async run<T>(
    request: RunRequest,
    call: (attempt: Attempt) => Promise<T>,
  ): Promise<{ value: T; servedBy: ServedBy; replica: Replica; end: () => void }> {
    const { role, kind, signal } = request;
    const timeouts = this.policy.timeouts[role];
    const answerMs = kind === 'chat' ? answerBudgetMs(timeouts, request.maxTokens) : undefined;
    const total = request.total ?? this.totalTimer(role, signal);
    const started = performance.now();
    const chain = this.backends.chain(role);
    let lastError: LlmError | undefined;
    let attempts = 0;
    const failWith = (error: LlmError): LlmError => Object.assign(error, { attempts: Math.max(attempts, 1) });
    try {
      for (const [index, { pool, model }] of chain.entries()) {
        const fallback = index > 0;
        if (fallback && lastError) {
          this.metrics.fallbacks.inc({
            role,
            from: chain[index - 1].pool.kind,
            to: pool.kind,
            reason: lastError.kind,
          });
        }
        const failed = new Set<Replica>();
        let retries = 0;
        let after: RouteRequest['after'];
        for (;;) {
          // A retry may go back to a replica that failed this call; a first attempt or a failover may not.
          const exclude = after === 'retry' ? undefined : failed;
          const route = this.router.acquire(pool, { prefixKey: request.prefixKey, exclude, after });
          if (!route) {
            lastError = breakerOpen(pool, model);
            break;
          }
          const { backend } = route.replica;
          attempts += 1;
          const timers = new AttemptTimers({ ...timeouts, answerMs }, backend.ref(model));
          const attemptSignal = AbortSignal.any([total.signal, timers.controller.signal]);
          try {
            const value = await call({
              backend,
              model,
              signal: attemptSignal,
              timeouts,
              onChunk: () => timers.chunk(),
              timers,
            });
            if (!timers.streaming || kind !== 'stream') timers.stop();
            backend.breaker.recordSuccess();
            this.metrics.requests.inc({ backend: backend.kind, role, kind, outcome: 'ok' });
            if (kind !== 'stream') {
              route.end();
              this.metrics.duration.observe(
                { backend: backend.kind, role, kind },
                (performance.now() - started) / 1000,
              );
            }
            return { value, servedBy: { ...backend.ref(model), fallback }, replica: route.replica, end: route.end };
          } catch (raw) {
            route.end();
            timers.stop();
            const error = this.classify(raw, { backend: backend.ref(model), timeouts, signal, total, timers });
            this.metrics.errors.inc({ backend: backend.kind, role, kind, error: error.kind });
            if (error instanceof LlmAbortedError || (error instanceof LlmTimeoutError && error.phase === 'total')) {
              backend.breaker.release();
              throw failWith(error);
            }
            // A 4xx proves the server is up: only server-side failures count against the breaker.
            if (error.fallbackable) await this.countFailure(backend, error);
            else backend.breaker.recordSuccess();
            lastError = error;
            if (!error.fallbackable) throw failWith(error);
            failed.add(route.replica);
            if (pool.replicas.some((replica) => replica.healthy && !failed.has(replica))) {
              after = 'failover';
              continue;
            }
            const sameBackendAgain =
              error.retryable &&
              retries + 1 < this.policy.attempts.maxAttempts &&
              (this.policy.attempts.retryServerTimeouts || !isServerSideTimeout(error));
            if (!sameBackendAgain) break;
            retries += 1;
            after = 'retry';
            this.metrics.retries.inc({ backend: backend.kind, role });
            const retryAfter = 'retryAfterMs' in error ? (error.retryAfterMs as number | undefined) : undefined;
            await sleep(retryDelayMs(retries, this.policy.attempts, retryAfter), total.signal).catch(() => {
              throw failWith(
                this.classify(total.signal.reason, { backend: backend.ref(model), timeouts, signal, total }),
              );
            });
          }
        }
      }
      const failure = lastError ?? new LlmUnavailableError(`no backend configured for ${role}`);
      this.metrics.requests.inc({ backend: failure.backend?.kind ?? 'none', role, kind, outcome: 'error' });
      throw failWith(failure);
    } finally {
      if (!request.total) total.dispose();
    }
  }

  /**
   * A stream that failed after its first token reached the caller: the failure, classified and counted
   * against the backend that served it. The caller wraps it (no retry, no fallback: the tokens went out).
   */
  async streamFailure(
    raw: unknown,
    context: {
      role: LlmRole;
      servedBy: ServedBy;
      /** The replica that served it (from `run`), whose breaker counts the failure. */
      replica: Replica;
      signal?: AbortSignal;
      total: TotalTimer;
      timers?: AttemptTimers;
    },
  ): Promise<LlmError> {
    const { role, servedBy } = context;
    const error = this.classify(raw, {
      backend: servedBy,
      timeouts: this.policy.timeouts[role],
      signal: context.signal,
      total: context.total,
      timers: context.timers,
    });
    if (error instanceof LlmAbortedError) return error;
    await this.countFailure(context.replica.backend, error);
    this.metrics.errors.inc({ backend: servedBy.kind, role, kind: 'stream', error: error.kind });
    return error;
  }

  /**
   * A server-side failure against the backend's breaker. A timeout after the server took the request
   * counts only when the server does not answer its cheap probe either: a busy server is overload (the
   * queue's limit is for that), and opening its breaker would push all traffic to the fallback.
   */
  private async countFailure(backend: LlmBackend, error: LlmError): Promise<void> {
    if (!isServerSideTimeout(error)) return backend.breaker.recordFailure();
    if (await this.answersProbe(backend)) backend.breaker.release();
    else backend.breaker.recordFailure();
  }

  private answersProbe(backend: LlmBackend): Promise<boolean> {
    let pending = this.busyProbes.get(backend);
    if (!pending) {
      pending = backend
        .probe(AbortSignal.timeout(this.policy.breaker.busyProbeMs))
        .then(
          () => true,
          () => false,
        )
        .finally(() => this.busyProbes.delete(backend));
      this.busyProbes.set(backend, pending);
    }
    return pending;
  }

  private classify(
    raw: unknown,
    context: {
      backend: BackendRef;
      timeouts: RoleTimeouts;
      signal: AbortSignal | undefined;
      total: TotalTimer;
      timers?: AttemptTimers;
    },
  ): LlmError {
    if (context.timers?.expired) return context.timers.expired;
    if (context.signal?.aborted)
      return new LlmAbortedError('the caller cancelled the call', { backend: context.backend, cause: raw });
    if (context.total.expired) return context.total.expired;
    return normalizeError(raw, context.backend, context.timeouts.connectMs);
  }
}
