import { LOCAL_ORGANISATION, configureService } from '@rma/service-core';
import type { DocumentProcessed } from '@rma/service-core';
import {
  ServiceInProcess,
  StartedServer,
  freePort,
  postEvents,
  postJson,
  setFaults,
  startLocalLlm,
  startServiceInProcess,
} from '@rma/testing';
import { ChromaClient } from 'chromadb';
import { createHash, randomUUID } from 'node:crypto';
import { AppModule } from '../app.module';
import { ClientDocumentsService } from '../client-documents/client-documents.service';

// POST /eligibility against real Redis, real Chroma and a real local-llm (simulated engine). The decision
// comes from @rma/debt-rules; these tests show the service around it: input refused with what to change,
// document figures pre-filled, the explanation checked, and the decision kept when the LLM is down.
// Redis databases 6 and 7 are this file's (the project's spec files share out its Redis databases).
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;
const chromaUrl = process.env['RMA_TEST_CHROMA_URL'] as string;
const collections: string[] = [];
const clientPrefix = `te${randomUUID().slice(0, 6)}-`;

let llm: StartedServer;
let sut: ServiceInProcess;

const env = (database: number, llmUrl: string) => {
  collections.push(`test-${randomUUID().slice(0, 8)}`);
  return {
    REDIS_URL: `${redisUrl}/${database}`,
    CHROMA_URL: chromaUrl,
    CHROMA_COLLECTION: collections[collections.length - 1],
    CLIENT_COLLECTION_PREFIX: clientPrefix,
    VLLM_URL: llmUrl,
    OLLAMA_URL: llmUrl,
    LOG_LEVEL: 'error',
    GENERATION_CONCURRENCY: 'fixed:8',
    MANUALS_DIR: 'off',
    CHUNK_SIZE: '300',
    CHUNK_OVERLAP: '50',
    ELIGIBILITY_MAX_TOKENS: '48',
    LLM_RETRY_MAX_ATTEMPTS: '1',
  };
};

/** A client who fits a DRO on 2026-11-29: every criterion answered. */
const DRO_CLIENT = {
  region: 'england',
  debts: [
    { creditor: 'Barclaycard', amount: 4200, type: 'credit_card', secured: false },
    { creditor: 'Northshire Council', amount: 1350.5, type: 'council_tax', secured: false },
  ],
  monthlyIncome: 1400,
  monthlyExpenses: 1360,
  assetsValue: 300,
  vehicleValue: 0,
  ownsHome: false,
  lastDebtReliefOrderApprovedOn: null,
  currentlyBankrupt: false,
  bankruptcyPetitionPending: false,
  inIva: false,
  lastStandardBreathingSpaceEndedOn: null,
  inMentalHealthCrisis: false,
  connectedToEnglandOrWalesLast3Years: true,
  asOf: '2026-11-29',
};

/** One option's result in an answer's report (empty when the report has no such option). */
const optionOf = (body: { report: { options: Array<Record<string, unknown>> } }, option: string) =>
  body.report.options.find((result) => result['option'] === option) ?? {};

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--admin']);
  sut = await startServiceInProcess(AppModule.forRoot(env(7, llm.url)), `${redisUrl}/7`, configureService);
  await postJson(`${sut.baseUrl}/documents`, {
    title: 'Debt Relief Orders',
    source: 'test/dro.md',
    text: '# Debt Relief Orders\n\nQualifying debts must be £50,000 or less and spare income £75 a month or less.',
  });
}, 60_000);
afterEach(() => setFaults(llm.url, []));
afterAll(async () => {
  await sut?.close();
  await llm?.stop();
  const url = new URL(chromaUrl);
  const chroma = new ChromaClient({ host: url.hostname, port: Number(url.port) });
  const names = (await chroma.listCollections()).map((collection) => collection.name);
  await Promise.all(
    names
      .filter((name) => collections.includes(name) || name.startsWith(clientPrefix))
      .map((name) => chroma.deleteCollection({ name })),
  );
});

describe('POST /eligibility', () => {
  it('decides by the rules and explains from the manuals, citing them', async () => {
    const answer = await postJson(`${sut.baseUrl}/eligibility`, DRO_CLIENT);

    expect(answer.status).toBe(200);
    expect(optionOf(answer.body, 'debt_relief_order')).toMatchObject({ status: 'eligible', fee: { amount: 0 } });
    expect(optionOf(answer.body, 'debt_relief_order').criteria).toContainEqual(
      expect.objectContaining({ id: expect.stringMatching(/debts/), figure: 5550.5, limit: 50_000 }),
    );
    expect(answer.body.explanation).toMatchObject({
      status: 'written',
      text: expect.stringMatching(/\S/),
      sources: [expect.objectContaining({ title: 'Debt Relief Orders' })],
    });
  });

  it('flags an amount in the explanation that is neither a fact nor a rule figure', async () => {
    // The scripted answer stands in for a model that invents a figure (a fake: no engine can be made to).
    await setFaults(llm.url, [
      {
        kind: 'scripted-answer',
        text: 'Debts of £5,550.50 are within the £50,000 limit [1]; the client could pay £123.45 a month.',
        count: 1,
      },
    ]);

    const answer = await postJson(`${sut.baseUrl}/eligibility`, DRO_CLIENT);

    expect(answer.body.explanation.inventedAmounts).toEqual([{ text: '£123.45', amount: 123.45 }]);
    expect(optionOf(answer.body, 'debt_relief_order').status).toBe('eligible');
  });

  it('streams the decision first, then the explanation and its check', async () => {
    await setFaults(llm.url, [
      { kind: 'scripted-answer', text: 'A DRO fits [1]; the client could pay £123.45 a month.', count: 1 },
    ]);

    const events = await postEvents(`${sut.baseUrl}/eligibility/stream`, DRO_CLIENT);
    const names = events.map((event) => event.event);
    const tokens = events.filter((event) => event.event === 'token').map((event) => event.data.text);

    expect(names[0]).toBe('decision');
    expect(optionOf(events[0].data, 'debt_relief_order').status).toBe('eligible');
    expect(names.slice(1, -2).every((name) => name === 'token')).toBe(true);
    expect(tokens.join('')).toContain('£123.45');
    expect(names.slice(-2)).toEqual(['explanation', 'done']);
    expect(events[events.length - 2].data).toMatchObject({
      status: 'written',
      inventedAmounts: [{ text: '£123.45', amount: 123.45 }],
    });
  });

  it("reads an IVA refused on providers' guidelines as decided by guidelines, not law", async () => {
    const answer = await postJson(`${sut.baseUrl}/eligibility`, { ...DRO_CLIENT, explain: false });

    expect(optionOf(answer.body, 'individual_voluntary_arrangement')).toMatchObject({
      status: 'not_eligible',
      decidedBy: 'guidelines',
    });
    expect(optionOf(answer.body, 'debt_relief_order')).toMatchObject({ decidedBy: 'law' });
  });

  it('answers unknown for every option outside England and Wales, with the reason', async () => {
    const answer = await postJson(`${sut.baseUrl}/eligibility`, {
      region: 'scotland',
      debtsTotal: 9000,
      explain: false,
    });

    expect(answer.status).toBe(200);
    expect(answer.body.report.options.map((option: { status: string }) => option.status)).toEqual([
      'unknown',
      'unknown',
      'unknown',
      'unknown',
    ]);
    expect(JSON.stringify(answer.body.report.options[0])).toMatch(/scotland/i);
    expect(answer.body.explanation).toEqual({ status: 'not_requested' });
  });

  it.each([
    ['a negative amount', { debtsTotal: -5 }, /debtsTotal must not be negative/],
    ['an impossible date', { lastDebtReliefOrderApprovedOn: '2024-02-30' }, /real date/],
    ['a date after asOf', { lastDebtReliefOrderApprovedOn: '2027-01-01', asOf: '2026-11-29' }, /after asOf/],
    [
      'totals that disagree',
      { debts: [{ creditor: 'A', amount: 100, type: 'loan', secured: false }], debtsTotal: 150 },
      /add up to/,
    ],
    ['an unknown field', { debtTotal: 100 }, /debtTotal should not exist/],
    ['a null where null means nothing', { monthlyIncome: null }, /monthlyIncome must be a number/],
    [
      'an unknown debt type',
      { debts: [{ creditor: 'A', amount: 1, type: 'payday', secured: false }] },
      /type must be one of/,
    ],
    ['documents without their client', { documentIds: ['doc-1'] }, /give that clientId/],
    ['an amount in exponent form too small for pence', { debtsTotal: 1e-7 }, /at most 2 decimal places/],
    ['an amount too large to be real', { assetsValue: 1e21 }, /assetsValue must be at most 10000000/],
    ['an amount as a string', { monthlyIncome: '1400' }, /monthlyIncome must be a number/],
    ['debts that are not objects', { debts: [1, 'x', null] }, /nested property debts must be either object or array/],
    ['a date in another format', { asOf: '29/11/2026' }, /asOf must be a real date written YYYY-MM-DD/],
  ])('refuses %s with a 400 that says what to change', async (_, body, message) => {
    const answer = await postJson(`${sut.baseUrl}/eligibility`, body);

    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body.message)).toMatch(message);
  });
});

describe('POST /eligibility with documents', () => {
  const letter = (clientId: string): DocumentProcessed => {
    const markdown =
      '<!-- page 1 -->\n# Notice of assignment\n\nYour account has been assigned to us.\n\n' +
      '<!-- page 2 -->\n## Balance\n\nThe balance outstanding is £2,450.75.';
    return {
      documentId: `doc-letter-${clientId}`,
      organisation: LOCAL_ORGANISATION,
      clientId,
      title: 'debt letter',
      markdown,
      documentType: 'debt_collection_letter',
      sha256: createHash('sha256').update(markdown).digest('hex'),
      processedAt: '2026-11-20T10:00:00.000Z',
      facts: {
        creditor: 'Lowell',
        originalCreditor: null,
        reference: 'LW-1',
        balance: 2450.75,
        arrears: null,
        dates: [],
        demands: [],
        deadlines: [],
      },
    };
  };

  it('pre-fills debts from the documents, each figure with its document and page', async () => {
    await sut.app.get(ClientDocumentsService).index(letter('cl-prefill'));
    const { debts: _debts, ...withoutDebts } = DRO_CLIENT;

    const answer = await postJson(`${sut.baseUrl}/eligibility`, {
      ...withoutDebts,
      clientId: 'cl-prefill',
      documentIds: ['doc-letter-cl-prefill'],
      explain: false,
    });

    expect(answer.status).toBe(200);
    expect(answer.body.facts.debts).toEqual([{ creditor: 'Lowell', amount: 2450.75, type: 'other', secured: false }]);
    expect(answer.body.prefilled).toEqual([
      expect.objectContaining({
        field: 'debt',
        amount: 2450.75,
        documentId: 'doc-letter-cl-prefill',
        page: 2,
        used: true,
      }),
    ]);
    expect(optionOf(answer.body, 'debt_relief_order').criteria).toContainEqual(
      expect.objectContaining({ id: expect.stringMatching(/debts/), figure: 2450.75 }),
    );
  });

  it('pre-fills monthly income from a payslip, scaled from its weekly period', async () => {
    const markdown = '<!-- page 1 -->\n# Payslip\n\nNet pay £350.00 for the week.';
    await sut.app.get(ClientDocumentsService).index({
      documentId: 'doc-payslip',
      organisation: LOCAL_ORGANISATION,
      clientId: 'cl-income',
      title: 'payslip',
      markdown,
      documentType: 'income_evidence',
      sha256: createHash('sha256').update(markdown).digest('hex'),
      processedAt: '2026-11-20T10:00:00.000Z',
      facts: {
        benefit: null,
        employer: 'Acme',
        period: { from: '2026-11-16', to: '2026-11-22' },
        amounts: [],
        deductions: [],
        totalPaid: null,
        paymentDate: null,
        grossPay: 420,
        netPay: 350,
      },
    });
    const { monthlyIncome: _income, ...withoutIncome } = DRO_CLIENT;

    const answer = await postJson(`${sut.baseUrl}/eligibility`, {
      ...withoutIncome,
      clientId: 'cl-income',
      documentIds: ['doc-payslip'],
      explain: false,
    });

    // 350 a week is 350 x 52 / 12 = 1,516.67 a month; less 1,360 of expenses, a surplus of 156.67.
    expect(answer.body.facts.monthlyIncome).toBe(1516.67);
    expect(answer.body.prefilled).toEqual([
      expect.objectContaining({ field: 'monthlyIncome', documentId: 'doc-payslip', page: 1, used: true }),
    ]);
    expect(optionOf(answer.body, 'debt_relief_order').criteria).toContainEqual(
      expect.objectContaining({ id: expect.stringMatching(/surplus/), figure: 156.67, status: 'not_eligible' }),
    );
  });

  it("keeps the adviser's figure for the same creditor", async () => {
    await sut.app.get(ClientDocumentsService).index(letter('cl-adviser'));

    const answer = await postJson(`${sut.baseUrl}/eligibility`, {
      ...DRO_CLIENT,
      debts: [{ creditor: 'Lowell', amount: 3000, type: 'other', secured: false }],
      clientId: 'cl-adviser',
      documentIds: ['doc-letter-cl-adviser'],
      explain: false,
    });

    expect(answer.body.facts.debts).toEqual([{ creditor: 'Lowell', amount: 3000, type: 'other', secured: false }]);
    expect(answer.body.prefilled).toEqual([expect.objectContaining({ used: false, page: 2 })]);
  });

  it("answers 404 for a document that is not that client's", async () => {
    await sut.app.get(ClientDocumentsService).index(letter('cl-owner'));

    const answer = await postJson(`${sut.baseUrl}/eligibility`, {
      ...DRO_CLIENT,
      clientId: 'cl-other',
      documentIds: ['doc-letter-cl-other', 'doc-letter-cl-owner'],
    });

    expect(answer.status).toBe(404);
    // Named by position: the answer does not repeat what the caller typed.
    expect(answer.body.message).toMatch(/^no processed document for documentIds\[0\], documentIds\[1\] of this client/);
    expect(answer.body.message).not.toMatch(/doc-letter|cl-other/);
  });
});

describe('POST /eligibility with a slow LLM server', () => {
  let slow: ServiceInProcess | undefined;
  afterEach(async () => {
    await slow?.close();
    slow = undefined;
  });

  it.each([
    ['ELIGIBILITY_TIMEOUT_MS', { ELIGIBILITY_TIMEOUT_MS: '800' }, 800],
    ['what is left of ELIGIBILITY_REQUEST_TIMEOUT_MS', { ELIGIBILITY_REQUEST_TIMEOUT_MS: '1000' }, 1000],
  ])(
    'answers the decision by %s when the embedding server is slow, the explanation unavailable',
    async (_bound, settings, boundMs) => {
      slow = await startServiceInProcess(
        AppModule.forRoot({ ...env(6, llm.url), ...settings }),
        `${redisUrl}/6`,
        configureService,
      );
      await setFaults(llm.url, [{ kind: 'delay-first-token', target: 'embeddings', delayMs: 10_000 }]);
      const started = performance.now();

      const answer = await postJson(`${slow.baseUrl}/eligibility`, DRO_CLIENT);
      const streamed = await postEvents(`${slow.baseUrl}/eligibility/stream`, DRO_CLIENT);
      const elapsed = performance.now() - started;

      expect(answer.status).toBe(200);
      expect(optionOf(answer.body, 'debt_relief_order').status).toBe('eligible');
      expect(answer.body.explanation).toMatchObject({ status: 'unavailable', code: 'timeout' });
      expect(streamed.map((event) => event.event)).toEqual(['decision', 'explanation', 'done']);
      expect(streamed[1].data).toMatchObject({ status: 'unavailable', code: 'timeout' });
      expect(elapsed).toBeLessThan(2 * boundMs + 200);
    },
  );
});

describe('POST /eligibility with the LLM or Chroma down', () => {
  let down: ServiceInProcess | undefined;
  afterEach(async () => {
    await down?.close();
    down = undefined;
  });

  it('still returns the decision without the LLM, with the explanation marked unavailable and why', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    down = await startServiceInProcess(AppModule.forRoot(env(6, nobody)), `${redisUrl}/6`, configureService);

    const answer = await postJson(`${down.baseUrl}/eligibility`, DRO_CLIENT);

    expect(answer.status).toBe(200);
    expect(optionOf(answer.body, 'debt_relief_order').status).toBe('eligible');
    expect(answer.body.explanation).toEqual({
      status: 'unavailable',
      reason: expect.any(String),
      code: expect.stringMatching(/unavailable/),
    });
  });

  it('still returns the decision without Chroma, with the explanation marked unavailable and why', async () => {
    const environment = { ...env(6, llm.url), CHROMA_URL: `http://127.0.0.1:${await freePort()}` };
    down = await startServiceInProcess(AppModule.forRoot(environment), `${redisUrl}/6`, configureService);

    const answer = await postJson(`${down.baseUrl}/eligibility`, DRO_CLIENT);

    expect(answer.status).toBe(200);
    expect(optionOf(answer.body, 'debt_relief_order').status).toBe('eligible');
    expect(answer.body.explanation).toMatchObject({ status: 'unavailable', code: 'vector_store_unavailable' });
  });
});
