import { classifyDocument, combineClassification } from './classifier';
import { DOCUMENT_TYPES } from './document-types';
import { sampleDocument, sampleText } from '@rma/testing/documents';

describe(classifyDocument.name, () => {
  it('classifies at least 95% of ten seeds of every sample type correctly', () => {
    const misses: string[] = [];
    let total = 0;
    for (const type of DOCUMENT_TYPES) {
      for (let seed = 1; seed <= 10; seed++) {
        total += 1;
        const sut = classifyDocument(sampleText(sampleDocument({ type, seed })));
        if (sut.type !== type) misses.push(`${type}#${seed} -> ${sut.type}`);
      }
    }
    expect((total - misses.length) / total).toBeGreaterThanOrEqual(0.95);
  });

  it('reads a bank statement from sort code, statement wording and balance columns', () => {
    const sut = classifyDocument(
      [
        'Statement of account  Sort code 12-34-56',
        'Date        Description       Paid out   Paid in   Balance',
        '01/03/2027  TESCO             23.45                1,210.11',
        '02/03/2027  SALARY                       900.00    2,110.11',
        '03/03/2027  RENT              500.00               1,610.11',
      ].join('\n'),
    );
    expect(sut.type).toBe('bank_statement');
    expect(sut.cues).toEqual(expect.arrayContaining(['bank_statement: sort code', 'layout: statement rows']));
  });

  it.each([
    ['credit_card_statement', 'Credit limit £2,000.00. Minimum payment £25.00 due.'],
    ['debt_collection_letter', 'We have been instructed by our client to recover this debt. Debt collection.'],
    ['court_document', 'Claim Form. County Court Business Centre. Claim number K1QZ1234.'],
    ['universal_credit_statement', 'Universal Credit. Assessment period 1 to 31 May. Standard allowance £400.14.'],
    ['council_tax_bill', 'Council Tax bill. Valuation band C. Billing authority: Leeds.'],
    ['utility_bill', 'Electricity used 300 kWh. MPAN 12 3456. Standing charge.'],
    ['rent_statement', 'Rent account statement for your tenancy. Weekly rent £100.00.'],
    ['income_evidence', 'Payslip. Gross pay £1,000.00. PAYE £50.00. Net pay £900.00.'],
    ['loan_agreement', 'Loan agreement regulated by the Consumer Credit Act 1974. Total amount payable £5,000.'],
    ['benefit_statement', 'Personal Independence Payment award. Daily living component £73.90 a week.'],
    ['expenditure_evidence', 'Receipt. TOTAL £12.00. CHANGE DUE £0.00. Thank you for shopping with us.'],
  ])('recognises %s wording', (type, text) => {
    expect(classifyDocument(text).type).toBe(type);
  });

  it('calls a document with no financial cues "other"', () => {
    const sut = classifyDocument('Dear Parent or Carer, the school trip to the museum is next week.');
    expect(sut.type).toBe('other');
    expect(sut.confidence).toBeGreaterThan(0.5);
  });

  it('is surer when the top two scores are far apart', () => {
    const clear = classifyDocument(
      'Claim Form. County Court Business Centre. Claim number K1QZ1234. Claimant. Defendant.',
    );
    const mixed = classifyDocument('Claim number K1QZ1234. We have been instructed by our client. Debt collection.');
    expect(clear.confidence).toBeGreaterThan(mixed.confidence);
    expect(clear.confidence).toBeLessThanOrEqual(1);
  });
});

describe(combineClassification.name, () => {
  // A middling rules answer, so that both raising and lowering its confidence are visible.
  const rules = {
    ...classifyDocument('Claim Form. County Court Business Centre. Claim number K1QZ1234.'),
    confidence: 0.6,
  };

  it('falls back to the rules without an LLM answer', () => {
    expect(combineClassification({ rules })).toEqual({
      type: 'court_document',
      confidence: rules.confidence,
      decidedBy: 'rules',
      agreed: null,
    });
  });

  it('raises confidence when both agree', () => {
    const sut = combineClassification({ rules, llm: { type: 'court_document', confidence: 0.7 } });
    expect(sut).toMatchObject({ type: 'court_document', decidedBy: 'both', agreed: true });
    expect(sut.confidence).toBeGreaterThan(Math.max(rules.confidence, 0.7));
  });

  it('lets the more confident side win a disagreement, with lowered confidence', () => {
    const llmWins = combineClassification({ rules, llm: { type: 'debt_collection_letter', confidence: 0.9 } });
    expect(llmWins).toMatchObject({ type: 'debt_collection_letter', decidedBy: 'llm', agreed: false });
    expect(llmWins.confidence).toBeLessThan(0.9);
    const rulesWin = combineClassification({ rules, llm: { type: 'other', confidence: 0.1 } });
    expect(rulesWin).toMatchObject({ type: 'court_document', decidedBy: 'rules', agreed: false });
    expect(rulesWin.confidence).toBeLessThan(rules.confidence);
  });
});
