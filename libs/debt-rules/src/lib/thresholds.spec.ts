import { THRESHOLDS, type ThresholdName, thresholdOn } from './thresholds';

describe(thresholdOn.name, () => {
  // The figures from the issue and the legislation, typed here rather than read from THRESHOLDS, so
  // that a wrong figure or date in the table fails.
  it.each<[ThresholdName, string, number | undefined]>([
    ['dro_max_qualifying_debts', '2009-04-05', undefined],
    ['dro_max_qualifying_debts', '2009-04-06', 15_000],
    ['dro_max_qualifying_debts', '2015-09-30', 15_000],
    ['dro_max_qualifying_debts', '2015-10-01', 20_000],
    ['dro_max_qualifying_debts', '2021-06-28', 20_000],
    ['dro_max_qualifying_debts', '2021-06-29', 30_000],
    ['dro_max_qualifying_debts', '2024-06-27', 30_000],
    ['dro_max_qualifying_debts', '2024-06-28', 50_000],
    ['dro_max_monthly_surplus', '2021-06-28', 50],
    ['dro_max_monthly_surplus', '2021-06-29', 75],
    ['dro_max_assets', '2015-09-30', 300],
    ['dro_max_assets', '2015-10-01', 1_000],
    ['dro_max_assets', '2021-06-28', 1_000],
    ['dro_max_assets', '2021-06-29', 2_000],
    ['dro_vehicle_disregard_below', '2021-06-28', 1_000],
    ['dro_vehicle_disregard_below', '2021-06-29', 2_000],
    ['dro_vehicle_disregard_below', '2024-06-27', 2_000],
    ['dro_vehicle_disregard_below', '2024-06-28', 4_000],
    ['dro_fee', '2024-04-05', 90],
    ['dro_fee', '2024-04-06', 0],
    ['dro_repeat_years', '2025-01-01', 6],
    ['bankruptcy_petition_minimum', '2015-09-30', 750],
    ['bankruptcy_petition_minimum', '2015-10-01', 5_000],
    ['bankruptcy_adjudicator_fee', '2016-04-05', undefined],
    ['bankruptcy_adjudicator_fee', '2016-04-06', 130],
    ['bankruptcy_deposit', '2016-07-20', 525],
    ['bankruptcy_deposit', '2016-07-21', 550],
    ['breathing_space_standard_days', '2021-05-03', undefined],
    ['breathing_space_standard_days', '2021-05-04', 60],
    ['breathing_space_repeat_months', '2021-05-04', 12],
    ['breathing_space_crisis_extra_days', '2021-05-04', 30],
  ])('%s on %s is %p', (name, asOf, expected) => {
    expect(thresholdOn(name, asOf)?.value).toBe(expected);
  });

  it('says from when the value applies', () => {
    expect(thresholdOn('dro_max_qualifying_debts', '2025-01-01')?.from).toBe('2024-06-28');
  });
});

describe('THRESHOLDS', () => {
  it.each(Object.entries(THRESHOLDS))('%s lists its values oldest first, each with a source', (_name, threshold) => {
    const dates = threshold.values.map((value) => value.from);
    expect([...dates].sort()).toEqual(dates);
    expect(new Set(dates).size).toBe(dates.length);
    for (const value of threshold.values) {
      expect(value.source.title).not.toHaveLength(0);
      expect(value.source.url).toMatch(/^https:\/\/www\.(legislation\.)?gov\.uk\//);
    }
  });

  it('cannot be changed by a caller', () => {
    const values = THRESHOLDS.dro_max_qualifying_debts.values as unknown as { value: number }[];
    expect(() => {
      values[0].value = 1;
    }).toThrow(TypeError);
    expect(thresholdOn('dro_max_qualifying_debts', '2010-01-01')?.value).toBe(15_000);
  });
});
