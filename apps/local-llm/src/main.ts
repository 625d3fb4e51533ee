import type { Server } from 'node:http';
import { LocalLlmConfigError, loadConfig } from './config/local-llm.config';
import { resolveModelFile } from './config/model-file';
import { createEngine } from './engine/create-engine';
import { parseFaultsOption } from './faults/fault.schema';
import { FaultInjector } from './faults/fault-injector';
import { createListenerControl } from './faults/listener-control';
import { createLogger } from './http/logger';
import { createLocalLlmApp } from './http/server';

async function main(): Promise<void> {
  const started = performance.now();
  const config = loadConfig(process.argv.slice(2), process.env);
  const logger = createLogger(config['log-format']);
  // Before the engine loads: a bad --faults fails at once.
  const faults = new FaultInjector({ faults: parseFaultsOption(config.faults), seed: config.seed, logger });
  let model: { path: string; generated: boolean } | undefined;
  const engine = await createEngine(config, () => {
    model = resolveModelFile(config);
    return model.path;
  });
  const app = createLocalLlmApp({
    engine,
    servedModelNames: config['served-model-name'],
    logger,
    faults,
    admin: config.admin,
    promptTokensDetails: config['enable-prompt-tokens-details'],
    ...(model ? { modelRoot: model.path } : {}),
  });
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(config.port, config.host, () => resolve(listening));
    listening.once('error', reject);
  });
  logger.log('Listening', {
    url: `http://${config.host}:${config.port}`,
    engine: config.engine,
    ...(model ? { model: model.path, generated: model.generated } : {}),
    ...(engine.simulation ? { profile: engine.simulation.profile, timeScale: engine.simulation.timeScale } : {}),
    servedAs: config['served-model-name'].join(','),
    parallel: config.parallel ?? 'engine default',
    threads: config.threads,
    contextSize: engine.model.contextLength,
    startupMs: Math.round(performance.now() - started),
  });
  if (config.admin || faults.list().length > 0) {
    logger.log('Fault injection', { admin: config.admin, faults: JSON.stringify(faults.list()) });
  }
  faults.attachListener(createListenerControl(server, { host: config.host, port: config.port }));

  const stop = (signal: string) => {
    logger.log('Shutting down', { signal });
    setTimeout(() => process.exit(1), 10_000).unref();
    faults.close();
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
