import { creditorKey, type ClientFacts, type Debt } from '@rma/debt-rules';
import type { DocumentFigure } from '../client-documents/document-figures';

/** A figure read from a client's document, and whether the check used it. */
export interface PrefilledFigure extends DocumentFigure {
  used: boolean;
  /** Why it was used or left out. */
  reason: string;
}

/**
 * The adviser's facts completed with figures from the client's documents. The adviser's own figures win:
 * a debts total covers every debt; a listed debt covers the document's debt to the same creditor; an
 * income or surplus covers every document's income. Document incomes are added up (one document per
 * source of income: two payslips of the same job count twice, which `prefilled` shows). Documents give
 * one debt per creditor, the first asked for: two statements of one card, or a letter and the claim for
 * the same debt, count once.
 */
export function prefillFacts(
  facts: ClientFacts,
  figures: readonly DocumentFigure[],
): { facts: ClientFacts; prefilled: PrefilledFigure[] } {
  const prefilled: PrefilledFigure[] = [];
  const listed = new Set((facts.debts ?? []).map((debt) => creditorKey(debt.creditor)));
  const added: Debt[] = [];
  /** Creditor key to the document that gave it: one debt per creditor (two statements of one card). */
  const fromDocuments = new Map<string, string>();
  let income = 0;
  let incomeFigures = 0;
  for (const figure of figures) {
    if (figure.field === 'debt') {
      const creditor = figure.creditor ?? 'unknown creditor';
      if (facts.debtsTotal !== undefined) {
        prefilled.push({ ...figure, used: false, reason: "the adviser's debtsTotal covers every debt" });
      } else if (listed.has(creditorKey(creditor))) {
        prefilled.push({ ...figure, used: false, reason: `the adviser listed a debt to ${creditor}` });
      } else if (fromDocuments.has(creditorKey(creditor))) {
        const first = fromDocuments.get(creditorKey(creditor));
        prefilled.push({ ...figure, used: false, reason: `document ${first} already gave the debt to ${creditor}` });
      } else {
        fromDocuments.set(creditorKey(creditor), figure.documentId);
        added.push({ creditor, amount: figure.amount, type: figure.debtType ?? 'other', secured: false });
        prefilled.push({ ...figure, used: true, reason: 'added to the debts' });
      }
    } else if (facts.monthlyIncome !== undefined || facts.monthlySurplus !== undefined) {
      const given = facts.monthlyIncome !== undefined ? 'monthlyIncome' : 'monthlySurplus';
      prefilled.push({ ...figure, used: false, reason: `the adviser gave ${given}` });
    } else {
      income += Math.round(figure.amount * 100);
      incomeFigures += 1;
      prefilled.push({ ...figure, used: true, reason: 'added to monthlyIncome' });
    }
  }
  return {
    facts: {
      ...facts,
      ...(added.length > 0 ? { debts: [...(facts.debts ?? []), ...added] } : {}),
      ...(incomeFigures > 0 ? { monthlyIncome: income / 100 } : {}),
    },
    prefilled,
  };
}
