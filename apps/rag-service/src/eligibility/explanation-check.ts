import { creditorKey, THRESHOLDS, type ClientFacts, type EligibilityReport } from '@rma/debt-rules';

/** An amount of money the explanation states that is neither among the facts nor the rules' figures. */
export interface InventedAmount {
  /** As written, e.g. "£12,345". */
  text: string;
  /** GBP. */
  amount: number;
}

// Money as the model writes it: "£1,234.56", "£500pm", "£1.5m", "GBP 5,000", "1,200 GBP", "90 pounds",
// and bare figures written as money ("55,000", "123.45"). A bare whole number is not money (6 years, 60
// days, 12 months, 3 creditors), nor is a date or a percentage. No digit may follow a match, so a
// number is never read in part.
const NUMBER = String.raw`(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?`;
const END = String.raw`(?![\d,.]*\d)`;
const MULTIPLIER = String.raw`(?:\s?(million|thousand)\b|(k|m|bn)(?![a-z]))?`;
const MONEY = new RegExp(
  [
    String.raw`(?:£|\bGBP\s?)\s?${NUMBER}${END}${MULTIPLIER}`,
    String.raw`\b${NUMBER}${END}\s?(?:GBP|pounds?)\b`,
    String.raw`(?<![\d.£-])\b(\d{1,3}(?:,\d{3})+|\d+)\.(\d{2})(?![\d%]|\.\d)`,
    String.raw`(?<![\d.£-])\b(\d{1,3}(?:,\d{3})+)(?![\d%]|\.\d)`,
  ].join('|'),
  'gi',
);
const TIMES: Record<string, number> = { k: 1_000, thousand: 1_000, m: 1_000_000, million: 1_000_000, bn: 1e9 };

/** Every amount of money in `text`, in pence, with how it was written. */
export function amountsIn(text: string): { text: string; pence: number }[] {
  return [...text.matchAll(MONEY)].map((match) => {
    const [whole, fraction, multiplier] =
      match[1] !== undefined
        ? [match[1], match[2], match[3] ?? match[4]]
        : match[5] !== undefined
          ? [match[5], match[6], undefined]
          : match[7] !== undefined
            ? [match[7], match[8], undefined]
            : [match[9], undefined, undefined];
    const pence = Number(whole.replace(/,/g, '')) * 100 + Number((fraction ?? '').padEnd(2, '0'));
    return { text: match[0].trim(), pence: Math.round(pence * (multiplier ? TIMES[multiplier.toLowerCase()] : 1)) };
  });
}

/**
 * The amounts an explanation may state: the client's figures, every figure, limit and gap of the report,
 * the fees, each creditor's total, the near-miss allowances, and every dated threshold (the manuals
 * quote earlier limits too). In pence.
 */
export function allowedAmounts(input: {
  facts: ClientFacts;
  report: EligibilityReport;
  nearMissShare: number;
}): Set<number> {
  const { facts, report, nearMissShare } = input;
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
  // What the report's sentences state besides figures and limits: each creditor's total (the petition
  // risk) and the near-miss allowance of each limit.
  const byCreditor = new Map<string, number>();
  for (const debt of facts.debts ?? []) {
    const key = creditorKey(debt.creditor);
    byCreditor.set(key, (byCreditor.get(key) ?? 0) + debt.amount);
  }
  pounds.push(...byCreditor.values());
  for (const option of report.options) {
    for (const criterion of option.criteria) {
      if (criterion.limit !== undefined && criterion.unit !== 'creditors') {
        pounds.push(Math.floor(criterion.limit * 100 * nearMissShare) / 100);
      }
    }
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
