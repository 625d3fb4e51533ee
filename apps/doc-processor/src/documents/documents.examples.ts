// Worked examples for the OpenAPI document (a bank statement read from a scan).

const base = {
  documentId: 'doc_5c1e9a7f3b2d4e6f8a0b',
  kind: 'pdf',
  mime: 'application/pdf',
  pageCount: 2,
  sizeBytes: 184_322,
  clientId: 'client-4821',
  createdAt: '2026-11-29T10:15:02.114Z',
  links: { self: '/documents/doc_5c1e9a7f3b2d4e6f8a0b', markdown: '/documents/doc_5c1e9a7f3b2d4e6f8a0b/markdown' },
};

/** A document just accepted, and the same document finished. */
export const DOCUMENT_VIEW_EXAMPLE = {
  queued: {
    ...base,
    status: 'queued',
    progress: { pagesRead: 0, pagesFailed: 0, pageCount: 2 },
    pages: [],
    duplicate: false,
  },
  done: {
    ...base,
    status: 'done',
    finishedAt: '2026-11-29T10:15:05.902Z',
    progress: { pagesRead: 2, pagesFailed: 0, pageCount: 2 },
    pages: [
      {
        pageNumber: 1,
        status: 'done',
        method: 'ocr',
        confidence: 0.93,
        ms: 1480,
        ocrMs: 1410,
        warnings: ['text layer not used: the page has no text objects'],
      },
      { pageNumber: 2, status: 'done', method: 'text-layer', confidence: 1, ms: 35, warnings: [] },
    ],
    result: {
      documentType: 'bank_statement',
      priority: { level: 'not_a_debt', reason: 'A bank statement is evidence of income and spending, not a debt.' },
      classification: {
        type: 'bank_statement',
        confidence: 0.94,
        decidedBy: 'both',
        agreed: true,
        rules: { type: 'bank_statement', confidence: 0.9, cues: ['sort code', 'statement period', 'balance column'] },
        llm: { type: 'bank_statement', confidence: 0.88 },
      },
      facts: {
        holder: 'Ms J Smith',
        accountLast4: '4821',
        sortCode: '20-45-77',
        period: { from: '2026-10-01', to: '2026-10-31' },
        openingBalance: 412.5,
        closingBalance: 98.17,
        transactions: [
          { date: '2026-10-03', description: 'COUNCIL TAX DD', amount: 142, direction: 'debit', balance: 270.5 },
        ],
      },
      factsFromLlm: [],
      warnings: [],
      pages: { total: 2, failed: 0, byMethod: { ocr: 1, 'text-layer': 1 } },
      assembly: { removedLines: 2, mergedTables: 1 },
      timings: { totalMs: 3788, analysisMs: 212 },
    },
  },
};
