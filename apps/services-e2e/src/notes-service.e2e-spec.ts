import { StartedServer, freePort, setFaults, startLocalLlm } from '@rma/testing';
import { ServiceProcess, startServiceProcess, waitUntilHealthy } from './service-process';

// The built notes-service as its own process, over HTTP, against a local-llm on its simulated engine
// (fault injection on). Its whole output is kept so the privacy test can read every log line.
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;
const CLIENT = 'Ms Quillfeather';
const NOTES =
  'Cl rang 3/11 re Zanzibar Credit Union loan £2,345.67, and Harrowgate Water arrears £318. ' +
  'Cl works nights at the Lindenbrook bakery. Agreed: cl sends bank statements by 9 Dec.';

let llm: StartedServer;
let sut: ServiceProcess;
let baseUrl: string;

async function post(path: string, body: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--admin']);
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  sut = startServiceProcess('notes-service', {
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: `${redisUrl}/4`,
    VLLM_URL: llm.url,
    OLLAMA_URL: llm.url,
    LOG_LEVEL: 'verbose',
    GENERATION_ATTEMPTS: '1',
    LLM_RETRY_MAX_ATTEMPTS: '1',
  });
  await waitUntilHealthy(`${baseUrl}/health`, sut);
});
afterAll(async () => {
  sut?.child.kill('SIGTERM');
  await sut?.exited;
  await llm?.stop();
});

describe('notes-service over HTTP', () => {
  it('returns a letter for the README example', async () => {
    const response = await post('/letters', { notes: NOTES, clientName: CLIENT });

    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).letter.text).toMatch(new RegExp(`^Dear ${CLIENT},`));
  });

  it('never writes notes, names or letters to its logs, even at verbose level and on failures', async () => {
    const letters: string[] = [];
    const ok = await post('/letters', { notes: NOTES, clientName: CLIENT, adviserName: 'Tobias Farrington' });
    letters.push(...Object.values<string>(JSON.parse(ok.text).letter.sections));
    const streamed = await post('/letters/stream', { notes: NOTES, clientName: CLIENT });
    const batch = await post('/letters/batch', { items: [{ notes: NOTES, clientName: CLIENT }, { notes: NOTES }] });
    const bad = await post('/letters', { notes: NOTES, clientName: CLIENT, nickname: 'Quilly' });
    await setFaults(llm.url, [{ kind: 'status', status: 503, count: 10 }]);
    const failed = await post('/letters', { notes: NOTES, clientName: CLIENT });
    await setFaults(llm.url, []);

    expect([ok.status, streamed.status, batch.status, bad.status, failed.status]).toEqual([200, 200, 200, 400, 503]);
    const logs = sut.output();
    // The service did log about these requests: ids and sizes.
    expect(logs).toMatch(/Letter written letterId=\S+ notesChars=\d+/);
    expect(logs).toMatch(/Letter failed letterId=\S+ code=failed llmErrorKind=unavailable/);
    expect(logs).toMatch(/Letter batch finished batchId=\S+ items=2 failed=1/);
    for (const secret of ['Quillfeather', 'Zanzibar', '2,345.67', 'Lindenbrook', 'Farrington', 'Quilly', ...letters]) {
      expect(logs).not.toContain(secret);
    }
  });
});
