import { BANKRUPTCY, bankruptcy } from './bankruptcy.rules';
import { breathingSpace, BREATHING_SPACE } from './breathing-space.rules';
import { hasRules, regionUnknownResult } from './common.rules';
import { unique } from './criterion';
import { InvalidFactsError } from './debt-rules.errors';
import { debtReliefOrder, DEBT_RELIEF_ORDER } from './dro.rules';
import { type ClientFacts, type FactProblem, factProblems, type Region } from './facts';
import { DEFAULT_IVA_GUIDELINES, individualVoluntaryArrangement, INDIVIDUAL_VOLUNTARY_ARRANGEMENT } from './iva.rules';
import type { IvaGuidelines, OptionIdentity, OptionResult, RuleContext } from './option.types';

/** A criterion that fails by no more than this share of its limit is a near miss. */
export const DEFAULT_NEAR_MISS_SHARE = 0.1;

/** How to run a check. `asOf` is required so that the same facts always give the same report. */
export interface EligibilityOptions {
  /** ISO date whose rules and thresholds apply. */
  asOf: string;
  /** Share of a limit within which a failure is a near miss; 0 to 1, default 0.1. */
  nearMissShare?: number;
  /** Overrides of the IVA providers' usual conditions. */
  ivaGuidelines?: Partial<IvaGuidelines>;
}

/** The answer for every option, and the questions that would settle the unknowns. */
export interface EligibilityReport {
  asOf: string;
  region: Region | null;
  options: OptionResult[];
  /** Every option's questions, each once. */
  questions: string[];
}

// The order options appear in the report: the cheapest and least drastic first.
const OPTIONS: readonly { identity: OptionIdentity; rules: (context: RuleContext) => OptionResult }[] = [
  { identity: BREATHING_SPACE, rules: breathingSpace },
  { identity: DEBT_RELIEF_ORDER, rules: debtReliefOrder },
  { identity: INDIVIDUAL_VOLUNTARY_ARRANGEMENT, rules: individualVoluntaryArrangement },
  { identity: BANKRUPTCY, rules: bankruptcy },
];

/**
 * Which debt solutions the client can use on `options.asOf`. Throws InvalidFactsError when
 * factProblems (or the options) find anything to change; call factProblems first to answer a 400.
 */
export function checkEligibility(facts: ClientFacts, options: EligibilityOptions): EligibilityReport {
  const problems = [...factProblems(facts, options.asOf), ...optionProblems(options)];
  if (problems.length > 0) throw new InvalidFactsError(problems);

  const context: RuleContext = {
    facts,
    asOf: options.asOf,
    nearMissShare: options.nearMissShare ?? DEFAULT_NEAR_MISS_SHARE,
    ivaGuidelines: { ...DEFAULT_IVA_GUIDELINES, ...definedOnly(options.ivaGuidelines ?? {}) },
  };
  const results = OPTIONS.map(({ identity, rules }) =>
    hasRules(facts.region) ? rules(context) : regionUnknownResult(identity, facts),
  );
  return {
    asOf: options.asOf,
    region: facts.region ?? null,
    options: results,
    questions: unique(results.flatMap((result) => result.questions)),
  };
}

function optionProblems(options: EligibilityOptions): FactProblem[] {
  const problems: FactProblem[] = [];
  const share = options.nearMissShare;
  if (share !== undefined && !(Number.isFinite(share) && share >= 0 && share < 1)) {
    problems.push({
      path: 'options.nearMissShare',
      message: `nearMissShare must be a number from 0 up to (not including) 1; got ${share}.`,
    });
  }
  for (const [name, value] of Object.entries(options.ivaGuidelines ?? {})) {
    if (value === undefined) continue;
    if (!(Number.isFinite(value) && value >= 0) || (name === 'minCreditors' && !Number.isInteger(value))) {
      problems.push({
        path: `options.ivaGuidelines.${name}`,
        message: `ivaGuidelines.${name} must be a number of 0 or more${name === 'minCreditors' ? ' (whole)' : ''}; got ${value}.`,
      });
    }
  }
  return problems;
}

function definedOnly(guidelines: Partial<IvaGuidelines>): Partial<IvaGuidelines> {
  return Object.fromEntries(Object.entries(guidelines).filter(([, value]) => value !== undefined));
}
