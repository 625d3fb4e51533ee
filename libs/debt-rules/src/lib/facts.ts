import { isIsoDate } from './dates';
import { formatGbp, hasAtMostTwoDecimals, MAX_AMOUNT, sumPence, toPence } from './money';

// What the adviser knows about the client. Everything is optional: a missing fact makes the criteria
// that need it `unknown` and becomes a question to ask. Where "never" is an answer (no previous DRO),
// `null` says so and `undefined` means "not asked yet".

/** The part of the UK the client lives in; only England and Wales have rules so far. */
export const REGIONS = ['england', 'wales', 'scotland', 'northern_ireland'] as const;
/** The part of the UK the client lives in. */
export type Region = (typeof REGIONS)[number];

/** The kinds of debt the rules tell apart. */
export const DEBT_TYPES = [
  'credit_card',
  'loan',
  'overdraft',
  'council_tax',
  'rent_arrears',
  'energy',
  'water',
  'mortgage',
  'student_loan',
  'court_fine',
  'child_maintenance',
  'other',
] as const;
/** The kind of one debt. */
export type DebtType = (typeof DEBT_TYPES)[number];

/** One debt the client owes. */
export interface Debt {
  creditor: string;
  /** GBP, up to 2 decimals. */
  amount: number;
  type: DebtType;
  /** Secured on property (a mortgage always is, whatever this says). */
  secured: boolean;
}

/** What is known about the client. Give `debts` or `debtsTotal`; give income and expenses or `monthlySurplus`. */
export interface ClientFacts {
  region?: Region;
  debts?: readonly Debt[];
  /** GBP, every debt the client owes; used when no list is given (then all of it is taken as unsecured and qualifying). */
  debtsTotal?: number;
  monthlyIncome?: number;
  /** Normal household expenses a month. */
  monthlyExpenses?: number;
  /** Income less expenses a month; negative for a shortfall. */
  monthlySurplus?: number;
  /** GBP, savings and belongings of value, not counting the home and the vehicle. */
  assetsValue?: number;
  /** GBP, the one vehicle the client owns; 0 when none. */
  vehicleValue?: number;
  ownsHome?: boolean;
  /** GBP, the client's share of the home's value less the mortgage; 0 for none or negative equity. */
  homeEquity?: number;
  /** ISO date the last DRO was approved; null if the client never had one. */
  lastDebtReliefOrderApprovedOn?: string | null;
  currentlyBankrupt?: boolean;
  bankruptcyPetitionPending?: boolean;
  inIva?: boolean;
  /** ISO date the last standard breathing space ended; null if the client never had one. */
  lastStandardBreathingSpaceEndedOn?: string | null;
  /** Receiving mental health crisis treatment now. */
  inMentalHealthCrisis?: boolean;
  /** Lived, owned property or had a business in England or Wales in the last 3 years. */
  connectedToEnglandOrWalesLast3Years?: boolean;
}

/** One thing wrong with the facts: the field and what to change. */
export interface FactProblem {
  /** Field path, e.g. `debts[2].amount`. */
  path: string;
  message: string;
}

const AMOUNT_FIELDS = [
  'debtsTotal',
  'monthlyIncome',
  'monthlyExpenses',
  'assetsValue',
  'vehicleValue',
  'homeEquity',
] as const;
const DATE_FIELDS = ['lastDebtReliefOrderApprovedOn', 'lastStandardBreathingSpaceEndedOn'] as const;

/**
 * A refused value as a message may quote it: digits and separators (a wrong date, an amount) as they are,
 * anything else by its kind alone, as it may be free text (a name typed in the wrong field) and problems
 * reach error bodies.
 */
function shownValue(value: unknown): string {
  if (typeof value === 'string' && /^[\d\s./:+-]{1,30}$/.test(value)) return `'${value}'`;
  if (typeof value === 'number') return String(value);
  return typeof value === 'string'
    ? `text of ${value.length} characters`
    : `a ${value === null ? 'null' : typeof value}`;
}

/** Everything wrong with the facts as of `asOf`, each with its field path; empty when they can be checked. */
export function factProblems(facts: ClientFacts, asOf: string): FactProblem[] {
  const problems: FactProblem[] = [];
  const asOfValid = isIsoDate(asOf);
  if (!asOfValid)
    problems.push({ path: 'asOf', message: `asOf must be a real date written YYYY-MM-DD; got ${shownValue(asOf)}.` });

  if (facts.region !== undefined && !REGIONS.includes(facts.region)) {
    problems.push({
      path: 'region',
      message: `region must be one of ${REGIONS.join(', ')}; got ${shownValue(facts.region)}.`,
    });
  }
  for (const field of AMOUNT_FIELDS) problems.push(...amountProblems(field, facts[field]));
  if (facts.monthlySurplus !== undefined && !isFiniteNumber(facts.monthlySurplus)) {
    problems.push({
      path: 'monthlySurplus',
      message: 'monthlySurplus must be a number of pounds (negative for a shortfall).',
    });
  } else if (facts.monthlySurplus !== undefined && Math.abs(facts.monthlySurplus) > MAX_AMOUNT) {
    problems.push({
      path: 'monthlySurplus',
      message: `monthlySurplus must be within ${MAX_AMOUNT} pounds either way.`,
    });
  } else if (facts.monthlySurplus !== undefined && !hasAtMostTwoDecimals(facts.monthlySurplus)) {
    problems.push({
      path: 'monthlySurplus',
      message: 'monthlySurplus must have at most 2 decimal places (pounds and pence).',
    });
  }
  (facts.debts ?? []).forEach((debt, index) => problems.push(...debtProblems(debt, `debts[${index}]`)));
  for (const field of DATE_FIELDS) {
    const value = facts[field];
    if (value === undefined || value === null) continue;
    if (!isIsoDate(value)) {
      problems.push({
        path: field,
        message: `${field} must be a real date written YYYY-MM-DD, or null for never; got ${shownValue(value)}.`,
      });
    } else if (asOfValid && value > asOf) {
      problems.push({
        path: field,
        message: `${field} (${value}) is after asOf (${asOf}); give a date on or before it.`,
      });
    }
  }
  problems.push(...consistencyProblems(facts));
  return problems;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function amountProblems(path: string, value: number | undefined): FactProblem[] {
  if (value === undefined) return [];
  if (!isFiniteNumber(value)) return [{ path, message: `${path} must be a number of pounds.` }];
  if (value < 0) return [{ path, message: `${path} must not be negative (give 0 for none); got ${value}.` }];
  if (value > MAX_AMOUNT) return [{ path, message: `${path} must be at most ${MAX_AMOUNT} pounds; got ${value}.` }];
  if (!hasAtMostTwoDecimals(value))
    return [{ path, message: `${path} must have at most 2 decimal places (pounds and pence).` }];
  return [];
}

function debtProblems(debt: Debt, path: string): FactProblem[] {
  const problems = amountProblems(`${path}.amount`, debt.amount);
  if (typeof debt.creditor !== 'string' || debt.creditor.trim() === '') {
    problems.push({ path: `${path}.creditor`, message: `${path}.creditor must name the creditor.` });
  }
  if (!DEBT_TYPES.includes(debt.type)) {
    problems.push({
      path: `${path}.type`,
      message: `${path}.type must be one of ${DEBT_TYPES.join(', ')}; got ${shownValue(debt.type)}.`,
    });
  }
  return problems;
}

// Two answers to one question that disagree: the rules cannot pick one, so the adviser must.
function consistencyProblems(facts: ClientFacts): FactProblem[] {
  const problems: FactProblem[] = [];
  const amountsValid = (values: readonly (number | undefined)[]): values is number[] =>
    values.every((value) => isFiniteNumber(value) && hasAtMostTwoDecimals(value));

  if (
    facts.debts &&
    facts.debtsTotal !== undefined &&
    amountsValid([...facts.debts.map((debt) => debt.amount), facts.debtsTotal])
  ) {
    const listed = sumPence(facts.debts.map((debt) => debt.amount));
    if (listed !== toPence(facts.debtsTotal)) {
      problems.push({
        path: 'debtsTotal',
        message: `debtsTotal is ${formatGbp(toPence(facts.debtsTotal))} but the debts listed add up to ${formatGbp(listed)}: make them agree, or give only one.`,
      });
    }
  }
  const { monthlyIncome, monthlyExpenses, monthlySurplus } = facts;
  if (
    monthlyIncome !== undefined &&
    monthlyExpenses !== undefined &&
    monthlySurplus !== undefined &&
    amountsValid([monthlyIncome, monthlyExpenses, monthlySurplus])
  ) {
    const fromBudget = toPence(monthlyIncome) - toPence(monthlyExpenses);
    if (fromBudget !== toPence(monthlySurplus)) {
      problems.push({
        path: 'monthlySurplus',
        message: `monthlySurplus is ${formatGbp(toPence(monthlySurplus))} but monthlyIncome less monthlyExpenses is ${formatGbp(fromBudget)}: make them agree, or give only one.`,
      });
    }
  }
  if ((facts.region === 'england' || facts.region === 'wales') && facts.connectedToEnglandOrWalesLast3Years === false) {
    problems.push({
      path: 'connectedToEnglandOrWalesLast3Years',
      message: `connectedToEnglandOrWalesLast3Years is false but region is '${facts.region}': someone living there now is connected; correct one of them.`,
    });
  }
  if (facts.ownsHome === false && facts.homeEquity !== undefined && facts.homeEquity > 0) {
    problems.push({
      path: 'homeEquity',
      message: 'homeEquity is above 0 but ownsHome is false: set ownsHome to true, or leave homeEquity out.',
    });
  }
  return problems;
}
