import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsClientId, IsOptionalNotNull } from '@rma/service-core';
import { ArrayNotEmpty, IsArray, IsInt, IsObject, IsString, Max, Min } from 'class-validator';

export class AskBatchDto {
  @ApiProperty({
    description: 'Questions, answered in this order as bulk work; at most ASK_BATCH_MAX_QUESTIONS.',
    example: ['What is the debt limit for a Debt Relief Order?', 'How long does a standard breathing space last?'],
  })
  @IsArray()
  @ArrayNotEmpty({ message: 'questions must not be empty: send at least one question' })
  @IsString({ each: true, message: 'each of questions must be a string' })
  questions!: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 50 })
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(50)
  topK?: number;

  @ApiPropertyOptional({ description: 'Applied to every question.' })
  @IsOptionalNotNull()
  @IsObject()
  filters?: Record<string, string | number | boolean>;

  @ApiPropertyOptional({
    description:
      "A client's id: also answer from that client's own documents (sent by doc-processor) beside the manuals.",
    example: 'cl-1042',
  })
  @IsOptionalNotNull()
  @IsClientId()
  clientId?: string;
}
