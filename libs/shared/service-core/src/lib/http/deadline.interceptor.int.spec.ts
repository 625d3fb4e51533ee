import {
  ArgumentsHost,
  Catch,
  Controller,
  ExceptionFilter,
  HttpCode,
  type INestApplication,
  Post,
  Res,
} from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import type { Response } from 'express';
import { CurrentDeadline, Deadline } from './deadline.interceptor';
import { RequestDeadline } from './request-deadline';
import { sendEventStream } from './server-sent-events';

class LateError extends Error {}

/** The typed 504 a service's filter would send. */
@Catch(LateError)
class LateFilter implements ExceptionFilter {
  catch(error: LateError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    response.status(504).json({ statusCode: 504, error: 'Late', message: error.message });
  }
}

const late = (setting: string, ms: number) => new LateError(`took longer than ${setting} (${ms} ms)`);
const seen: { aborted?: boolean; remainingMs?: number; quick?: RequestDeadline } = {};

@Controller()
class SlowController {
  @Post('ignores-signal')
  @HttpCode(200)
  @Deadline({ setting: 'SLOW_TIMEOUT_MS', exceeded: late })
  async ignoresSignal(@CurrentDeadline() deadline: RequestDeadline): Promise<{ ok: true }> {
    seen.remainingMs = deadline.remainingMs();
    // A step that watches no signal (a frozen server whose client takes none).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    seen.aborted = deadline.signal.aborted;
    return { ok: true };
  }

  @Post('quick')
  @HttpCode(200)
  @Deadline({ setting: 'SLOW_TIMEOUT_MS', exceeded: late })
  async quick(@CurrentDeadline() deadline: RequestDeadline): Promise<{ ok: true }> {
    seen.quick = deadline;
    return { ok: true };
  }

  @Post('stream')
  @Deadline({ setting: 'SLOW_TIMEOUT_MS', exceeded: late, stream: true })
  async stream(@CurrentDeadline() deadline: RequestDeadline, @Res() response: Response): Promise<void> {
    async function* events() {
      yield { event: 'token', data: { text: 'a' } };
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      yield { event: 'token', data: { text: 'b' } };
    }
    await sendEventStream(response, deadline.runStream(events()), {
      errorBody: (error) => (error instanceof LateError ? { statusCode: 504, message: error.message } : undefined),
    });
  }
}

describe('@Deadline', () => {
  let app: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ SLOW_TIMEOUT_MS: 400 })] })],
      controllers: [SlowController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new LateFilter());
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    // A first request warms the process up (what it compiles the rest reuse): not the deadline's time.
    await fetch(`${baseUrl}/quick`, { method: 'POST' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('ends a request by its deadline plus 100 ms with the typed 504, whatever the handler is doing', async () => {
    const started = performance.now();
    const response = await fetch(`${baseUrl}/ignores-signal`, { method: 'POST' });
    const elapsed = performance.now() - started;

    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({
      statusCode: 504,
      error: 'Late',
      message: 'took longer than SLOW_TIMEOUT_MS (400 ms)',
    });
    expect(elapsed).toBeLessThan(500);
    expect(seen.remainingMs).toBeGreaterThan(300);
    expect(seen.remainingMs).toBeLessThanOrEqual(400);
  });

  it('leaves a request that ends in time alone', async () => {
    const response = await fetch(`${baseUrl}/quick`, { method: 'POST' });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    // Its timer was cleared with the request's end: nothing fires at the deadline (400 ms) afterwards.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen.quick?.signal.aborted).toBe(false);
  });

  it('ends a stream by its deadline with an error event after what was sent', async () => {
    const started = performance.now();
    const text = await (await fetch(`${baseUrl}/stream`, { method: 'POST' })).text();
    const elapsed = performance.now() - started;

    expect(text).toContain('event: token\ndata: {"text":"a"}');
    expect(text).toContain(
      'event: error\ndata: {"statusCode":504,"message":"took longer than SLOW_TIMEOUT_MS (400 ms)"}',
    );
    expect(text).not.toContain('"b"');
    expect(elapsed).toBeLessThan(500);
  });
});
