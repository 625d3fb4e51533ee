import {
  ArgumentsHost,
  Body,
  Catch,
  Controller,
  Delete,
  ExceptionFilter,
  Get,
  Optional,
  Param,
  Put,
  UseFilters,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '@rma/service-core';
import type { Response } from 'express';
import { TrafficSplitError } from '../routing/traffic-split';
import { TrafficSplitView, TrafficSplitWatcher } from '../routing/traffic-split.watcher';

/** This process has no Redis to share a split through (a tool, a test without the service core). */
class TrafficSplitUnavailableError extends Error {}

/** The controller's two errors: a refused split is a 400 saying what to change; no Redis, a 503. */
@Catch(TrafficSplitError, TrafficSplitUnavailableError)
class TrafficSplitExceptionFilter implements ExceptionFilter {
  catch(error: Error, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const invalid = error instanceof TrafficSplitError;
    const status = invalid ? 400 : 503;
    response.status(status).json({
      statusCode: status,
      error: invalid ? 'Bad Request' : 'Service Unavailable',
      code: invalid ? 'invalid_traffic_split' : 'traffic_split_unavailable',
      message: error.message,
    });
  }
}

/**
 * The canary's dial: each role's split between backends, set at run time for every process (they read
 * it from Redis within a second), without a restart. Rollback is a share of 0.
 * Admin keys only: it changes where every organisation's requests go.
 */
@ApiTags('admin')
@RequireScope('admin')
@Controller('admin/llm/traffic-split')
@UseFilters(TrafficSplitExceptionFilter)
export class TrafficSplitController {
  constructor(@Optional() private readonly watcher?: TrafficSplitWatcher) {}

  @Get()
  @ApiOperation({ summary: 'The traffic split of each role in effect here, and where it comes from' })
  view(): TrafficSplitView[] {
    return this.watching().view();
  }

  @Put(':role')
  @ApiOperation({ summary: 'Sets a role’s shares per backend for every process (whole percentages adding to 100)' })
  @ApiBody({ schema: { type: 'object', example: { vllm: 10, ollama: 90 } } })
  set(@Param('role') role: string, @Body() shares: unknown): Promise<TrafficSplitView> {
    return this.watching().set(role, shares);
  }

  @Delete(':role')
  @ApiOperation({ summary: 'Clears a role’s run-time shares: back to LLM_TRAFFIC_SPLIT (or its provider)' })
  clear(@Param('role') role: string): Promise<TrafficSplitView> {
    return this.watching().clear(role);
  }

  private watching(): TrafficSplitWatcher {
    if (!this.watcher) {
      throw new TrafficSplitUnavailableError(
        'no Redis in this process to share a traffic split; set LLM_TRAFFIC_SPLIT',
      );
    }
    return this.watcher;
  }
}
