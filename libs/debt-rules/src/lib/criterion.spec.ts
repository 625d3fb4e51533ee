import {
  conditionCriterion,
  type Criterion,
  type EligibilityStatus,
  type LimitCheck,
  limitCriterion,
  overallStatus,
} from './criterion';

const source = { title: 'Test source', url: 'https://www.legislation.gov.uk/test' };

function debtCheck(overrides: Partial<LimitCheck> = {}): LimitCheck {
  return {
    id: 'test.debts',
    label: 'Debts at most 50,000 GBP',
    kind: 'law',
    source,
    appliesFrom: '2024-06-28',
    comparison: 'at_most',
    unit: 'GBP',
    figure: 5_000_000,
    limit: 5_000_000,
    subject: 'debts are',
    questions: ['What are the debts?'],
    nearMissShare: 0.1,
    toChange: (gap) => `Pay off ${gap}.`,
    ...overrides,
  };
}

describe(limitCriterion.name, () => {
  it.each<[string, number, EligibilityStatus]>([
    ['just under the limit', 4_999_999, 'eligible'],
    ['at the limit', 5_000_000, 'eligible'],
    ['just over the limit', 5_000_001, 'near_miss'],
    ['exactly 10% over', 5_500_000, 'near_miss'],
    ['a penny past 10% over', 5_500_001, 'not_eligible'],
  ])('%s (%p pence against 50,000 GBP) is %s', (_case, figure, status) => {
    expect(limitCriterion(debtCheck({ figure })).status).toBe(status);
  });

  it('says the gap and what would change it: debts of 51,200 against 50,000', () => {
    const sut = limitCriterion(debtCheck({ figure: 5_120_000 }));
    expect(sut).toMatchObject({
      status: 'near_miss',
      figure: 51_200,
      limit: 50_000,
      unit: 'GBP',
      gap: 'debts are 1,200 GBP over the limit',
      toChange: 'Pay off 1,200 GBP.',
      source,
      appliesFrom: '2024-06-28',
    });
  });

  it('uses the configured share: with 0, any excess is not_eligible', () => {
    expect(limitCriterion(debtCheck({ figure: 5_000_001, nearMissShare: 0 })).status).toBe('not_eligible');
    expect(limitCriterion(debtCheck({ figure: 6_000_000, nearMissShare: 0.2 })).status).toBe('near_miss');
  });

  it('is unknown with its questions when the figure is missing', () => {
    const sut = limitCriterion(debtCheck({ figure: undefined }));
    expect(sut.status).toBe('unknown');
    expect(sut.questions).toEqual(['What are the debts?']);
    expect(sut.limit).toBe(50_000);
  });

  it.each<[number, EligibilityStatus]>([
    [600_000, 'eligible'],
    [540_000, 'near_miss'],
    [539_999, 'not_eligible'],
  ])('at_least: %p pence against a minimum of 6,000 GBP is %s', (figure, status) => {
    const sut = limitCriterion(debtCheck({ comparison: 'at_least', kind: 'guideline', figure, limit: 600_000 }));
    expect(sut.status).toBe(status);
    if (status !== 'eligible') expect(sut.gap).toMatch(/short of the usual minimum$/);
  });

  it('a partial figure decides only when it already fails by more than the near-miss share', () => {
    expect(limitCriterion(debtCheck({ partial: true, figure: 5_500_001 })).status).toBe('not_eligible');
    expect(limitCriterion(debtCheck({ partial: true, figure: 5_500_000 })).status).toBe('unknown');
    expect(limitCriterion(debtCheck({ partial: true, figure: 100 })).status).toBe('unknown');
  });
});

describe(overallStatus.name, () => {
  const criterion = (status: EligibilityStatus): Criterion =>
    conditionCriterion(
      { id: status, label: status, kind: 'law', source, appliesFrom: '2020-01-01' },
      status === 'eligible'
        ? { met: true, reason: 'ok' }
        : status === 'unknown'
          ? { met: undefined, questions: ['?'] }
          : { met: false, reason: 'no' },
    );

  it.each<[EligibilityStatus[], EligibilityStatus]>([
    [['eligible', 'eligible'], 'eligible'],
    [['eligible', 'unknown'], 'unknown'],
    [['unknown', 'near_miss'], 'near_miss'],
    [['near_miss', 'not_eligible', 'unknown'], 'not_eligible'],
  ])('%p -> %s', (statuses, expected) => {
    const criteria = statuses.map((status) =>
      status === 'near_miss' ? limitCriterion(debtCheck({ figure: 5_100_000 })) : criterion(status),
    );
    expect(overallStatus(criteria)).toBe(expected);
  });
});
