import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { configureService } from '@rma/service-core';
import { Redis } from 'ioredis';
import { AppModule } from '../app.module';

/** The notes service in this process, on a free port, with `env` as its whole environment. */
export async function startNotesService(
  env: Record<string, string>,
): Promise<{ app: INestApplication; baseUrl: string; close: () => Promise<void> }> {
  // Each app gets its own Redis database: workers of one would otherwise run the other's jobs.
  const redis = new Redis(env['REDIS_URL']);
  await redis.flushdb();
  redis.disconnect();
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(env)] }).compile();
  const app = moduleRef.createNestApplication({ logger: false, bodyParser: false });
  await configureService(app);
  await app.listen(0, '127.0.0.1');
  return {
    app,
    baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1'),
    close: () => app.close(),
  };
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
}

/** Server-sent events of a POST, in order, as {event, data}. */
export async function postEvents(url: string, body: unknown): Promise<Array<{ event: string; data: any }>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length) ?? 'message';
      const data = lines
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice('data: '.length))
        .join('\n');
      return { event, data: JSON.parse(data) };
    });
}
