import { answeredFacts, ruleContext, withoutFacts } from '../testing/client-facts.fixture';
import { CLIENT_QUESTIONS } from './client-questions';
import type { EligibilityStatus } from './criterion';
import { debtReliefOrder } from './dro.rules';
import type { ClientFacts } from './facts';
import type { OptionResult } from './option.types';

function criterion(result: OptionResult, name: string) {
  const found = result.criteria.find((candidate) => candidate.id === `debt_relief_order.${name}`);
  if (!found)
    throw new Error(`no criterion debt_relief_order.${name} in ${result.criteria.map((c) => c.id).join(', ')}`);
  return found;
}

// Cases at, just under and just over a limit on a date (near-miss share 0, so just over fails).
function boundaryCases(dated: readonly [string, number][]): [string, number, EligibilityStatus][] {
  return dated.flatMap(([asOf, limit]): [string, number, EligibilityStatus][] => [
    [asOf, limit - 0.01, 'eligible'],
    [asOf, limit, 'eligible'],
    [asOf, limit + 0.01, 'not_eligible'],
  ]);
}

function check(facts: ClientFacts, asOf: string, nearMissShare = 0) {
  return debtReliefOrder(ruleContext(facts, asOf, { nearMissShare }));
}

describe(debtReliefOrder.name, () => {
  it('is eligible for a client inside every limit, with no fee from 2024-04-06', () => {
    const sut = check(answeredFacts(), '2025-01-15');
    expect(sut.status).toBe('eligible');
    expect(sut.questions).toEqual([]);
    expect(sut.fee?.amount).toBe(0);
  });

  it.each([
    ['2024-04-05', 90],
    ['2024-04-06', 0],
  ])('charges the fee in force on %s: %p GBP', (asOf, fee) => {
    expect(check(answeredFacts(), asOf).fee?.amount).toBe(fee);
  });

  it('did not exist before 2009-04-06', () => {
    const sut = check(answeredFacts(), '2009-04-05');
    expect(sut.status).toBe('not_eligible');
    expect(sut.criteria.map((c) => c.id)).toEqual(['debt_relief_order.in_force']);
    expect(sut.criteria[0].reason).toContain('2009-04-06');
  });

  describe('qualifying debts', () => {
    it.each(
      boundaryCases([
        ['2024-06-28', 50_000],
        ['2024-06-27', 30_000],
        ['2021-06-29', 30_000],
        ['2021-06-28', 20_000],
        ['2015-10-01', 20_000],
        ['2015-09-30', 15_000],
      ]),
    )('on %s, debts of %p are %s', (asOf, debtsTotal, status) => {
      const sut = check(answeredFacts({ debts: undefined, debtsTotal }), asOf);
      expect(criterion(sut, 'qualifying_debts').status).toBe(status);
      expect(sut.status).toBe(status);
    });

    it.each([
      ['2024-06-27', 50_000],
      ['2021-06-28', 30_000],
    ])('on %s, the next limit (%p) does not apply yet', (asOf, debtsTotal) => {
      expect(criterion(check(answeredFacts({ debts: undefined, debtsTotal }), asOf), 'qualifying_debts').status).toBe(
        'not_eligible',
      );
    });

    it('carries the source and the date the limit applies from', () => {
      const sut = criterion(check(answeredFacts(), '2025-01-01'), 'qualifying_debts');
      expect(sut.appliesFrom).toBe('2024-06-28');
      expect(sut.source.title).toContain('2024');
      expect(sut.kind).toBe('law');
    });

    it('is a near miss for 52,000 against 50,000 and says by how much', () => {
      const sut = criterion(
        check(answeredFacts({ debts: undefined, debtsTotal: 52_000 }), '2025-01-01', 0.1),
        'qualifying_debts',
      );
      expect(sut).toMatchObject({
        status: 'near_miss',
        figure: 52_000,
        limit: 50_000,
        gap: 'qualifying debts are 2,000 GBP over the limit',
      });
      expect(sut.toChange).toContain('2,000 GBP');
    });

    it('leaves out secured debts, a mortgage and excluded debts (student loan, court fine, child maintenance)', () => {
      const facts = answeredFacts({
        debts: [
          { creditor: 'Card', amount: 10_000, type: 'credit_card', secured: false },
          { creditor: 'SLC', amount: 40_000, type: 'student_loan', secured: false },
          { creditor: 'Magistrates', amount: 2_000, type: 'court_fine', secured: false },
          { creditor: 'CMS', amount: 3_000, type: 'child_maintenance', secured: false },
          { creditor: 'Bank', amount: 150_000, type: 'mortgage', secured: false },
          { creditor: 'Logbook lender', amount: 5_000, type: 'loan', secured: true },
        ],
      });
      const sut = criterion(check(facts, '2025-01-01'), 'qualifying_debts');
      expect(sut.status).toBe('eligible');
      expect(sut.figure).toBe(10_000);
      expect(sut.reason).toContain('2 secured and 3 excluded');
    });

    it('adds the listed debts in pence', () => {
      const debts = Array.from({ length: 10 }, (_, index) => ({
        creditor: `C${index}`,
        amount: 0.1,
        type: 'other' as const,
        secured: false,
      }));
      expect(criterion(check(answeredFacts({ debts }), '2025-01-01'), 'qualifying_debts').figure).toBe(1);
    });
  });

  describe('monthly surplus income', () => {
    it.each(
      boundaryCases([
        ['2021-06-29', 75],
        ['2021-06-28', 50],
      ]),
    )('on %s, a surplus of %p is %s', (asOf, monthlySurplus, status) => {
      expect(criterion(check(answeredFacts({ monthlySurplus }), asOf), 'surplus_income').status).toBe(status);
    });

    it('works the surplus out from income and expenses', () => {
      const facts = withoutFacts(answeredFacts({ monthlyIncome: 1_000.1, monthlyExpenses: 925.1 }), 'monthlySurplus');
      expect(criterion(check(facts, '2025-01-01'), 'surplus_income')).toMatchObject({ status: 'eligible', figure: 75 });
    });

    it('treats a shortfall as within the limit', () => {
      expect(criterion(check(answeredFacts({ monthlySurplus: -150 }), '2025-01-01'), 'surplus_income').status).toBe(
        'eligible',
      );
    });
  });

  describe('assets', () => {
    it.each(
      boundaryCases([
        ['2021-06-29', 2_000],
        ['2021-06-28', 1_000],
        ['2015-10-01', 1_000],
        ['2015-09-30', 300],
      ]),
    )('on %s, assets of %p are %s', (asOf, assetsValue, status) => {
      expect(criterion(check(answeredFacts({ assetsValue }), asOf), 'assets').status).toBe(status);
    });

    // With 100 GBP of other assets: a vehicle under the disregard adds nothing; at it, it counts in full.
    it.each([
      ['2024-06-28', 3_999.99, 100, 'eligible'],
      ['2024-06-28', 4_000, 4_100, 'not_eligible'],
      ['2024-06-27', 1_999.99, 100, 'eligible'],
      ['2024-06-27', 2_000, 2_100, 'not_eligible'],
      ['2024-06-27', 3_999.99, 4_099.99, 'not_eligible'],
      ['2021-06-29', 1_999.99, 100, 'eligible'],
      ['2021-06-28', 999.99, 100, 'eligible'],
      ['2021-06-28', 1_000, 1_100, 'not_eligible'],
    ])('on %s, a vehicle worth %p makes assets %p: %s', (asOf, vehicleValue, figure, status) => {
      const sut = criterion(check(answeredFacts({ assetsValue: 100, vehicleValue }), asOf), 'assets');
      expect(sut.figure).toBe(figure);
      expect(sut.status).toBe(status);
    });

    it('counts the equity in a home the client owns', () => {
      const sut = criterion(check(answeredFacts({ ownsHome: true, homeEquity: 15_000 }), '2025-01-01'), 'assets');
      expect(sut).toMatchObject({ status: 'not_eligible', figure: 15_300 });
    });

    it('decides without the vehicle when the known assets already fail by more than the near-miss share', () => {
      const sut = criterion(
        check(withoutFacts(answeredFacts({ assetsValue: 2_200.01 }), 'vehicleValue'), '2025-01-01', 0.1),
        'assets',
      );
      expect(sut.status).toBe('not_eligible');
      expect(sut.gap).toBe('assets are at least 200.01 GBP over the limit');
    });

    it('stays unknown when the missing vehicle could still decide it', () => {
      const sut = criterion(
        check(withoutFacts(answeredFacts({ assetsValue: 2_200 }), 'vehicleValue'), '2025-01-01', 0.1),
        'assets',
      );
      expect(sut.status).toBe('unknown');
      expect(sut.questions).toEqual([CLIENT_QUESTIONS.vehicle]);
    });
  });

  describe('previous DRO', () => {
    it.each([
      ['2019-03-10', '2025-03-09', 'not_eligible'],
      ['2019-03-10', '2025-03-10', 'eligible'],
      ['2020-02-29', '2026-02-27', 'not_eligible'],
      ['2020-02-29', '2026-02-28', 'eligible'],
    ])('approved %s, checked %s: %s', (approvedOn, asOf, status) => {
      const sut = criterion(check(answeredFacts({ lastDebtReliefOrderApprovedOn: approvedOn }), asOf), 'no_recent_dro');
      expect(sut.status).toBe(status);
    });

    it('says from when a new DRO is possible', () => {
      const sut = criterion(
        check(answeredFacts({ lastDebtReliefOrderApprovedOn: '2019-03-10' }), '2024-01-01'),
        'no_recent_dro',
      );
      expect(sut.toChange).toContain('2025-03-10');
    });
  });

  it.each<[string, Partial<ClientFacts>]>([
    ['not_bankrupt', { currentlyBankrupt: true }],
    ['not_in_iva', { inIva: true }],
    ['no_pending_petition', { bankruptcyPetitionPending: true }],
    ['connection', { region: undefined, connectedToEnglandOrWalesLast3Years: false }],
  ])('%s fails for %p', (name, overrides) => {
    const sut = check(answeredFacts(overrides), '2025-01-01');
    expect(criterion(sut, name).status).toBe('not_eligible');
    expect(sut.status).toBe('not_eligible');
  });

  it.each<[string, (keyof ClientFacts)[], string, string, Partial<ClientFacts>?]>([
    ['region', ['region'], 'region', CLIENT_QUESTIONS.region],
    ['connection', ['region', 'connectedToEnglandOrWalesLast3Years'], 'connection', CLIENT_QUESTIONS.connection],
    ['previous DRO', ['lastDebtReliefOrderApprovedOn'], 'no_recent_dro', CLIENT_QUESTIONS.previousDro],
    ['bankrupt', ['currentlyBankrupt'], 'not_bankrupt', CLIENT_QUESTIONS.bankrupt],
    ['IVA', ['inIva'], 'not_in_iva', CLIENT_QUESTIONS.iva],
    ['petition', ['bankruptcyPetitionPending'], 'no_pending_petition', CLIENT_QUESTIONS.petition],
    ['debts', ['debts'], 'qualifying_debts', CLIENT_QUESTIONS.debts],
    ['surplus', ['monthlySurplus'], 'surplus_income', CLIENT_QUESTIONS.surplus],
    [
      'surplus (income without expenses)',
      ['monthlySurplus'],
      'surplus_income',
      CLIENT_QUESTIONS.surplus,
      { monthlyIncome: 900 },
    ],
    ['assets', ['assetsValue'], 'assets', CLIENT_QUESTIONS.assets],
    ['vehicle', ['vehicleValue'], 'assets', CLIENT_QUESTIONS.vehicle],
    ['home ownership', ['ownsHome'], 'assets', CLIENT_QUESTIONS.ownsHome],
    ['home equity', ['homeEquity'], 'assets', CLIENT_QUESTIONS.homeEquity, { ownsHome: true }],
  ])('without the %s it is unknown and asks', (_fact, removed, name, question, extra = {}) => {
    const sut = check(withoutFacts(answeredFacts(extra), ...removed), '2025-01-01');
    expect(criterion(sut, name).status).toBe('unknown');
    expect(criterion(sut, name).questions).toContain(question);
    expect(sut.status).toBe('unknown');
    expect(sut.questions).toContain(question);
  });
});
