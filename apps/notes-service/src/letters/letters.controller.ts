import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBody,
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
import { CreateLetterBatchDto } from './dto/create-letter-batch.dto';
import { CreateLetterDto } from './dto/create-letter.dto';
import { LetterBatches } from './letter-batches';
import { LETTER_BATCH_EXAMPLE, LETTER_EXAMPLE, LLM_FAILURE_EXAMPLE } from './letters.examples';
import { LetterBatchItem, LetterResult, LettersService } from './letters.service';
import { RequireScope } from '@rma/service-core';

@ApiTags('letters')
@ApiBadRequestResponse({ description: 'Empty or too long notes, a missing client name, unknown fields.' })
@ApiBadGatewayResponse({ description: 'The LLM answered badly (invalid output, a broken stream).' })
@ApiServiceUnavailableResponse({
  description: 'No LLM backend could serve; `retryable` says whether to try again.',
  schema: { example: LLM_FAILURE_EXAMPLE },
})
@ApiGatewayTimeoutResponse({ description: 'The LLM did not finish within LETTER_TIMEOUT_MS.' })
@RequireScope('letters')
@Controller('letters')
export class LettersController {
  constructor(
    private readonly letters: LettersService,
    private readonly batches: LetterBatches,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Write a plain-language letter to a client from case notes',
    description:
      'Extracts the facts (debts, deadlines, actions), then writes the letter from them. Amounts and dates ' +
      'that are not in the notes are listed in `warnings`. Closing the connection cancels the work.',
  })
  @ApiOkResponse({
    description: 'The letter, the facts it was written from, and its readability.',
    schema: { example: LETTER_EXAMPLE },
  })
  @Deadline({ setting: 'LETTER_TIMEOUT_MS', exceeded: deadlineTimeout })
  async write(@Body() body: CreateLetterDto, @CurrentDeadline() deadline: RequestDeadline): Promise<LetterResult> {
    return this.letters.write(body, deadline);
  }

  @Post('stream')
  @ApiOperation({
    summary: 'Write a letter as server-sent events',
    description:
      'Events: `stage` ({stage: facts|letter}), `token` ({text}) pieces whose concatenation is the letter, ' +
      '`letter` (the same body as POST /letters), then `done`. A failure after the stream started is an ' +
      '`error` event with the same body as the HTTP error. Closing the connection cancels the generation.',
  })
  @ApiOkResponse({ description: 'text/event-stream' })
  @Deadline({ setting: 'LETTER_TIMEOUT_MS', exceeded: deadlineTimeout, stream: true })
  async stream(
    @Body() body: CreateLetterDto,
    @CurrentDeadline() deadline: RequestDeadline,
    @Res() response: Response,
  ): Promise<void> {
    await sendEventStream(response, deadline.runStream(this.letters.stream(body, deadline)), {
      errorBody: (error) => (error instanceof GenerationError ? generationFailureResponse(error).body : undefined),
    });
  }

  @Post('batch')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Write many letters as bulk work',
    description:
      'Results come in the order of `items`. An item that is invalid or whose generation failed has ' +
      '`ok: false` and its own error; the others are still written. Interactive letters go first. A batch ' +
      'of more than LETTER_BATCH_JOB_MIN_ITEMS items (or any batch sent with `Prefer: respond-async`) runs ' +
      'in the background: 202 with a `jobId`; poll GET /letters/batch/{jobId}.',
  })
  @ApiBody({ type: CreateLetterBatchDto })
  @ApiOkResponse({ description: 'One result per item, in order.', schema: { example: LETTER_BATCH_EXAMPLE } })
  @ApiAcceptedResponse({
    description: 'Running in the background: `{jobId, status, total}`, and `Location` to poll.',
    schema: { example: { jobId: '0b7e9d2c-5a41-4f36-8e1d-93c2a6f0b5d4', status: 'running', total: 20 } },
  })
  async batch(
    @Body() body: CreateLetterBatchDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ results: LetterBatchItem[] } | { jobId: string; status: 'running'; total: number }> {
    if (this.batches.runsInBackground(body.items.length, prefersAsync(request))) {
      const { id } = await this.batches.start(principal.organisation, body.items);
      response.status(202).setHeader('Location', `/letters/batch/${id}`);
      return { jobId: id, status: 'running', total: body.items.length };
    }
    return { results: await this.letters.writeMany(body.items, { signal: abortOnClose(response) }) };
  }

  @Get('batch/:id')
  @ApiOperation({
    summary: "A background letter batch's progress and its letters so far",
    description:
      '`status` running, completed or failed (the process running it stopped: the letters it had are kept; ' +
      'send the others again); `stage` the step running (facts, letter, rewrite); `done` and `failed` count ' +
      'the results so far, `results` holds them in order. Kept LETTER_BATCH_RETENTION_SECONDS after the ' +
      'last change (`expiresAt`).',
  })
  @ApiNotFoundResponse({ description: 'No such batch for your organisation, or it expired.' })
  async batchJob(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BatchJob<LetterBatchItem>> {
    return this.batches.get(id, principal.organisation);
  }
}
