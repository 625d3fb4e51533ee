import { CLIENT_QUESTIONS } from './client-questions';
import { optionResult, regionCriterion } from './common.rules';
import { type Criterion, limitCriterion } from './criterion';
import { debtFigures, monthlySurplusPence } from './figures';
import { formatGbp, toPence } from './money';
import type { IvaGuidelines, OptionIdentity, OptionResult, RuleContext } from './option.types';
import { IN_FORCE_FROM, RULE_SOURCES } from './thresholds';

/** The individual voluntary arrangement, as the report names it. */
export const INDIVIDUAL_VOLUNTARY_ARRANGEMENT: OptionIdentity = {
  option: 'individual_voluntary_arrangement',
  name: 'Individual Voluntary Arrangement',
  source: RULE_SOURCES.iva,
  inForceFrom: IN_FORCE_FROM.insolvencyAct1986,
};

/**
 * Providers' usual conditions, not law (the Insolvency Act sets no minimum). Chosen as the middle
 * of what IVA firms commonly ask: at least 6,000 GBP of unsecured debt, owed to at least 2
 * creditors, and at least 100 GBP a month the client can afford to pay in. Callers may override each.
 */
export const DEFAULT_IVA_GUIDELINES: Readonly<IvaGuidelines> = Object.freeze({
  minUnsecuredDebt: 6_000,
  minCreditors: 2,
  minMonthlyContribution: 100,
});

/** Whether an IVA looks workable on `asOf`: providers' guidelines, each reported as `kind: 'guideline'`. */
export function individualVoluntaryArrangement(context: RuleContext): OptionResult {
  const { facts, ivaGuidelines: guidelines, nearMissShare } = context;
  const figures = debtFigures(facts);
  const guideline = {
    kind: 'guideline' as const,
    source: RULE_SOURCES.ivaGuidelines,
    appliesFrom: IN_FORCE_FROM.insolvencyAct1986,
  };
  const criteria: Criterion[] = [
    regionCriterion(INDIVIDUAL_VOLUNTARY_ARRANGEMENT, facts),
    limitCriterion({
      ...guideline,
      id: 'individual_voluntary_arrangement.unsecured_debts',
      label: `Unsecured debts of at least ${formatGbp(toPence(guidelines.minUnsecuredDebt))} (providers' usual minimum)`,
      comparison: 'at_least',
      unit: 'GBP',
      figure: figures.unsecuredPence,
      limit: toPence(guidelines.minUnsecuredDebt),
      subject: 'unsecured debts are',
      questions: [CLIENT_QUESTIONS.debts],
      nearMissShare,
      toChange: () =>
        'Some providers accept smaller IVAs; for small debts a debt management plan or a DRO is usually a better fit.',
    }),
    limitCriterion({
      ...guideline,
      id: 'individual_voluntary_arrangement.creditors',
      label: `At least ${guidelines.minCreditors} creditors (providers' usual minimum)`,
      comparison: 'at_least',
      unit: 'creditors',
      figure: figures.unsecuredByCreditor?.size,
      limit: guidelines.minCreditors,
      subject: 'the number of creditors is',
      questions: [figures.unsecuredPence === undefined ? CLIENT_QUESTIONS.debts : CLIENT_QUESTIONS.debtList],
      nearMissShare,
      toChange: () =>
        'With a single creditor, an informal repayment arrangement with that creditor is usually simpler.',
    }),
    limitCriterion({
      ...guideline,
      id: 'individual_voluntary_arrangement.monthly_contribution',
      label: `An affordable monthly contribution of at least ${formatGbp(toPence(guidelines.minMonthlyContribution))} (providers' usual minimum)`,
      comparison: 'at_least',
      unit: 'GBP_per_month',
      figure: monthlySurplusPence(facts),
      limit: toPence(guidelines.minMonthlyContribution),
      subject: 'the monthly surplus is',
      questions: [CLIENT_QUESTIONS.surplus],
      nearMissShare,
      toChange: (gap) =>
        `A surplus ${gap} higher would meet the usual minimum; otherwise a DRO or bankruptcy may fit better.`,
    }),
  ];
  const risks = ['If the IVA fails (payments missed), the supervisor can petition for the client\u2019s bankruptcy.'];
  if (facts.ownsHome && (facts.homeEquity === undefined || facts.homeEquity > 0)) {
    risks.push('Providers usually ask a home owner to try to release equity from the home towards the end of the IVA.');
  }
  return optionResult(INDIVIDUAL_VOLUNTARY_ARRANGEMENT, {
    criteria,
    risks,
    notes: [
      'An IVA has no legal minimum debt: these criteria are providers\u2019 usual conditions (guidelines), not law.',
      'There is no upfront fee; the insolvency practitioner\u2019s fees come out of the monthly contributions.',
    ],
  });
}
