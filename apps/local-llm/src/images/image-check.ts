import { ApiError } from '../http/api-error';

// Images are checked, counted and reported so that a client's tests can see which images reached the
// server and in which form; the engines do not look at them.

/** Response header on generation routes: how many images the request carried. */
export const IMAGES_HEADER = 'X-Local-Llm-Images';

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';

const startsWith = (bytes: Buffer, signature: string, offset = 0) =>
  bytes.subarray(offset, offset + signature.length).equals(Buffer.from(signature, 'latin1'));

/** The format named by the first bytes of a file, or undefined when they are no image this server knows. */
export function imageFormatOf(bytes: Buffer): ImageFormat | undefined {
  if (startsWith(bytes, '\x89PNG\r\n\x1a\n')) return 'png';
  if (startsWith(bytes, '\xff\xd8\xff')) return 'jpeg';
  if (startsWith(bytes, 'GIF87a') || startsWith(bytes, 'GIF89a')) return 'gif';
  if (startsWith(bytes, 'RIFF') && startsWith(bytes, 'WEBP', 8)) return 'webp';
  return undefined;
}

/**
 * What is wrong with base64 image data, or undefined when it is standard, padded base64 of a PNG, JPEG,
 * WebP or GIF. Strict as Ollama's decoder (Go's encoding/json) is: white space, URL-safe characters and
 * a data: prefix are errors, reported as Go reports them ("illegal base64 data at input byte N").
 */
export function base64ImageProblem(base64: string): string | undefined {
  if (base64.length === 0) return "is empty: expected the image's bytes, base64-encoded";
  const illegal = base64.search(/[^A-Za-z0-9+/=]/);
  const padding = base64.indexOf('=');
  const badPadding =
    padding >= 0 && !(padding >= base64.length - 2 && /^={1,2}$/.test(base64.slice(padding))) ? padding : -1;
  const at = illegal >= 0 && (badPadding < 0 || illegal < badPadding) ? illegal : badPadding;
  if (at >= 0) {
    const hint = base64.startsWith('data:')
      ? ": send the image's bytes base64-encoded, without a data: URL prefix"
      : ': expected standard base64 (A-Z a-z 0-9 + /, = padding at the end only)';
    return `illegal base64 data at input byte ${at}${hint}`;
  }
  if (base64.length % 4 !== 0) {
    return `illegal base64 data at input byte ${base64.length - (base64.length % 4)}: its length ${base64.length} is not a multiple of 4 (is its = padding missing?)`;
  }
  // 24 characters are 18 bytes: enough for every signature, without decoding a large image.
  const head = Buffer.from(base64.slice(0, 24), 'base64');
  if (imageFormatOf(head)) return undefined;
  return `decodes to bytes that are no PNG, JPEG, WebP or GIF image (they start ${head.subarray(0, 8).toString('hex')})`;
}

/**
 * What is wrong with an `image_url.url` as vLLM takes it, or undefined: an http(s) URL (counted, never
 * fetched) or `data:image/<type>;base64,<payload>` whose payload is an image.
 */
export function imageUrlProblem(url: string): string | undefined {
  if (/^https?:\/\/./i.test(url)) return undefined;
  const expected = 'expected an http(s) URL or a data URL data:image/<png|jpeg|webp|gif>;base64,<bytes>';
  if (!url.startsWith('data:')) return `${expected}, got "${url.slice(0, 40)}"`;
  const comma = url.indexOf(',');
  const spec = comma < 0 ? url.slice(5, 45) : url.slice(5, comma);
  if (comma < 0 || !/^image\/[^;,]+(;[^;,]*)*;base64$/i.test(spec)) return `${expected}, got "data:${spec}"`;
  const problem = base64ImageProblem(url.slice(comma + 1));
  return problem && `the data URL's base64 payload ${problem.startsWith('illegal') ? 'has ' : ''}${problem}`;
}

/** An OpenAI-style message whose content may hold image_url parts. */
interface OpenAiMessage {
  content?: string | readonly ({ type: 'text' } | { type: 'image_url'; image_url: { url: string } })[] | null;
}

/** Counts the image_url parts of a chat request, or throws the 400 that names the first bad one. */
export function countOpenAiImages(messages: readonly OpenAiMessage[]): number {
  let count = 0;
  messages.forEach((message, m) => {
    if (!Array.isArray(message.content)) return;
    message.content.forEach((part, p) => {
      if (part.type !== 'image_url') return;
      const problem = imageUrlProblem(part.image_url.url);
      if (problem) throw ApiError.badRequest(`messages.${m}.content.${p}.image_url.url: ${problem}`);
      count += 1;
    });
  });
  return count;
}

/** Counts Ollama's base64 `images` at `path` (a message's or the body's), or throws the 400 for a bad one. */
export function countOllamaImages(images: readonly string[] | null | undefined, path: string): number {
  (images ?? []).forEach((image, i) => {
    const problem = base64ImageProblem(image);
    if (problem) throw ApiError.badRequest(`${path}.${i}: ${problem}`);
  });
  return images?.length ?? 0;
}
