import { Logger } from '@nestjs/common';
import { AllowlistLogger } from './allowlist.logger';

describe(AllowlistLogger.name, () => {
  let written: string[];

  beforeEach(() => {
    written = [];
    // The logger's own output stream is the observable here: stdout and stderr, captured.
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);
  });
  afterEach(() => jest.restoreAllMocks());

  it('prints JSON lines with the service name and only allowed fields, from Nest Logger instances too', () => {
    const sut = new AllowlistLogger('notes-service', { json: true, logLevels: ['error', 'log', 'verbose'] });
    Logger.overrideLogger(sut);

    new Logger('LettersService').log('Letter written letterId=l1 clientName=Patel notesChars=12');
    new Logger('ExceptionsHandler').error('Ms Patel is not valid JSON', new SyntaxError('Ms Patel').stack);
    sut.verbose({ notes: 'Cl rang re Patel' }, 'Debug');

    expect(written).toHaveLength(3);
    const lines = written.map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({
      level: 'log',
      service: 'notes-service',
      context: 'LettersService',
      message: 'Letter written letterId=l1 clientName=[redacted] notesChars=12',
    });
    expect(lines[1]).toMatchObject({ level: 'error', context: 'ExceptionsHandler', message: '[redacted]' });
    expect(lines[1].stack).toMatch(/^SyntaxError: \[redacted\]\n\s+at /);
    expect(written.join('')).not.toContain('Patel');
  });

  it('prints text lines through the same allowlist', () => {
    const sut = new AllowlistLogger('rag-service', { json: false, colors: false });

    sut.error('Ingest failed error="Ms Patel"', new Error('Ms Patel').stack, 'DocumentsService');

    expect(written.join('')).toContain('Ingest failed error=[redacted]');
    expect(written.join('')).not.toContain('Patel');
  });
});
