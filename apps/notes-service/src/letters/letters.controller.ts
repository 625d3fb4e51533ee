import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiGatewayTimeoutResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { GenerationError, generationFailureResponse } from '@rma/generation-queue';
import { abortOnClose, sendEventStream } from '@rma/service-core';
import type { Response } from 'express';
import { CreateLetterBatchDto } from './dto/create-letter-batch.dto';
import { CreateLetterDto } from './dto/create-letter.dto';
import { LETTER_BATCH_EXAMPLE, LETTER_EXAMPLE, LLM_FAILURE_EXAMPLE } from './letters.examples';
import { LetterBatchItem, LetterResult, LettersService } from './letters.service';

@ApiTags('letters')
@ApiBadRequestResponse({ description: 'Empty or too long notes, a missing client name, unknown fields.' })
@ApiBadGatewayResponse({ description: 'The LLM answered badly (invalid output, a broken stream).' })
@ApiServiceUnavailableResponse({
  description: 'No LLM backend could serve; `retryable` says whether to try again.',
  schema: { example: LLM_FAILURE_EXAMPLE },
})
@ApiGatewayTimeoutResponse({ description: 'The LLM did not finish within LETTER_TIMEOUT_MS.' })
@Controller('letters')
export class LettersController {
  constructor(private readonly letters: LettersService) {}

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
  async write(@Body() body: CreateLetterDto, @Res({ passthrough: true }) response: Response): Promise<LetterResult> {
    return this.letters.write(body, abortOnClose(response));
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
  async stream(@Body() body: CreateLetterDto, @Res() response: Response): Promise<void> {
    await sendEventStream(response, this.letters.stream(body, abortOnClose(response)), {
      errorBody: (error) => (error instanceof GenerationError ? generationFailureResponse(error).body : undefined),
    });
  }

  @Post('batch')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Write many letters as bulk work',
    description:
      'Results come in the order of `items`. An item that is invalid or whose generation failed has ' +
      '`ok: false` and its own error; the others are still written. Interactive letters go first.',
  })
  @ApiBody({ type: CreateLetterBatchDto })
  @ApiOkResponse({ description: 'One result per item, in order.', schema: { example: LETTER_BATCH_EXAMPLE } })
  async batch(
    @Body() body: CreateLetterBatchDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ results: LetterBatchItem[] }> {
    return { results: await this.letters.writeMany(body.items, abortOnClose(response)) };
  }
}
