import { Injectable } from '@nestjs/common';

/** What a readiness check reports: up or not, and details that say why. */
export interface ReadinessReport {
  up: boolean;
  details: Record<string, unknown>;
}

/**
 * Dependencies beyond Redis that decide readiness (the LLM backends, a vector store) register a check
 * here; `GET /health/ready` runs them all.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, () => Promise<ReadinessReport>>();

  register(key: string, check: () => Promise<ReadinessReport>): void {
    this.checks.set(key, check);
  }

  entries(): [string, () => Promise<ReadinessReport>][] {
    return [...this.checks.entries()];
  }
}
