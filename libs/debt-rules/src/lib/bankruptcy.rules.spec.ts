import { answeredFacts, ruleContext, withoutFacts } from '../testing/client-facts.fixture';
import { bankruptcy } from './bankruptcy.rules';
import { CLIENT_QUESTIONS } from './client-questions';
import type { ClientFacts, Debt } from './facts';

function check(facts: ClientFacts, asOf = '2025-01-01') {
  return bankruptcy(ruleContext(facts, asOf));
}

const debt = (creditor: string, amount: number, overrides: Partial<Debt> = {}): Debt => ({
  creditor,
  amount,
  type: 'loan',
  secured: false,
  ...overrides,
});

describe(bankruptcy.name, () => {
  it('is open to a client in England whatever the amount owed', () => {
    const sut = check(answeredFacts({ debts: [debt('Corner shop', 10)] }));
    expect(sut.status).toBe('eligible');
    expect(sut.notes.join(' ')).toContain('whatever the amount');
  });

  it.each([
    ['2016-04-05', undefined, undefined],
    ['2016-04-06', 655, 525],
    ['2016-07-20', 655, 525],
    ['2016-07-21', 680, 550],
    ['2025-01-01', 680, 550],
  ])('on %s the fee is %p (deposit %p)', (asOf, amount, deposit) => {
    const sut = check(answeredFacts(), asOf);
    expect(sut.fee?.amount).toBe(amount);
    expect(sut.fee?.parts.find((part) => part.label.includes('deposit'))?.amount).toBe(deposit);
    if (amount) expect(sut.fee?.parts.find((part) => part.label.includes('djudicator'))?.amount).toBe(130);
  });

  it('fails without a connection to England or Wales, and asks when it is not known', () => {
    expect(check(answeredFacts({ region: undefined, connectedToEnglandOrWalesLast3Years: false })).status).toBe(
      'not_eligible',
    );
    const unknown = check(withoutFacts(answeredFacts(), 'region', 'connectedToEnglandOrWalesLast3Years'));
    expect(unknown.status).toBe('unknown');
    expect(unknown.questions).toEqual(expect.arrayContaining([CLIENT_QUESTIONS.region, CLIENT_QUESTIONS.connection]));
  });

  describe("creditor's petition risk", () => {
    it.each([
      ['2015-10-01', 5_000, true],
      ['2015-10-01', 4_999.99, false],
      ['2015-09-30', 750, true],
      ['2015-09-30', 749.99, false],
    ])('on %s, one creditor owed %p: risk %p', (asOf, amount, risky) => {
      const sut = check(answeredFacts({ debts: [debt('Big Bank', amount)] }), asOf);
      const petitionRisks = sut.risks.filter((risk) => risk.includes('petition'));
      expect(petitionRisks).toHaveLength(risky ? 1 : 0);
      if (risky) expect(petitionRisks[0]).toMatch(/^Big Bank is owed/);
    });

    it('adds up debts owed to the same creditor, however the name is written', () => {
      const sut = check(answeredFacts({ debts: [debt('Big Bank', 3_000), debt(' big bank ', 2_000)] }));
      expect(sut.risks).toContainEqual(expect.stringMatching(/^Big Bank is owed 5,000 GBP/));
    });

    it('leaves out secured debts', () => {
      const sut = check(answeredFacts({ debts: [debt('Lender', 9_000, { secured: true }), debt('Card', 100)] }));
      expect(sut.risks.filter((risk) => risk.includes('petition'))).toEqual([]);
    });

    it('warns of a joint petition when creditors together reach the level', () => {
      const sut = check(answeredFacts({ debts: [debt('A', 3_000), debt('B', 2_000)] }));
      expect(sut.risks).toContainEqual(expect.stringContaining('could petition jointly'));
    });

    it('with only a total, warns and asks for the list', () => {
      const sut = check(answeredFacts({ debts: undefined, debtsTotal: 8_000 }));
      expect(sut.risks).toContainEqual(expect.stringContaining('8,000 GBP in all'));
      expect(sut.questions).toContain(CLIENT_QUESTIONS.debtList);
    });
  });

  describe('home', () => {
    it('reports a home with equity as at risk', () => {
      const sut = check(answeredFacts({ ownsHome: true, homeEquity: 20_000 }));
      expect(sut.risks).toContainEqual(expect.stringContaining('The home is at risk'));
      expect(sut.risks.join(' ')).toContain('20,000 GBP');
      expect(sut.status).toBe('eligible');
    });

    it('reports no home risk with no equity or no home', () => {
      expect(check(answeredFacts({ ownsHome: true, homeEquity: 0 })).risks.join(' ')).not.toContain('home');
      expect(check(answeredFacts({ ownsHome: false })).risks.join(' ')).not.toContain('home');
    });

    it('asks for the equity, and for ownership, when they are missing', () => {
      const noEquity = check(answeredFacts({ ownsHome: true }));
      expect(noEquity.risks).toContainEqual(expect.stringContaining('may be at risk'));
      expect(noEquity.questions).toContain(CLIENT_QUESTIONS.homeEquity);
      expect(check(withoutFacts(answeredFacts(), 'ownsHome')).questions).toContain(CLIENT_QUESTIONS.ownsHome);
    });
  });

  describe('income payments', () => {
    it.each([
      [50, true],
      [0.01, true],
      [0, false],
      [-40, false],
    ])('a surplus of %p a month: income payments risk %p', (monthlySurplus, risky) => {
      const risks = check(answeredFacts({ monthlySurplus })).risks.filter((risk) => risk.includes('income payments'));
      expect(risks).toHaveLength(risky ? 1 : 0);
    });

    it('asks for income and expenses when the surplus is unknown', () => {
      expect(check(withoutFacts(answeredFacts(), 'monthlySurplus')).questions).toContain(CLIENT_QUESTIONS.surplus);
    });
  });
});
