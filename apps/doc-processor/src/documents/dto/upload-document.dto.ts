import { ApiPropertyOptional } from '@nestjs/swagger';
import { CLIENT_ID } from '@rma/service-core';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { DOCUMENT_TYPES } from '../../analysis/document-types';

/** The text fields of a multipart upload beside its `file`. */
export class UploadDocumentDto {
  @ApiPropertyOptional({
    description:
      "The client the document belongs to: once read, it is indexed into that client's collection in rag-service.",
    example: 'client-4821',
  })
  @IsOptional()
  @Matches(CLIENT_ID, {
    message: 'clientId must be 1-48 letters, digits, dashes or underscores, starting with a letter or digit',
  })
  clientId?: string;

  @ApiPropertyOptional({
    description: 'The type the uploader expects; the classifier decides, and says when it disagrees.',
    enum: DOCUMENT_TYPES,
  })
  @IsOptional()
  @IsIn(DOCUMENT_TYPES, { message: `hint must be one of: ${DOCUMENT_TYPES.join(', ')}` })
  hint?: string;
}
