import { formatGbp } from './money';
import type { Source } from './thresholds';

/** The answer for one criterion or one option. */
export type EligibilityStatus = 'eligible' | 'not_eligible' | 'near_miss' | 'unknown';

/** Whether a criterion is the law or a provider's usual practice. */
export type CriterionKind = 'law' | 'guideline';

/** The unit of a criterion's figure and limit. */
export type CriterionUnit = 'GBP' | 'GBP_per_month' | 'creditors';

/** One test an option's answer rests on, with the figures, the gap and what would change it. */
export interface Criterion {
  /** Stable id, e.g. `dro.qualifying_debts`. */
  id: string;
  label: string;
  kind: CriterionKind;
  status: EligibilityStatus;
  /** One or two sentences saying why. */
  reason: string;
  /** The client's figure (GBP amounts in pounds). */
  figure?: number;
  limit?: number;
  unit?: CriterionUnit;
  /** "qualifying debts are 1,200 GBP over the limit". */
  gap?: string;
  /** What would change a failing answer. */
  toChange?: string;
  /** What to ask the client when the answer is unknown. */
  questions?: string[];
  source: Source;
  /** ISO date from which the threshold (or the rule) applied on the date checked. */
  appliesFrom: string;
}

/** What identifies a criterion, apart from its answer. */
export interface Rule {
  id: string;
  label: string;
  kind: CriterionKind;
  source: Source;
  appliesFrom: string;
}

/** A figure compared with a limit. Figures and limits are in minor units: pence, or a count of creditors. */
export interface LimitCheck extends Rule {
  comparison: 'at_most' | 'at_least';
  unit: CriterionUnit;
  figure: number | undefined;
  limit: number;
  /** Subject and verb for sentences: "qualifying debts are". */
  subject: string;
  /** What to ask when the figure (or a part of it) is missing. */
  questions: string[];
  nearMissShare: number;
  /** What would change a failing answer, given the gap ("1,200 GBP"). */
  toChange: (gap: string) => string;
  /** A sentence added to the reason, e.g. which debts were left out. */
  detail?: string;
  /**
   * The figure counts only the parts that are known; the rest can only add to it. It decides the
   * answer only when it already fails by more than the near-miss share; otherwise the answer is unknown.
   */
  partial?: boolean;
}

/** The outcome of a yes/no condition (not bankrupt, no DRO in the last 6 years, ...). */
export type ConditionOutcome =
  | { met: true; reason: string }
  | { met: false; reason: string; toChange?: string }
  | { met: undefined; questions: string[]; reason?: string };

/** An option's answer from its criteria: any not_eligible, else any near_miss, else any unknown, else eligible. */
export function overallStatus(criteria: readonly Criterion[]): EligibilityStatus {
  const order: readonly EligibilityStatus[] = ['not_eligible', 'near_miss', 'unknown'];
  return order.find((status) => criteria.some((criterion) => criterion.status === status)) ?? 'eligible';
}

/** The questions of the unknown criteria, each once, in order. */
export function criteriaQuestions(criteria: readonly Criterion[]): string[] {
  return unique(criteria.flatMap((criterion) => (criterion.status === 'unknown' ? (criterion.questions ?? []) : [])));
}

/** The items once each, first occurrence kept. */
export function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** A yes/no condition as a criterion. */
export function conditionCriterion(rule: Rule, outcome: ConditionOutcome): Criterion {
  const base = { id: rule.id, label: rule.label, kind: rule.kind, source: rule.source, appliesFrom: rule.appliesFrom };
  if (outcome.met === true) return { ...base, status: 'eligible', reason: outcome.reason };
  if (outcome.met === false)
    return { ...base, status: 'not_eligible', reason: outcome.reason, toChange: outcome.toChange };
  return {
    ...base,
    status: 'unknown',
    reason: outcome.reason ?? `Not known yet: ${outcome.questions.join(' ')}`,
    questions: outcome.questions,
  };
}

/** A figure against a limit, with near-miss, gap and what would change it. */
export function limitCriterion(check: LimitCheck): Criterion {
  const base = {
    id: check.id,
    label: check.label,
    kind: check.kind,
    source: check.source,
    appliesFrom: check.appliesFrom,
  };
  const limitText = formatAmount(check.limit, check.unit);
  const limitName =
    check.kind === 'guideline'
      ? `usual ${check.comparison === 'at_most' ? 'maximum' : 'minimum'}`
      : check.comparison === 'at_most'
        ? 'limit'
        : 'minimum';
  const detail = check.detail ? ` ${check.detail}` : '';
  const withLimit = { ...base, limit: toReported(check.limit, check.unit), unit: check.unit };
  if (check.figure === undefined) {
    return {
      ...withLimit,
      status: 'unknown',
      reason: `Not known yet: the ${limitName} is ${limitText}.${detail}`,
      questions: check.questions,
    };
  }
  // How far the figure is on the failing side of the limit (negative or 0: it passes).
  const shortfall = check.comparison === 'at_most' ? check.figure - check.limit : check.limit - check.figure;
  const allowance = Math.floor(check.limit * check.nearMissShare + 1e-9);
  const figureText = formatAmount(check.figure, check.unit);
  const gapAmount = formatAmount(Math.abs(shortfall), check.unit);
  const failSide = check.comparison === 'at_most' ? 'over' : 'short of';
  const passSide = check.comparison === 'at_most' ? 'within' : 'above';
  const reported = { ...withLimit, figure: toReported(check.figure, check.unit) };
  const Subject = capitalise(check.subject);

  if (check.partial && shortfall <= allowance) {
    return {
      ...reported,
      status: 'unknown',
      reason: `${Subject} at least ${figureText} from what is known; the ${limitName} is ${limitText}.${detail}`,
      questions: check.questions,
    };
  }
  const atLeast = check.partial ? 'at least ' : '';
  if (shortfall <= 0) {
    const gap =
      shortfall === 0
        ? `${check.subject} exactly at the ${limitName}`
        : `${check.subject} ${gapAmount} ${passSide} the ${limitName}`;
    return {
      ...reported,
      status: 'eligible',
      reason: `${Subject} ${figureText}, ${check.comparison === 'at_most' ? 'within' : 'meeting'} the ${limitName} of ${limitText}.${detail}`,
      gap,
    };
  }
  const gap = `${check.subject} ${atLeast}${gapAmount} ${failSide} the ${limitName}`;
  const nearMiss = shortfall <= allowance;
  const reason = nearMiss
    ? `${Subject} ${figureText}, ${failSide} the ${limitName} of ${limitText} by no more than ${percent(check.nearMissShare)} of it.${detail}`
    : `${Subject} ${atLeast}${figureText}, ${failSide} the ${limitName} of ${limitText}.${detail}`;
  return {
    ...reported,
    status: nearMiss ? 'near_miss' : 'not_eligible',
    reason,
    gap,
    toChange: check.toChange(gapAmount),
  };
}

/** An amount in a unit as words: "1,200 GBP", "7.50 GBP a month", or a bare count of creditors. */
export function formatAmount(minor: number, unit: CriterionUnit): string {
  if (unit === 'creditors') return String(minor);
  return unit === 'GBP_per_month' ? `${formatGbp(minor)} a month` : formatGbp(minor);
}

function toReported(minor: number, unit: CriterionUnit): number {
  return unit === 'creditors' ? minor : minor / 100;
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
