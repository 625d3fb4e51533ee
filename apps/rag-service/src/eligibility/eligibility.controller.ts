import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { deadlineTimeout, GenerationError, generationFailureResponse } from '@rma/generation-queue';
import { CurrentDeadline, CurrentPrincipal, Deadline, sendEventStream } from '@rma/service-core';
import type { Principal, RequestDeadline } from '@rma/service-core';
import type { Response } from 'express';
import { EligibilityRequestDto } from './dto/eligibility-request.dto';
import { ELIGIBILITY_EXAMPLE } from './eligibility.examples';
import { EligibilityAnswer, EligibilityService } from './eligibility.service';
import { RequireScope } from '@rma/service-core';

@ApiTags('eligibility')
@ApiBadRequestResponse({
  description:
    'A negative amount, an impossible date, totals that disagree, an unknown field: the message says what to change.',
})
@ApiNotFoundResponse({
  description: "A documentId that is not a processed document of that client of the caller's organisation.",
})
@RequireScope('eligibility')
@Controller('eligibility')
export class EligibilityController {
  constructor(private readonly eligibility: EligibilityService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Which debt solutions a client can use, decided by dated rules and explained from the manuals',
    description:
      'The decision (per option: status, criteria with figure, limit and gap, risks, fee, questions to ask) ' +
      'comes from exact rules, never from the model. The explanation is written by the model from the ' +
      'manuals; an amount in it that is neither a fact nor a rule figure is listed in `inventedAmounts`. With ' +
      'the LLM or Chroma down the decision is still returned and the explanation is `unavailable`.',
  })
  @ApiOkResponse({ schema: { example: ELIGIBILITY_EXAMPLE } })
  @Deadline({ setting: 'ELIGIBILITY_REQUEST_TIMEOUT_MS', exceeded: deadlineTimeout })
  async check(
    @Body() body: EligibilityRequestDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentDeadline() deadline: RequestDeadline,
  ): Promise<EligibilityAnswer> {
    return this.eligibility.check({ ...body, organisation: principal.organisation }, deadline);
  }

  @Post('stream')
  @ApiOperation({
    summary: 'The decision, then the explanation as server-sent events',
    description:
      'Events: `decision` (as the JSON answer without `explanation`), then `token` ({text}) as the ' +
      'explanation is written, then `explanation` (status, sources, inventedAmounts, usage; or `unavailable` ' +
      'with the reason), then `done`. Closing the connection cancels the generation.',
  })
  @ApiOkResponse({ description: 'text/event-stream' })
  @Deadline({ setting: 'ELIGIBILITY_REQUEST_TIMEOUT_MS', exceeded: deadlineTimeout, stream: true })
  async stream(
    @Body() body: EligibilityRequestDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentDeadline() deadline: RequestDeadline,
    @Res() response: Response,
  ): Promise<void> {
    const input = { ...body, organisation: principal.organisation };
    // Failures of the explanation are events of their own; past the deadline a 504 `error` event; anything
    // else is a bug, a 500 `error` event.
    await sendEventStream(response, deadline.runStream(this.eligibility.stream(input, deadline)), {
      errorBody: (error) => (error instanceof GenerationError ? generationFailureResponse(error).body : undefined),
    });
  }
}
