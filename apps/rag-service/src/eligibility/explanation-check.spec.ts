import { checkEligibility, type ClientFacts } from '@rma/debt-rules';
import { allowedAmounts, amountsIn, inventedAmounts } from './explanation-check';

describe(amountsIn.name, () => {
  it.each([
    ['qualifying debts of £18,500 are within', [1_850_000]],
    ['a surplus of £40.5 a month', [4_050]],
    ['the fee is 680 GBP, or 90 pounds before', [68_000, 9_000]],
    ['a £50k limit', [5_000_000]],
    ['£1,234.56 and £ 7', [123_456, 700]],
    ['£75pm, £2,000pa and £1,000s', [7_500, 200_000, 100_000]],
    ['£1.5m or £2 million', [150_000_000, 200_000_000]],
    ['GBP 5,000 and gbp5000', [500_000, 500_000]],
    ['debts of 55,000 and a surplus of 123.45', [5_500_000, 12_345]],
  ])('reads the money in "%s"', (text, pence) => {
    expect(amountsIn(text).map((amount) => amount.pence)).toEqual(pence);
  });

  it('does not read periods, counts or dates as money', () => {
    expect(
      amountsIn('no DRO in the last 6 years; 60 days; 12 months; 2024-06-28; 3 creditors; 10.50%; version 1.2.3'),
    ).toEqual([]);
  });
});

describe(inventedAmounts.name, () => {
  const facts: ClientFacts = {
    region: 'england',
    debts: [
      { creditor: 'Lowell', amount: 2450.75, type: 'other', secured: false },
      { creditor: 'Barclaycard', amount: 4000, type: 'credit_card', secured: false },
    ],
    monthlySurplus: 40,
    assetsValue: 300,
    vehicleValue: 0,
    ownsHome: false,
  };
  const allowed = allowedAmounts({
    facts,
    report: checkEligibility(facts, { asOf: '2026-11-29' }),
    nearMissShare: 0.1,
  });

  it('allows the facts, their total, the limits, the gaps, the fees and earlier thresholds', () => {
    const text =
      'Debts of £2,450.75 and £4,000 make £6,450.75, within the £50,000 limit by £43,549.25; the limit was ' +
      '£30,000 before. The surplus of £40 is under £75. Bankruptcy costs £680 (£130 and £550). A near miss ' +
      'is within £5,000 of the debt limit.';

    expect(inventedAmounts(text, allowed)).toEqual([]);
  });

  it('lists an amount that is neither a fact nor a rule figure, once', () => {
    const text = 'The client could pay £123.45 a month, that is £123.45 towards debts of £6,450.75.';

    expect(inventedAmounts(text, allowed)).toEqual([{ text: '£123.45', amount: 123.45 }]);
  });
});
