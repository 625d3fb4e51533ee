import type { LlmBackend } from './llm-backend';

/**
 * One server of a backend (a vLLM or an Ollama at one URL): its breaker (on the backend), and the calls
 * this client has on it now. Roles that share a URL share its replica, so its count is the server's.
 */
export class Replica {
  private calls = 0;

  constructor(readonly backend: LlmBackend) {}

  get kind() {
    return this.backend.kind;
  }

  get url() {
    return this.backend.url;
  }

  /** Calls this client has on the replica now (a stream until its last token). */
  get inFlight(): number {
    return this.calls;
  }

  /** Healthy while its breaker is not open: a half-open breaker lets its one probe through. */
  get healthy(): boolean {
    return this.backend.breaker.state !== 'open';
  }

  /** Counts one call on the replica; the returned function ends it (once, however often it is called). */
  begin(): () => void {
    this.calls += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.calls -= 1;
    };
  }
}

/** A backend kind's replicas for a role, in the order configured. */
export interface ReplicaPool {
  kind: LlmBackend['kind'];
  replicas: readonly Replica[];
}
