import { IsOptionalNotNull } from '@rma/service-core';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsObject, IsString, MaxLength, ValidateIf } from 'class-validator';

/**
 * A document as JSON, or the fields that go with an uploaded file (multipart: `file` plus these as form
 * fields, `metadata` as a JSON string).
 */
export class IngestDocumentDto {
  @ApiPropertyOptional({
    description: 'The text (plain or markdown). Required unless a file is uploaded.',
    example: '# Debt Relief Orders\n\nA client can apply when their qualifying debts are £50,000 or less.',
  })
  @IsOptionalNotNull()
  @IsString()
  text?: string;

  @ApiPropertyOptional({
    description: "Shown with answers. Defaults to the text's first heading, then the file name.",
    example: 'Debt Relief Orders',
  })
  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  title?: string;

  @ApiPropertyOptional({
    description:
      'Where it came from (a path or URL). With the title it identifies the document: sending the same ' +
      'source again with new text replaces its chunks.',
    example: 'manuals/debt-relief-orders.md',
  })
  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  source?: string;

  @ApiPropertyOptional({ enum: ['markdown', 'text'], description: 'How to read `text` (default markdown).' })
  @IsOptionalNotNull()
  @IsIn(['markdown', 'text'])
  format?: 'markdown' | 'text';

  @ApiPropertyOptional({
    description: 'Flat string, number or boolean values, usable as `filters` when asking.',
    example: { jurisdiction: 'england-wales', topic: 'insolvency' },
  })
  @IsOptionalNotNull()
  // A form field can only be a string: the controller parses it as JSON.
  @ValidateIf((dto: IngestDocumentDto) => typeof dto.metadata !== 'string')
  @IsObject({ message: 'metadata must be an object of strings, numbers or booleans (a JSON string in a form)' })
  metadata?: Record<string, unknown> | string;
}
