import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { LlmEngine } from '../engine/engine.types';
import { FaultInjector } from '../faults/fault-injector';
import { faultAdminRoutes } from '../faults/faults.routes';
import { VllmMetrics } from '../metrics/vllm-metrics';
import { ollamaErrorBody, ollamaRoutes } from '../ollama/ollama.routes';
import { openAiErrorBody, openAiRoutes } from '../openai/openai.routes';
import { ApiError, toApiError } from './api-error';
import { abortOnDisconnect } from './disconnect';
import type { Logger } from './logger';
import { ServedModels } from './served-models';

export interface LocalLlmServerOptions {
  engine: LlmEngine;
  servedModelNames: readonly string[];
  logger: Logger;
  /** Largest request body accepted, in bytes (images arrive base64 inside JSON). */
  bodyLimitBytes?: number;
  /** Faults to inject into answers; none when left out. */
  faults?: FaultInjector;
  /** Mounts `/admin/faults`; without it those paths are 404 like any unknown route. */
  admin?: boolean;
  /** The model as the server was started with it (a file path); /v1/models calls it `root`. */
  modelRoot?: string;
  /** vLLM's --enable-prompt-tokens-details: usage carries `prompt_tokens_details.cached_tokens` on a hit. */
  promptTokensDetails?: boolean;
}

const isOpenAiPath = (path: string) => path.startsWith('/v1/');

/** Renders an error in the body shape of the API the request was for. */
function sendError(req: Request, res: Response, error: ApiError): void {
  res.status(error.status).set(error.headers);
  // vLLM's /health answers with a status and no body.
  if (req.path === '/health') res.end();
  else res.json(isOpenAiPath(req.path) ? openAiErrorBody(error) : ollamaErrorBody(error));
}

/** One HTTP server speaking vLLM's OpenAI-compatible API (`/v1/...`) and Ollama's API (`/api/...`). */
export function createLocalLlmApp(options: LocalLlmServerOptions): express.Express {
  const { engine, logger } = options;
  const faults = options.faults ?? new FaultInjector({ seed: 0 });
  const models = new ServedModels(options.servedModelNames);
  const metrics = new VllmMetrics(engine, models.primary);
  const app = express();
  app.disable('x-powered-by');
  const simulation = engine.simulation;
  if (simulation) {
    // Scaled time must never pass for real time: every response says it came from a simulation.
    app.use((_req: Request, res: Response, next: NextFunction) => {
      res.set(
        'X-Local-Llm-Simulation',
        `profile=${simulation.profile}; time-scale=${simulation.timeScale}; speed=${simulation.speed}`,
      );
      next();
    });
  }
  // While refuse-connections holds the listener closed, a request on a kept-alive socket gets no answer either.
  app.use((req, _res, next) => {
    if (faults.refusingConnections) req.socket.destroy();
    else next();
  });
  app.use(
    express.json({
      limit: options.bodyLimitBytes ?? 32 * 1024 * 1024,
      type: () => true,
    }),
  );

  app.get(
    '/health',
    // Express 5 passes a rejected handler's error to the error handler below.
    async (_req: Request, res: Response) => {
      const plan = faults.plan('health', abortOnDisconnect(res));
      await plan.beforeGeneration();
      await plan.respond(res, () => res.status(200).end());
    },
  );
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(
    openAiRoutes({
      engine,
      models,
      metrics,
      faults,
      modelRoot: options.modelRoot ?? models.primary,
      promptTokensDetails: options.promptTokensDetails,
    }),
  );
  app.use(ollamaRoutes({ engine, models, metrics, faults, loadedAt: new Date() }));
  if (options.admin) app.use(faultAdminRoutes(faults));

  app.use((req: Request, res: Response) => {
    // Unknown routes answer as each server does: FastAPI's {"detail"} for vLLM, plain text for Ollama.
    if (isOpenAiPath(req.path)) res.status(404).json({ detail: 'Not Found' });
    else res.status(404).type('text/plain').send('404 page not found');
  });

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const apiError = bodyParserError(error) ?? toApiError(error);
    if (apiError.status >= 500)
      logger.error('Request failed', {
        path: req.path,
        status: apiError.status,
        reason: apiError.message,
      });
    if (res.headersSent) {
      res.end();
      return;
    }
    sendError(req, res, apiError);
  });
  return app;
}

/** express.json's failures (malformed JSON, body too large) are the client's: 400 and 413. */
function bodyParserError(error: unknown): ApiError | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error)) return undefined;
  const { type, message } = error as { type: string; message: string };
  if (type === 'entity.parse.failed') return ApiError.badRequest(`the body is not valid JSON: ${message}`);
  if (type === 'entity.too.large') return new ApiError(413, `the body is larger than this server accepts: ${message}`);
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return ApiError.badRequest(message);
  return undefined;
}
