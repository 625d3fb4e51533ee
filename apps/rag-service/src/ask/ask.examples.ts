// Examples for the OpenAPI page, written by hand to show the shape; a real model's wording differs.

const SOURCE = {
  documentId: 'doc_5b0c2f4e9a1d7c3e8f20',
  title: 'Debt Relief Orders',
  source: 'manuals/debt-relief-orders.md',
  chunkIndex: 1,
  chunk:
    'Debt Relief Orders > Who can get a DRO\nA client can apply when all of these are true: - Their qualifying ' +
    'debts are £50,000 or less. The limit rose from £30,000 on 28 June 2024.',
  score: 0.8123,
  collection: 'manuals',
};

export const ASK_EXAMPLE = {
  answer: 'A client can get a Debt Relief Order when their qualifying debts are £50,000 or less [1].',
  sources: [SOURCE],
  usage: { promptTokens: 612, completionTokens: 28 },
  backend: { kind: 'vllm', url: 'http://vllm:8000', model: 'meta-llama/Llama-3.2-3B-Instruct', fallback: false },
  timings: { embedMs: 14.2, retrieveMs: 3.1, generateMs: 640.5, queueMs: 2, llmMs: 631, totalMs: 658.3 },
};

export const AGENTIC_EXAMPLE = {
  answer: 'A DRO needs debts of £50,000 or less [1]; bankruptcy has no upper limit and costs £680 [2].',
  confidence: 0.8,
  steps: [
    { kind: 'plan', detail: "The question compares two options: search each one's limits." },
    { kind: 'retrieve', detail: 'found 5 chunks, best score 0.81', query: 'Debt Relief Order debt limit', found: 5 },
    { kind: 'retrieve', detail: 'found 5 chunks, best score 0.77', query: 'bankruptcy fee', found: 5 },
    { kind: 'answer', detail: 'answered from 8 distinct chunks' },
  ],
  sources: [SOURCE],
  usage: { promptTokens: 1840, completionTokens: 160 },
  backend: ASK_EXAMPLE.backend,
  timings: { planMs: 410.2, retrieveMs: 21.7, answerMs: 980.4, totalMs: 1412.3 },
};
