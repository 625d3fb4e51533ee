import type { DebtType } from '@rma/debt-rules';
import { z } from 'zod';

// The debts and income a client document shows, to pre-fill an eligibility check. The facts come from
// another service as unknown JSON (shaped by doc-processor's extraction schemas, keyed by its document
// types): every field is checked here, and a field of the wrong shape counts as absent. Each figure names
// the page whose text shows it, so an adviser can check it against the document before relying on it.

/** One amount a client document shows, and where it shows it. */
export interface DocumentFigure {
  /** What the figure pre-fills. */
  field: 'debt' | 'monthlyIncome';
  /** GBP. */
  amount: number;
  /** For a debt. */
  creditor?: string;
  /** For a debt. */
  debtType?: DebtType;
  documentId: string;
  documentType: string;
  /** The page whose text shows the amount; null when it is not found in the text. */
  page: number | null;
  /** Where in the facts it came from, e.g. "balance" or "netPay (weekly x 52/12)". */
  factField: string;
}

/** A processed client document as far as its figures go. */
export interface FiguresSource {
  documentId: string;
  documentType: string;
  facts: Record<string, unknown>;
  markdown: string;
}

// Each field on its own: one malformed field is absent, it does not hide the others.
const amount = z.number().nullish().catch(null);
const name = z.string().nullish().catch(null);
const isoDate = z.iso.date().nullish().catch(null);
const period = z.object({ from: isoDate, to: isoDate }).nullish().catch(null);

const debtLetterFacts = z.object({ creditor: name, originalCreditor: name, balance: amount, arrears: amount });
const cardStatementFacts = z.object({
  accountLast4: z
    .string()
    .regex(/^\d{4}$/)
    .nullish()
    .catch(null),
  closingBalance: amount,
});
const billFacts = z.object({ issuer: name, amountDue: amount, arrears: amount });
const courtDocumentFacts = z.object({ claimant: name, amountClaimed: amount });
const payslipFacts = z.object({ period, netPay: amount });
const benefitFacts = z.object({ period, totalPaid: amount });

const UNKNOWN_CREDITOR = 'unknown creditor';

/** The debts and monthly income the document's facts show; none for other types, or for malformed facts. */
export function documentFigures(document: FiguresSource): DocumentFigure[] {
  const found = figuresOf(document.documentType, document.facts, document.markdown);
  return found.map(({ shownAmount, ...figure }) => ({
    ...figure,
    documentId: document.documentId,
    documentType: document.documentType,
    page: pageShowing(document.markdown, shownAmount),
  }));
}

type FoundFigure = Omit<DocumentFigure, 'documentId' | 'documentType' | 'page'> & {
  /** The amount as the document prints it (before scaling income to a month). */
  shownAmount: number;
};

// The type names are doc-processor's DOCUMENT_TYPES (persisted there; a rename there needs one here).
function figuresOf(documentType: string, facts: unknown, markdown: string): FoundFigure[] {
  switch (documentType) {
    case 'debt_collection_letter': {
      const parsed = debtLetterFacts.safeParse(facts);
      if (!parsed.success) return [];
      const { creditor, originalCreditor } = parsed.data;
      return debt(firstPositive(parsed.data, ['balance', 'arrears']), {
        creditor: named(creditor) ?? named(originalCreditor) ?? UNKNOWN_CREDITOR,
        debtType: 'other',
      });
    }
    case 'loan_agreement': {
      const parsed = debtLetterFacts.safeParse(facts);
      if (!parsed.success) return [];
      const { creditor, originalCreditor } = parsed.data;
      return debt(firstPositive(parsed.data, ['balance']), {
        creditor: named(creditor) ?? named(originalCreditor) ?? UNKNOWN_CREDITOR,
        debtType: 'loan',
      });
    }
    case 'credit_card_statement': {
      const parsed = cardStatementFacts.safeParse(facts);
      if (!parsed.success) return [];
      // The statement names no issuer field; the card's last digits tell two cards apart.
      const last4 = parsed.data.accountLast4;
      return debt(firstPositive(parsed.data, ['closingBalance']), {
        creditor: last4 ? `credit card ending ${last4}` : 'credit card',
        debtType: 'credit_card',
      });
    }
    case 'council_tax_bill': {
      const parsed = billFacts.safeParse(facts);
      if (!parsed.success) return [];
      return debt(firstPositive(parsed.data, ['arrears', 'amountDue']), {
        creditor: named(parsed.data.issuer) ?? 'council',
        debtType: 'council_tax',
      });
    }
    case 'utility_bill': {
      const parsed = billFacts.safeParse(facts);
      if (!parsed.success) return [];
      // Only arrears: the amount due on a bill paid on time is spending, not a debt.
      const debtType = utilityDebtType(parsed.data.issuer, markdown);
      return debt(firstPositive(parsed.data, ['arrears']), {
        creditor: named(parsed.data.issuer) ?? UTILITY_CREDITOR[debtType],
        debtType,
      });
    }
    case 'rent_statement': {
      const parsed = billFacts.safeParse(facts);
      if (!parsed.success) return [];
      return debt(firstPositive(parsed.data, ['arrears']), {
        creditor: named(parsed.data.issuer) ?? 'landlord',
        debtType: 'rent_arrears',
      });
    }
    case 'court_document': {
      const parsed = courtDocumentFacts.safeParse(facts);
      if (!parsed.success) return [];
      return debt(firstPositive(parsed.data, ['amountClaimed']), {
        creditor: named(parsed.data.claimant) ?? UNKNOWN_CREDITOR,
        debtType: 'other',
      });
    }
    case 'income_evidence': {
      const parsed = payslipFacts.safeParse(facts);
      if (!parsed.success) return [];
      return monthlyIncome(firstPositive(parsed.data, ['netPay']), parsed.data.period);
    }
    case 'benefit_statement':
    case 'universal_credit_statement': {
      const parsed = benefitFacts.safeParse(facts);
      if (!parsed.success) return [];
      return monthlyIncome(firstPositive(parsed.data, ['totalPaid']), parsed.data.period);
    }
    default:
      return [];
  }
}

interface Picked {
  factField: string;
  amount: number;
}

/** The first of the fields holding a positive amount, rounded to pence. */
function firstPositive<Field extends string>(
  facts: Partial<Record<Field, number | null | undefined>>,
  fields: readonly Field[],
): Picked | null {
  for (const field of fields) {
    const value = facts[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const pounds = Math.round(value * 100) / 100;
    if (pounds > 0) return { factField: field, amount: pounds };
  }
  return null;
}

function debt(picked: Picked | null, owedTo: { creditor: string; debtType: DebtType }): FoundFigure[] {
  if (!picked) return [];
  return [{ field: 'debt', amount: picked.amount, ...owedTo, factField: picked.factField, shownAmount: picked.amount }];
}

function named(value: string | null | undefined): string | null {
  const trimmed = value?.replace(/\s+/g, ' ').trim().slice(0, 200);
  return trimmed ? trimmed : null;
}

const ENERGY = /\b(?:electricity|electric|energy|gas|dual fuel|power|kWh|MPAN|MPRN)\b/i;
const WATER = /\b(?:water|wastewater|sewerage)\b/i;
type UtilityDebtType = Extract<DebtType, 'energy' | 'water' | 'other'>;
const UTILITY_CREDITOR: Record<UtilityDebtType, string> = {
  energy: 'energy supplier',
  water: 'water company',
  other: 'utility company',
};

/** Energy or water, by the issuer's name, else by the bill's text; `other` (phone, broadband) when neither or both. */
function utilityDebtType(issuer: string | null | undefined, markdown: string): UtilityDebtType {
  for (const text of [issuer ?? '', markdown]) {
    const energy = ENERGY.test(text);
    const water = WATER.test(text);
    if (energy !== water) return energy ? 'energy' : 'water';
  }
  return 'other';
}

/** A pay frequency, and how many of its pay make a month's (times/over). */
interface PayPeriod {
  name: 'monthly' | 'weekly' | 'fortnightly' | 'four-weekly';
  perMonth: { times: number; over: number };
}
const MONTHLY: PayPeriod = { name: 'monthly', perMonth: { times: 1, over: 1 } };
const WEEKLY: PayPeriod = { name: 'weekly', perMonth: { times: 52, over: 12 } };
const FORTNIGHTLY: PayPeriod = { name: 'fortnightly', perMonth: { times: 26, over: 12 } };
const FOUR_WEEKLY: PayPeriod = { name: 'four-weekly', perMonth: { times: 13, over: 12 } };
const DAY_MS = 86_400_000;

/**
 * The pay frequency a period's dates span (both days counted). Unknown dates read as a month, the usual
 * frequency. 28 days is four weeks unless the dates are a calendar month (February, or a Universal Credit
 * assessment period from the 15th to the 14th). Any other span (a quarter, an award period) is null: its
 * total is no month's income.
 */
function payPeriodOf(period: { from?: string | null; to?: string | null } | null | undefined): PayPeriod | null {
  if (!period?.from || !period.to) return MONTHLY;
  const from = Date.parse(`${period.from}T00:00:00Z`);
  const to = Date.parse(`${period.to}T00:00:00Z`);
  if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) return MONTHLY;
  const days = Math.round((to - from) / DAY_MS) + 1;
  if (isCalendarMonth(period.from, period.to)) return MONTHLY;
  if (days >= 5 && days <= 8) return WEEKLY;
  if (days >= 12 && days <= 15) return FORTNIGHTLY;
  if (days >= 26 && days <= 28) return FOUR_WEEKLY;
  if (days >= 29 && days <= 31) return MONTHLY;
  return null;
}

/** From a day to the day before the same date a month on (or to that date itself, as some payslips print it). */
function isCalendarMonth(from: string, to: string): boolean {
  const start = new Date(`${from}T00:00:00Z`);
  const next = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, start.getUTCDate()));
  // 31 January a month on is 3 March in Date arithmetic: such a start has no same date a month on.
  if (next.getUTCDate() !== start.getUTCDate()) return false;
  const dayBefore = new Date(next.getTime() - DAY_MS);
  return to === isoDay(next) || to === isoDay(dayBefore);
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function monthlyIncome(
  picked: Picked | null,
  period: { from?: string | null; to?: string | null } | null | undefined,
): FoundFigure[] {
  if (!picked) return [];
  const pay = payPeriodOf(period);
  if (!pay) return [];
  const { times, over } = pay.perMonth;
  const amount = Math.round((Math.round(picked.amount * 100) * times) / over) / 100;
  const unknownPeriod = !period?.from || !period.to;
  const factField = unknownPeriod
    ? `${picked.factField} (period not shown, taken as monthly)`
    : pay === MONTHLY
      ? picked.factField
      : `${picked.factField} (${pay.name} x ${times}/${over})`;
  return [{ field: 'monthlyIncome', amount, factField, shownAmount: picked.amount }];
}

const PAGE_MARKER = /<!--\s*page\s+(\d+)\s*-->/g;

/** The first page whose text shows the amount, by the `<!-- page N -->` markers; null without markers or a match. */
function pageShowing(markdown: string, pounds: number): number | null {
  const pattern = amountPattern(pounds);
  const markers = [...markdown.matchAll(PAGE_MARKER)];
  for (const [index, marker] of markers.entries()) {
    const end = markers[index + 1]?.index ?? markdown.length;
    if (pattern.test(markdown.slice(marker.index + marker[0].length, end))) return Number(marker[1]);
  }
  return null;
}

/**
 * The amount as UK documents print it: pounds with or without thousands commas and always two decimals
 * ("1,234.50", "1234.50", "£1,234.50"), or whole pounds after a pound sign ("£450" for 450).
 * Never part of a longer number: 234.50 is not found in "1,234.50".
 */
function amountPattern(pounds: number): RegExp {
  const pence = Math.round(pounds * 100);
  const whole = String(Math.floor(pence / 100));
  const decimals = String(pence % 100).padStart(2, '0');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const forms = [...new Set([whole, grouped])];
  const withPence = `(?<![\\d.,])(?:${forms.join('|')})\\.${decimals}(?!\\d)`;
  if (pence % 100 !== 0) return new RegExp(withPence);
  const wholePounds = `£\\s?(?:${forms.join('|')})(?![\\d]|[.,]\\d)`;
  return new RegExp(`${withPence}|${wholePounds}`);
}
