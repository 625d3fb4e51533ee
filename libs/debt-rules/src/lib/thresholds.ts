// Every figure the rules use, as dated values with their source, so a check can be run as of any date.
// A value applies from its `from` date (inclusive) until the next value's `from`. Before a
// threshold's first value the rule did not exist (DROs began on 2009-04-06, Breathing Space on
// 2021-05-04). Changing a figure or adding a new dated value here is the whole of a rule change.

/** Where a figure or a rule comes from. */
export interface Source {
  title: string;
  url: string;
}

/** One value of a threshold and the first day it applies. */
export interface DatedValue {
  /** ISO date (inclusive). */
  from: string;
  value: number;
  source: Source;
}

/** The unit a threshold's values are in. */
export type ThresholdUnit = 'GBP' | 'GBP_per_month' | 'years' | 'months' | 'days';

/** A named threshold and its values, oldest first. */
export interface Threshold {
  label: string;
  unit: ThresholdUnit;
  values: readonly DatedValue[];
}

// Frozen all the way down: a caller that edits a returned value must not change the rules for everyone.
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const legislation = (path: string): string => `https://www.legislation.gov.uk/${path}`;

/** Sources of the rules that have no figure of their own (conditions such as "not bankrupt"). */
export const RULE_SOURCES = deepFreeze({
  droConditions: {
    title: 'Insolvency Act 1986, Part 7A and Schedule 4ZA (conditions for making a debt relief order)',
    url: legislation('ukpga/1986/45/schedule/4ZA'),
  },
  droExcludedDebts: {
    title:
      'Insolvency Act 1986, s251A (qualifying debts); Insolvency (England and Wales) Rules 2016, rule 9.2 (excluded debts)',
    url: legislation('uksi/2016/1024/rule/9.2'),
  },
  droMoratorium: {
    title: 'Insolvency Act 1986, s251H (the moratorium period of a debt relief order is one year)',
    url: legislation('ukpga/1986/45/section/251H'),
  },
  bankruptcy: {
    title: 'Insolvency Act 1986, Part 9 (bankruptcy)',
    url: legislation('ukpga/1986/45/part/IX'),
  },
  bankruptcyApplication: {
    title: "Insolvency Act 1986, s263I (adjudicator's jurisdiction over a debtor's bankruptcy application)",
    url: legislation('ukpga/1986/45/section/263I'),
  },
  bankruptcyHome: {
    title: "Insolvency Act 1986, s283A (the bankrupt's home) and s310A (income payments agreements)",
    url: legislation('ukpga/1986/45/section/283A'),
  },
  iva: {
    title: 'Insolvency Act 1986, Part 8 (individual voluntary arrangements); GOV.UK: Individual voluntary arrangements',
    url: 'https://www.gov.uk/options-for-paying-off-your-debts/individual-voluntary-arrangements',
  },
  ivaGuidelines: {
    title:
      'IVA providers\u2019 usual acceptance conditions (not law); defaults chosen by @rma/debt-rules, see its README',
    url: 'https://www.gov.uk/options-for-paying-off-your-debts/individual-voluntary-arrangements',
  },
  breathingSpace: {
    title:
      'The Debt Respite Scheme (Breathing Space Moratorium and Mental Health Crisis Moratorium) (England and Wales) Regulations 2020 (SI 2020/1311), regulation 24 and Part 3',
    url: legislation('uksi/2020/1311/contents/made'),
  },
} as const satisfies Record<string, Source>);

/** The day each scheme's rules began. */
export const IN_FORCE_FROM = {
  /** Insolvency Act 1986 commencement (bankruptcy and IVAs in their current form). */
  insolvencyAct1986: '1986-12-29',
  /** Part 7A, inserted by the Tribunals, Courts and Enforcement Act 2007. */
  debtReliefOrder: '2009-04-06',
  /** Debtors apply for their own bankruptcy online to an adjudicator, not to a court. */
  bankruptcyAdjudicator: '2016-04-06',
  breathingSpace: '2021-05-04',
} as const;

const monetaryLimits2009: Source = {
  title: 'The Insolvency Proceedings (Monetary Limits) (Amendment) Order 2009 (SI 2009/465)',
  url: legislation('uksi/2009/465/made'),
};
const monetaryLimits2015: Source = {
  title: 'The Insolvency Proceedings (Monetary Limits) (Amendment) Order 2015 (GOV.UK announcement)',
  url: 'https://www.gov.uk/government/news/more-help-for-people-with-personal-problem-debt',
};
const monetaryLimits2021: Source = {
  title: 'The Insolvency Proceedings (Monetary Limits) (Amendment) Order 2021 (SI 2021/673)',
  url: legislation('uksi/2021/673/made'),
};
const monetaryLimits2024: Source = {
  title: 'The Insolvency Proceedings (Monetary Limits) (Amendment) Order 2024 (SI 2024/626)',
  url: legislation('uksi/2024/626/made'),
};
const droConditions = RULE_SOURCES.droConditions;
const breathingSpace = RULE_SOURCES.breathingSpace;

/** Every dated threshold, with its source. */
export const THRESHOLDS = deepFreeze({
  dro_max_qualifying_debts: {
    label: 'DRO: most qualifying debts (Schedule 4ZA para 6)',
    unit: 'GBP',
    values: [
      { from: '2009-04-06', value: 15_000, source: monetaryLimits2009 },
      { from: '2015-10-01', value: 20_000, source: monetaryLimits2015 },
      { from: '2021-06-29', value: 30_000, source: monetaryLimits2021 },
      { from: '2024-06-28', value: 50_000, source: monetaryLimits2024 },
    ],
  },
  dro_max_monthly_surplus: {
    label: 'DRO: most monthly surplus income (Schedule 4ZA para 7)',
    unit: 'GBP_per_month',
    values: [
      { from: '2009-04-06', value: 50, source: monetaryLimits2009 },
      { from: '2021-06-29', value: 75, source: monetaryLimits2021 },
    ],
  },
  dro_max_assets: {
    label: 'DRO: most total value of property (Schedule 4ZA para 8)',
    unit: 'GBP',
    values: [
      { from: '2009-04-06', value: 300, source: monetaryLimits2009 },
      { from: '2015-10-01', value: 1_000, source: monetaryLimits2015 },
      { from: '2021-06-29', value: 2_000, source: monetaryLimits2021 },
    ],
  },
  // The rule disregards one vehicle worth LESS THAN this amount: at exactly the amount it counts.
  dro_vehicle_disregard_below: {
    label: 'DRO: one vehicle worth less than this is not counted as property (rule 9.9(1)(a)(ii))',
    unit: 'GBP',
    values: [
      {
        from: '2009-04-06',
        value: 1_000,
        source: {
          title: 'The Insolvency (Amendment) Rules 2009 (SI 2009/642), Part 5A',
          url: legislation('uksi/2009/642/made'),
        },
      },
      {
        from: '2021-06-29',
        value: 2_000,
        source: {
          title: 'The Insolvency (England and Wales) (Amendment) Rules 2021 (SI 2021/672)',
          url: legislation('uksi/2021/672/made'),
        },
      },
      {
        from: '2024-06-28',
        value: 4_000,
        source: {
          title: 'The Insolvency (England and Wales) (Amendment) Rules 2024 (SI 2024/622)',
          url: legislation('uksi/2024/622/made'),
        },
      },
    ],
  },
  dro_repeat_years: {
    label: 'DRO: years that must pass after a previous DRO',
    unit: 'years',
    values: [{ from: '2009-04-06', value: 6, source: droConditions }],
  },
  dro_connection_years: {
    label: 'DRO: years within which the debtor lived, owned property or had a business in England or Wales',
    unit: 'years',
    values: [{ from: '2009-04-06', value: 3, source: droConditions }],
  },
  dro_moratorium_months: {
    label: 'DRO: length of the moratorium (the client is "in a DRO" for this long)',
    unit: 'months',
    values: [{ from: '2009-04-06', value: 12, source: RULE_SOURCES.droMoratorium }],
  },
  dro_fee: {
    label: 'DRO: application fee',
    unit: 'GBP',
    values: [
      {
        from: '2009-04-06',
        value: 90,
        source: {
          title: 'The Insolvency Proceedings (Fees) (Amendment) Order 2009 (SI 2009/645)',
          url: legislation('uksi/2009/645/note/made'),
        },
      },
      {
        from: '2024-04-06',
        value: 0,
        source: {
          title: 'Spring Budget 2024 (para 3.41): the DRO fee abolished from 6 April 2024; GOV.UK: Debt relief orders',
          url: 'https://www.gov.uk/options-for-paying-off-your-debts/debt-relief-orders',
        },
      },
    ],
  },
  bankruptcy_adjudicator_fee: {
    label: "Bankruptcy: adjudicator's fee on a debtor's application",
    unit: 'GBP',
    values: [
      {
        from: '2016-04-06',
        value: 130,
        source: {
          title: 'GOV.UK: Apply for bankruptcy (online applications to the adjudicator from 6 April 2016)',
          url: 'https://www.gov.uk/bankruptcy',
        },
      },
    ],
  },
  bankruptcy_deposit: {
    label: "Bankruptcy: official receiver's deposit on a debtor's application",
    unit: 'GBP',
    values: [
      {
        from: '2016-04-06',
        value: 525,
        source: {
          title: 'GOV.UK: Apply for bankruptcy (deposit before the 2016 Fees Order)',
          url: 'https://www.gov.uk/bankruptcy',
        },
      },
      {
        from: '2016-07-21',
        value: 550,
        source: {
          title: 'The Insolvency Proceedings (Fees) Order 2016 (SI 2016/692)',
          url: legislation('uksi/2016/692/contents/made'),
        },
      },
    ],
  },
  bankruptcy_petition_minimum: {
    label: "Bankruptcy: least debt for a creditor's petition (s267(4), the bankruptcy level)",
    unit: 'GBP',
    values: [
      {
        from: '1986-12-29',
        value: 750,
        source: { title: 'Insolvency Act 1986, s267(4)', url: legislation('ukpga/1986/45/section/267') },
      },
      {
        from: '2015-10-01',
        value: 5_000,
        source: {
          title: 'The Insolvency Act 1986 (Amendment) Order 2015 (SI 2015/922)',
          url: legislation('uksi/2015/922/made'),
        },
      },
    ],
  },
  bankruptcy_connection_years: {
    label: 'Bankruptcy: years within which the debtor lived or had a business in England or Wales (s263I)',
    unit: 'years',
    values: [
      {
        from: '1986-12-29',
        value: 3,
        source: {
          title: 'Insolvency Act 1986, s265 (conditions for presenting a bankruptcy petition)',
          url: legislation('ukpga/1986/45/section/265'),
        },
      },
      { from: '2016-04-06', value: 3, source: RULE_SOURCES.bankruptcyApplication },
    ],
  },
  breathing_space_standard_days: {
    label: 'Breathing Space: length of a standard breathing space',
    unit: 'days',
    values: [{ from: '2021-05-04', value: 60, source: breathingSpace }],
  },
  breathing_space_repeat_months: {
    label: 'Breathing Space: months that must pass after a standard breathing space ended',
    unit: 'months',
    values: [{ from: '2021-05-04', value: 12, source: breathingSpace }],
  },
  breathing_space_crisis_extra_days: {
    label: 'Breathing Space: days a mental health crisis breathing space lasts after the crisis treatment ends',
    unit: 'days',
    values: [{ from: '2021-05-04', value: 30, source: breathingSpace }],
  },
} as const satisfies Record<string, Threshold>);

/** The name of one dated threshold. */
export type ThresholdName = keyof typeof THRESHOLDS;

/** The value of a threshold on a date, or undefined before its first value (the rule did not exist). */
export function thresholdOn(name: ThresholdName, asOf: string): DatedValue | undefined {
  const values: readonly DatedValue[] = THRESHOLDS[name].values;
  let current: DatedValue | undefined;
  for (const value of values) {
    if (value.from <= asOf) current = value;
  }
  return current;
}
