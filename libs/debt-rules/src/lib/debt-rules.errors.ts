import type { FactProblem } from './facts';

/** Thrown by checkEligibility when the facts or options cannot be checked; `problems` says what to change. */
export class InvalidFactsError extends Error {
  readonly code = 'invalid_facts';

  constructor(readonly problems: readonly FactProblem[]) {
    super(`The facts cannot be checked: ${problems.map((problem) => `${problem.path}: ${problem.message}`).join(' ')}`);
    this.name = 'InvalidFactsError';
  }
}
