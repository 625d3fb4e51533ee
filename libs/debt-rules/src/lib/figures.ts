import type { ClientFacts, Debt, DebtType } from './facts';
import { sumPence, toPence } from './money';

// The client's figures the rules compare with limits, worked out once from the facts, in pence.

/**
 * Debts a DRO never covers (Insolvency (England and Wales) Rules 2016, rule 9.2): fines for an
 * offence, family-court and Child Support Act obligations, and student loans. Secured debts are not
 * qualifying debts either (s251A(2)); a mortgage is always taken as secured.
 */
export const DRO_EXCLUDED_DEBT_TYPES: readonly DebtType[] = ['student_loan', 'court_fine', 'child_maintenance'];

/** A debt secured on property: flagged so, or a mortgage. */
export function isSecured(debt: Debt): boolean {
  return debt.secured || debt.type === 'mortgage';
}

/** What the debts add up to, in pence; undefined where the facts do not tell. */
export interface DebtFigures {
  /** True when a list of debts was given (not just a total). */
  listed: boolean;
  /** Debts a DRO counts: unsecured and not excluded. */
  droQualifyingPence?: number;
  /** Debts left out of the DRO figure, by reason, for the explanation. */
  droLeftOut: { secured: number; excluded: number };
  unsecuredPence?: number;
  allPence?: number;
  /** Unsecured debt owed to each creditor (same name, any case or spacing, is one creditor); only with a list. */
  unsecuredByCreditor?: ReadonlyMap<string, { creditor: string; pence: number }>;
}

/** One creditor however the name is typed: case and spacing ignored ("Lowell ", "lowell"). */
export function creditorKey(creditor: string): string {
  return creditor.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** The debt figures from a list of debts or, failing that, from `debtsTotal`. */
export function debtFigures(facts: ClientFacts): DebtFigures {
  if (facts.debts) {
    const unsecured = facts.debts.filter((debt) => !isSecured(debt));
    const qualifying = unsecured.filter((debt) => !DRO_EXCLUDED_DEBT_TYPES.includes(debt.type));
    const byCreditor = new Map<string, { creditor: string; pence: number }>();
    for (const debt of unsecured) {
      const key = creditorKey(debt.creditor);
      const entry = byCreditor.get(key) ?? { creditor: debt.creditor.trim(), pence: 0 };
      entry.pence += toPence(debt.amount);
      byCreditor.set(key, entry);
    }
    return {
      listed: true,
      droQualifyingPence: sumPence(qualifying.map((debt) => debt.amount)),
      droLeftOut: { secured: facts.debts.length - unsecured.length, excluded: unsecured.length - qualifying.length },
      unsecuredPence: sumPence(unsecured.map((debt) => debt.amount)),
      allPence: sumPence(facts.debts.map((debt) => debt.amount)),
      unsecuredByCreditor: byCreditor,
    };
  }
  if (facts.debtsTotal !== undefined) {
    const total = toPence(facts.debtsTotal);
    return {
      listed: false,
      droQualifyingPence: total,
      droLeftOut: { secured: 0, excluded: 0 },
      unsecuredPence: total,
      allPence: total,
    };
  }
  return { listed: false, droLeftOut: { secured: 0, excluded: 0 } };
}

/** Monthly surplus in pence: as given, or income less expenses; undefined when neither is known. */
export function monthlySurplusPence(facts: ClientFacts): number | undefined {
  if (facts.monthlySurplus !== undefined) return toPence(facts.monthlySurplus);
  if (facts.monthlyIncome !== undefined && facts.monthlyExpenses !== undefined) {
    return toPence(facts.monthlyIncome) - toPence(facts.monthlyExpenses);
  }
  return undefined;
}
