import { Controller, Get } from '@nestjs/common';
import { Public } from '../auth/route-access.decorators';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessRegistry } from './readiness.registry';
import { RedisHealthIndicator } from './redis.health';

@Public()
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly readiness: ReadinessRegistry,
    private readonly indicators: HealthIndicatorService,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers HTTP.' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: every dependency the service needs answers now (503 otherwise).' })
  ready() {
    return this.health.check([
      () => this.redis.isHealthy('redis'),
      ...this.readiness.entries().map(([key, check]) => async () => {
        const indicator = this.indicators.check(key);
        try {
          const report = await check();
          return report.up ? indicator.up(report.details) : indicator.down(report.details);
        } catch (error) {
          return indicator.down({ message: error instanceof Error ? error.message : String(error) });
        }
      }),
    ]);
  }
}
