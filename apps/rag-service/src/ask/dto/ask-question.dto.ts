import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsClientId, IsOptionalNotNull } from '@rma/service-core';
import { IsInt, IsNotEmpty, IsObject, IsString, Max, Min } from 'class-validator';

export class AskQuestionDto {
  @ApiProperty({
    description: "The adviser's question; at most QUESTION_MAX_CHARS characters.",
    example: 'What is the debt limit for a Debt Relief Order?',
  })
  @IsString()
  @IsNotEmpty({ message: 'question must not be empty: ask something about the manuals' })
  question!: string;

  @ApiPropertyOptional({ description: 'How many chunks to retrieve (default ASK_TOP_K).', minimum: 1, maximum: 50 })
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(50)
  topK?: number;

  @ApiPropertyOptional({
    description: 'Only chunks whose document metadata has these values (all must match).',
    example: { jurisdiction: 'england-wales' },
  })
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
