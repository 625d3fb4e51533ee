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
  ])('rejects %s and says what to change', (_case, fault, message) => {
    expect(problemsWith(fault)).toContain(message);
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
