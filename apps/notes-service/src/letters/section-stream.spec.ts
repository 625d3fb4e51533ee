import { SectionDelta, SectionStreamParser } from './section-stream';

const LETTER = {
  situation: 'You owe "£1,200" to the council.\nWe spoke on 3 November.',
  count: 3,
  nested: { skip: ['me', '"}'] },
  whatWeWillDo: 'We will write to them \u2014 today.',
};

function collect(chunks: string[]): { text: Record<string, string>; deltas: SectionDelta[] } {
  const sut = new SectionStreamParser();
  const deltas = chunks.flatMap((chunk) => sut.push(chunk));
  const text: Record<string, string> = {};
  for (const delta of deltas) text[delta.key] = (text[delta.key] ?? '') + delta.text;
  return { text, deltas };
}

describe(SectionStreamParser.name, () => {
  const json = JSON.stringify(LETTER, null, 1);

  it('gives back every string value whole, skipping other values', () => {
    const { text } = collect([json]);

    expect(text).toEqual({ situation: LETTER.situation, whatWeWillDo: LETTER.whatWeWillDo });
  });

  it('gives the same text when the JSON arrives one character at a time, escapes split across chunks', () => {
    const { text, deltas } = collect([...JSON.stringify(LETTER).replace('—', '\\u2014')]);

    expect(text).toEqual({ situation: LETTER.situation, whatWeWillDo: LETTER.whatWeWillDo });
    expect(deltas.filter((delta) => delta.opened).map((delta) => delta.key)).toEqual(['situation', 'whatWeWillDo']);
  });

  it('reports text as soon as it arrives, before the value is closed', () => {
    const sut = new SectionStreamParser();

    expect(sut.push('{"situation": "You o')).toEqual([{ key: 'situation', opened: true, text: 'You o' }]);
    expect(sut.push('we')).toEqual([{ key: 'situation', opened: false, text: 'we' }]);
  });
});
