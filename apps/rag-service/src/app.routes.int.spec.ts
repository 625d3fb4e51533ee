import { Test } from '@nestjs/testing';
import { routeAccessTable } from '@rma/service-core';
import { AppModule } from './app.module';

// Every route read from Nest's own route metadata, so a route added without @RequireScope() or @Public()
// fails here (the guard would close it to all but admin keys).
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;

describe('rag-service routes', () => {
  it('each declare a scope or that they are public', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          REDIS_URL: `${redisUrl}/9`,
          CHROMA_URL: 'http://127.0.0.1:1',
          MANUALS_DIR: 'off',
          GENERATION_WORKERS: 'false',
          LOG_LEVEL: 'fatal',
        }),
      ],
    }).compile();
    try {
      const sut = routeAccessTable(moduleRef);

      expect(sut.filter((route) => route.access === 'undeclared')).toEqual([]);
      expect(sut).toEqual(
        expect.arrayContaining([
          { method: 'GET', path: '/health', access: 'public' },
          { method: 'GET', path: '/health/ready', access: 'public' },
          { method: 'GET', path: '/metrics', access: 'public' },
          { method: 'POST', path: '/ask', access: 'ask' },
          { method: 'POST', path: '/ask/stream', access: 'ask' },
          { method: 'POST', path: '/ask/batch', access: 'ask' },
          { method: 'POST', path: '/ask/agentic', access: 'ask' },
          { method: 'POST', path: '/eligibility', access: 'eligibility' },
          { method: 'POST', path: '/eligibility/stream', access: 'eligibility' },
          // The manuals are every organisation's: only an admin key changes them.
          { method: 'POST', path: '/documents', access: 'admin' },
          { method: 'GET', path: '/documents', access: 'documents' },
          { method: 'GET', path: '/documents/jobs/:id', access: 'documents' },
          { method: 'GET', path: '/documents/:id', access: 'documents' },
          { method: 'DELETE', path: '/documents/:id', access: 'admin' },
        ]),
      );
    } finally {
      await moduleRef.close();
    }
  });
});
