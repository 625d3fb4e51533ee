import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsClientId, IsOptionalNotNull } from '@rma/service-core';
import { IsIn } from 'class-validator';
import { DOCUMENT_TYPES } from '../../analysis/document-types';

/** The text fields of a multipart upload beside its `file`. */
export class UploadDocumentDto {
  @ApiPropertyOptional({
    description:
      "The client the document belongs to: once read, it is indexed into that client's collection in rag-service.",
    example: 'client-4821',
  })
  @IsOptionalNotNull()
  @IsClientId()
  clientId?: string;

  @ApiPropertyOptional({
    description: 'The type the uploader expects; the classifier decides, and says when it disagrees.',
    enum: DOCUMENT_TYPES,
  })
  @IsOptionalNotNull()
  @IsIn(DOCUMENT_TYPES, { message: `hint must be one of: ${DOCUMENT_TYPES.join(', ')}` })
  hint?: string;
}
