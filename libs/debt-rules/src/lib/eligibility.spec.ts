import fc from 'fast-check';
import { answeredFacts } from '../testing/client-facts.fixture';
import { CLIENT_QUESTIONS } from './client-questions';
import { InvalidFactsError } from './debt-rules.errors';
import { checkEligibility } from './eligibility';
import { type ClientFacts, type Debt, DEBT_TYPES, factProblems } from './facts';

const asOf = '2025-01-01';

describe(checkEligibility.name, () => {
  it('answers every option, least drastic first, for the date and region given', () => {
    const sut = checkEligibility(answeredFacts(), { asOf });
    expect(sut.asOf).toBe(asOf);
    expect(sut.region).toBe('england');
    expect(sut.options.map((option) => [option.option, option.status])).toEqual([
      ['breathing_space', 'eligible'],
      ['debt_relief_order', 'eligible'],
      ['individual_voluntary_arrangement', 'not_eligible'],
      ['bankruptcy', 'eligible'],
    ]);
    expect(sut.questions).toEqual([]);
  });

  it('gives the answer the README example shows', () => {
    const facts: ClientFacts = {
      region: 'england',
      debts: [
        { creditor: 'Barclaycard', amount: 30_000, type: 'credit_card', secured: false },
        { creditor: 'Student Loans Company', amount: 20_000, type: 'student_loan', secured: false },
        { creditor: 'Lloyds', amount: 22_000, type: 'loan', secured: false },
      ],
      monthlyIncome: 1_450,
      monthlyExpenses: 1_370,
      assetsValue: 500,
      vehicleValue: 3_000,
      ownsHome: false,
      lastDebtReliefOrderApprovedOn: null,
      currentlyBankrupt: false,
      bankruptcyPetitionPending: false,
      inIva: false,
    };
    expect(factProblems(facts, '2025-06-01')).toEqual([]);
    const sut = checkEligibility(facts, { asOf: '2025-06-01' });
    const dro = sut.options[1];
    expect(dro).toMatchObject({ option: 'debt_relief_order', status: 'near_miss' });
    expect(
      dro.criteria.filter((criterion) => criterion.status === 'near_miss').map((criterion) => criterion.figure),
    ).toEqual([52_000, 80]);
    expect(sut.questions).toEqual([CLIENT_QUESTIONS.lastBreathingSpace]);
  });

  it.each(['scotland', 'northern_ireland'] as const)(
    'answers unknown for every option in %s, with the reason',
    (region) => {
      const sut = checkEligibility(answeredFacts({ region, debts: undefined, debtsTotal: 90_000 }), { asOf });
      for (const option of sut.options) {
        expect(option.status).toBe('unknown');
        expect(option.criteria).toHaveLength(1);
        expect(option.criteria[0].reason).toMatch(/Scotland|Northern Ireland/);
      }
      expect(sut.questions).toEqual([]);
    },
  );

  it('lists each question once across the options', () => {
    const sut = checkEligibility({ region: 'england' }, { asOf });
    expect(new Set(sut.questions).size).toBe(sut.questions.length);
    expect(sut.questions).toEqual(
      expect.arrayContaining([CLIENT_QUESTIONS.debts, CLIENT_QUESTIONS.surplus, CLIENT_QUESTIONS.vehicle]),
    );
    const askingForDebts = sut.options.filter((option) => option.questions.includes(CLIENT_QUESTIONS.debts));
    expect(askingForDebts.length).toBeGreaterThan(1);
    expect(sut.region).toBe('england');
  });

  it('reports a missing region as null and asks for it', () => {
    const sut = checkEligibility({}, { asOf });
    expect(sut.region).toBeNull();
    expect(sut.questions[0]).toBe(CLIENT_QUESTIONS.region);
  });

  it('uses the near-miss share and IVA guidelines it is given', () => {
    const facts = answeredFacts({ debts: undefined, debtsTotal: 54_000, monthlySurplus: 150 });
    const byDefault = checkEligibility(facts, { asOf });
    const strict = checkEligibility(facts, { asOf, nearMissShare: 0, ivaGuidelines: { minMonthlyContribution: 200 } });
    expect(byDefault.options.find((option) => option.option === 'debt_relief_order')?.status).toBe('not_eligible');
    expect(checkEligibility({ ...facts, monthlySurplus: 20 }, { asOf }).options[1].status).toBe('near_miss');
    const contribution = (report: typeof byDefault) =>
      report.options[2].criteria.find((criterion) => criterion.id.endsWith('monthly_contribution'))?.status;
    expect(contribution(byDefault)).toBe('eligible');
    expect(contribution(strict)).toBe('not_eligible');
  });

  it('throws InvalidFactsError listing every problem, facts and options alike', () => {
    const facts = answeredFacts({ assetsValue: -5 });
    const thrown = (() => {
      try {
        checkEligibility(facts, { asOf: '2025-02-30', nearMissShare: 1, ivaGuidelines: { minCreditors: 1.5 } });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(InvalidFactsError);
    expect((thrown as InvalidFactsError).problems.map((problem) => problem.path)).toEqual([
      'asOf',
      'assetsValue',
      'options.nearMissShare',
      'options.ivaGuidelines.minCreditors',
    ]);
  });

  describe('properties', () => {
    const debtArbitrary: fc.Arbitrary<Debt> = fc.record({
      creditor: fc.constantFrom('Barclaycard', 'Lloyds', 'Council', 'Octopus', 'SLC'),
      amount: fc.integer({ min: 0, max: 4_000_000 }).map((pence) => pence / 100),
      type: fc.constantFrom(...DEBT_TYPES),
      secured: fc.boolean(),
    });
    const factsArbitrary: fc.Arbitrary<ClientFacts> = fc
      .record({
        region: fc.constantFrom('england' as const, 'wales' as const),
        debts: fc.array(debtArbitrary, { maxLength: 8 }),
        monthlySurplus: fc.integer({ min: -10_000, max: 20_000 }).map((pence) => pence / 100),
        assetsValue: fc.integer({ min: 0, max: 400_000 }).map((pence) => pence / 100),
        vehicleValue: fc.integer({ min: 0, max: 600_000 }).map((pence) => pence / 100),
        ownsHome: fc.boolean(),
        homeEquity: fc.constantFrom(0, 500, 30_000),
        // On or before the earliest date checked: a later one is a fact problem, not a case.
        lastDebtReliefOrderApprovedOn: fc.constantFrom(null, '2010-01-15', '2015-06-01'),
        currentlyBankrupt: fc.boolean(),
        bankruptcyPetitionPending: fc.boolean(),
        inIva: fc.boolean(),
        lastStandardBreathingSpaceEndedOn: fc.constantFrom(null, '2015-06-01'),
        inMentalHealthCrisis: fc.boolean(),
      })
      .map((facts) => (facts.ownsHome ? facts : { ...facts, homeEquity: 0 }));
    const asOfArbitrary = fc.constantFrom(
      '2015-09-30',
      '2021-06-28',
      '2021-06-29',
      '2024-06-27',
      '2024-06-28',
      '2025-06-01',
    );
    const severity = { eligible: 0, near_miss: 1, not_eligible: 2, unknown: -1 } as const;

    function dro(facts: ClientFacts, date: string) {
      const option = checkEligibility(facts, { asOf: date }).options.find(
        (candidate) => candidate.option === 'debt_relief_order',
      );
      if (!option) throw new Error('no DRO in the report');
      return option;
    }

    it('raising a debt, or adding one, never turns a not-eligible DRO eligible', () => {
      fc.assert(
        fc.property(
          factsArbitrary,
          asOfArbitrary,
          fc.nat(),
          fc.integer({ min: 1, max: 3_000_000 }),
          debtArbitrary,
          (facts, date, index, raisePence, extra) => {
            const debts = facts.debts ?? [];
            const before = dro(facts, date);
            const raised = debts.map((debt, at) =>
              at === index % Math.max(debts.length, 1)
                ? { ...debt, amount: (Math.round(debt.amount * 100) + raisePence) / 100 }
                : debt,
            );
            for (const more of [
              { ...facts, debts: raised },
              { ...facts, debts: [...debts, extra] },
            ]) {
              const after = dro(more, date);
              if (before.status === 'not_eligible') expect(after.status).toBe('not_eligible');
              const debtsBefore = before.criteria.find((criterion) => criterion.id.endsWith('qualifying_debts'));
              const debtsAfter = after.criteria.find((criterion) => criterion.id.endsWith('qualifying_debts'));
              if (debtsBefore && debtsAfter)
                expect(severity[debtsAfter.status]).toBeGreaterThanOrEqual(severity[debtsBefore.status]);
            }
          },
        ),
      );
    });

    it('finds plenty of not-eligible DROs to test the property on', () => {
      const samples = fc.sample(fc.tuple(factsArbitrary, asOfArbitrary), { numRuns: 200, seed: 42 });
      const notEligible = samples.filter(([facts, date]) => dro(facts, date).status === 'not_eligible');
      expect(notEligible.length).toBeGreaterThan(20);
    });

    it('gives the same report whatever the order of the debts', () => {
      fc.assert(
        fc.property(
          factsArbitrary.chain((facts) =>
            fc.tuple(
              fc.constant(facts),
              fc.shuffledSubarray([...(facts.debts ?? [])], { minLength: facts.debts?.length ?? 0 }),
            ),
          ),
          asOfArbitrary,
          ([facts, shuffled], date) => {
            const original = checkEligibility(facts, { asOf: date });
            const reordered = checkEligibility({ ...facts, debts: shuffled }, { asOf: date });
            const statuses = (report: typeof original) =>
              report.options.map((option) => [option.status, option.criteria.map((criterion) => criterion.status)]);
            expect(statuses(reordered)).toEqual(statuses(original));
            expect(reordered).toEqual(original);
          },
        ),
      );
    });
  });
});

describe('decidedBy', () => {
  const base = { region: 'england' as const, debtsTotal: 9000, assetsValue: 0, vehicleValue: 0, ownsHome: false };

  it("says an IVA refused only on providers' guidelines rests on guidelines, a DRO refused by a limit on law", () => {
    const sut = checkEligibility({ ...base, debtsTotal: 90_000, monthlySurplus: 20 }, { asOf: '2026-11-29' });
    const decided = Object.fromEntries(sut.options.map((option) => [option.option, [option.status, option.decidedBy]]));

    expect(decided['individual_voluntary_arrangement']).toEqual(['not_eligible', 'guidelines']);
    expect(decided['debt_relief_order']).toEqual(['not_eligible', 'law']);
  });
});

describe('amounts too large to be real', () => {
  it('are refused with the largest accepted', () => {
    expect(() => checkEligibility({ debtsTotal: 10_000_000.01 }, { asOf: '2026-11-29' })).toThrow(
      /debtsTotal must be at most 10000000 pounds/,
    );
    expect(factProblems({ monthlySurplus: -2e7 }, '2026-11-29')).toEqual([
      { path: 'monthlySurplus', message: 'monthlySurplus must be within 10000000 pounds either way.' },
    ]);
  });
});

describe('creditors', () => {
  it('counts one creditor however its name is spaced or cased', () => {
    const debts = [
      { creditor: 'Lowell  Portfolio', amount: 3000, type: 'other' as const, secured: false },
      { creditor: ' lowell portfolio', amount: 4000, type: 'other' as const, secured: false },
    ];

    const sut = checkEligibility({ region: 'england', debts }, { asOf: '2026-11-29' });
    const iva = sut.options.find((option) => option.option === 'individual_voluntary_arrangement');

    expect(iva?.criteria.find((criterion) => criterion.id.endsWith('.creditors'))?.figure).toBe(1);
  });
});
