import { RepeatLimitedConsoleLogger } from './repeat-limited.logger';

describe(RepeatLimitedConsoleLogger.name, () => {
  let written: string[];
  let sut: RepeatLimitedConsoleLogger;

  beforeEach(() => {
    written = [];
    // The logger's own output stream is the observable here: stdout and stderr, captured.
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);
    sut = new RepeatLimitedConsoleLogger({ json: true, logLevels: ['error', 'warn', 'log'] }, 60_000);
  });
  afterEach(() => jest.restoreAllMocks());

  it('prints a repeating error once per window, with its stack the first time', () => {
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:6379');

    for (let i = 0; i < 50; i += 1) sut.error(refused, 'Server');
    for (let i = 0; i < 50; i += 1) sut.log('Reconnecting to Redis...', 'Server');

    expect(written).toHaveLength(2);
    expect(written[0]).toMatch(/ECONNREFUSED/);
    expect(written[0]).toMatch(/repeat-limited.logger.spec/);
    expect(written[1]).toMatch(/Reconnecting to Redis/);
  });

  it('prints every line that differs, and the same text from another context', () => {
    sut.log('Question answered totalMs=12', 'AskService');
    sut.log('Question answered totalMs=13', 'AskService');
    sut.log('Question answered totalMs=13', 'LettersService');
    sut.warn('Question answered totalMs=13', 'AskService');

    expect(written).toHaveLength(4);
  });

  it('prints a repeat again once the window has passed', () => {
    const shortWindow = new RepeatLimitedConsoleLogger({ json: true }, 0);

    shortWindow.error('Redis down', 'Server');
    shortWindow.error('Redis down', 'Server');

    expect(written).toHaveLength(2);
  });
});
