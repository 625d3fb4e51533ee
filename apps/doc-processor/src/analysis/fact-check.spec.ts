import { checkFacts } from './fact-check';
import { extractFacts } from './extractors';
import type { StatementFacts } from './extraction.schemas';
import { sampleDocument, sampleText } from '@rma/testing/documents';

const markdown = [
  'Statement period 1 March 2027 to 31 March 2027',
  'Opening balance £1,000.00',
  '01/03/2027  TESCO      10.50     989.50',
  '02/03/2027  SALARY    200.00   1,189.50',
  'Closing balance £1,189.50',
].join('\n');

const facts: StatementFacts = {
  holder: null,
  accountLast4: null,
  sortCode: null,
  period: { from: '2027-03-01', to: '2027-03-31' },
  openingBalance: 1000,
  closingBalance: 1189.5,
  transactions: [
    { date: '2027-03-01', description: 'TESCO', amount: 10.5, direction: 'debit', balance: 989.5 },
    { date: '2027-03-02', description: 'SALARY', amount: 200, direction: 'credit', balance: 1189.5 },
  ],
};

describe(checkFacts.name, () => {
  it('passes facts that are printed in the document and balance', () => {
    expect(checkFacts({ type: 'bank_statement', facts, markdown })).toEqual([]);
  });

  it('flags an invented amount and an invented date, quoting only them', () => {
    const sut = checkFacts({
      type: 'bank_statement',
      facts: {
        ...facts,
        period: { from: '2027-03-01', to: '2027-04-30' },
        transactions: [
          ...facts.transactions,
          { date: '2027-03-05', description: 'X', amount: 0, direction: 'debit', balance: 1234.56 },
        ],
      },
      markdown,
    });
    expect(sut).toEqual([
      'The amount £1,234.56 does not appear in the document.',
      'The date 2027-04-30 does not appear in the document.',
      'The date 2027-03-05 does not appear in the document.',
    ]);
  });

  it('says by how much an unbalanced statement is off', () => {
    const sut = checkFacts({ type: 'bank_statement', facts: { ...facts, closingBalance: 989.5 }, markdown });
    expect(sut).toEqual([
      'The statement does not balance: opening + credits - debits is £200.00 above the closing balance.',
    ]);
  });

  it('balances card statements the other way round: spending raises what is owed', () => {
    const card = {
      ...facts,
      openingBalance: 100,
      closingBalance: 110.5,
      transactions: [
        { date: '2027-03-01', description: 'TESCO', amount: 10.5, direction: 'debit' as const, balance: null },
      ],
      creditLimit: null,
      minimumPayment: null,
      paymentDueDate: null,
    };
    const text = 'Previous balance £100.00 01/03/2027 TESCO 10.50 New balance £110.50 1 March 2027 31 March 2027';
    expect(checkFacts({ type: 'credit_card_statement', facts: card, markdown: text })).toEqual([]);
  });

  it('compares amounts and dates however they are printed', () => {
    const text = 'Amount due 1234.56 GBP. Pay by 3rd Apr 2027.';
    const bill = {
      issuer: null,
      accountReference: null,
      period: { from: null, to: null },
      amountDue: 1234.56,
      dueDate: '2027-04-03',
      arrears: null,
    };
    expect(checkFacts({ type: 'utility_bill', facts: bill, markdown: text })).toEqual([]);
  });

  it('passes the extracted facts of sample statements', () => {
    for (const type of ['bank_statement', 'credit_card_statement'] as const) {
      for (let seed = 1; seed <= 5; seed++) {
        const text = sampleText(sampleDocument({ type, seed }));
        const { facts: extracted } = extractFacts({ type, markdown: text });
        expect({ type, seed, warnings: checkFacts({ type, facts: extracted, markdown: text }) }).toEqual({
          type,
          seed,
          warnings: [],
        });
      }
    }
  });
});
