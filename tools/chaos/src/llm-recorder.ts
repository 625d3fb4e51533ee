// A pass-through HTTP proxy in front of an LLM server that counts, per chaos marker ("chaos job 17:" in
// the prompt), the generations the server finished: answered 200 and sent to the end. It is the LLM
// server's side of "run twice to completion", per job: local-llm's own counter gives only the total.
// A client that goes away (a killed worker) closes the upstream request too, as it would without the
// proxy, so the server aborts that generation.
import { createServer, IncomingMessage, request, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LlmRecorder {
  url: string;
  /** Finished generations per marker. */
  finished: Map<number, number>;
  /** Requests sent per marker (a retry of the LLM client's, a run again of the queue's), and when each finished. */
  sent: Map<number, number>;
  finishedAt: Map<number, number[]>;
  close: () => Promise<void>;
}

export async function startLlmRecorder(upstreamUrl: string, label: string): Promise<LlmRecorder> {
  const upstream = new URL(upstreamUrl);
  const pattern = new RegExp(`${label} (\\d+):`);
  const finished = new Map<number, number>();
  const sent = new Map<number, number>();
  const finishedAt = new Map<number, number[]>();

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const match = req.method === 'POST' ? pattern.exec(body.toString('utf8')) : null;
    if (match) sent.set(Number(match[1]), (sent.get(Number(match[1])) ?? 0) + 1);
    const outgoing = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.once('end', () => {
          if (match && answer.statusCode === 200) {
            const marker = Number(match[1]);
            finished.set(marker, (finished.get(marker) ?? 0) + 1);
            finishedAt.set(marker, [...(finishedAt.get(marker) ?? []), Date.now()]);
          }
        });
      },
    );
    outgoing.once('error', () => res.destroy());
    res.once('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    outgoing.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => forward(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    finished,
    sent,
    finishedAt,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
