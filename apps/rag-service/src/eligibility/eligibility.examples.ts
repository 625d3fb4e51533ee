// OpenAPI example of POST /eligibility: a real answer (npm start, 2026-11-29) with two options of four, a
// criterion or two each, and the explanation's text shortened.
export const ELIGIBILITY_EXAMPLE = {
  asOf: '2026-11-29',
  facts: {
    region: 'england',
    debtsTotal: 52000,
    monthlyIncome: 1400,
    monthlyExpenses: 1360,
    assetsValue: 300,
    vehicleValue: 0,
    ownsHome: false,
    lastDebtReliefOrderApprovedOn: null,
    currentlyBankrupt: false,
    bankruptcyPetitionPending: false,
    inIva: false,
    connectedToEnglandOrWalesLast3Years: true,
  },
  documents: [],
  prefilled: [],
  report: {
    asOf: '2026-11-29',
    region: 'england',
    options: [
      {
        option: 'debt_relief_order',
        decidedBy: 'law',
        name: 'Debt Relief Order',
        status: 'near_miss',
        criteria: [
          {
            id: 'debt_relief_order.qualifying_debts',
            label: 'Qualifying debts at most 50,000 GBP',
            kind: 'law',
            source: {
              title: 'The Insolvency Proceedings (Monetary Limits) (Amendment) Order 2024 (SI 2024/626)',
              url: 'https://www.legislation.gov.uk/uksi/2024/626/made',
            },
            appliesFrom: '2024-06-28',
            limit: 50000,
            unit: 'GBP',
            figure: 52000,
            status: 'near_miss',
            reason:
              'Qualifying debts are 52,000 GBP, over the limit of 50,000 GBP by no more than 10% of it. Taken from debtsTotal and counted in full, as no list shows which debts are secured or excluded.',
            gap: 'qualifying debts are 2,000 GBP over the limit',
            toChange:
              'Qualifying debts 2,000 GBP lower would be within the limit (paying some off, or a debt found not to qualify); bankruptcy has no maximum.',
          },
        ],
        risks: [],
        questions: [],
        fee: {
          amount: 0,
          parts: [
            {
              label: 'DRO application fee',
              amount: 0,
              source: {
                title:
                  'Spring Budget 2024 (para 3.41): the DRO fee abolished from 6 April 2024; GOV.UK: Debt relief orders',
                url: 'https://www.gov.uk/options-for-paying-off-your-debts/debt-relief-orders',
              },
              appliesFrom: '2024-04-06',
            },
          ],
        },
        notes: [
          'A DRO lasts 12 months; qualifying debts are then written off. Secured debts and excluded debts (student loans, court fines, child maintenance) stay payable.',
        ],
      },
      {
        option: 'bankruptcy',
        decidedBy: 'law',
        name: 'Bankruptcy',
        status: 'eligible',
        criteria: [
          {
            id: 'bankruptcy.region',
            label: 'Lives in England or Wales, the only part of the UK whose rules this library holds',
            kind: 'law',
            source: {
              title: 'Insolvency Act 1986, Part 9 (bankruptcy)',
              url: 'https://www.legislation.gov.uk/ukpga/1986/45/part/IX',
            },
            appliesFrom: '1986-12-29',
            status: 'eligible',
            reason: 'The client lives in England.',
          },
        ],
        risks: [
          'A monthly surplus of 40 GBP is likely to be taken under an income payments arrangement (an agreement or court order) for up to 3 years.',
          "Creditors are owed 52,000 GBP in all, at least the 5,000 GBP (from 2015-10-01, The Insolvency Act 1986 (Amendment) Order 2015 (SI 2015/922)) a creditor's bankruptcy petition needs.",
        ],
        questions: [
          'Can the client list their debts one by one (creditor, amount, type, secured)? The rules need to tell the creditors apart.',
        ],
        fee: {
          amount: 680,
          parts: [
            {
              label: "Adjudicator's fee",
              amount: 130,
              source: {
                title: 'GOV.UK: Apply for bankruptcy (online applications to the adjudicator from 6 April 2016)',
                url: 'https://www.gov.uk/bankruptcy',
              },
              appliesFrom: '2016-04-06',
            },
            {
              label: "Official receiver's deposit",
              amount: 550,
              source: {
                title: 'The Insolvency Proceedings (Fees) Order 2016 (SI 2016/692)',
                url: 'https://www.legislation.gov.uk/uksi/2016/692/contents/made',
              },
              appliesFrom: '2016-07-21',
            },
          ],
        },
        notes: ['A debtor can apply for their own bankruptcy whatever the amount owed.'],
      },
    ],
    questions: [
      'Has the client had a standard breathing space before, and if so on what date did it end?',
      'Can the client list their debts one by one (creditor, amount, type, secured)? The rules need to tell the creditors apart.',
    ],
  },
  explanation: {
    status: 'written',
    text: 'A Debt Relief Order is just out of reach: qualifying debts of 52,000 GBP are over the 50,000 GBP limit [3] ...',
    sources: [
      {
        documentId: 'doc_63b2331135e87e5b7c2e',
        title: 'Breathing Space',
        source: 'manuals/breathing-space.md',
        chunkIndex: 3,
        score: 0.3853,
      },
      {
        documentId: 'doc_5209ba8a836f3b8b7ffe',
        title: 'Priority debts',
        source: 'manuals/priority-debts.md',
        chunkIndex: 1,
        score: 0.3836,
      },
      {
        documentId: 'doc_07efc23098b9c8d26bcb',
        title: 'Debt Relief Orders',
        source: 'manuals/debt-relief-orders.md',
        chunkIndex: 0,
        score: 0.3727,
      },
    ],
    inventedAmounts: [],
    usage: {
      promptTokens: 1018,
      completionTokens: 145,
    },
    backend: {
      kind: 'vllm',
      url: 'http://127.0.0.1:8000',
      model: 'meta-llama/Llama-3.2-3B-Instruct',
      fallback: false,
    },
  },
};
