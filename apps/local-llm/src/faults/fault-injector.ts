import type { Logger } from '../http/logger';
import type { Fault, FaultTarget } from './fault.schema';
import { FaultPlan } from './fault-plan';
import type { ListenerControl } from './listener-control';
import { seededRandom } from '../common/seeded-random';

/** The kinds of request faults can hit; admin and other routes are never hit. */
export type RequestTarget = Exclude<FaultTarget, 'all'>;

export interface FaultInjectorOptions {
  /** Active from the start (`--faults`). */
  faults?: readonly Fault[];
  /** Seeds the draws for `fraction`: the same faults and requests hit the same way on every run. */
  seed: number;
  logger?: Logger;
}

interface ActiveFault {
  fault: Fault;
  /** Hits left when the fault has a `count`. */
  remaining?: number;
}

type RequestFault = Exclude<Fault, { kind: 'refuse-connections' }>;

function hits(fault: Fault, target: RequestTarget): fault is RequestFault {
  if (fault.kind === 'refuse-connections') return false;
  // A malformed answer needs a JSON body, which /health does not have.
  if (fault.kind === 'malformed' && target === 'health') return false;
  return fault.target === 'all' || fault.target === target;
}

/**
 * The active faults. Each request draws its FaultPlan once: a fault hits a matching request with
 * probability `fraction` (a seeded draw), and one with a `count` removes itself after that many hits.
 * refuse-connections is not per request: it stops the listener once it is asked to act.
 */
export class FaultInjector {
  private active: ActiveFault[] = [];
  private random: () => number;
  private listener?: ListenerControl;
  private refusing = false;
  private resumeTimer?: NodeJS.Timeout;

  constructor(private readonly options: FaultInjectorOptions) {
    this.random = seededRandom(options.seed);
    this.active = (options.faults ?? []).map(activate);
  }

  /** The active faults, `count` being the hits left. */
  list(): Fault[] {
    return this.active.map(({ fault, remaining }) =>
      remaining === undefined ? fault : { ...fault, count: remaining },
    );
  }

  /** Replaces every fault and restarts the draws, so the same set hits the same requests again. */
  replace(faults: readonly Fault[]): void {
    this.active = faults.map(activate);
    this.random = seededRandom(this.options.seed);
    this.options.logger?.log('Faults set', { faults: JSON.stringify(faults) });
  }

  clear(): void {
    this.replace([]);
  }

  /** Draws the faults that hit one request; `signal` fires when its client goes away. */
  plan(target: RequestTarget, signal: AbortSignal): FaultPlan {
    const hit: Fault[] = [];
    for (const entry of [...this.active]) {
      const { fault } = entry;
      if (!hits(fault, target)) continue;
      // No draw at fraction 1, so adding an always-on fault leaves the other faults' draws as they were.
      if (fault.fraction < 1 && this.random() >= fault.fraction) continue;
      hit.push(fault);
      if (entry.remaining !== undefined) {
        entry.remaining -= 1;
        if (entry.remaining === 0) this.active = this.active.filter((other) => other !== entry);
      }
      // A status answers instead of generating: later faults would have nothing to act on.
      if (fault.kind === 'status') break;
    }
    return hit.length === 0 ? FaultPlan.none : new FaultPlan(hit, signal);
  }

  /** True while refuse-connections holds the listener closed: requests on kept-alive sockets are dropped. */
  get refusingConnections(): boolean {
    return this.refusing;
  }

  /** Gives the injector the listening server; a refuse-connections fault from the start acts now. */
  attachListener(listener: ListenerControl): void {
    this.listener = listener;
    this.applyListenerFaults();
  }

  /**
   * Starts a pending refuse-connections fault: the listener closes for its duration, then listens again,
   * and the fault is gone. The admin endpoint calls this once its reply is out.
   */
  applyListenerFaults(): void {
    const entry = this.active.find(({ fault }) => fault.kind === 'refuse-connections');
    if (!entry || entry.fault.kind !== 'refuse-connections' || !this.listener || this.refusing) return;
    const { durationMs } = entry.fault;
    const listener = this.listener;
    this.active = this.active.filter((other) => other !== entry);
    this.refusing = true;
    listener.pause();
    this.options.logger?.log('Refusing connections', { durationMs });
    this.resumeTimer = setTimeout(() => {
      listener.resume().then(
        () => {
          this.refusing = false;
          this.options.logger?.log('Listening again after refusing connections', { durationMs });
        },
        (error: unknown) =>
          this.options.logger?.error('Could not listen again after refusing connections', {
            reason: error instanceof Error ? error.message : String(error),
          }),
      );
    }, durationMs);
  }

  /** Cancels a pending return of the listener, for shutdown. */
  close(): void {
    clearTimeout(this.resumeTimer);
  }
}

function activate(fault: Fault): ActiveFault {
  return fault.kind !== 'refuse-connections' && fault.count !== undefined
    ? { fault, remaining: fault.count }
    : { fault };
}
