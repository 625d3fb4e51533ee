import { NotesEvidence, amountsIn, datesIn } from './fact-check';

const NOTES =
  'Client rang 3/11. CT arrears 1,200 to Bristol CC, summons hearing 14 March 2027. ' +
  'Octopus energy 450.50. Agreed: client sends payslips by 2026-12-01; we write to council.';

describe(NotesEvidence.name, () => {
  const sut = new NotesEvidence(NOTES);

  it('accepts amounts the notes state, however the letter writes them', () => {
    const letter = 'You owe £1,200 in council tax and £450.50 for energy. That is 1200 pounds to the council.';

    expect(sut.checkLetter(letter)).toEqual([]);
  });

  it('flags an amount the notes do not contain, as written in the letter', () => {
    const warnings = sut.checkLetter('Your energy debt is £475.');

    expect(warnings).toEqual([expect.objectContaining({ kind: 'amount', source: 'letter', value: '£475' })]);
  });

  it('accepts dates the notes state in another form, and flags one they do not', () => {
    const letter =
      'The court hearing is on 14th March 2027. Please send your payslips by 1 December. Call us by 5 Jan.';

    const warnings = sut.checkLetter(letter);

    expect(warnings).toEqual([expect.objectContaining({ kind: 'date', source: 'letter', value: '5 Jan' })]);
  });

  it('flags a date whose year differs from the notes', () => {
    expect(sut.checkLetter('The hearing is on 14 March 2028.')).toEqual([
      expect.objectContaining({ kind: 'date', value: '14 March 2028' }),
    ]);
  });

  it('checks extracted facts too: an invented debt amount and an unreadable deadline', () => {
    const warnings = sut.checkFacts({
      debts: [{ amount: 1200 }, { amount: 999 }],
      deadlines: [{ date: '14 March 2027' }, { date: 'soon' }],
    });

    expect(warnings).toEqual([
      expect.objectContaining({ kind: 'amount', source: 'facts', value: '999' }),
      expect.objectContaining({ kind: 'date', source: 'facts', value: 'soon' }),
    ]);
  });
});

describe(datesIn.name, () => {
  it.each([
    ['2026-12-01', { day: 1, month: 12, year: 2026 }],
    ['14/03/27', { day: 14, month: 3, year: 2027 }],
    ['3/11', { day: 3, month: 11, year: undefined }],
    ['on the 2nd of February 2027', { day: 2, month: 2, year: 2027 }],
    ['by March 14, 2027', { day: 14, month: 3, year: 2027 }],
  ])('reads %s', (text, date) => {
    expect(datesIn(text)).toEqual([expect.objectContaining(date)]);
  });
});

describe(`${datesIn.name} and amounts`, () => {
  it('does not read small amounts as dates', () => {
    expect(datesIn('You pay £3.10 a week, or £12/4 weeks, from 01.12.2026.')).toEqual([
      expect.objectContaining({ day: 1, month: 12, year: 2026 }),
    ]);
  });
});

describe(amountsIn.name, () => {
  it('reads only amounts of money, not other numbers', () => {
    expect(amountsIn('Call 0117 496 0000 within 14 days about £1,250.00 or 300 pounds.')).toEqual([
      { pence: 125_000, written: '£1,250.00' },
      { pence: 30_000, written: '300 pounds' },
    ]);
  });
});
