import { answeredFacts, ruleContext, withoutFacts } from '../testing/client-facts.fixture';
import { CLIENT_QUESTIONS } from './client-questions';
import type { EligibilityStatus } from './criterion';
import type { ClientFacts } from './facts';
import { DEFAULT_IVA_GUIDELINES, individualVoluntaryArrangement } from './iva.rules';
import type { IvaGuidelines } from './option.types';

const workable = answeredFacts({ monthlySurplus: 250 });

function check(facts: ClientFacts, options: { nearMissShare?: number; ivaGuidelines?: IvaGuidelines } = {}) {
  return individualVoluntaryArrangement(ruleContext(facts, '2025-01-01', { nearMissShare: 0, ...options }));
}

function criterion(
  facts: ClientFacts,
  name: string,
  options: { nearMissShare?: number; ivaGuidelines?: IvaGuidelines } = {},
) {
  const found = check(facts, options).criteria.find(
    (candidate) => candidate.id === `individual_voluntary_arrangement.${name}`,
  );
  if (!found) throw new Error(`no criterion ${name}`);
  return found;
}

describe(individualVoluntaryArrangement.name, () => {
  it('defaults to 6,000 GBP unsecured, 2 creditors and 100 GBP a month', () => {
    expect(DEFAULT_IVA_GUIDELINES).toEqual({ minUnsecuredDebt: 6_000, minCreditors: 2, minMonthlyContribution: 100 });
  });

  it('reports the providers\u2019 conditions as guidelines, never as law', () => {
    const sut = check(workable);
    expect(sut.status).toBe('eligible');
    expect(sut.criteria.filter((c) => c.kind === 'guideline').map((c) => c.id)).toEqual([
      'individual_voluntary_arrangement.unsecured_debts',
      'individual_voluntary_arrangement.creditors',
      'individual_voluntary_arrangement.monthly_contribution',
    ]);
    expect(sut.notes.join(' ')).toContain('no legal minimum');
  });

  it.each<[number, EligibilityStatus]>([
    [5_999.99, 'not_eligible'],
    [6_000, 'eligible'],
    [6_000.01, 'eligible'],
  ])('unsecured debts of %p: %s', (debtsTotal, status) => {
    expect(
      criterion(answeredFacts({ debts: undefined, debtsTotal, monthlySurplus: 250 }), 'unsecured_debts').status,
    ).toBe(status);
  });

  it.each<[number, EligibilityStatus]>([
    [99.99, 'not_eligible'],
    [100, 'eligible'],
    [100.01, 'eligible'],
  ])('a monthly contribution of %p: %s', (monthlySurplus, status) => {
    expect(criterion(answeredFacts({ monthlySurplus }), 'monthly_contribution').status).toBe(status);
  });

  it.each<[number, EligibilityStatus]>([
    [5_400, 'near_miss'],
    [5_399.99, 'not_eligible'],
  ])('with a 10%% near-miss share, unsecured debts of %p: %s', (debtsTotal, status) => {
    const facts = answeredFacts({ debts: undefined, debtsTotal, monthlySurplus: 250 });
    expect(criterion(facts, 'unsecured_debts', { nearMissShare: 0.1 }).status).toBe(status);
  });

  it('counts distinct unsecured creditors', () => {
    const one = answeredFacts({
      debts: [
        { creditor: 'Bank', amount: 5_000, type: 'loan', secured: false },
        { creditor: 'BANK', amount: 5_000, type: 'overdraft', secured: false },
        { creditor: 'Mortgage Co', amount: 90_000, type: 'mortgage', secured: true },
      ],
      monthlySurplus: 250,
    });
    expect(criterion(one, 'creditors')).toMatchObject({ status: 'not_eligible', figure: 1, limit: 2 });
  });

  it('takes overrides of the guidelines', () => {
    const ivaGuidelines = { ...DEFAULT_IVA_GUIDELINES, minUnsecuredDebt: 10_000 };
    expect(criterion(workable, 'unsecured_debts', { ivaGuidelines })).toMatchObject({
      status: 'not_eligible',
      limit: 10_000,
    });
  });

  it.each<[string, (keyof ClientFacts)[], string, string, Partial<ClientFacts>?]>([
    ['debts', ['debts'], 'unsecured_debts', CLIENT_QUESTIONS.debts],
    ['debt list (for the creditors)', ['debts'], 'creditors', CLIENT_QUESTIONS.debtList, { debtsTotal: 9_000 }],
    ['surplus', ['monthlySurplus'], 'monthly_contribution', CLIENT_QUESTIONS.surplus],
  ])('without the %s it is unknown and asks', (_fact, removed, name, question, extra = {}) => {
    const facts = withoutFacts(answeredFacts({ monthlySurplus: 250, ...extra }), ...removed);
    expect(criterion(facts, name)).toMatchObject({ status: 'unknown', questions: [question] });
    expect(check(facts).questions).toContain(question);
  });
});
