// `npm start`: the whole system on one machine with local defaults. Starts Redis unless REDIS_URL is
// set or one already answers on 6379, Chroma (the vector store) on CHROMA_PORT (8001) unless CHROMA_URL is
// set or a Chroma already answers there, and the local LLM server (apps/local-llm, both vLLM's and
// Ollama's APIs on one port) unless VLLM_URL or OLLAMA_URL points at a real one; builds the services,
// starts them, prints their URLs, and stops everything on Ctrl-C. A service that dies takes the rest
// down with a non-zero exit.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { isListening, startChroma, startLocalLlm, startRedis, stopProcess, workspaceRoot } from './servers.mjs';

const SERVICES = [
  { name: 'notes-service', port: Number(process.env.NOTES_SERVICE_PORT ?? 8100) },
  { name: 'doc-processor', port: Number(process.env.DOC_PROCESSOR_PORT ?? 8101) },
  { name: 'rag-service', port: Number(process.env.RAG_SERVICE_PORT ?? 8102) },
];
const DATA_DIR = join(workspaceRoot, '.cache', 'data');

const say = (line) => process.stdout.write(`[start] ${line}\n`);
const LOCAL_LLM_PORT = Number(process.env.LOCAL_LLM_PORT ?? 8000);
const CHROMA_PORT = Number(process.env.CHROMA_PORT ?? 8001);
const children = [];
let redis;
let chroma;
let localLlm;
let stopping = false;

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  say('stopping...');
  await Promise.all(children.map((child) => stopProcess(child, 15_000)));
  await localLlm?.stop();
  await chroma?.stop();
  await redis?.stop();
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
// The terminal closed: the detached servers would outlive it otherwise.
process.on('SIGHUP', () => void stopAll(0));

function prefixLines(stream, name) {
  let rest = '';
  stream.on('data', (chunk) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop();
    for (const line of lines) process.stdout.write(`${name.padEnd(14)}| ${line}\n`);
  });
}

async function waitHealthy(url, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

let redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  if (await isListening(6379)) {
    redisUrl = 'redis://127.0.0.1:6379';
    say(`using the Redis already listening at ${redisUrl}`);
  } else {
    redis = await startRedis({ port: 6379, dataDir: join(DATA_DIR, 'redis'), detached: true });
    redisUrl = redis.url;
    say(`started Redis at ${redisUrl} (data in .cache/data/redis)`);
  }
}

let chromaUrl = process.env.CHROMA_URL;
if (!chromaUrl) {
  if (await isListening(CHROMA_PORT)) {
    chromaUrl = `http://127.0.0.1:${CHROMA_PORT}`;
    const answers = await fetch(`${chromaUrl}/api/v2/heartbeat`).then(
      (response) => response.ok,
      () => false,
    );
    if (!answers) {
      say(`port ${CHROMA_PORT} is taken by something that is not Chroma; set CHROMA_PORT or CHROMA_URL`);
      await stopAll(1);
    }
    say(`using the Chroma already listening at ${chromaUrl}`);
  } else {
    try {
      chroma = await startChroma({ port: CHROMA_PORT, dataDir: join(DATA_DIR, 'chroma'), detached: true });
    } catch (error) {
      say(error.message);
      await stopAll(1);
    }
    chromaUrl = chroma.url;
    say(`started Chroma at ${chromaUrl} (data in .cache/data/chroma)`);
  }
}

say('building the services (nx run-many -t build)...');
const build = spawnSync(
  'npx',
  [
    'nx',
    'run-many',
    '-t',
    'build',
    '-p',
    'local-llm',
    ...SERVICES.map((service) => service.name),
    '--outputStyle=static',
  ],
  { cwd: workspaceRoot, stdio: 'inherit' },
);
if (build.status !== 0) {
  say('the build failed; see above');
  await stopAll(1);
}

let llmUrl = process.env.VLLM_URL ?? process.env.OLLAMA_URL;
if (llmUrl) {
  say(`using the LLM server at ${llmUrl}`);
} else {
  // The simulated engine by default: its text is readable filler and its embeddings share words, so letters
  // read and retrieval finds the chunk a question repeats. A generated model's random weights give neither.
  // A real GGUF (LOCAL_LLM_MODEL) runs on llama.cpp.
  const engine = process.env.LOCAL_LLM_ENGINE ?? (process.env.LOCAL_LLM_MODEL ? 'llama' : 'sim');
  say(
    `starting the local LLM server on port ${LOCAL_LLM_PORT} (engine ${engine}` +
      (engine === 'llama'
        ? `, ${process.env.LOCAL_LLM_MODEL || `the generated ${process.env.LOCAL_LLM_PRESET ?? 'tiny'} model`})...`
        : ')...'),
  );
  // llava too, so that the vision role (Ollama's llava by default) finds a model here.
  localLlm = await startLocalLlm({
    port: LOCAL_LLM_PORT,
    detached: true,
    args: ['--log-format', 'text'],
    env: {
      LOCAL_LLM_ENGINE: engine,
      LOCAL_LLM_PROFILE: process.env.LOCAL_LLM_PROFILE ?? 'fast',
      LOCAL_LLM_SERVED_MODEL_NAMES:
        process.env.LOCAL_LLM_SERVED_MODEL_NAMES ?? 'llama3.2,meta-llama/Llama-3.2-3B-Instruct,llava',
    },
  });
  llmUrl = localLlm.url;
}

for (const service of SERVICES) {
  const child = spawn(process.execPath, [join(workspaceRoot, 'dist/apps', service.name, 'main.js')], {
    cwd: workspaceRoot,
    env: {
      ...process.env,
      PORT: String(service.port),
      REDIS_URL: redisUrl,
      CHROMA_URL: chromaUrl,
      // doc-processor's uploads and page images, beside the other local data.
      DOCUMENT_STORAGE_DIR: process.env.DOCUMENT_STORAGE_DIR ?? join(DATA_DIR, 'documents'),
      // The local server speaks both APIs; with a real engine the user's own VLLM_URL / OLLAMA_URL stand.
      ...(localLlm ? { VLLM_URL: llmUrl, OLLAMA_URL: llmUrl } : {}),
      LOG_FORMAT: process.env.LOG_FORMAT ?? 'text',
      // No API keys for local development; a service refuses this with NODE_ENV=production.
      AUTH_MODE: process.env.AUTH_MODE ?? 'off',
      // Keyless services stay on this machine (like Redis, Chroma and local-llm); HOST=0.0.0.0 exposes them.
      HOST: process.env.HOST ?? '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prefixLines(child.stdout, service.name);
  prefixLines(child.stderr, service.name);
  child.once('exit', (code, signal) => {
    if (stopping) return;
    say(`${service.name} exited (code=${code} signal=${signal}); stopping the rest`);
    void stopAll(1);
  });
  children.push(child);
  service.child = child;
}

for (const service of SERVICES) {
  const healthy = await waitHealthy(`http://127.0.0.1:${service.port}/health`, service.child);
  if (!healthy) {
    say(`${service.name} did not become healthy on port ${service.port}`);
    await stopAll(1);
  }
}

say('the system is up:');
for (const service of SERVICES) {
  const base = `http://localhost:${service.port}`;
  say(
    `  ${service.name.padEnd(14)} ${base}   docs ${base}/docs   health ${base}/health/ready   metrics ${base}/metrics`,
  );
}
say(`  redis          ${redisUrl}`);
say(`  chroma         ${chromaUrl}   heartbeat ${chromaUrl}/api/v2/heartbeat`);
say(`  LLM            ${llmUrl}   vLLM API ${llmUrl}/v1   Ollama API ${llmUrl}/api   metrics ${llmUrl}/metrics`);
say('press Ctrl-C to stop');
