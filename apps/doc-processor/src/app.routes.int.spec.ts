import { Test } from '@nestjs/testing';
import { routeAccessTable } from '@rma/service-core';
import { AppModule } from './app.module';

// Every route read from Nest's own route metadata, so a route added without @RequireScope() or @Public()
// fails here (the guard would close it to all but admin keys).
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;

describe('doc-processor routes', () => {
  it('each declare a scope or that they are public', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot({ REDIS_URL: `${redisUrl}/9`, GENERATION_WORKERS: 'false', LOG_LEVEL: 'fatal' })],
    }).compile();
    try {
      const sut = routeAccessTable(moduleRef);

      expect(sut.filter((route) => route.access === 'undeclared')).toEqual([]);
      expect(sut).toEqual(
        expect.arrayContaining([
          { method: 'GET', path: '/health', access: 'public' },
          { method: 'GET', path: '/health/ready', access: 'public' },
          { method: 'GET', path: '/metrics', access: 'public' },
          { method: 'POST', path: '/documents', access: 'documents' },
          { method: 'POST', path: '/process', access: 'documents' },
          { method: 'GET', path: '/documents/:id', access: 'documents' },
          { method: 'GET', path: '/documents/:id/markdown', access: 'documents' },
          { method: 'DELETE', path: '/documents/:id', access: 'documents' },
        ]),
      );
    } finally {
      await moduleRef.close();
    }
  });
});
