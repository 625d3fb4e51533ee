// A service booted the way every RMA service boots (bootstrapService, with its SIGTERM handler), for
// tests that send it signals: `node tools/scripts/ts-run.cjs libs/shared/service-core/src/testing/service-process.ts`
// with PORT, REDIS_URL and SHUTDOWN_TIMEOUT_MS in the environment. GET /hold?ms=N answers after N ms and
// prints "holding" when the request has arrived, so a test can signal the process with it in flight.
import { Controller, Get, Module, Query } from '@nestjs/common';
import { bootstrapService } from '../lib/bootstrap/bootstrap-service';
import { ServiceCoreModule } from '../lib/service-core.module';

@Controller('hold')
class HoldController {
  @Get()
  async hold(@Query('ms') ms: string): Promise<{ finished: boolean }> {
    process.stdout.write('holding\n');
    await new Promise((resolve) => setTimeout(resolve, Number(ms)));
    return { finished: true };
  }
}

@Module({
  imports: [
    ServiceCoreModule.forRootAsync({
      serviceName: 'shutdown-fixture',
      description: 'A service that tests stop with signals.',
      useFactory: () => ({
        host: '127.0.0.1',
        port: Number(process.env['PORT']),
        redisUrl: process.env['REDIS_URL'] as string,
        logLevel: 'log',
        logFormat: 'text',
        // A fixture of shutdown; the API key guard has its own spec.
        authMode: 'off',
        shutdownTimeoutMs: Number(process.env['SHUTDOWN_TIMEOUT_MS']),
      }),
    }),
  ],
  controllers: [HoldController],
})
class FixtureModule {}

void bootstrapService(FixtureModule);
