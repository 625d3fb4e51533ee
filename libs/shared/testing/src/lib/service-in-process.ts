import type { DynamicModule, INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';

export interface ServiceInProcess {
  app: INestApplication;
  baseUrl: string;
  close: () => Promise<void>;
}

/**
 * A service's root module (its `AppModule.forRoot(env)`) booted in this process, set up by `configure`
 * (service-core's `configureService`, passed in so that this lib does not depend on service-core, which
 * every lib does), on a free port. The Redis database in `redisUrl` is emptied first: give each app its
 * own, or the workers of one run the other's jobs.
 */
export async function startServiceInProcess(
  rootModule: DynamicModule,
  redisUrl: string,
  configure: (app: INestApplication) => Promise<unknown>,
): Promise<ServiceInProcess> {
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  redis.disconnect();
  const moduleRef = await Test.createTestingModule({ imports: [rootModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false, bodyParser: false });
  await configure(app);
  await app.listen(0, '127.0.0.1');
  return { app, baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1'), close: () => app.close() };
}

/** A JSON POST (or a raw string body); the answer's status and parsed JSON (or text). */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await bodyOf(response) };
}

/** A GET or DELETE; the answer's status and parsed JSON (or text). */
export async function request(method: 'GET' | 'DELETE', url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method });
  return { status: response.status, body: await bodyOf(response) };
}

/** The server-sent events a POST answers with, in order, as {event, data}. */
export async function postEvents(url: string, body: unknown): Promise<Array<{ event: string; data: any }>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200 || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
    throw new Error(`expected an event stream, got ${response.status}: ${text.slice(0, 500)}`);
  }
  return parseEvents(text);
}

export function parseEvents(text: string): Array<{ event: string; data: any }> {
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

async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
