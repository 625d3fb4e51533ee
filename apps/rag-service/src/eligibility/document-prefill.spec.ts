import type { DocumentFigure } from '../client-documents/document-figures';
import { prefillFacts } from './document-prefill';

const letter: DocumentFigure = {
  field: 'debt',
  amount: 2450.75,
  creditor: 'Lowell',
  debtType: 'other',
  documentId: 'doc-letter',
  documentType: 'debt_collection_letter',
  page: 2,
  factField: 'balance',
};
const payslip: DocumentFigure = {
  field: 'monthlyIncome',
  amount: 1210.4,
  documentId: 'doc-payslip',
  documentType: 'payslip',
  page: 1,
  factField: 'netPay',
};

describe(prefillFacts.name, () => {
  it('fills debts and income the adviser left out, each figure marked used with its document and page', () => {
    const { facts, prefilled } = prefillFacts({ region: 'england' }, [letter, payslip]);

    expect(facts).toEqual({
      region: 'england',
      debts: [{ creditor: 'Lowell', amount: 2450.75, type: 'other', secured: false }],
      monthlyIncome: 1210.4,
    });
    expect(prefilled).toEqual([
      { ...letter, used: true, reason: 'added to the debts' },
      { ...payslip, used: true, reason: 'added to monthlyIncome' },
    ]);
  });

  it("keeps the adviser's debt to the same creditor and income, and adds a debt to another creditor", () => {
    const other: DocumentFigure = { ...letter, creditor: 'Cabot', amount: 900, documentId: 'doc-cabot' };
    const given = {
      debts: [{ creditor: ' lowell ', amount: 3000, type: 'other' as const, secured: false }],
      monthlySurplus: 20,
    };

    const { facts, prefilled } = prefillFacts(given, [letter, other, payslip]);

    expect(facts.debts?.map((debt) => [debt.creditor, debt.amount])).toEqual([
      [' lowell ', 3000],
      ['Cabot', 900],
    ]);
    expect(facts.monthlyIncome).toBeUndefined();
    expect(prefilled.map((figure) => [figure.documentId, figure.used])).toEqual([
      ['doc-letter', false],
      ['doc-cabot', true],
      ['doc-payslip', false],
    ]);
  });

  it('uses no document debt when the adviser gave a debts total, and adds incomes up in pence', () => {
    const second: DocumentFigure = { ...payslip, amount: 0.2, documentId: 'doc-benefit' };

    const { facts, prefilled } = prefillFacts({ debtsTotal: 10_000 }, [letter, payslip, second]);

    expect(facts.debts).toBeUndefined();
    expect(facts.monthlyIncome).toBe(1210.6);
    expect(prefilled[0]).toMatchObject({ used: false, reason: "the adviser's debtsTotal covers every debt" });
  });

  it('gives one debt per creditor across documents, the first document asked for', () => {
    const later: DocumentFigure = { ...letter, amount: 2600, documentId: 'doc-letter-2' };

    const { facts, prefilled } = prefillFacts({}, [letter, later]);

    expect(facts.debts).toEqual([{ creditor: 'Lowell', amount: 2450.75, type: 'other', secured: false }]);
    expect(prefilled[1]).toMatchObject({
      documentId: 'doc-letter-2',
      used: false,
      reason: 'document doc-letter already gave the debt to Lowell',
    });
  });
});
