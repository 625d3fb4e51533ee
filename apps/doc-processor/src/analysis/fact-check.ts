// Catches invented or misread facts before an adviser relies on them: every amount and date must be
// printed in the document, and a statement must add up. Warnings name only the amount or date, never
// surrounding text, so they can be logged without leaking a client's papers.
import type { DocumentType } from './document-types';
import type { DocumentFacts, Transaction } from './extraction.schemas';
import { findAmounts, findDates, formatPounds, toPence } from './uk-parsers';

// Keys whose numbers are not money, so they are not looked for among the document's amounts.
const NOT_MONEY = new Set(['apr', 'term']);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

interface FactValues {
  pence: number[];
  dates: string[];
}

function collect(value: unknown, key: string, into: FactValues): void {
  if (typeof value === 'number') {
    if (!NOT_MONEY.has(key)) into.pence.push(Math.abs(toPence(value)));
  } else if (typeof value === 'string') {
    if (ISO_DATE.test(value)) into.dates.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, key, into);
  } else if (value && typeof value === 'object') {
    for (const [childKey, child] of Object.entries(value)) collect(child, childKey, into);
  }
}

function isStatement(type: DocumentType): type is 'bank_statement' | 'credit_card_statement' {
  return type === 'bank_statement' || type === 'credit_card_statement';
}

function balanceWarning({
  type,
  opening,
  closing,
  transactions,
}: {
  type: 'bank_statement' | 'credit_card_statement';
  opening: number;
  closing: number;
  transactions: Transaction[];
}): string | null {
  const credits = transactions.filter((t) => t.direction === 'credit').reduce((sum, t) => sum + toPence(t.amount), 0);
  const debits = transactions.filter((t) => t.direction === 'debit').reduce((sum, t) => sum + toPence(t.amount), 0);
  // A card balance is money owed: spending raises it and payments lower it.
  const expected =
    type === 'credit_card_statement' ? toPence(opening) + debits - credits : toPence(opening) + credits - debits;
  const off = toPence(closing) - expected;
  if (off === 0) return null;
  const formula = type === 'credit_card_statement' ? 'opening + debits - credits' : 'opening + credits - debits';
  return `The statement does not balance: ${formula} is ${formatPounds(Math.abs(off) / 100)} ${off > 0 ? 'below' : 'above'} the closing balance.`;
}

/** Warnings about facts the document does not support; an empty list means every check passed. */
export function checkFacts({
  type,
  facts,
  markdown,
}: {
  type: DocumentType;
  facts: DocumentFacts;
  markdown: string;
}): string[] {
  const warnings: string[] = [];
  const printedPence = new Set(findAmounts(markdown, { bareNumbers: true }).map((amount) => Math.abs(amount.pence)));
  const printedDates = new Set(findDates(markdown).map((date) => date.iso));
  const values: FactValues = { pence: [], dates: [] };
  collect(facts, '', values);
  // Zero is often implied ("no arrears") rather than printed, so it is not treated as invented.
  for (const pence of new Set(values.pence)) {
    if (pence !== 0 && !printedPence.has(pence))
      warnings.push(`The amount ${formatPounds(pence / 100)} does not appear in the document.`);
  }
  for (const date of new Set(values.dates)) {
    if (!printedDates.has(date)) warnings.push(`The date ${date} does not appear in the document.`);
  }
  if (isStatement(type)) {
    const statement = facts as {
      openingBalance: number | null;
      closingBalance: number | null;
      transactions: Transaction[];
    };
    if (statement.openingBalance !== null && statement.closingBalance !== null) {
      const warning = balanceWarning({
        type,
        opening: statement.openingBalance,
        closing: statement.closingBalance,
        transactions: statement.transactions,
      });
      if (warning) warnings.push(warning);
    }
  }
  return warnings;
}
