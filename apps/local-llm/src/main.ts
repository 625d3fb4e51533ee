import type { Server } from 'node:http';
import { LocalLlmConfigError, loadConfig } from './config/local-llm.config';
import { resolveModelFile } from './config/model-file';
import { LlamaEngine } from './engine/llama-engine';
import { createLogger } from './http/logger';
import { createLocalLlmApp } from './http/server';

async function main(): Promise<void> {
  const started = performance.now();
  const config = loadConfig(process.argv.slice(2), process.env);
  const logger = createLogger(config['log-format']);
  const model = resolveModelFile(config);
  const engine = await LlamaEngine.create({
    modelPath: model.path,
    threads: config.threads,
    parallel: config.parallel,
    maxQueue: config['max-queue'],
    contextSize: config['context-size'],
  });
  const app = createLocalLlmApp({
    engine,
    servedModelNames: config['served-model-name'],
    logger,
  });
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(config.port, config.host, () => resolve(listening));
    listening.once('error', reject);
  });
  logger.log('Listening', {
    url: `http://${config.host}:${config.port}`,
    model: model.path,
    generated: model.generated,
    servedAs: config['served-model-name'].join(','),
    parallel: config.parallel,
    threads: config.threads,
    contextSize: engine.model.contextLength,
    startupMs: Math.round(performance.now() - started),
  });

  const stop = (signal: string) => {
    logger.log('Shutting down', { signal });
    setTimeout(() => process.exit(1), 10_000).unref();
    server.close(() => {
      engine.close().finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof LocalLlmConfigError ? error.message : `local-llm failed to start: ${error instanceof Error ? error.message : String(error)}`}\n`,
  );
  process.exit(1);
});
