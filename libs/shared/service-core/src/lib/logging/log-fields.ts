/**
 * What a log line may carry: an allowlist, not a denylist. A line is one sentence written in code
 * followed by `key=value` fields; only the keys below pass, and only with a value of their shape (an id,
 * a number, a code, a configured URL). Anything else (an unknown key, free text in a value, text after
 * the fields, an object, an error's message that is not a known system error) prints as `[redacted]`.
 * Personal data (notes, letters, names, document text, keys) has no shape here, so it cannot pass even
 * when a call site interpolates it by mistake.
 */
type FieldShape = 'id' | 'number' | 'code' | 'codeList' | 'url' | 'path' | 'phrase' | 'date' | 'errorText';

const SHAPES: Record<Exclude<FieldShape, 'url' | 'errorText'>, RegExp> = {
  // Generated ids (uuids, job ids like `letter:3f2a`), client ids (the hand-off contract's rule), names of
  // queues and collections.
  id: /^[A-Za-z0-9][\w.:-]{0,127}$/,
  number: /^-?\d+(\.\d+)?$/,
  // Enum values and flags in one case: `unavailable`, `vllm`, `true`, `GET`, `SIGTERM`, `-` (a capitalised
  // word, as a name is, does not pass).
  code: /^(-|[a-z][a-z0-9_.-]{0,63}|[A-Z][A-Z0-9_]{0,31})$/,
  codeList: /^[\w:.-]+(,[\w:.-]+){0,31}$/,
  // Paths of configuration and of the shipped manuals, never of a client's upload.
  path: /^[\w./:{}*-]{1,256}$/,
  // A few lowercase words written in code (`what="query chunks"`, `why="engine queue 4 above 3"`), with
  // figures and acronyms; a capitalised word, as a name is, does not pass.
  phrase: /^(?=.{1,80}$)(?:[a-z0-9][a-z0-9.,:/>%-]*|[A-Z]{2,4})(?: (?:[a-z0-9][a-z0-9.,:/>%-]*|[A-Z]{2,4}|->))*$/,
  date: /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/,
};

const FIELDS: Record<string, FieldShape> = Object.fromEntries(
  Object.entries({
    id: [
      'id',
      'documentId',
      'jobId',
      'letterId',
      'batchId',
      'clientId',
      'requestId',
      'keyId',
      'fencingToken',
      'connection',
      'collection',
      'queue',
    ],
    number: [
      'attempt',
      'chars',
      'chunks',
      'count',
      'deadlineMs',
      'durationMs',
      'failed',
      'failedPages',
      'from',
      'figures',
      'files',
      'grade',
      'inventedAmounts',
      'items',
      'jobs',
      'letterChars',
      'limit',
      'ms',
      'notesChars',
      'page',
      'pages',
      'port',
      'prefilled',
      'questionChars',
      'questions',
      'size',
      'sizeBytes',
      'sources',
      'status',
      'steps',
      'streams',
      'timeoutMs',
      'to',
      'totalMs',
      'waitMs',
      'warnings',
    ],
    code: [
      'api',
      'backend',
      'client',
      'code',
      'decidedBy',
      'errorCode',
      'errorName',
      'explanation',
      'final',
      'kind',
      'level',
      'llmErrorKind',
      'method',
      'reason',
      'role',
      'rewritten',
      'signal',
      'type',
      'workClass',
    ],
    codeList: ['options'],
    url: ['url'],
    path: ['docs', 'metrics', 'file', 'folder', 'route'],
    phrase: ['what', 'why'],
    date: ['asOf'],
    errorText: ['error', 'message'],
  } satisfies Record<FieldShape, string[]>).flatMap(([shape, keys]) => keys.map((key) => [key, shape as FieldShape])),
);

// `status` is a number for HTTP and a code for records (`indexed`, `done`): either shape passes.
const ALSO_CODE = new Set(['status']);

/**
 * Error texts that libraries and Node produce without any request data in them; everything else an
 * error says (a zod issue quoting a value, an LLM server echoing a prompt, JSON.parse quoting its input)
 * is redacted.
 */
const SYSTEM_ERROR_TEXTS: readonly RegExp[] = [
  /^(connect|read|write|getaddrinfo|querySrv|listen|bind) E[A-Z]+( [\w.:[\]-]+)?$/,
  /^E[A-Z]{3,}$/,
  /^(Connection is closed|fetch failed|socket hang up|other side closed|terminated)\.?$/,
  /^(This|The) operation was aborted( due to timeout)?\.?$/,
  /^Command timed out\.?$/,
  /^Reached the max retries per request limit \(which is \d+\)\..*$/,
  /^Stream isn't writeable and enableOfflineQueue options is false$/,
  /^[A-Za-z]*Error$/,
  /^(Request failed with )?status( code)? \d{3}$/,
  /^timed out after \d+ ?ms$/,
];

export const REDACTED = '[redacted]';

/** An error's text if it is one of the known system errors, else `[redacted]`. */
export function allowedErrorText(text: string): string {
  const trimmed = text.trim();
  return trimmed.length <= 200 && SYSTEM_ERROR_TEXTS.some((shape) => shape.test(trimmed)) ? trimmed : REDACTED;
}

/** A redis/http URL without its credentials (a Redis password can sit in REDIS_URL). */
function allowedUrl(value: string): string {
  const match = /^(https?|rediss?):\/\/(?:[^@/\s]*@)?([\w.:[\]-]+)(\/[\w./-]*)?$/.exec(value);
  return match ? `${match[1]}://${match[2]}${match[3] ?? ''}` : REDACTED;
}

function allowedValue(key: string, value: string): string {
  const shape = FIELDS[key];
  if (!shape) return REDACTED;
  if (shape === 'errorText') return allowedErrorText(value);
  if (shape === 'url') return allowedUrl(value);
  if (SHAPES[shape].test(value)) return value;
  return ALSO_CODE.has(key) && SHAPES.code.test(value) ? value : REDACTED;
}

const FIELD_START = /\s([A-Za-z][A-Za-z0-9]*)=/;
const FIELD = /^([A-Za-z][A-Za-z0-9]*)=("([^"]*)"|(\S*))(\s+|$)/;

/**
 * A log message as it may be printed: its sentence (text before the first field; after a `": "` the
 * rest is an error's text and must be a system error's), then each field whose key and value are
 * allowed. Text that is neither becomes `[redacted]`.
 */
export function allowedLogMessage(message: string): string {
  const firstLine = message.split('\n', 1)[0] ?? '';
  const fieldAt = firstLine.search(FIELD_START);
  let sentence = fieldAt === -1 ? firstLine : firstLine.slice(0, fieldAt);
  let rest = fieldAt === -1 ? '' : firstLine.slice(fieldAt + 1);
  // A sentence is written in code; a quote in it starts quoted input (a parser's error, say).
  const quote = sentence.search(/["`]/);
  if (quote !== -1) sentence = `${sentence.slice(0, quote)}${REDACTED}`;
  const colon = sentence.indexOf(': ');
  if (colon !== -1) sentence = `${sentence.slice(0, colon)}: ${allowedErrorText(sentence.slice(colon + 2))}`;
  const parts = [sentence.trimEnd()];
  while (rest.length > 0) {
    const field = FIELD.exec(rest);
    if (!field) {
      parts.push(REDACTED);
      break;
    }
    const [whole, key, , quoted, bare] = field;
    const value = allowedValue(key as string, (quoted ?? bare) as string);
    parts.push(quoted !== undefined && value !== REDACTED ? `${key}="${value}"` : `${key}=${value}`);
    rest = rest.slice(whole.length);
  }
  if (message.includes('\n')) parts.push(REDACTED);
  return parts.join(' ');
}

/**
 * Nest's handlers of uncaught exceptions log the exception's message as the whole line: there it is an
 * error's text, not a sentence written in code.
 */
const ERROR_TEXT_CONTEXTS = new Set([
  'ExceptionsHandler',
  'RpcExceptionsHandler',
  'WsExceptionsHandler',
  'ExceptionHandler',
]);

/** Any value given to the logger as it may be printed: a string by the rules above, an error by name. */
export function allowedLogValue(value: unknown, context = ''): string {
  if (typeof value === 'string') {
    return ERROR_TEXT_CONTEXTS.has(context) ? allowedErrorText(value) : allowedLogMessage(value);
  }
  if (value instanceof Error) {
    const code = (value as NodeJS.ErrnoException).code;
    const codePart = typeof code === 'string' && SHAPES.code.test(code) ? ` errorCode=${code}` : '';
    return `${allowedErrorText(value.name)}: ${allowedErrorText(value.message)}${codePart}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return REDACTED;
}

/** A stack trace as it may be printed: its frames (code locations), never its message. */
export function allowedStack(stack: unknown): string | undefined {
  if (typeof stack !== 'string') return undefined;
  const lines = stack.split('\n');
  const frames = lines.filter((line) => /^\s+at [^\s]/.test(line));
  const head = /^([A-Za-z]*Error)\b/.exec(lines[0] ?? '')?.[1] ?? 'Error';
  return [`${head}: ${allowedErrorText(lines[0]?.replace(/^[A-Za-z]*Error:\s*/, '') ?? '')}`, ...frames].join('\n');
}
