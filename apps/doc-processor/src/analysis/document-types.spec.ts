import { DOCUMENT_TYPES, priorityOf } from './document-types';
import { sampleDocument, sampleText } from '@rma/testing/documents';

describe(priorityOf.name, () => {
  it.each([
    ['debt_collection_letter', 'Re: your electricity account with Volt Energy', 'priority'],
    ['debt_collection_letter', 'Re: your credit card account with Bluefin', 'non_priority'],
    ['debt_collection_letter', 'Unpaid council tax passed to enforcement agents', 'priority'],
    ['income_evidence', 'Payslip. PAYE tax. Income tax. Net pay', 'not_a_debt'],
    ['council_tax_bill', 'Council Tax bill. Nothing owed.', 'priority'],
    ['utility_bill', 'Your water bill', 'non_priority'],
    ['court_document', "Leeds Magistrates' Court notice of fine", 'priority'],
    ['court_document', 'Claim form. Credit card debt.', 'non_priority'],
    ['loan_agreement', 'Secured Loan Agreement: a legal charge over your home', 'priority'],
  ] as const)('rates a %s about "%s" as %s', (type, text, level) => {
    const sut = priorityOf({ type, text });
    expect(sut.level).toBe(level);
    expect(sut.reason.length).toBeGreaterThan(10);
  });

  it("agrees with every sample document's expected priority", () => {
    for (const type of DOCUMENT_TYPES) {
      for (let seed = 1; seed <= 10; seed++) {
        const sample = sampleDocument({ type, seed });
        expect({ type, seed, level: priorityOf({ type, text: sampleText(sample) }).level }).toEqual({
          type,
          seed,
          level: sample.expected.priority,
        });
      }
    }
  });
});
