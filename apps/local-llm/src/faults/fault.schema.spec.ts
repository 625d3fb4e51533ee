import { LocalLlmConfigError } from '../config/local-llm.config';
import { describeIssues, faultSchema, faultSetSchema, parseFaultsOption } from './fault.schema';

const problemsWith = (fault: unknown) => {
  const result = faultSetSchema.safeParse({ faults: [fault] });
  return result.success ? 'accepted' : describeIssues(result.error);
};

describe('faultSchema', () => {
  it('fills in target chat and fraction 1, and keeps a count', () => {
    expect(faultSchema.parse({ kind: 'status', status: 503, count: 2 })).toEqual({
      kind: 'status',
      status: 503,
      target: 'chat',
      fraction: 1,
      count: 2,
    });
  });

  it('accepts every kind in its documented shape', () => {
    const faults = [
      { kind: 'status', status: 429, retryAfterSeconds: 3, target: 'embeddings', fraction: 0.5 },
      { kind: 'refuse-connections', durationMs: 1000 },
      { kind: 'delay-first-token', delayMs: 250, target: 'all' },
      { kind: 'stall', afterTokens: 3 },
      { kind: 'stall', afterTokens: 0, durationMs: 500, target: 'health' },
      { kind: 'cut', afterTokens: 2, count: 1 },
      { kind: 'malformed', afterTokens: 1 },
      { kind: 'scripted-answer', text: 'Dear Ms Smith' },
      { kind: 'scripted-answer', text: '', target: 'chat', fraction: 0.5, count: 2 },
      { kind: 'scripted-answer', text: ' the the', repeat: 10_000 },
    ];

    expect(faults.map(problemsWith)).toEqual(faults.map(() => 'accepted'));
  });

  it.each([
    ['an unknown kind', { kind: 'explode' }, 'faults[0].kind: expected kind status, refuse-connections'],
    ['a status other than 429, 500 or 503', { kind: 'status', status: 404 }, 'status: expected status 429, 500 or 503'],
    [
      'a fraction above 1',
      { kind: 'cut', afterTokens: 1, fraction: 2 },
      'fraction: expected fraction: a number from 0 to 1',
    ],
    ['a count of 0', { kind: 'cut', afterTokens: 1, count: 0 }, 'count: expected count'],
    [
      'an unknown target',
      { kind: 'cut', afterTokens: 1, target: 'models' },
      'expected target chat, embeddings, health or all',
    ],
    [
      'a negative delay',
      { kind: 'delay-first-token', delayMs: -5 },
      'delayMs: expected delayMs: a whole number from 0',
    ],
    ['a missing afterTokens', { kind: 'stall' }, 'afterTokens: expected afterTokens'],
    [
      'a misspelt field',
      { kind: 'stall', afterTokens: 1, duration: 5 },
      'stall does not take duration: its fields are kind, afterTokens, durationMs',
    ],
    [
      'a target on refuse-connections',
      { kind: 'refuse-connections', durationMs: 5, target: 'chat' },
      'refuse-connections stops the whole listener at once and takes only durationMs: remove target',
    ],
    [
      'malformed on health',
      { kind: 'malformed', afterTokens: 1, target: 'health' },
      'target: malformed needs a JSON answer',
    ],
    ['a fault that is not an object', 'status', 'expected a fault object such as'],
    [
      'scripted-answer on embeddings',
      { kind: 'scripted-answer', text: 'hi', target: 'embeddings' },
      'target: scripted-answer replaces generated text, which only chat and completion routes have: use target chat',
    ],
    [
      'scripted-answer on all',
      { kind: 'scripted-answer', text: 'hi', target: 'all' },
      'target: scripted-answer replaces generated text',
    ],
    ['scripted-answer with no text', { kind: 'scripted-answer' }, 'text: expected text: the answer to send'],
    ['scripted-answer with text that is not a string', { kind: 'scripted-answer', text: 42 }, 'text: expected text'],
    [
      'scripted-answer with text over 100000 characters',
      { kind: 'scripted-answer', text: 'a'.repeat(100_001) },
      'text: expected text: the answer to send instead of generated text, at most 100000 characters',
    ],
    [
      'scripted-answer repeated 0 times',
      { kind: 'scripted-answer', text: 'hi', repeat: 0 },
      'repeat: expected repeat (times the text is sent in a row, cut at max_tokens): a whole number from 1 to 10000',
    ],
    [
      'scripted-answer repeated 10001 times',
      { kind: 'scripted-answer', text: 'hi', repeat: 10_001 },
      'repeat: expected',
    ],
    ['scripted-answer repeated 1.5 times', { kind: 'scripted-answer', text: 'hi', repeat: 1.5 }, 'repeat: expected'],
    [
      'a misspelt scripted-answer field',
      { kind: 'scripted-answer', text: 'hi', repeats: 3 },
      'scripted-answer does not take repeats: its fields are kind, text, repeat, target, fraction, count',
    ],
  ])('rejects %s and says what to change', (_case, fault, message) => {
    expect(problemsWith(fault)).toContain(message);
  });

  it('fills in target chat for a scripted-answer and keeps its text and repeat', () => {
    expect(faultSchema.parse({ kind: 'scripted-answer', text: 'Dear Ms Smith', repeat: 3 })).toEqual({
      kind: 'scripted-answer',
      text: 'Dear Ms Smith',
      repeat: 3,
      target: 'chat',
      fraction: 1,
    });
  });

  it('asks for a body with a faults array', () => {
    const result = faultSetSchema.safeParse([{ kind: 'status', status: 503 }]);

    expect(result.success ? 'accepted' : describeIssues(result.error)).toBe('expected a body {"faults": [...]}');
  });
});

describe(parseFaultsOption.name, () => {
  it('reads nothing as no faults, and a JSON array as faults', () => {
    expect(parseFaultsOption(undefined)).toEqual([]);
    expect(parseFaultsOption('[{"kind":"cut","afterTokens":4}]')).toEqual([
      { kind: 'cut', afterTokens: 4, target: 'chat', fraction: 1 },
    ]);
  });

  it('fails like a bad flag, naming --faults, for JSON it cannot parse', () => {
    expect(() => parseFaultsOption('[{kind:status}]')).toThrow(LocalLlmConfigError);
    expect(() => parseFaultsOption('[{kind:status}]')).toThrow(
      /--faults \(LOCAL_LLM_FAULTS\): expected a JSON array of faults such as/,
    );
  });

  it('names --faults and the bad field for an invalid fault', () => {
    expect(() => parseFaultsOption('[{"kind":"status","status":418}]')).toThrow(
      /--faults \(LOCAL_LLM_FAULTS\): \[0\]\.status: expected status 429, 500 or 503/,
    );
    expect(() => parseFaultsOption('{"kind":"status","status":503}')).toThrow(/expected a JSON array of faults/);
  });
});
