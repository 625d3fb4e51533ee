import { THRESHOLDS, type ClientFacts, type EligibilityReport } from '@rma/debt-rules';

/** An amount of money the explanation states that is neither among the facts nor the rules' figures. */
export interface InventedAmount {
  /** As written, e.g. "£12,345". */
  text: string;
  /** GBP. */
  amount: number;
}

// Money as the model writes it: "£1,234.56", "£500", "1,200 GBP", "90 pounds". A bare number is not
// money (6 years, 60 days, 12 months).
const MONEY =
  /£\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?(k)?\b|\b(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?\s?(?:GBP|pounds?)\b/gi;

/** Every amount of money in `text`, in pence, with how it was written. */
export function amountsIn(text: string): { text: string; pence: number }[] {
  return [...text.matchAll(MONEY)].map((match) => {
    const whole = (match[1] ?? match[4]).replace(/,/g, '');
    const fraction = (match[2] ?? match[5] ?? '').replace('.', '').padEnd(2, '0') || '00';
    const pence = Number(whole) * 100 + Number(fraction);
    return { text: match[0].trim(), pence: match[3] ? pence * 1000 : pence };
  });
}

/**
 * The amounts an explanation may state: the client's figures, every figure, limit and gap of the report,
 * the fees, and every dated threshold (the manuals quote earlier limits too). In pence.
 */
export function allowedAmounts(facts: ClientFacts, report: EligibilityReport): Set<number> {
  const pounds: number[] = [
    facts.debtsTotal,
    facts.monthlyIncome,
    facts.monthlyExpenses,
    facts.monthlySurplus,
    facts.assetsValue,
    facts.vehicleValue,
    facts.homeEquity,
  ].filter((value): value is number => value !== undefined);
  for (const debt of facts.debts ?? []) pounds.push(debt.amount);
  if (facts.debts) pounds.push(facts.debts.reduce((sum, debt) => sum + debt.amount, 0));
  for (const option of report.options) {
    for (const criterion of option.criteria) {
      if (criterion.unit === 'creditors') continue;
      if (criterion.figure !== undefined) pounds.push(criterion.figure);
      if (criterion.limit !== undefined) pounds.push(criterion.limit);
      if (criterion.figure !== undefined && criterion.limit !== undefined) {
        pounds.push(Math.abs(criterion.figure - criterion.limit));
      }
    }
    if (option.fee) pounds.push(option.fee.amount, ...option.fee.parts.map((part) => part.amount));
  }
  for (const threshold of Object.values(THRESHOLDS)) {
    if (threshold.unit === 'GBP' || threshold.unit === 'GBP_per_month') {
      pounds.push(...threshold.values.map((value) => value.value));
    }
  }
  return new Set(pounds.map((value) => Math.round(Math.abs(value) * 100)));
}

/** The amounts in `text` that are not allowed, each once. */
export function inventedAmounts(text: string, allowed: ReadonlySet<number>): InventedAmount[] {
  const seen = new Set<number>();
  const invented: InventedAmount[] = [];
  for (const { text: written, pence } of amountsIn(text)) {
    if (allowed.has(pence) || seen.has(pence)) continue;
    seen.add(pence);
    invented.push({ text: written, amount: pence / 100 });
  }
  return invented;
}
