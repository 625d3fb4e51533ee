/** Which debt solutions a client in England and Wales can use on a date, criterion by criterion. */
export { checkEligibility, DEFAULT_NEAR_MISS_SHARE } from './lib/eligibility';
/** Options and report of checkEligibility. */
export type { EligibilityOptions, EligibilityReport } from './lib/eligibility';
/** The client facts, their allowed values, and the validation that lists what to change. */
export { DEBT_TYPES, factProblems, REGIONS } from './lib/facts';
/** Types of the client facts and of one validation problem. */
export type { ClientFacts, Debt, DebtType, FactProblem, Region } from './lib/facts';
/** Thrown by checkEligibility for facts or options it cannot check; carries the problems. */
export { InvalidFactsError } from './lib/debt-rules.errors';
/** Every dated threshold with its source, and its value on a date. */
export { IN_FORCE_FROM, RULE_SOURCES, THRESHOLDS, thresholdOn } from './lib/thresholds';
/** Types of the threshold table. */
export type { DatedValue, Source, Threshold, ThresholdName, ThresholdUnit } from './lib/thresholds';
/** Debt types a DRO does not cover (besides secured debts). */
export { DRO_EXCLUDED_DEBT_TYPES } from './lib/figures';
/** One creditor however the name is typed: the key the rules count creditors by. */
export { creditorKey } from './lib/figures';
/** The IVA providers' usual conditions used when the caller gives none. */
export { DEFAULT_IVA_GUIDELINES } from './lib/iva.rules';
/** Types of one option's answer. */
export type { DebtOptionId, Fee, FeePart, IvaGuidelines, OptionResult } from './lib/option.types';
/** Types of one criterion's answer. */
export type { Criterion, CriterionKind, CriterionUnit, EligibilityStatus } from './lib/criterion';
/** The largest amount of money the rules accept, in pounds. */
export { MAX_AMOUNT } from './lib/money';
