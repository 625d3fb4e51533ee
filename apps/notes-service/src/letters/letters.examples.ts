// Worked examples for the OpenAPI page: what an adviser sends and gets back (written by hand to show
// the shape; a real model's wording differs).

const SECTIONS = {
  situation:
    'You owe £1,200 in council tax to Bristol City Council. You also owe £450.50 to Octopus Energy. ' +
    'The council has asked the court for a hearing on 14 March 2027.',
  whatWeWillDo: 'We will write to the council this week. We will ask them to stop taking action while we help you.',
  whatYouNeedToDo: 'Please send us your last three payslips by 1 Dec. You can post them or bring them in.',
  nextSteps: 'When we have your payslips, we will work out a budget with you. Call us if anything changes.',
};

export const LETTER_EXAMPLE = {
  letter: {
    text:
      'Dear Ms Patel,\n\nYour situation\n' +
      SECTIONS.situation +
      '\n\nWhat we will do\n' +
      SECTIONS.whatWeWillDo +
      '\n\nWhat you need to do\n' +
      SECTIONS.whatYouNeedToDo +
      '\n\nNext steps\n' +
      SECTIONS.nextSteps +
      '\n\nYours sincerely,\nSam Jones\nBristol Debt Advice\n',
    sections: SECTIONS,
  },
  facts: {
    summary: 'The client has council tax and energy arrears and a court hearing coming up.',
    debts: [
      { creditor: 'Bristol City Council', kind: 'council tax', amount: 1200, priority: true },
      { creditor: 'Octopus Energy', kind: 'energy', amount: 450.5, priority: true },
    ],
    deadlines: [
      { date: '14 March 2027', what: 'court hearing about the council tax' },
      { date: '1 Dec', what: 'client sends the last three payslips' },
    ],
    actions: [
      { who: 'client', action: 'send the last three payslips' },
      { who: 'adviser', action: 'write to the council to ask for a hold on enforcement' },
    ],
  },
  readability: { fleschKincaidGrade: 5.1, fleschReadingEase: 76.4, targetGrade: 9, rewritten: false },
  warnings: [],
  usage: { promptTokens: 812, completionTokens: 431 },
  backend: { kind: 'vllm', url: 'http://vllm:8000', model: 'meta-llama/Llama-3.2-3B-Instruct', fallback: false },
  timings: { factsMs: 1840, letterMs: 3120, totalMs: 4960 },
};

export const LETTER_BATCH_EXAMPLE = {
  results: [
    { index: 0, ok: true, ...LETTER_EXAMPLE },
    {
      index: 1,
      ok: false,
      error: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'items.1: clientName must not be empty: the letter needs someone to address',
        retryable: false,
      },
    },
  ],
};

export const LLM_FAILURE_EXAMPLE = {
  statusCode: 503,
  error: 'LlmUnavailable',
  message: 'generation failed: vllm at http://vllm:8000 is unavailable: connect ECONNREFUSED',
  backend: 'vllm',
  retryable: true,
  jobId: '1234',
};
