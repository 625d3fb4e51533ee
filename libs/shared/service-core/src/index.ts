/** Bootstraps a service: logs, validation, OpenAPI, Redis transport, graceful shutdown. */
export { bootstrapService, configureService } from './lib/bootstrap/bootstrap-service';
/** Environment parsing shared by the services' config folders. */
export {
  ConfigValidationError,
  millisecondsVar,
  parseEnv,
  portVar,
  runtimeOptionsFromConfig,
  serviceEnvShape,
  urlVar,
  wholeNumberVar,
} from './lib/config/env.schema';
export type { ServiceEnv } from './lib/config/env.schema';
/** Health, readiness, metrics, Redis and the ping message handler for one service. */
export { ServiceCoreModule } from './lib/service-core.module';
export type { ServiceCoreModuleAsyncOptions } from './lib/service-core.module';
/** The Redis transport pattern each service answers, and its reply. */
export { pingPattern } from './lib/messaging/ping.controller';
export type { PingReply } from './lib/messaging/ping.controller';
/** Connection options for ioredis and Nest's Redis transport from a redis:// URL. */
export { redisOptionsFromUrl } from './lib/messaging/redis-transport';
export type { RedisConnectionOptions } from './lib/messaging/redis-transport';
/** Options and injection tokens of the service core. */
export { SERVICE_CORE_OPTIONS, SERVICE_REDIS } from './lib/service-core.options';
export type { ServiceCoreOptions, ServiceIdentity, ServiceRuntimeOptions } from './lib/service-core.options';
/** Server-sent events over an Express response, and cancellation when the client goes away. */
export { abortOnClose, openEventStream, sendEventStream } from './lib/http/server-sent-events';
export type { ServerSentEvent } from './lib/http/server-sent-events';
/** Where dependencies register the checks that decide readiness. */
export { ReadinessRegistry } from './lib/health/readiness.registry';
export type { ReadinessReport } from './lib/health/readiness.registry';
/** The hand-off of processed client documents from doc-processor to rag-service (Redis transport). */
export {
  CLIENT_ID,
  CLIENT_ID_MESSAGE,
  DOCUMENT_DELETED_PATTERN,
  DOCUMENT_PROCESSED_PATTERN,
  documentDeletedSchema,
  documentIndexedReplySchema,
  documentProcessedSchema,
} from './lib/messaging/document-events';
export type { DocumentDeleted, DocumentIndexedReply, DocumentProcessed } from './lib/messaging/document-events';
/** An HTTP status's reason phrase, for the services' exception filters. */
export { httpStatusName } from './lib/http/http-status-name';
/** Validates a DTO's clientId field against the hand-off contract's rule. */
export { IsClientId } from './lib/http/is-client-id.decorator';
/** The global ValidationPipe: an unknown property's name is repeated in its 400 only when shaped like a field name. */
export { BoundedValidationPipe, boundUnknownProperties } from './lib/http/bounded-validation.pipe';
/** A DTO field that may be left out, but whose `null` is validated (and so refused) like any value. */
export { IsOptionalNotNull } from './lib/http/is-optional-not-null.decorator';
/** Coordination across processes on Redis: a lease with a fencing token, records changed field by field. */
export { LeaseLostError, RedisLease } from './lib/coordination/redis-lease';
export type { RedisLeaseOptions } from './lib/coordination/redis-lease';
export { RedisRecords } from './lib/coordination/redis-records';
export type { RecordFields, RedisRecordsOptions } from './lib/coordination/redis-records';
/** Batches run in the background, their results readable from any replica by the organisation that sent them. */
export { BatchJobs } from './lib/coordination/batch-jobs';
export type {
  BatchJob,
  BatchJobStatus,
  BatchJobsOptions,
  BatchProgress,
  BatchResult,
} from './lib/coordination/batch-jobs';
export { prefersAsync } from './lib/http/prefers-async';
/** One bounded wait: an operation's result, or a typed error once its time is up (it is left running). */
export { boundedWait } from './lib/coordination/bounded-wait';
/** One time budget per request, passed to every step as a signal and the time left. */
export { DeadlineExceededError, RequestDeadline } from './lib/http/request-deadline';
export type { RequestDeadlineOptions } from './lib/http/request-deadline';
/** The deadline made at the HTTP edge, per endpoint from a config setting: `@Deadline` and `@CurrentDeadline()`. */
export { CurrentDeadline, Deadline, RequestDeadlineInterceptor } from './lib/http/deadline.interceptor';
export type { DeadlineOptions } from './lib/http/deadline.interceptor';
/** Redis down or frozen as a 503 with Retry-After (configureService installs it for every route). */
export { RedisUnavailableInterceptor, isRedisOutage } from './lib/http/redis-unavailable.interceptor';
/** Who is calling: organisation and scopes, put on each request by the auth guard (`@CurrentPrincipal()`). */
export { API_SCOPES, CurrentPrincipal, LOCAL_ORGANISATION, LOCAL_PRINCIPAL, principalOf } from './lib/auth/principal';
export type { ApiScope, Principal, RequestWithPrincipal } from './lib/auth/principal';
/** Tenancy: who owns a stored record (LOCAL_ORGANISATION when it predates tenancy), and names per organisation. */
export { isOwnedBy, organisationScoped, ownerOf } from './lib/auth/ownership';
/** Route access: `@RequireScope('ask')` (also the route's rate-limit class) or `@Public()`; the table of every route. */
export { Public, RequireScope } from './lib/auth/route-access.decorators';
export { routeAccessTable } from './lib/auth/route-access.table';
export type { RouteAccess } from './lib/auth/route-access.table';
/** API keys in Redis (hashed), for the guard and the `tools/keys` CLI. */
export { API_KEY_IDS, API_KEY_PREFIX } from './lib/auth/api-key';
export { ApiKeyRequestError, ApiKeyStore } from './lib/auth/api-key.store';
export type { ApiKeyRecord } from './lib/auth/api-key.store';
/** The API key check, for routes mounted on Express directly (the queue dashboard). */
export { ApiKeyAuthenticator } from './lib/auth/api-key.authenticator';
export { requireScopeMiddleware } from './lib/auth/require-scope.middleware';
/** Rate limits per API key and route class, counted in Redis. */
export { DEFAULT_RATE_LIMITS, RATE_LIMIT_KEY_PREFIX } from './lib/auth/route-class.throttler';
export type { RateLimitOptions } from './lib/auth/route-class.throttler';
/** Each request's id (`X-Request-Id`, accepted when valid or generated), on `request.requestId` for logs. */
export { REQUEST_ID_HEADER } from './lib/http/request-id.middleware';
export type { RequestWithId } from './lib/http/request-id.middleware';
