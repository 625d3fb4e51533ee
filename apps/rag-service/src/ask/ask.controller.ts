import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiGatewayTimeoutResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { deadlineTimeout, GenerationError, generationFailureResponse } from '@rma/generation-queue';
import {
  abortOnClose,
  BatchJob,
  CurrentDeadline,
  CurrentPrincipal,
  Deadline,
  prefersAsync,
  sendEventStream,
} from '@rma/service-core';
import type { Principal, RequestDeadline } from '@rma/service-core';
import type { Request, Response } from 'express';
import { RAG_ERROR_STATUS, RagError } from '../common/rag.errors';
import { AskBatches } from './ask-batches';
import { ASK_EXAMPLE, AGENTIC_EXAMPLE } from './ask.examples';
import { AgenticResult, AskBatchItem, AskResult, AskService } from './ask.service';
import { AskBatchDto } from './dto/ask-batch.dto';
import { AskQuestionDto } from './dto/ask-question.dto';
import { RequireScope } from '@rma/service-core';

@ApiTags('ask')
@ApiBadRequestResponse({ description: 'An empty or too long question, unknown fields, a bad filter.' })
@ApiBadGatewayResponse({ description: 'The LLM answered badly.' })
@ApiServiceUnavailableResponse({
  description: 'No LLM backend, or the vector store, could serve; `retryable` says whether to retry.',
})
@ApiGatewayTimeoutResponse({ description: 'The LLM did not finish in time.' })
@RequireScope('ask')
@Controller('ask')
export class AskController {
  constructor(
    private readonly asks: AskService,
    private readonly batches: AskBatches,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Answer a question from the manuals, with its sources',
    description: 'Interactive work: it goes ahead of bulk questions. Closing the connection cancels it.',
  })
  @ApiOkResponse({ schema: { example: ASK_EXAMPLE } })
  @Deadline({ setting: 'ASK_TIMEOUT_MS', exceeded: deadlineTimeout })
  async ask(
    @Body() body: AskQuestionDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentDeadline() deadline: RequestDeadline,
  ): Promise<AskResult> {
    return this.asks.ask({ ...body, organisation: principal.organisation }, deadline);
  }

  @Post('stream')
  @ApiOperation({
    summary: 'Answer as server-sent events',
    description:
      'Events: `token` ({text}) as the answer is written, then `sources` ({sources}), then `done` ({usage, ' +
      'backend, timings}). A failure after the start is an `error` event with the same body as the HTTP ' +
      'error. Closing the connection cancels the generation on the engine.',
  })
  @ApiOkResponse({ description: 'text/event-stream' })
  @Deadline({ setting: 'ASK_TIMEOUT_MS', exceeded: deadlineTimeout, stream: true })
  async stream(
    @Body() body: AskQuestionDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentDeadline() deadline: RequestDeadline,
    @Res() response: Response,
  ): Promise<void> {
    const input = { ...body, organisation: principal.organisation };
    // `done` is the service's own last event, with usage and timings.
    await sendEventStream(response, deadline.runStream(this.asks.stream(input, deadline)), {
      done: false,
      errorBody: (error) =>
        error instanceof GenerationError
          ? generationFailureResponse(error).body
          : error instanceof RagError
            ? { statusCode: RAG_ERROR_STATUS[error.code], code: error.code, message: error.message }
            : undefined,
    });
  }

  @Post('batch')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Answer many questions as bulk work',
    description:
      'Answers come in the order of `questions`; a bad or failed question has `ok: false` and its own error. ' +
      'Bulk work yields to interactive questions. A batch of more than ASK_BATCH_JOB_MIN_QUESTIONS questions ' +
      '(or any batch sent with `Prefer: respond-async`) runs in the background: 202 with a `jobId`; poll ' +
      'GET /ask/batch/{jobId}.',
  })
  @ApiOkResponse({ description: 'The answers, in order: `{results}`.' })
  @ApiAcceptedResponse({
    description: 'Running in the background: `{jobId, status, total}`, and `Location` to poll.',
    schema: { example: { jobId: '6f1c2a7e-3b0d-4c8e-9a51-2d7f0e4b8c13', status: 'running', total: 40 } },
  })
  async batch(
    @Body() body: AskBatchDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ results: AskBatchItem[] } | { jobId: string; status: 'running'; total: number }> {
    if (this.batches.runsInBackground(body.questions.length, prefersAsync(request))) {
      const { id } = await this.batches.start(principal.organisation, {
        ...body,
        organisation: principal.organisation,
      });
      response.status(202).setHeader('Location', `/ask/batch/${id}`);
      return { jobId: id, status: 'running', total: body.questions.length };
    }
    const input = { ...body, organisation: principal.organisation };
    return { results: await this.asks.askMany(input, { signal: abortOnClose(response) }) };
  }

  @Get('batch/:id')
  @ApiOperation({
    summary: "A background batch's progress and its answers so far",
    description:
      '`status` running, completed or failed (the process running it stopped: the answers it had are kept; ' +
      'send the others again); `done` and `failed` count the answers so far, `results` holds them in order. ' +
      'Kept ASK_BATCH_RETENTION_SECONDS after the last change (`expiresAt`).',
  })
  @ApiNotFoundResponse({ description: 'No such batch for your organisation, or it expired.' })
  async batchJob(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<BatchJob<AskBatchItem>> {
    return this.batches.get(id, principal.organisation);
  }

  @Post('agentic')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Plan sub-queries, retrieve for each, and answer with the reasoning steps and a confidence',
    description:
      'At most AGENTIC_MAX_STEPS retrievals, within AGENTIC_TIMEOUT_MS (then 504). Sources are deduplicated.',
  })
  @ApiOkResponse({ schema: { example: AGENTIC_EXAMPLE } })
  @Deadline({ setting: 'AGENTIC_TIMEOUT_MS', exceeded: deadlineTimeout })
  async agentic(
    @Body() body: AskQuestionDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentDeadline() deadline: RequestDeadline,
  ): Promise<AgenticResult> {
    return this.asks.askAgentic({ ...body, organisation: principal.organisation }, deadline);
  }
}
