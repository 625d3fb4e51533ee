import { freePort } from '@rma/testing';
import { startServiceProcess, waitUntilHealthy } from './service-process';

const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;
// The shared local LLM server answers both APIs.
const llmUrl = process.env['RMA_TEST_LLM_URL'] as string;
// rag-service's vector store; no sample manuals, which would fill the shared server's default collection.
const SHARED_CHROMA = { CHROMA_URL: process.env['RMA_TEST_CHROMA_URL'] as string, MANUALS_DIR: 'off' };

const services = [
  { name: 'rag-service', defaultPort: 8102 },
  { name: 'notes-service', defaultPort: 8100 },
  { name: 'doc-processor', defaultPort: 8101 },
  { name: 'generation-worker', defaultPort: 8103 },
];

describe.each(services)('$name as a process', ({ name }) => {
  it('refuses to boot with bad configuration, naming every bad variable', async () => {
    const sut = startServiceProcess(name, { PORT: 'abc', REDIS_URL: 'localhost:6379', LOG_LEVEL: 'chatty' });

    const { code } = await sut.exited;

    expect(code).toBe(1);
    expect(sut.output()).toContain(`Invalid configuration for ${name}`);
    expect(sut.output()).toContain('PORT: expected an integer from 1 to 65535 (got "abc")');
    expect(sut.output()).toContain('REDIS_URL: expected a redis:// or rediss:// URL');
    expect(sut.output()).toContain('LOG_LEVEL: expected one of');
  });

  it('serves health, readiness, docs and metrics, logs JSON, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const sut = startServiceProcess(name, {
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redisUrl,
      VLLM_URL: llmUrl,
      OLLAMA_URL: llmUrl,
      ...SHARED_CHROMA,
    });
    try {
      await waitUntilHealthy(`${baseUrl}/health`, sut);

      const ready = await fetch(`${baseUrl}/health/ready`);
      const docs = await fetch(`${baseUrl}/docs/openapi.json`);
      const metrics = await fetch(`${baseUrl}/metrics`);
      const dashboard = await fetch(`${baseUrl}/queues`);

      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        info: {
          redis: { status: 'up' },
          llm: {
            status: 'up',
            backends: expect.arrayContaining([expect.objectContaining({ kind: 'vllm', up: true, breaker: 'closed' })]),
          },
        },
      });
      expect(((await docs.json()) as { info: { title: string } }).info.title).toBe(name);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      // The queue dashboard is on outside production (GENERATION_DASHBOARD=auto).
      expect(dashboard.status).toBe(200);
      expect(await dashboard.text()).toContain('<title>');
      expect(await metrics.text()).toContain(`service="${name}"`);
      const firstLine = sut.output().split('\n')[0];
      expect(JSON.parse(firstLine)).toMatchObject({ level: expect.any(String), message: expect.any(String) });
    } finally {
      sut.child.kill('SIGTERM');
    }
    const { code, signal } = await sut.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });

  it('is not ready while no LLM backend answers, and says which', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const sut = startServiceProcess(name, {
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redisUrl,
      VLLM_URL: 'http://127.0.0.1:1',
      OLLAMA_URL: 'http://127.0.0.1:1',
      NODE_ENV: 'production',
      ...SHARED_CHROMA,
    });
    try {
      await waitUntilHealthy(`${baseUrl}/health`, sut);

      const ready = await fetch(`${baseUrl}/health/ready`);

      expect(ready.status).toBe(503);
      // In production the queue dashboard (advisers' text in job payloads) is off unless asked for.
      expect((await fetch(`${baseUrl}/queues`)).status).toBe(404);
      expect(await ready.json()).toMatchObject({
        error: {
          llm: {
            status: 'down',
            backends: expect.arrayContaining([
              expect.objectContaining({ kind: 'vllm', url: 'http://127.0.0.1:1', up: false }),
            ]),
          },
        },
      });
    } finally {
      sut.child.kill('SIGTERM');
      await sut.exited;
    }
  });
});
