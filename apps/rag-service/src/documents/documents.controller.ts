import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
  getSchemaPath,
  ApiExtraModels,
} from '@nestjs/swagger';
import { CurrentDeadline, CurrentPrincipal, Deadline } from '@rma/service-core';
import type { Principal, RequestDeadline } from '@rma/service-core';
import type { Response } from 'express';
import { basename, extname } from 'node:path';
import { ingestTimeout, RagError } from '../common/rag.errors';
import { textOfUpload, UploadedDocument } from './document-text';
import { DocumentsService, IngestOutcome } from './documents.service';
import { IngestDocumentDto } from './dto/ingest-document.dto';
import { firstHeading } from './manual-text-splitter';
import { ListDocumentsQuery } from './dto/list-documents.query';
import { RequireScope } from '@rma/service-core';

@ApiTags('documents')
@ApiExtraModels(IngestDocumentDto)
@RequireScope('documents')
@Controller('documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Post()
  // The manuals are every organisation's: only an operator's admin key changes them.
  @RequireScope('admin')
  @UseInterceptors(FileInterceptor('file'))
  @ApiOperation({
    summary: 'Add or update a manual',
    description:
      'JSON (text or markdown with title, source and metadata) or multipart with a `file` (.md, .txt, or .pdf ' +
      'with a text layer; up to UPLOAD_MAX_BYTES). The same content again adds nothing (`unchanged`); the ' +
      'same text under another name is a `duplicate`; new text for the same source `replaced` its chunks. ' +
      'A document of more than INGEST_JOB_MIN_CHUNKS chunks is ingested in the background: 202 with a `jobId`. ' +
      "The manuals are shared: every organisation's questions are answered from them, every organisation " +
      'may list and read them, and only an `admin` key adds, replaces or deletes one.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({
    schema: {
      oneOf: [
        { $ref: getSchemaPath(IngestDocumentDto) },
        {
          type: 'object',
          required: ['file'],
          properties: {
            file: { type: 'string', format: 'binary' },
            title: { type: 'string' },
            source: { type: 'string' },
            metadata: { type: 'string', description: 'JSON object' },
          },
        },
      ],
    },
    examples: {
      markdown: {
        value: {
          title: 'Debt Relief Orders',
          source: 'manuals/debt-relief-orders.md',
          text: '# Debt Relief Orders\n\nA client can apply when their qualifying debts are £50,000 or less.',
          metadata: { jurisdiction: 'england-wales' },
        },
      },
    },
  })
  @ApiCreatedResponse({
    description: 'Created or replaced.',
    schema: {
      example: { status: 'created', documentId: 'doc_3f2a9c0d1e5b7a4c8d6e', title: 'Debt Relief Orders', chunks: 6 },
    },
  })
  @ApiOkResponse({ description: 'Unchanged, or a duplicate of an existing document (its id is returned).' })
  @ApiAcceptedResponse({ description: 'Large: ingesting in the background; poll GET /documents/jobs/{jobId}.' })
  @ApiBadRequestResponse({ description: 'No text, no title, text and a file together, bad metadata.' })
  @ApiPayloadTooLargeResponse({ description: 'File over UPLOAD_MAX_BYTES, or JSON over HTTP_BODY_LIMIT_BYTES.' })
  @ApiUnsupportedMediaTypeResponse({ description: 'Not .md, .txt or .pdf.' })
  @ApiUnprocessableEntityResponse({ description: 'A corrupt file, not UTF-8, or a PDF without a text layer.' })
  @Deadline({ setting: 'INGEST_TIMEOUT_MS', exceeded: ingestTimeout })
  async ingest(
    @Body() body: IngestDocumentDto,
    @UploadedFile() file: UploadedDocument | undefined,
    @CurrentPrincipal() principal: Principal,
    @CurrentDeadline() deadline: RequestDeadline,
    @Res({ passthrough: true }) response: Response,
  ): Promise<IngestOutcome> {
    if (file && body.text !== undefined) {
      throw new RagError('empty_document', 'send either text or a file, not both');
    }
    const read = file ? await textOfUpload(file) : undefined;
    const text = read?.text ?? body.text;
    if (text === undefined) {
      throw new RagError('empty_document', 'send the document as `text` in JSON, or as a multipart `file`');
    }
    const title =
      body.title ?? firstHeading(text) ?? (file ? basename(file.originalname, extname(file.originalname)) : undefined);
    if (!title) throw new RagError('empty_document', 'title is required when the text has no heading to take it from');
    const outcome = await this.documents.ingest(
      {
        text,
        title,
        source: body.source ?? file?.originalname,
        format: body.format ?? read?.format ?? 'markdown',
        metadata: parseMetadata(body.metadata),
      },
      { organisation: principal.organisation, signal: deadline.signal },
    );
    response.status(
      outcome.status === 'queued' ? 202 : outcome.status === 'created' || outcome.status === 'replaced' ? 201 : 200,
    );
    return outcome;
  }

  @Get()
  @ApiOperation({ summary: 'List the manuals (shared by every organisation), with their chunk counts' })
  async list(@Query() query: ListDocumentsQuery) {
    return this.documents.list({ limit: query.limit ?? 20, offset: query.offset ?? 0 });
  }

  @Get('jobs/:id')
  // admin too: POST /documents needs admin and may answer 202 with this job to poll.
  @RequireScope('documents', 'admin')
  @ApiOperation({ summary: "A background ingest's progress" })
  @ApiNotFoundResponse({ description: "No such job (kept 24 hours), or another organisation's." })
  async job(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.documents.job(id, principal.organisation);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One document with its chunks' })
  @ApiNotFoundResponse({ description: 'No such document.' })
  async get(@Param('id') id: string) {
    return this.documents.get(id);
  }

  @Delete(':id')
  @RequireScope('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a document and all its chunks' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiNotFoundResponse({ description: 'No such document.' })
  async remove(@Param('id') id: string): Promise<void> {
    await this.documents.remove(id);
  }
}

function parseMetadata(metadata: Record<string, unknown> | string | undefined): Record<string, unknown> {
  if (metadata === undefined) return {};
  if (typeof metadata !== 'string') return metadata;
  try {
    const parsed: unknown = JSON.parse(metadata);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new RagError('invalid_metadata', 'metadata must be a JSON object, for example {"topic":"insolvency"}');
}
