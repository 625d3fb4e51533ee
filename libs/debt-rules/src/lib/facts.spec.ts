import { answeredFacts } from '../testing/client-facts.fixture';
import { type ClientFacts, type Debt, factProblems } from './facts';

const asOf = '2025-01-01';

function paths(facts: ClientFacts, date = asOf): string[] {
  return factProblems(facts, date).map((problem) => problem.path);
}

describe(factProblems.name, () => {
  it('finds nothing wrong with answered facts, a shortfall or nothing at all', () => {
    expect(factProblems(answeredFacts(), asOf)).toEqual([]);
    expect(factProblems(answeredFacts({ monthlySurplus: -120.5 }), asOf)).toEqual([]);
    expect(factProblems({}, asOf)).toEqual([]);
  });

  it.each(['debtsTotal', 'monthlyIncome', 'monthlyExpenses', 'assetsValue', 'vehicleValue', 'homeEquity'] as const)(
    'rejects a negative %s and says to give 0 for none',
    (field) => {
      const problems = factProblems(answeredFacts({ debts: undefined, ownsHome: true, [field]: -1 }), asOf);
      expect(problems).toEqual([{ path: field, message: expect.stringContaining('must not be negative') }]);
    },
  );

  it('rejects a negative debt, with its index in the path', () => {
    const debts: Debt[] = [
      { creditor: 'A', amount: 10, type: 'loan', secured: false },
      { creditor: 'B', amount: -10, type: 'loan', secured: false },
    ];
    expect(paths(answeredFacts({ debts }))).toEqual(['debts[1].amount']);
  });

  it('rejects more than 2 decimals and numbers that are not finite', () => {
    expect(paths(answeredFacts({ assetsValue: 10.005, monthlySurplus: 1.239 }))).toEqual([
      'assetsValue',
      'monthlySurplus',
    ]);
    expect(paths(answeredFacts({ vehicleValue: Number.NaN, monthlySurplus: Number.POSITIVE_INFINITY }))).toEqual([
      'vehicleValue',
      'monthlySurplus',
    ]);
  });

  it.each(['2024-02-30', '2023-02-29', '2024-2-3', '30/06/2024'])(
    'rejects the impossible or badly written date %p',
    (date) => {
      expect(
        paths(answeredFacts({ lastDebtReliefOrderApprovedOn: date, lastStandardBreathingSpaceEndedOn: date })),
      ).toEqual(['lastDebtReliefOrderApprovedOn', 'lastStandardBreathingSpaceEndedOn']);
    },
  );

  it('rejects a previous DRO or breathing space dated after asOf, but not on it', () => {
    const problems = factProblems(
      answeredFacts({ lastDebtReliefOrderApprovedOn: '2025-01-02', lastStandardBreathingSpaceEndedOn: '2025-03-01' }),
      asOf,
    );
    expect(problems.map((problem) => problem.path)).toEqual([
      'lastDebtReliefOrderApprovedOn',
      'lastStandardBreathingSpaceEndedOn',
    ]);
    expect(problems[0].message).toContain('after asOf (2025-01-01)');
    expect(paths(answeredFacts({ lastDebtReliefOrderApprovedOn: asOf }))).toEqual([]);
  });

  it('rejects an impossible asOf', () => {
    expect(paths(answeredFacts(), '2025-02-29')).toEqual(['asOf']);
  });

  it('rejects a debts list and a debtsTotal that differ, and accepts them when they agree to the penny', () => {
    const debts: Debt[] = [
      { creditor: 'A', amount: 0.1, type: 'loan', secured: false },
      { creditor: 'B', amount: 0.2, type: 'loan', secured: true },
    ];
    const problems = factProblems(answeredFacts({ debts, debtsTotal: 0.31 }), asOf);
    expect(problems).toEqual([{ path: 'debtsTotal', message: expect.stringContaining('add up to 0.30 GBP') }]);
    expect(factProblems(answeredFacts({ debts, debtsTotal: 0.3 }), asOf)).toEqual([]);
  });

  it('rejects income less expenses that differs from monthlySurplus', () => {
    const facts = answeredFacts({ monthlyIncome: 1_000.1, monthlyExpenses: 925.05, monthlySurplus: 75 });
    expect(factProblems(facts, asOf)).toEqual([
      { path: 'monthlySurplus', message: expect.stringContaining('75.05 GBP') },
    ]);
    expect(factProblems({ ...facts, monthlySurplus: 75.05 }, asOf)).toEqual([]);
  });

  it('rejects facts that contradict each other: living in England without a connection; equity without a home', () => {
    expect(paths(answeredFacts({ region: 'wales', connectedToEnglandOrWalesLast3Years: false }))).toEqual([
      'connectedToEnglandOrWalesLast3Years',
    ]);
    expect(paths(answeredFacts({ ownsHome: false, homeEquity: 5_000 }))).toEqual(['homeEquity']);
  });

  it('rejects values outside the lists and an unnamed creditor', () => {
    const facts = answeredFacts({
      region: 'france' as ClientFacts['region'],
      debts: [{ creditor: ' ', amount: 1, type: 'payday' as Debt['type'], secured: false }],
    });
    expect(paths(facts)).toEqual(['region', 'debts[0].creditor', 'debts[0].type']);
  });
});
