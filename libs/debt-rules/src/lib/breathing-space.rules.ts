import { CLIENT_QUESTIONS } from './client-questions';
import {
  notBankruptCriterion,
  notInForceResult,
  notInIvaCriterion,
  optionResult,
  regionCriterion,
} from './common.rules';
import { conditionCriterion, type Criterion } from './criterion';
import { addDays, addMonths } from './dates';
import type { ClientFacts } from './facts';
import { debtFigures } from './figures';
import { formatGbp } from './money';
import type { OptionIdentity, OptionResult, RuleContext } from './option.types';
import { type DatedValue, IN_FORCE_FROM, RULE_SOURCES, thresholdOn } from './thresholds';

/** Breathing Space (the Debt Respite Scheme), as the report names it. */
export const BREATHING_SPACE: OptionIdentity = {
  option: 'breathing_space',
  name: 'Breathing Space',
  source: RULE_SOURCES.breathingSpace,
  inForceFrom: IN_FORCE_FROM.breathingSpace,
};

const scheme = { source: RULE_SOURCES.breathingSpace, appliesFrom: IN_FORCE_FROM.breathingSpace };

/**
 * Whether the client can have a breathing space on `asOf`: a standard one (60 days, not within 12
 * months of the last one ending) or, during mental health crisis treatment, one that lasts for the
 * treatment plus 30 days with no 12-month limit.
 */
export function breathingSpace(context: RuleContext): OptionResult {
  const { facts, asOf } = context;
  const standardDays = thresholdOn('breathing_space_standard_days', asOf);
  const repeatMonths = thresholdOn('breathing_space_repeat_months', asOf);
  const crisisDays = thresholdOn('breathing_space_crisis_extra_days', asOf);
  const droMonths = thresholdOn('dro_moratorium_months', asOf);
  if (!standardDays || !repeatMonths || !crisisDays || !droMonths) return notInForceResult(BREATHING_SPACE, asOf);

  const crisis = facts.inMentalHealthCrisis === true;
  const criteria: Criterion[] = [
    regionCriterion(BREATHING_SPACE, facts),
    owesDebtCriterion(facts),
    notInDroCriterion(facts, asOf, droMonths),
    notInIvaCriterion({ id: 'breathing_space.not_in_iva', ...scheme }, facts),
    notBankruptCriterion({ id: 'breathing_space.not_bankrupt', ...scheme }, facts),
  ];
  if (!crisis) criteria.push(repeatCriterion(facts, asOf, repeatMonths));
  const repeatBlocked = criteria.some(
    (criterion) => criterion.id === 'breathing_space.no_recent_standard' && criterion.status === 'not_eligible',
  );
  return optionResult(BREATHING_SPACE, {
    criteria,
    // A crisis breathing space has no 12-month limit, so the answer may turn on this.
    riskQuestions:
      repeatBlocked && facts.inMentalHealthCrisis === undefined ? [CLIENT_QUESTIONS.mentalHealthCrisis] : [],
    notes: [
      crisis
        ? `Mental health crisis breathing space: lasts for the crisis treatment plus ${crisisDays.value} days, with no 12-month limit; an approved mental health professional must confirm the treatment.`
        : `Standard breathing space: ${standardDays.value} days of protection from interest, charges and enforcement.`,
    ],
  });
}

function owesDebtCriterion(facts: ClientFacts): Criterion {
  const rule = { id: 'breathing_space.owes_debt', label: 'Owes at least one debt', kind: 'law' as const, ...scheme };
  const owed = debtFigures(facts).allPence;
  if (owed === undefined) return conditionCriterion(rule, { met: undefined, questions: [CLIENT_QUESTIONS.debts] });
  return owed > 0
    ? conditionCriterion(rule, { met: true, reason: `The client owes ${formatGbp(owed)}.` })
    : conditionCriterion(rule, { met: false, reason: 'The client owes nothing.' });
}

// A DRO's moratorium lasts a year from approval; during it the client is "subject to a DRO".
function notInDroCriterion(facts: ClientFacts, asOf: string, droMonths: DatedValue): Criterion {
  const rule = {
    id: 'breathing_space.not_in_dro',
    label: 'Not in a debt relief order now',
    kind: 'law' as const,
    ...scheme,
  };
  const approvedOn = facts.lastDebtReliefOrderApprovedOn;
  if (approvedOn === undefined)
    return conditionCriterion(rule, { met: undefined, questions: [CLIENT_QUESTIONS.previousDro] });
  if (approvedOn === null) return conditionCriterion(rule, { met: true, reason: 'The client has never had a DRO.' });
  const endsOn = addMonths(approvedOn, droMonths.value);
  return asOf >= endsOn
    ? conditionCriterion(rule, { met: true, reason: `The client's DRO (approved ${approvedOn}) ended on ${endsOn}.` })
    : conditionCriterion(rule, {
        met: false,
        reason: `The client is in a DRO approved on ${approvedOn}, which runs until ${endsOn}.`,
        toChange: `Not needed while the DRO protects the client; possible from ${endsOn} if the DRO ends then.`,
      });
}

// Regulation 24(3)(g): a previous breathing space must have ended MORE than 12 months before.
function repeatCriterion(facts: ClientFacts, asOf: string, months: DatedValue): Criterion {
  const rule = {
    id: 'breathing_space.no_recent_standard',
    label: `No standard breathing space ended in the last ${months.value} months`,
    kind: 'law' as const,
    source: months.source,
    appliesFrom: months.from,
  };
  const endedOn = facts.lastStandardBreathingSpaceEndedOn;
  if (endedOn === undefined)
    return conditionCriterion(rule, { met: undefined, questions: [CLIENT_QUESTIONS.lastBreathingSpace] });
  if (endedOn === null)
    return conditionCriterion(rule, { met: true, reason: 'The client has never had a standard breathing space.' });
  const possibleFrom = addDays(addMonths(endedOn, months.value), 1);
  return asOf >= possibleFrom
    ? conditionCriterion(rule, {
        met: true,
        reason: `The last standard breathing space ended on ${endedOn}, more than ${months.value} months ago.`,
      })
    : conditionCriterion(rule, {
        met: false,
        reason: `The last standard breathing space ended on ${endedOn}, within the last ${months.value} months.`,
        toChange: `A standard breathing space is possible from ${possibleFrom}; a mental health crisis breathing space has no 12-month limit.`,
      });
}
