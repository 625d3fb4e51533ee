import { DynamicModule, INestApplication, Logger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions, Transport } from '@nestjs/microservices';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { ApiKeyAuthenticator } from '../auth/api-key.authenticator';
import { requireScopeMiddleware } from '../auth/require-scope.middleware';
import { REQUEST_ID_HEADER, requestIdMiddleware } from '../http/request-id.middleware';
import { BoundedValidationPipe } from '../http/bounded-validation.pipe';
import { JsonDepthPipe } from '../http/json-depth.pipe';
import { jsonSyntaxError } from '../http/json-syntax-error.middleware';
import { RouteNotFoundFilter } from '../http/route-not-found.filter';
import { RedisUnavailableInterceptor } from '../http/redis-unavailable.interceptor';
import { ConfigValidationError } from '../config/env.schema';
import { redisOptionsFromUrl } from '../messaging/redis-transport';
import { AllowlistLogger } from '../logging/allowlist.logger';
import { accessLog } from '../logging/access-log';
import { requestLogContext } from '../logging/request-log-context';
import { SERVICE_CORE_OPTIONS, ServiceCoreOptions } from '../service-core.options';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;

/**
 * Sets up an app the way every RMA service runs: JSON logs, request ids, security headers, CORS from
 * configuration, validated input, OpenAPI at `/docs`, and the Redis transport for service-to-service messages.
 */
export async function configureService(app: INestApplication): Promise<ServiceCoreOptions> {
  const core = app.get<ServiceCoreOptions>(SERVICE_CORE_OPTIONS);
  app.useLogger(
    new AllowlistLogger(core.serviceName, {
      json: core.logFormat === 'json',
      colors: core.logFormat === 'text',
      logLevels: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(core.logLevel) + 1),
    }),
  );
  // First, so that every answer (a refusal, a 404, a 413) and every log line carries the request's id.
  app.use(requestIdMiddleware);
  // First, so that every later step (body parsing included) logs with the request's ids.
  app.use(requestLogContext, accessLog);
  // Without upgrade-insecure-requests: the services speak plain HTTP behind a TLS proxy or on an internal
  // network, where it would make browsers fetch the OpenAPI page's scripts over HTTPS and fail.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  if ((core.corsOrigins ?? []).length > 0) {
    app.enableCors({
      origin: [...(core.corsOrigins ?? [])],
      // Prefer: respond-async asks a batch endpoint for a 202; its Location names the job to poll.
      allowedHeaders: ['Authorization', 'Content-Type', 'Prefer', REQUEST_ID_HEADER],
      exposedHeaders: [REQUEST_ID_HEADER, 'Location', 'Retry-After'],
      maxAge: 600,
    });
  }
  // The app must be created with `bodyParser: false` for this limit to be the only one (bootstrapService does).
  (app as NestExpressApplication).useBodyParser('json', { limit: core.bodyLimitBytes ?? 1_048_576 });
  app.use(jsonSyntaxError);
  app.useGlobalFilters(new RouteNotFoundFilter());
  app.useGlobalPipes(
    new JsonDepthPipe(),
    new BoundedValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  app.useGlobalInterceptors(new RedisUnavailableInterceptor());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(core.serviceName)
      .setDescription(core.description)
      .setVersion(core.version ?? '0.1.0')
      .build(),
  );
  // Swagger's page is mounted on Express, past Nest's guards: in production it needs an admin key.
  if (core.nodeEnv === 'production') app.use('/docs', requireScopeMiddleware(app.get(ApiKeyAuthenticator), 'admin'));
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
  });
  app.connectMicroservice<MicroserviceOptions>(
    {
      transport: Transport.REDIS,
      options: { ...redisOptionsFromUrl(core.redisUrl), retryAttempts: Number.MAX_SAFE_INTEGER, retryDelay: 1_000 },
    },
    { inheritAppConfig: true },
  );
  return core;
}

/**
 * Boots a service from its root module and closes it gracefully on SIGTERM; exits 1 with one clear
 * message when its configuration is bad.
 */
export async function bootstrapService(
  rootModule: Type<unknown> | DynamicModule,
): Promise<INestApplication | undefined> {
  let app: INestApplication;
  try {
    app = await NestFactory.create(rootModule, {
      bufferLogs: true,
      abortOnError: false,
      logger: false,
      // configureService installs the JSON parser with the configured size limit.
      bodyParser: false,
    });
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
      return undefined;
    }
    throw error;
  }
  const core = await configureService(app);
  const logger = new Logger(core.serviceName);
  logUnhandledErrors(logger);
  closeOnSignals(app, core, logger);

  // Redis may be down at boot; the transport retries by itself and readiness says so meanwhile.
  app.startAllMicroservices().catch((error: unknown) => {
    logger.error(`Redis transport stopped error="${error instanceof Error ? error.message : String(error)}"`);
  });
  await app.listen(core.port, core.host);
  logger.log(`Listening url=${await app.getUrl()} docs=/docs metrics=/metrics`);
  return app;
}

/**
 * An error nothing caught ends the process as Node's default would (exit 1), but is printed through the
 * logger's allowlist: Node's own print would show its message, which may quote a request.
 */
function logUnhandledErrors(logger: Logger): void {
  const fail = (kind: string) => (error: unknown) => {
    logger.error(`Unhandled error; exiting kind=${kind}`, error instanceof Error ? error.stack : undefined);
    process.exit(1);
  };
  process.once('uncaughtException', fail('exception'));
  process.once('unhandledRejection', fail('rejection'));
}

/**
 * On SIGTERM or SIGINT: stop accepting connections, let in-flight requests finish, run the shutdown
 * hooks, then exit 0; exit 1 if that takes longer than the configured deadline.
 */
function closeOnSignals(app: INestApplication, core: ServiceCoreOptions, logger: Logger): void {
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log(`Shutting down signal=${signal} deadlineMs=${core.shutdownTimeoutMs}`);
    setTimeout(() => {
      logger.error(`Shutdown deadline passed; exiting deadlineMs=${core.shutdownTimeoutMs}`);
      process.exit(1);
    }, core.shutdownTimeoutMs).unref();
    app.close().then(
      () => {
        logger.log('Stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`Shutdown failed error="${error instanceof Error ? error.message : String(error)}"`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}
