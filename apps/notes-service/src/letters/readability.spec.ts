import { countSyllables, readabilityOf } from './readability';

describe(readabilityOf.name, () => {
  it.each([
    ['pay', 1],
    ['money', 2],
    ['creditor', 3],
    ['arrears', 2],
    ['voluntary', 4],
    ['make', 1],
    ['paid', 1],
  ])('counts %s as %i syllables', (word, syllables) => {
    expect(countSyllables(word)).toBe(syllables);
  });

  it('scores short sentences of short words as easy', () => {
    const sut = readabilityOf('We will call you. You owe the bank money. Please send us your bills.');

    expect(sut.sentences).toBe(3);
    expect(sut.words).toBe(14);
    expect(sut.fleschKincaidGrade).toBeLessThan(3);
    expect(sut.fleschReadingEase).toBeGreaterThan(90);
  });

  it('scores one long sentence of long words as hard', () => {
    const sut = readabilityOf(
      'Notwithstanding the aforementioned considerations, the individual voluntary arrangement necessitates ' +
        'comprehensive documentation substantiating expenditure, consolidated creditor correspondence and ' +
        'authorisation from the supervisory insolvency practitioner.',
    );

    expect(sut.sentences).toBe(1);
    expect(sut.fleschKincaidGrade).toBeGreaterThan(18);
    expect(sut.fleschReadingEase).toBeLessThan(10);
  });

  it('matches the Flesch-Kincaid formula on a counted example', () => {
    // 10 words, 2 sentences, 11 syllables: 0.39*5 + 11.8*1.1 - 15.59 = -0.66; 206.835 - 5.075 - 93.06 = 108.7
    const sut = readabilityOf('The council wants the rent. We can help you pay.');

    expect(sut).toEqual({ fleschKincaidGrade: -0.7, fleschReadingEase: 108.7, words: 10, sentences: 2 });
  });

  it('reads an empty text as no words rather than dividing by zero', () => {
    expect(readabilityOf('')).toEqual({ fleschKincaidGrade: 0, fleschReadingEase: 100, words: 0, sentences: 0 });
  });
});
