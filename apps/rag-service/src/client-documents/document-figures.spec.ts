import { documentFigures, type FiguresSource } from './document-figures';

/** Markdown as doc-processor assembles it: a page marker before each page's text. */
const pages = (...texts: string[]) => texts.map((text, index) => `<!-- page ${index + 1} -->\n${text}`).join('\n\n');

const source = (overrides: Partial<FiguresSource> & Pick<FiguresSource, 'documentType' | 'facts'>): FiguresSource => ({
  documentId: 'doc-1',
  markdown: pages('Nothing of note.'),
  ...overrides,
});

const letterFacts = {
  creditor: 'Lowell Portfolio I Ltd',
  originalCreditor: 'Vanquis Bank',
  reference: 'LW123456',
  balance: 1234.5,
  arrears: 300,
  dates: [],
  demands: [],
  deadlines: [],
};

describe(documentFigures.name, () => {
  describe('debts', () => {
    it('takes a debt letter’s balance as a debt of type other, owed to its creditor, with the page that shows it', () => {
      const sut = documentFigures(
        source({
          documentType: 'debt_collection_letter',
          facts: letterFacts,
          markdown: pages('Dear Ms Smith,\n\nWe write about your account.', 'Amount you owe: £1,234.50'),
        }),
      );

      expect(sut).toEqual([
        {
          field: 'debt',
          amount: 1234.5,
          creditor: 'Lowell Portfolio I Ltd',
          debtType: 'other',
          documentId: 'doc-1',
          documentType: 'debt_collection_letter',
          page: 2,
          factField: 'balance',
        },
      ]);
    });

    it('takes a debt letter’s arrears when it has no balance, and the original creditor when no creditor is named', () => {
      const sut = documentFigures(
        source({
          documentType: 'debt_collection_letter',
          facts: { ...letterFacts, creditor: null, balance: null },
          markdown: pages('Arrears of 300.00 are due.'),
        }),
      );

      expect(sut).toEqual([
        expect.objectContaining({ amount: 300, creditor: 'Vanquis Bank', factField: 'arrears', page: 1 }),
      ]);
    });

    it('calls a creditor nobody named "unknown creditor", and skips a zero balance for the arrears', () => {
      const sut = documentFigures(
        source({
          documentType: 'debt_collection_letter',
          facts: { ...letterFacts, creditor: '  ', originalCreditor: null, balance: 0 },
        }),
      );

      expect(sut).toEqual([expect.objectContaining({ creditor: 'unknown creditor', factField: 'arrears' })]);
    });

    it('takes a loan agreement’s balance as a loan', () => {
      const sut = documentFigures(
        source({
          documentType: 'loan_agreement',
          facts: { ...letterFacts, creditor: 'Amigo Loans', apr: 49.9, monthlyPayment: 120, term: 36 },
          markdown: pages('Total amount payable 1234.50'),
        }),
      );

      expect(sut).toEqual([
        expect.objectContaining({
          field: 'debt',
          amount: 1234.5,
          creditor: 'Amigo Loans',
          debtType: 'loan',
          factField: 'balance',
          page: 1,
        }),
      ]);
    });

    it('takes a credit card statement’s closing balance, naming the card by its last digits when known', () => {
      const facts = { holder: null, accountLast4: '4321', closingBalance: 2450, creditLimit: 3000, transactions: [] };

      const withDigits = documentFigures(
        source({ documentType: 'credit_card_statement', facts, markdown: pages('New balance £2,450.00') }),
      );
      const withoutDigits = documentFigures(
        source({ documentType: 'credit_card_statement', facts: { ...facts, accountLast4: null } }),
      );
      const inCredit = documentFigures(
        source({ documentType: 'credit_card_statement', facts: { ...facts, closingBalance: -12.4 } }),
      );

      expect(withDigits).toEqual([
        expect.objectContaining({
          amount: 2450,
          creditor: 'credit card ending 4321',
          debtType: 'credit_card',
          factField: 'closingBalance',
          page: 1,
        }),
      ]);
      expect(withoutDigits).toEqual([expect.objectContaining({ creditor: 'credit card', page: null })]);
      expect(inCredit).toEqual([]);
    });

    it('takes a council tax bill’s arrears, else its amount due, owed to the council', () => {
      const bill = { issuer: 'Northshire Council', accountReference: null, period: null, dueDate: null, band: 'C' };

      const arrears = documentFigures(
        source({ documentType: 'council_tax_bill', facts: { ...bill, amountDue: 1650.32, arrears: 412.5 } }),
      );
      const due = documentFigures(
        source({
          documentType: 'council_tax_bill',
          facts: { ...bill, issuer: null, amountDue: 1650.32, arrears: null },
        }),
      );

      expect(arrears).toEqual([
        expect.objectContaining({
          amount: 412.5,
          creditor: 'Northshire Council',
          debtType: 'council_tax',
          factField: 'arrears',
        }),
      ]);
      expect(due).toEqual([expect.objectContaining({ amount: 1650.32, creditor: 'council', factField: 'amountDue' })]);
    });

    it('takes a utility bill’s arrears as energy or water by its issuer or text, and never its amount due', () => {
      const bill = { accountReference: null, period: null, amountDue: 95, dueDate: null, arrears: 210.75 };

      const energy = documentFigures(
        source({ documentType: 'utility_bill', facts: { ...bill, issuer: 'Octopus Energy' } }),
      );
      const water = documentFigures(
        source({
          documentType: 'utility_bill',
          facts: { ...bill, issuer: null },
          markdown: pages('Your water and sewerage charges. Arrears £210.75'),
        }),
      );
      const phone = documentFigures(
        source({ documentType: 'utility_bill', facts: { ...bill, issuer: 'Talkmore Broadband' } }),
      );
      const paidUp = documentFigures(
        source({ documentType: 'utility_bill', facts: { ...bill, issuer: 'Octopus Energy', arrears: null } }),
      );

      expect(energy).toEqual([
        expect.objectContaining({
          amount: 210.75,
          creditor: 'Octopus Energy',
          debtType: 'energy',
          factField: 'arrears',
        }),
      ]);
      expect(water).toEqual([expect.objectContaining({ creditor: 'water company', debtType: 'water', page: 1 })]);
      expect(phone).toEqual([expect.objectContaining({ creditor: 'Talkmore Broadband', debtType: 'other' })]);
      expect(paidUp).toEqual([]);
    });

    it('takes a rent statement’s arrears as rent arrears', () => {
      const sut = documentFigures(
        source({
          documentType: 'rent_statement',
          facts: { issuer: 'Northshire Homes', period: null, amountDue: 500, dueDate: null, arrears: 1020 },
        }),
      );

      expect(sut).toEqual([
        expect.objectContaining({ amount: 1020, creditor: 'Northshire Homes', debtType: 'rent_arrears' }),
      ]);
    });

    it('takes a court claim’s amount claimed, owed to the claimant', () => {
      const sut = documentFigures(
        source({
          documentType: 'court_document',
          facts: { court: 'County Court Business Centre', claimant: 'Cabot Financial', amountClaimed: 3187.65 },
          markdown: pages('Claim form', 'Total amount £3,187.65'),
        }),
      );

      expect(sut).toEqual([
        expect.objectContaining({
          field: 'debt',
          amount: 3187.65,
          creditor: 'Cabot Financial',
          debtType: 'other',
          factField: 'amountClaimed',
          page: 2,
        }),
      ]);
    });
  });

  describe('income', () => {
    const payslip = (period: { from: string | null; to: string | null } | null, netPay: number | null = 1843.21) =>
      source({
        documentType: 'income_evidence',
        facts: { employer: 'Acme Ltd', period, grossPay: 2300, netPay, totalPaid: netPay, amounts: [], deductions: [] },
        markdown: pages('Payslip', `Net pay ${netPay?.toFixed(2)}`),
      });

    it('takes a monthly payslip’s net pay as the monthly income, with its page', () => {
      const sut = documentFigures(payslip({ from: '2025-03-01', to: '2025-03-31' }));

      expect(sut).toEqual([
        {
          field: 'monthlyIncome',
          amount: 1843.21,
          documentId: 'doc-1',
          documentType: 'income_evidence',
          page: 2,
          factField: 'netPay',
        },
      ]);
    });

    it('takes net pay as monthly when the period is unknown, or a calendar month of 28 days', () => {
      // Said in factField, so that an adviser sees a weekly payslip without dates was read as a month's pay.
      expect(documentFigures(payslip(null))).toEqual([
        expect.objectContaining({ amount: 1843.21, factField: 'netPay (period not shown, taken as monthly)' }),
      ]);
      expect(documentFigures(payslip({ from: null, to: '2025-03-31' }))).toEqual([
        expect.objectContaining({ factField: 'netPay (period not shown, taken as monthly)' }),
      ]);
      expect(documentFigures(payslip({ from: '2025-02-01', to: '2025-02-28' }))).toEqual([
        expect.objectContaining({ factField: 'netPay' }),
      ]);
    });

    it('scales a weekly payslip to a month (x 52/12, to the pence) and finds the page of the weekly amount', () => {
      const sut = documentFigures(payslip({ from: '2025-03-03', to: '2025-03-09' }, 412.37));

      // 412.37 x 52 / 12 = 1786.9366...
      expect(sut).toEqual([
        expect.objectContaining({ amount: 1786.94, factField: 'netPay (weekly x 52/12)', page: 2 }),
      ]);
    });

    it('scales two-weekly and four-weekly pay to a month', () => {
      expect(documentFigures(payslip({ from: '2025-03-03', to: '2025-03-16' }, 900))).toEqual([
        expect.objectContaining({ amount: 1950, factField: 'netPay (fortnightly x 26/12)' }),
      ]);
      expect(documentFigures(payslip({ from: '2025-03-03', to: '2025-03-30' }, 1200))).toEqual([
        expect.objectContaining({ amount: 1300, factField: 'netPay (four-weekly x 13/12)' }),
      ]);
    });

    it('gives no income for a period that is no pay frequency (a quarter), nor for missing net pay', () => {
      expect(documentFigures(payslip({ from: '2025-01-01', to: '2025-03-31' }))).toEqual([]);
      expect(documentFigures(payslip({ from: '2025-03-01', to: '2025-03-31' }, null))).toEqual([]);
    });

    it('takes a benefit or Universal Credit statement’s total paid as income, scaled by its period', () => {
      const facts = { benefit: 'Universal Credit', amounts: [], deductions: [], totalPaid: 734.6, paymentDate: null };

      // A Universal Credit assessment period runs from a day to the day before it a month on.
      const universalCredit = documentFigures(
        source({
          documentType: 'universal_credit_statement',
          facts: { ...facts, period: { from: '2025-02-15', to: '2025-03-14' } },
        }),
      );
      const weeklyBenefit = documentFigures(
        source({
          documentType: 'benefit_statement',
          facts: {
            ...facts,
            benefit: 'Carer’s Allowance',
            totalPaid: 83.3,
            period: { from: '2025-03-03', to: '2025-03-09' },
          },
        }),
      );

      expect(universalCredit).toEqual([
        expect.objectContaining({ field: 'monthlyIncome', amount: 734.6, factField: 'totalPaid' }),
      ]);
      expect(weeklyBenefit).toEqual([
        expect.objectContaining({ amount: 360.97, factField: 'totalPaid (weekly x 52/12)' }),
      ]);
    });
  });

  describe('pages', () => {
    const letter = (markdown: string, balance = 1234.5) =>
      documentFigures(
        source({ documentType: 'debt_collection_letter', facts: { ...letterFacts, balance }, markdown }),
      )[0].page;

    it('finds the amount written with or without thousands commas and a pound sign', () => {
      expect(letter(pages('Balance 1234.50'))).toBe(1);
      expect(letter(pages('x', 'Balance £1,234.50 due'))).toBe(2);
      expect(letter(pages('x', '| Balance | £ 1,234.50 |'))).toBe(2);
    });

    it('finds whole pounds written without pence after a pound sign', () => {
      expect(letter(pages('x', 'You owe £1,200 to us.'), 1200)).toBe(2);
      expect(letter(pages('You owe 1200 to us.'), 1200)).toBeNull();
    });

    it('is the first page that shows the amount', () => {
      expect(letter(pages('Balance: £1,234.50', 'Balance: £1,234.50'))).toBe(1);
    });

    it('never finds the amount inside a longer number', () => {
      expect(letter(pages('Balance £11,234.50 and 1,234.501'))).toBeNull();
      expect(letter(pages('Balance £41,234.50'), 234.5)).toBeNull();
      expect(letter(pages('Balance £1,234.50'), 34.5)).toBeNull();
      expect(letter(pages('Paid £1,2000'), 1)).toBeNull();
    });

    it('is null when no page shows the amount, or the markdown has no page markers', () => {
      expect(letter(pages('Balance £1,234.60', 'Balance 1,243.50'))).toBeNull();
      expect(letter('Balance £1,234.50')).toBeNull();
    });
  });

  describe('malformed facts', () => {
    it.each([
      ['a string', 'balance: 1234.50'],
      ['an array', [1234.5]],
      ['null', null],
      ['a number', 42],
    ])('gives no figures, and does not throw, for facts that are %s', (_, facts: unknown) => {
      const document = source({ documentType: 'debt_collection_letter', facts: facts as Record<string, unknown> });

      expect(documentFigures(document)).toEqual([]);
    });

    it('counts a field of the wrong shape as absent, and keeps the others', () => {
      const sut = documentFigures(
        source({
          documentType: 'debt_collection_letter',
          facts: { creditor: { name: 'Lowell' }, originalCreditor: 7, balance: '£1,234.50', arrears: 300 },
        }),
      );

      expect(sut).toEqual([
        expect.objectContaining({ amount: 300, creditor: 'unknown creditor', factField: 'arrears' }),
      ]);
    });

    it('skips amounts that are not finite or not positive, and a period with bad dates reads as unknown', () => {
      const payslip = (netPay: unknown, period: unknown) =>
        documentFigures(source({ documentType: 'income_evidence', facts: { netPay, period } }));

      expect(payslip(Number.NaN, null)).toEqual([]);
      expect(payslip(Number.POSITIVE_INFINITY, null)).toEqual([]);
      expect(payslip(-50, null)).toEqual([]);
      expect(payslip(0.004, null)).toEqual([]);
      expect(payslip(1500, { from: 'last month', to: 17 })).toEqual([
        expect.objectContaining({ amount: 1500, factField: 'netPay (period not shown, taken as monthly)' }),
      ]);
    });

    it('gives no figures for documents that show neither debt nor income', () => {
      for (const documentType of ['bank_statement', 'expenditure_evidence', 'other', 'bank-statement']) {
        const facts = { ...letterFacts, closingBalance: -412.5 };

        expect(documentFigures(source({ documentType, facts }))).toEqual([]);
      }
    });
  });
});
