// Incremental readers of streamed HTTP bodies: each piece is yielded the moment its last byte arrives,
// so the caller can time it (a whole-body parse would make every token arrive at the end).

/** One server-sent event: its name (`message` when unnamed) and its data lines joined. */
export interface StreamedEvent {
  event: string;
  data: string;
}

async function* lines(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n')) >= 0) {
      yield buffer.slice(0, end).replace(/\r$/, '');
      buffer = buffer.slice(end + 1);
    }
  }
  buffer += decoder.decode();
  if (buffer) yield buffer;
}

/** Server-sent events (text/event-stream), as the WHATWG spec frames them: a blank line ends an event. */
export async function* serverSentEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<StreamedEvent> {
  let event = 'message';
  let data: string[] = [];
  for await (const line of lines(body)) {
    if (line === '') {
      if (data.length) yield { event, data: data.join('\n') };
      event = 'message';
      data = [];
    } else if (line.startsWith('event:')) {
      event = line.slice(6).trim();
    } else if (line.startsWith('data:')) {
      data.push(line.slice(5).replace(/^ /, ''));
    }
  }
  if (data.length) yield { event, data: data.join('\n') };
}

/** Newline-delimited JSON (Ollama's streamed answers): one parsed object a line. */
export async function* jsonLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<unknown> {
  for await (const line of lines(body)) if (line.trim()) yield JSON.parse(line);
}
