import { answeredFacts, ruleContext, withoutFacts } from '../testing/client-facts.fixture';
import { breathingSpace } from './breathing-space.rules';
import { CLIENT_QUESTIONS } from './client-questions';
import type { ClientFacts } from './facts';

function check(facts: ClientFacts, asOf = '2025-03-01') {
  return breathingSpace(ruleContext(facts, asOf));
}

function criterion(facts: ClientFacts, name: string, asOf = '2025-03-01') {
  return check(facts, asOf).criteria.find((candidate) => candidate.id === `breathing_space.${name}`);
}

describe(breathingSpace.name, () => {
  it.each([
    ['2021-05-03', 'not_eligible'],
    ['2021-05-04', 'eligible'],
  ])('on %s a standard breathing space is %s', (asOf, status) => {
    expect(check(answeredFacts(), asOf).status).toBe(status);
  });

  it('before 2021-05-04 says the scheme did not exist yet', () => {
    const sut = check(answeredFacts(), '2021-05-03');
    expect(sut.criteria).toHaveLength(1);
    expect(sut.criteria[0]).toMatchObject({ id: 'breathing_space.in_force', status: 'not_eligible' });
    expect(sut.criteria[0].reason).toContain('2021-05-04');
  });

  it('lasts 60 days as standard', () => {
    expect(check(answeredFacts()).notes.join(' ')).toContain('60 days');
  });

  it.each([
    ['2025-03-01', 'not_eligible'],
    ['2025-03-02', 'eligible'],
  ])('after a standard one that ended on 2024-03-01, on %s it is %s', (asOf, status) => {
    const sut = check(answeredFacts({ lastStandardBreathingSpaceEndedOn: '2024-03-01' }), asOf);
    expect(sut.status).toBe(status);
  });

  it('says from when another standard one is possible', () => {
    const sut = criterion(answeredFacts({ lastStandardBreathingSpaceEndedOn: '2024-03-01' }), 'no_recent_standard');
    expect(sut?.toChange).toContain('2025-03-02');
  });

  it('has no 12-month limit in a mental health crisis, and lasts for the treatment plus 30 days', () => {
    const sut = check(answeredFacts({ lastStandardBreathingSpaceEndedOn: '2025-01-01', inMentalHealthCrisis: true }));
    expect(sut.status).toBe('eligible');
    expect(sut.criteria.map((c) => c.id)).not.toContain('breathing_space.no_recent_standard');
    expect(sut.notes.join(' ')).toContain('crisis treatment plus 30 days');
  });

  it('asks about a mental health crisis when only the 12-month limit stands in the way', () => {
    const sut = check(
      withoutFacts(answeredFacts({ lastStandardBreathingSpaceEndedOn: '2025-01-01' }), 'inMentalHealthCrisis'),
    );
    expect(sut.status).toBe('not_eligible');
    expect(sut.questions).toEqual([CLIENT_QUESTIONS.mentalHealthCrisis]);
  });

  it.each([
    ['2025-05-31', 'not_eligible'],
    ['2025-06-01', 'eligible'],
  ])('with a DRO approved on 2024-06-01, on %s it is %s', (asOf, status) => {
    expect(criterion(answeredFacts({ lastDebtReliefOrderApprovedOn: '2024-06-01' }), 'not_in_dro', asOf)?.status).toBe(
      status,
    );
  });

  it.each<[string, Partial<ClientFacts>]>([
    ['not_in_iva', { inIva: true }],
    ['not_bankrupt', { currentlyBankrupt: true }],
    ['owes_debt', { debts: [], debtsTotal: undefined }],
  ])('%s fails for %p, crisis or not', (name, overrides) => {
    for (const inMentalHealthCrisis of [false, true]) {
      const facts = answeredFacts({ ...overrides, inMentalHealthCrisis });
      expect(criterion(facts, name)?.status).toBe('not_eligible');
      expect(check(facts).status).toBe('not_eligible');
    }
  });

  it.each<[string, (keyof ClientFacts)[], string, string]>([
    ['region', ['region'], 'region', CLIENT_QUESTIONS.region],
    ['debts', ['debts'], 'owes_debt', CLIENT_QUESTIONS.debts],
    ['previous DRO', ['lastDebtReliefOrderApprovedOn'], 'not_in_dro', CLIENT_QUESTIONS.previousDro],
    ['IVA', ['inIva'], 'not_in_iva', CLIENT_QUESTIONS.iva],
    ['bankrupt', ['currentlyBankrupt'], 'not_bankrupt', CLIENT_QUESTIONS.bankrupt],
    [
      'last breathing space',
      ['lastStandardBreathingSpaceEndedOn'],
      'no_recent_standard',
      CLIENT_QUESTIONS.lastBreathingSpace,
    ],
  ])('without the %s it is unknown and asks', (_fact, removed, name, question) => {
    const facts = withoutFacts(answeredFacts(), ...removed);
    expect(criterion(facts, name)).toMatchObject({ status: 'unknown', questions: [question] });
    expect(check(facts)).toMatchObject({ status: 'unknown', questions: [question] });
  });
});
