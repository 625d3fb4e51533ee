import { join } from 'node:path';
import { BenchArgumentError } from './bench-argument-error.ts';
import { loadDataset, parseDataset } from './dataset.ts';

const datasets = join(__dirname, '..', 'datasets');

describe('loadDataset', () => {
  it("loads the repo's sample questions and case notes, and mixes them in turn", () => {
    const questions = loadDataset('questions', datasets);
    const notes = loadDataset('case-notes', datasets);

    const sut = loadDataset('mixed', datasets);

    expect(questions.every((entry) => entry.kind === 'question')).toBe(true);
    expect(notes.every((entry) => entry.kind === 'notes' && entry.clientName)).toBe(true);
    expect(sut).toHaveLength(2 * Math.max(questions.length, notes.length));
    expect(sut.slice(0, 4)).toEqual([questions[0], notes[0], questions[1], notes[1]]);
    expect(sut.filter((entry) => entry.kind === 'question')).toEqual(questions);
  });

  it('says what to give when a file cannot be read', () => {
    expect(() => loadDataset('/no/such.jsonl', datasets)).toThrow(
      new BenchArgumentError(
        '--dataset /no/such.jsonl: cannot read it (ENOENT); give questions or case-notes or mixed, or the path of a JSONL file',
      ),
    );
  });
});

describe('parseDataset', () => {
  it('reads each kind of line, skips blank ones and gives notes without a name a default client', () => {
    const sut = parseDataset(
      '{"question":"q?"}\n\n{"notes":"n","clientName":"Mr A"}\n{"notes":"m"}\n{"prompt":"p","system":"s"}\n',
      'f.jsonl',
    );

    expect(sut).toEqual([
      { kind: 'question', question: 'q?' },
      { kind: 'notes', notes: 'n', clientName: 'Mr A' },
      { kind: 'notes', notes: 'm', clientName: 'Ms Client' },
      { kind: 'prompt', prompt: 'p', system: 's' },
    ]);
  });

  it.each([
    ['{"question":"q"}\nnot json', 'f.jsonl line 2 is not JSON: write one JSON object a line'],
    ['{"question":""}', 'f.jsonl line 1: each line needs a non-empty "question"'],
    ['\n\n', 'f.jsonl has no requests: add at least one JSON line'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseDataset(text, 'f.jsonl')).toThrow(message);
  });
});
