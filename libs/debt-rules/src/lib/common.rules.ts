import { CLIENT_QUESTIONS } from './client-questions';
import {
  conditionCriterion,
  criteriaQuestions,
  type Criterion,
  type EligibilityStatus,
  overallStatus,
  unique,
} from './criterion';
import type { ClientFacts, Region } from './facts';
import type { Fee, OptionIdentity, OptionResult } from './option.types';
import type { Source } from './thresholds';

// Criteria more than one option shares: where the client lives, their connection to England and
// Wales, and whether they are already in a formal insolvency.

const REGION_NAMES: Record<Region, string> = {
  england: 'England',
  wales: 'Wales',
  scotland: 'Scotland',
  northern_ireland: 'Northern Ireland',
};

/** True for the regions whose rules this library holds. */
export function hasRules(region: Region | undefined): boolean {
  return region === undefined || region === 'england' || region === 'wales';
}

/** Where the client lives: England and Wales are checked; other regions are unknown until their rules exist. */
export function regionCriterion(identity: OptionIdentity, facts: ClientFacts): Criterion {
  const rule = {
    id: `${identity.option}.region`,
    label: 'Lives in England or Wales, the only part of the UK whose rules this library holds',
    kind: 'law' as const,
    source: identity.source,
    appliesFrom: identity.inForceFrom,
  };
  const region = facts.region;
  if (region === undefined) return conditionCriterion(rule, { met: undefined, questions: [CLIENT_QUESTIONS.region] });
  if (hasRules(region))
    return conditionCriterion(rule, { met: true, reason: `The client lives in ${REGION_NAMES[region]}.` });
  return conditionCriterion(rule, {
    met: undefined,
    questions: [],
    reason: `The client lives in ${REGION_NAMES[region]}, whose ${identity.name} rules are not in this library yet; an adviser must check them.`,
  });
}

/** Lived, owned property or had a business in England or Wales within the last `years` years. */
export function connectionCriterion(
  rule: { id: string; source: Source; appliesFrom: string },
  facts: ClientFacts,
  years: number,
): Criterion {
  const full = {
    ...rule,
    label: `Lived, owned property or had a business in England or Wales in the last ${years} years`,
    kind: 'law' as const,
  };
  if (facts.region === 'england' || facts.region === 'wales') {
    return conditionCriterion(full, { met: true, reason: `The client lives in ${REGION_NAMES[facts.region]} now.` });
  }
  const connected = facts.connectedToEnglandOrWalesLast3Years;
  if (connected === undefined)
    return conditionCriterion(full, { met: undefined, questions: [CLIENT_QUESTIONS.connection] });
  return connected
    ? conditionCriterion(full, {
        met: true,
        reason: `The client has a connection with England or Wales in the last ${years} years.`,
      })
    : conditionCriterion(full, {
        met: false,
        reason: `The client has had no home, property or business in England or Wales in the last ${years} years.`,
      });
}

/** Not an undischarged bankrupt. */
export function notBankruptCriterion(
  rule: { id: string; source: Source; appliesFrom: string },
  facts: ClientFacts,
): Criterion {
  const full = { ...rule, label: 'Not bankrupt now', kind: 'law' as const };
  if (facts.currentlyBankrupt === undefined)
    return conditionCriterion(full, { met: undefined, questions: [CLIENT_QUESTIONS.bankrupt] });
  return facts.currentlyBankrupt
    ? conditionCriterion(full, {
        met: false,
        reason: 'The client is an undischarged bankrupt.',
        toChange: 'Only once the bankruptcy is discharged (usually after 12 months).',
      })
    : conditionCriterion(full, { met: true, reason: 'The client is not bankrupt.' });
}

/** Not in an individual voluntary arrangement. */
export function notInIvaCriterion(
  rule: { id: string; source: Source; appliesFrom: string },
  facts: ClientFacts,
): Criterion {
  const full = { ...rule, label: 'Not in an individual voluntary arrangement now', kind: 'law' as const };
  if (facts.inIva === undefined) return conditionCriterion(full, { met: undefined, questions: [CLIENT_QUESTIONS.iva] });
  return facts.inIva
    ? conditionCriterion(full, {
        met: false,
        reason: 'The client is in an IVA.',
        toChange: 'Only once the IVA has ended (completed or failed).',
      })
    : conditionCriterion(full, { met: true, reason: 'The client is not in an IVA.' });
}

/** The answer for an option on a date before its scheme existed. */
export function notInForceResult(identity: OptionIdentity, asOf: string): OptionResult {
  const criterion = conditionCriterion(
    {
      id: `${identity.option}.in_force`,
      label: `The ${identity.name} scheme exists on the date checked`,
      kind: 'law',
      source: identity.source,
      appliesFrom: identity.inForceFrom,
    },
    { met: false, reason: `No ${identity.name} existed on ${asOf}: the scheme began on ${identity.inForceFrom}.` },
  );
  return optionResult(identity, { criteria: [criterion] });
}

/** The answer for an option in a region whose rules the library does not hold. */
export function regionUnknownResult(identity: OptionIdentity, facts: ClientFacts): OptionResult {
  return optionResult(identity, { criteria: [regionCriterion(identity, facts)] });
}

/** An option's result: status and questions follow from its criteria (and risk questions). */
export function optionResult(
  identity: OptionIdentity,
  parts: { criteria: Criterion[]; risks?: string[]; riskQuestions?: string[]; fee?: Fee; notes?: string[] },
): OptionResult {
  const status = overallStatus(parts.criteria);
  return {
    option: identity.option,
    name: identity.name,
    status,
    decidedBy: decidedBy(parts.criteria, status),
    criteria: parts.criteria,
    risks: parts.risks ?? [],
    questions: unique([...criteriaQuestions(parts.criteria), ...(parts.riskQuestions ?? [])]),
    ...(parts.fee ? { fee: parts.fee } : {}),
    notes: parts.notes ?? [],
  };
}

// Which kinds of criterion the status rests on: those with the option's own status (all of them when it
// is eligible). An IVA refused on a providers' guideline alone must not read as refused by law.
function decidedBy(criteria: readonly Criterion[], status: EligibilityStatus): OptionResult['decidedBy'] {
  const kinds = new Set(criteria.filter((criterion) => criterion.status === status).map((criterion) => criterion.kind));
  if (kinds.has('guideline')) return kinds.has('law') ? 'law_and_guidelines' : 'guidelines';
  return 'law';
}
