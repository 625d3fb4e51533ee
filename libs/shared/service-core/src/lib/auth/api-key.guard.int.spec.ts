import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { configureService } from '../bootstrap/bootstrap-service';
import { ServiceCoreModule } from '../service-core.module';
import { ApiKeyGuard } from './api-key.guard';
import { CurrentPrincipal, LOCAL_PRINCIPAL, Principal } from './principal';

const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;

@Controller('whoami')
class WhoAmIController {
  @Get()
  whoAmI(@CurrentPrincipal() principal: Principal): Principal {
    return principal;
  }
}

@Module({
  imports: [
    ServiceCoreModule.forRootAsync({
      serviceName: 'test-service',
      description: 'A service under test.',
      useFactory: () => ({
        host: '127.0.0.1',
        port: 0,
        redisUrl: `${redisUrl}/13`,
        logLevel: 'error',
        logFormat: 'json',
        shutdownTimeoutMs: 5_000,
      }),
    }),
  ],
  controllers: [WhoAmIController],
})
class TestServiceModule {}

describe(ApiKeyGuard.name, () => {
  let app: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [TestServiceModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await configureService(app);
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(() => app?.close());

  it('puts the local principal on every request of a service that imports ServiceCoreModule', async () => {
    const response = await fetch(`${baseUrl}/whoami`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ organisation: 'local', keyId: null, scopes: [...LOCAL_PRINCIPAL.scopes] });
  });
});
