import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { CurrentPrincipal, abortOnClose } from '@rma/service-core';
import type { Principal } from '@rma/service-core';
import type { Response } from 'express';
import { DOCUMENT_TYPES } from '../analysis/document-types';
import { DOCUMENT_VIEW_EXAMPLE } from './documents.examples';
import { DocumentsService, DocumentView, UploadedFile as Upload } from './documents.service';
import { UploadDocumentDto } from './dto/upload-document.dto';
import { RequireScope } from '@rma/service-core';

const UPLOAD_BODY = {
  schema: {
    type: 'object',
    required: ['file'],
    properties: {
      file: {
        type: 'string',
        format: 'binary',
        description: 'PDF, PNG, JPEG, TIFF, WebP or DOCX, decided by its bytes',
      },
      clientId: { type: 'string', example: 'client-4821' },
      hint: { type: 'string', enum: [...DOCUMENT_TYPES] },
    },
  },
};

@ApiTags('documents')
@RequireScope('documents')
@Controller()
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Post('documents')
  @UseInterceptors(FileInterceptor('file'))
  @ApiOperation({
    summary: 'Upload a document to be read in the background',
    description:
      'Stores the file and returns 202 with a `documentId`; poll `GET /documents/{id}`. The type comes from the ' +
      "file's bytes, never its name. The same file for the same client again returns the first document (200, " +
      "`duplicate: true`). The document is the caller's organisation's: another organisation's key gets 404 for it.",
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody(UPLOAD_BODY)
  @ApiAcceptedResponse({ description: 'Accepted: pages queued.', schema: { example: DOCUMENT_VIEW_EXAMPLE.queued } })
  @ApiOkResponse({ description: 'The same file was uploaded before: that document.' })
  @ApiBadRequestResponse({ description: 'No file, an empty file, a bad clientId or hint.' })
  @ApiPayloadTooLargeResponse({ description: 'Over DOCUMENT_UPLOAD_MAX_BYTES.' })
  @ApiUnsupportedMediaTypeResponse({ description: 'Not PDF, PNG, JPEG, TIFF, WebP or DOCX.' })
  @ApiUnprocessableEntityResponse({
    description: 'Corrupt, encrypted (`needs_password`), too many pages or pixels, a zip bomb, or unreadable in time.',
  })
  async upload(
    @Body() body: UploadDocumentDto,
    @UploadedFile() file: Upload | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DocumentView & { duplicate: boolean }> {
    const { organisation } = principal;
    const { view, duplicate } = await this.documents.upload({ file, ...body, organisation, workClass: 'bulk' });
    response.status(duplicate ? 200 : 202);
    return { ...view, duplicate };
  }

  @Post('process')
  @UseInterceptors(FileInterceptor('file'))
  @ApiOperation({
    summary: 'Upload a document and wait for the result',
    description:
      "The original service's contract, for callers that wait: 200 with the result and markdown when it is ready " +
      'within PROCESS_SYNC_TIMEOUT_MS, else 202 with the `documentId` to poll. Runs as interactive work, ahead ' +
      'of background uploads.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody(UPLOAD_BODY)
  @ApiOkResponse({ description: 'Done (or failed, with the reason).', schema: { example: DOCUMENT_VIEW_EXAMPLE.done } })
  @ApiAcceptedResponse({ description: 'Still running when the wait ran out: poll GET /documents/{id}.' })
  async process(
    @Body() body: UploadDocumentDto,
    @UploadedFile() file: Upload | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DocumentView & { duplicate: boolean; markdown?: string }> {
    const { organisation } = principal;
    const { view: accepted, duplicate } = await this.documents.upload({
      file,
      ...body,
      organisation,
      workClass: 'interactive',
    });
    // A caller who goes away stops the wait, not the document: it was accepted and finishes.
    const view = await this.documents.waitForResult(accepted.documentId, organisation, abortOnClose(response));
    const finished = view.status === 'done' || view.status === 'failed';
    response.status(finished ? 200 : 202);
    return {
      ...view,
      duplicate,
      ...(view.status === 'done' ? { markdown: await this.documents.markdown(view.documentId, organisation) } : {}),
    };
  }

  @Get('documents/:id')
  @ApiOperation({ summary: "A document's status, per-page progress and, when done, its result" })
  @ApiOkResponse({ schema: { example: DOCUMENT_VIEW_EXAMPLE.done } })
  @ApiNotFoundResponse({ description: "No such document, it expired, or it is another organisation's." })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<DocumentView> {
    return this.documents.view(id, principal.organisation);
  }

  @Get('documents/:id/markdown')
  @Header('Content-Type', 'text/markdown; charset=utf-8')
  @ApiOperation({ summary: "The document's text as markdown, pages marked" })
  @ApiOkResponse({
    description: 'Markdown.',
    content: { 'text/markdown': { example: '<!-- page 1 -->\n# Statement' } },
  })
  @ApiNotFoundResponse({ description: "No such document, or another organisation's." })
  @ApiConflictResponse({ description: 'Not finished yet, or failed.' })
  markdown(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<string> {
    return this.documents.markdown(id, principal.organisation);
  }

  @Delete('documents/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a document: its file, pages, results and its copy in rag-service' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiNotFoundResponse({ description: "No such document, or another organisation's." })
  @ApiServiceUnavailableResponse({ description: 'rag-service could not remove its copy: nothing was deleted; retry.' })
  async remove(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.documents.remove(id, principal.organisation);
  }
}
