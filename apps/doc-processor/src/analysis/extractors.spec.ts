import { DOCUMENT_TYPES, type DocumentType } from './document-types';
import { extractionSchemaFor } from './extraction.schemas';
import { extractFacts } from './extractors';
import { sampleDocument, sampleText } from '@rma/testing/documents';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

function sample<T extends DocumentType>(type: T, seed: number) {
  const document = sampleDocument({ type, seed });
  return { document, sut: extractFacts({ type, markdown: sampleText(document) }) };
}

describe(extractFacts.name, () => {
  it("returns facts that satisfy the type's schema for every sample", () => {
    for (const type of DOCUMENT_TYPES) {
      for (const seed of SEEDS) {
        const { sut } = sample(type, seed);
        expect(extractionSchemaFor(type).safeParse(sut.facts).success).toBe(true);
      }
    }
  });

  it.each(SEEDS)('recovers balances, account and transactions of bank statement #%i', (seed) => {
    const { document, sut } = sample('bank_statement', seed);
    const { facts } = document.expected;
    expect(sut.facts).toMatchObject({
      openingBalance: facts.openingBalance,
      closingBalance: facts.closingBalance,
      sortCode: facts.sortCode,
      accountLast4: facts.accountLast4,
      period: { from: facts.periodFrom, to: facts.periodTo },
    });
    expect(sut.facts.transactions).toHaveLength(facts.transactionCount as number);
  });

  it.each(SEEDS)('recovers the card terms and transactions of card statement #%i', (seed) => {
    const { document, sut } = sample('credit_card_statement', seed);
    const { facts } = document.expected;
    expect(sut.facts).toMatchObject({
      openingBalance: facts.openingBalance,
      closingBalance: facts.closingBalance,
      creditLimit: facts.creditLimit,
      minimumPayment: facts.minimumPayment,
      paymentDueDate: facts.paymentDueDate,
    });
    expect(sut.facts.transactions).toHaveLength(facts.transactionCount as number);
  });

  it.each(SEEDS)('recovers claim number, hearing date and amount of court document #%i', (seed) => {
    const { document, sut } = sample('court_document', seed);
    const { facts } = document.expected;
    expect(sut.facts).toMatchObject({
      claimNumber: facts.claimNumber,
      hearingDate: facts.hearingDate,
      amountClaimed: facts.amountClaimed,
    });
  });

  it.each([
    ['debt_collection_letter', ['creditor', 'originalCreditor', 'reference', 'balance']],
    ['loan_agreement', ['creditor', 'reference', 'apr', 'monthlyPayment', 'term', 'balance']],
    ['council_tax_bill', ['issuer', 'band', 'accountReference', 'amountDue', 'dueDate']],
    ['utility_bill', ['issuer', 'amountDue', 'dueDate', 'arrears']],
    ['rent_statement', ['issuer', 'accountReference', 'amountDue']],
    ['benefit_statement', ['benefit', 'totalPaid', 'paymentDate']],
    ['universal_credit_statement', ['benefit', 'totalPaid', 'paymentDate']],
    ['income_evidence', ['employer', 'grossPay', 'netPay', 'paymentDate']],
  ] as const)('recovers the expected facts of %s samples', (type, fields) => {
    for (const seed of SEEDS) {
      const { document, sut } = sample(type, seed);
      const facts = sut.facts as Record<string, unknown>;
      const got = Object.fromEntries(fields.map((field) => [field, facts[field]]));
      const expected = Object.fromEntries(fields.map((field) => [field, document.expected.facts[field]]));
      expect({ seed, ...got }).toEqual({ seed, ...expected });
    }
  });

  it('lists the fields it could not find', () => {
    const sut = extractFacts({ type: 'court_document', markdown: 'Claim number: K1QZ1234' });
    expect(sut.facts.claimNumber).toBe('K1QZ1234');
    expect(sut.missing).toEqual(
      expect.arrayContaining(['court', 'claimant', 'hearingDate', 'amountClaimed', 'deadlines']),
    );
    expect(sut.missing).not.toContain('claimNumber');
  });

  it('reads a markdown table with paid in and paid out columns', () => {
    const markdown = [
      'Opening balance £100.00',
      '| Date | Description | Paid out | Paid in | Balance |',
      '| --- | --- | --- | --- | --- |',
      '| 01/03/2027 | TESCO | 10.00 | | 90.00 |',
      '| 02/03/2027 | SALARY | | 500.00 | 590.00 |',
      'Closing balance £590.00',
    ].join('\n');
    const sut = extractFacts({ type: 'bank_statement', markdown });
    expect(sut.facts.transactions).toEqual([
      { date: '2027-03-01', description: 'TESCO', amount: 10, direction: 'debit', balance: 90 },
      { date: '2027-03-02', description: 'SALARY', amount: 500, direction: 'credit', balance: 590 },
    ]);
  });
});
