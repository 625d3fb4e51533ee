import { CLIENT_QUESTIONS } from './client-questions';
import {
  connectionCriterion,
  notBankruptCriterion,
  notInForceResult,
  notInIvaCriterion,
  optionResult,
  regionCriterion,
} from './common.rules';
import { conditionCriterion, type Criterion, limitCriterion } from './criterion';
import { addMonths } from './dates';
import type { ClientFacts } from './facts';
import { debtFigures, DRO_EXCLUDED_DEBT_TYPES, monthlySurplusPence } from './figures';
import { formatGbp, toPence } from './money';
import type { OptionIdentity, OptionResult, RuleContext } from './option.types';
import { type DatedValue, IN_FORCE_FROM, RULE_SOURCES, thresholdOn } from './thresholds';

/** The Debt Relief Order, as the report names it. */
export const DEBT_RELIEF_ORDER: OptionIdentity = {
  option: 'debt_relief_order',
  name: 'Debt Relief Order',
  source: RULE_SOURCES.droConditions,
  inForceFrom: IN_FORCE_FROM.debtReliefOrder,
};

const conditions = { source: RULE_SOURCES.droConditions, appliesFrom: IN_FORCE_FROM.debtReliefOrder };

/** Whether the client can get a Debt Relief Order (Insolvency Act 1986 Part 7A, Schedule 4ZA) on `asOf`. */
export function debtReliefOrder(context: RuleContext): OptionResult {
  const { facts, asOf } = context;
  const maxDebts = thresholdOn('dro_max_qualifying_debts', asOf);
  const maxSurplus = thresholdOn('dro_max_monthly_surplus', asOf);
  const maxAssets = thresholdOn('dro_max_assets', asOf);
  const vehicle = thresholdOn('dro_vehicle_disregard_below', asOf);
  const repeatYears = thresholdOn('dro_repeat_years', asOf);
  const connectionYears = thresholdOn('dro_connection_years', asOf);
  const fee = thresholdOn('dro_fee', asOf);
  const moratorium = thresholdOn('dro_moratorium_months', asOf);
  if (!maxDebts || !maxSurplus || !maxAssets || !vehicle || !repeatYears || !connectionYears || !fee || !moratorium) {
    return notInForceResult(DEBT_RELIEF_ORDER, asOf);
  }

  const criteria: Criterion[] = [
    regionCriterion(DEBT_RELIEF_ORDER, facts),
    connectionCriterion(
      { id: 'debt_relief_order.connection', source: connectionYears.source, appliesFrom: connectionYears.from },
      facts,
      connectionYears.value,
    ),
    previousDroCriterion(facts, asOf, repeatYears),
    notBankruptCriterion({ id: 'debt_relief_order.not_bankrupt', ...conditions }, facts),
    notInIvaCriterion({ id: 'debt_relief_order.not_in_iva', ...conditions }, facts),
    noPendingPetitionCriterion(facts),
    qualifyingDebtsCriterion(context, maxDebts),
    surplusCriterion(context, maxSurplus),
    assetsCriterion(context, maxAssets, vehicle),
  ];
  return optionResult(DEBT_RELIEF_ORDER, {
    criteria,
    fee: {
      amount: fee.value,
      parts: [{ label: 'DRO application fee', amount: fee.value, source: fee.source, appliesFrom: fee.from }],
    },
    notes: [
      `A DRO lasts ${moratorium.value} months; qualifying debts are then written off. Secured debts and excluded debts (student loans, court fines, child maintenance) stay payable.`,
    ],
  });
}

function previousDroCriterion(facts: ClientFacts, asOf: string, years: DatedValue): Criterion {
  const rule = {
    id: 'debt_relief_order.no_recent_dro',
    label: `No DRO made in the last ${years.value} years`,
    kind: 'law' as const,
    source: years.source,
    appliesFrom: years.from,
  };
  const approvedOn = facts.lastDebtReliefOrderApprovedOn;
  if (approvedOn === undefined)
    return conditionCriterion(rule, { met: undefined, questions: [CLIENT_QUESTIONS.previousDro] });
  if (approvedOn === null) return conditionCriterion(rule, { met: true, reason: 'The client has never had a DRO.' });
  // The period of 6 years ends with the day of the check, so the 6th anniversary itself is outside it.
  const possibleFrom = addMonths(approvedOn, 12 * years.value);
  return asOf >= possibleFrom
    ? conditionCriterion(rule, {
        met: true,
        reason: `The last DRO was approved on ${approvedOn}, more than ${years.value} years ago.`,
      })
    : conditionCriterion(rule, {
        met: false,
        reason: `The last DRO was approved on ${approvedOn}, within the last ${years.value} years.`,
        toChange: `A new DRO is possible from ${possibleFrom}.`,
      });
}

function noPendingPetitionCriterion(facts: ClientFacts): Criterion {
  const rule = {
    id: 'debt_relief_order.no_pending_petition',
    label: 'No bankruptcy petition pending against the client',
    kind: 'law' as const,
    ...conditions,
  };
  if (facts.bankruptcyPetitionPending === undefined)
    return conditionCriterion(rule, { met: undefined, questions: [CLIENT_QUESTIONS.petition] });
  return facts.bankruptcyPetitionPending
    ? conditionCriterion(rule, {
        met: false,
        reason: 'A bankruptcy petition against the client is waiting to be heard.',
        toChange:
          'Only with the petitioning creditor\u2019s consent, or if the court refers the client to the DRO process.',
      })
    : conditionCriterion(rule, { met: true, reason: 'No bankruptcy petition is pending.' });
}

function qualifyingDebtsCriterion(context: RuleContext, limit: DatedValue): Criterion {
  const figures = debtFigures(context.facts);
  const leftOut: string[] = [];
  if (figures.droLeftOut.secured > 0) leftOut.push(`${figures.droLeftOut.secured} secured`);
  if (figures.droLeftOut.excluded > 0)
    leftOut.push(
      `${figures.droLeftOut.excluded} excluded (${DRO_EXCLUDED_DEBT_TYPES.map((type) => type.replaceAll('_', ' ')).join(', ')})`,
    );
  const detail = !figures.listed
    ? figures.droQualifyingPence === undefined
      ? undefined
      : 'Taken from debtsTotal and counted in full, as no list shows which debts are secured or excluded.'
    : leftOut.length > 0
      ? `Not counted: ${leftOut.join(' and ')} debt(s).`
      : undefined;
  return limitCriterion({
    id: 'debt_relief_order.qualifying_debts',
    label: `Qualifying debts at most ${formatGbp(toPence(limit.value))}`,
    kind: 'law',
    source: limit.source,
    appliesFrom: limit.from,
    comparison: 'at_most',
    unit: 'GBP',
    figure: figures.droQualifyingPence,
    limit: toPence(limit.value),
    subject: 'qualifying debts are',
    questions: [CLIENT_QUESTIONS.debts],
    nearMissShare: context.nearMissShare,
    toChange: (gap) =>
      `Qualifying debts ${gap} lower would be within the limit (paying some off, or a debt found not to qualify); bankruptcy has no maximum.`,
    detail,
  });
}

function surplusCriterion(context: RuleContext, limit: DatedValue): Criterion {
  return limitCriterion({
    id: 'debt_relief_order.surplus_income',
    label: `Monthly surplus income at most ${formatGbp(toPence(limit.value))}`,
    kind: 'law',
    source: limit.source,
    appliesFrom: limit.from,
    comparison: 'at_most',
    unit: 'GBP_per_month',
    figure: monthlySurplusPence(context.facts),
    limit: toPence(limit.value),
    subject: 'surplus income is',
    questions: [CLIENT_QUESTIONS.surplus],
    nearMissShare: context.nearMissShare,
    toChange: (gap) =>
      `A surplus ${gap} lower would be within the limit: check that every essential household expense is counted.`,
  });
}

// Property = savings and belongings + the client's equity in a home + a vehicle worth at least the
// disregard (one vehicle worth less than it is not counted; one worth more counts in full).
function assetsCriterion(context: RuleContext, limit: DatedValue, vehicle: DatedValue): Criterion {
  const { facts } = context;
  const vehicleLimit = toPence(vehicle.value);
  const parts: { pence: number | undefined; question: string }[] = [
    {
      pence: facts.assetsValue === undefined ? undefined : toPence(facts.assetsValue),
      question: CLIENT_QUESTIONS.assets,
    },
    {
      pence:
        facts.vehicleValue === undefined
          ? undefined
          : toPence(facts.vehicleValue) < vehicleLimit
            ? 0
            : toPence(facts.vehicleValue),
      question: CLIENT_QUESTIONS.vehicle,
    },
    facts.ownsHome === undefined
      ? { pence: undefined, question: CLIENT_QUESTIONS.ownsHome }
      : {
          pence: !facts.ownsHome ? 0 : facts.homeEquity === undefined ? undefined : toPence(facts.homeEquity),
          question: CLIENT_QUESTIONS.homeEquity,
        },
  ];
  const missing = parts.filter((part) => part.pence === undefined);
  const known = parts.reduce((total, part) => total + (part.pence ?? 0), 0);
  const vehicleCounted = facts.vehicleValue !== undefined && toPence(facts.vehicleValue) >= vehicleLimit;
  const vehicleNote = vehicleCounted
    ? `The vehicle (${formatGbp(toPence(facts.vehicleValue ?? 0))}) counts in full: only one worth less than ${formatGbp(vehicleLimit)} is left out.`
    : `One vehicle worth less than ${formatGbp(vehicleLimit)} is not counted (from ${vehicle.from}, ${vehicle.source.title}).`;
  return limitCriterion({
    id: 'debt_relief_order.assets',
    label: `Property worth at most ${formatGbp(toPence(limit.value))}, leaving out one vehicle worth less than ${formatGbp(vehicleLimit)}`,
    kind: 'law',
    source: limit.source,
    appliesFrom: limit.from,
    comparison: 'at_most',
    unit: 'GBP',
    figure: missing.length === parts.length ? undefined : known,
    partial: missing.length > 0,
    limit: toPence(limit.value),
    subject: 'assets are',
    questions: missing.map((part) => part.question),
    nearMissShare: context.nearMissShare,
    toChange: (gap) =>
      vehicleCounted
        ? `Assets ${gap} lower would be within the limit; a vehicle worth less than ${formatGbp(vehicleLimit)} would not be counted at all.`
        : `Assets ${gap} lower would be within the limit.`,
    detail: vehicleNote,
  });
}
