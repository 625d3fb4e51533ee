import { REDACTED, allowedLogMessage, allowedLogValue, allowedStack } from './log-fields';

describe(allowedLogMessage.name, () => {
  it('keeps a sentence with allowlisted fields of the right shape', () => {
    const line = 'Letter written letterId=letter:3f2a notesChars=214 grade=7.4 rewritten=false backend=vllm totalMs=12';

    expect(allowedLogMessage(line)).toBe(line);
  });

  it('keeps a code-written phrase with figures and acronyms, not one with a capitalised word', () => {
    expect(allowedLogMessage('Concurrency limit changed from=8 to=4 why="backoff: 3 answers of 429/503"')).toBe(
      'Concurrency limit changed from=8 to=4 why="backoff: 3 answers of 429/503"',
    );
    expect(allowedLogMessage('Concurrency limit changed why="KV cache full"')).toBe(
      'Concurrency limit changed why="KV cache full"',
    );
    expect(allowedLogMessage('Concurrency limit changed why="letter for Patel"')).toBe(
      `Concurrency limit changed why=${REDACTED}`,
    );
  });

  it('redacts unknown keys, values of the wrong shape and text after the fields', () => {
    expect(allowedLogMessage('Letter written clientName=Patel letterId=abc')).toBe(
      `Letter written clientName=${REDACTED} letterId=abc`,
    );
    expect(allowedLogMessage('Question answered questionChars=Ms Patel owes £300 sources=3')).toBe(
      `Question answered questionChars=${REDACTED} ${REDACTED}`,
    );
    expect(allowedLogMessage('Letter failed letterId=x code=Patel')).toBe(`Letter failed letterId=x code=${REDACTED}`);
  });

  it('keeps a known system error and redacts any other error text', () => {
    expect(allowedLogMessage('Redis transport stopped error="connect ECONNREFUSED 127.0.0.1:6379"')).toBe(
      'Redis transport stopped error="connect ECONNREFUSED 127.0.0.1:6379"',
    );
    expect(
      allowedLogMessage(`Ingest failed documentId=d1 error="Unexpected token 'M', "Ms Patel" is not valid JSON"`),
    ).not.toContain('Patel');
    expect(allowedLogMessage('Hand-off failed: Invalid enum value, received "Ms Patel"')).toBe(
      `Hand-off failed: ${REDACTED}`,
    );
  });

  it('redacts a sentence from its first quote: quoted text is input, not code', () => {
    expect(allowedLogMessage(`Unexpected token 'M', "Ms Patel" is not valid JSON`)).toBe(
      `Unexpected token 'M', ${REDACTED}`,
    );
  });

  it('drops the URL credentials and every line after the first', () => {
    expect(allowedLogMessage('Listening url=redis://:s3cret@redis:6379/2')).toBe('Listening url=redis://redis:6379/2');
    expect(allowedLogMessage('Loaded count=2\nDear Ms Patel')).toBe(`Loaded count=2 ${REDACTED}`);
  });
});

describe(allowedLogValue.name, () => {
  it('prints an error by name and code, its message only when a system error', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });

    expect(allowedLogValue(refused)).toBe('Error: connect ECONNREFUSED 127.0.0.1:6379 errorCode=ECONNREFUSED');
    expect(allowedLogValue(new TypeError('Ms Patel is not a function'))).toBe(`TypeError: ${REDACTED}`);
    expect(allowedLogValue({ notes: 'Ms Patel' })).toBe(REDACTED);
  });
});

describe(allowedStack.name, () => {
  it('keeps the frames and drops the message', () => {
    const stack = allowedStack(new SyntaxError('Unexpected token M in "Ms Patel"').stack);

    expect(stack).toMatch(/^SyntaxError: \[redacted\]\n\s+at /);
    expect(stack).not.toContain('Patel');
  });
});
