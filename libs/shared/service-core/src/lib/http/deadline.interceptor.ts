import {
  applyDecorators,
  CallHandler,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { finalize, from, lastValueFrom, Observable } from 'rxjs';
import { RequestDeadline } from './request-deadline';
import { abortOnClose } from './server-sent-events';

export interface DeadlineOptions {
  /** The app's config key holding this endpoint's deadline in ms (read through its validated ConfigService). */
  setting: string;
  /** The typed error a request past its deadline fails with (the service's 504 body). */
  exceeded: (setting: string, ms: number) => Error;
  /**
   * The handler writes its own event stream (`@Res()`): it passes its events through
   * `deadline.runStream`, so that a deadline during the stream is an `error` event, not a lost request.
   */
  stream?: boolean;
}

const DEADLINE_OPTIONS = Symbol('rma:deadline');

interface RequestWithDeadline {
  deadline?: RequestDeadline;
}

/** Deadlines of messages (Redis transport), by the transport's context object of each message. */
const messageDeadlines = new WeakMap<object, RequestDeadline>();

/** Where a request's deadline is kept: on the HTTP request, or beside a message's transport context. */
function holderOf(context: ExecutionContext): {
  get(): RequestDeadline | undefined;
  set(deadline: RequestDeadline): void;
} {
  if (context.getType() === 'rpc') {
    const key = context.switchToRpc().getContext<object>();
    return { get: () => messageDeadlines.get(key), set: (deadline) => messageDeadlines.set(key, deadline) };
  }
  const request = context.switchToHttp().getRequest<RequestWithDeadline>();
  return { get: () => request.deadline, set: (deadline) => (request.deadline = deadline) };
}

/**
 * The endpoint's one time budget, made where the request (or a Redis-transport message) arrives (before
 * the handler, after the guard):
 * one signal (the deadline or the client going away) and the time left, given to the handler through
 * `@CurrentDeadline()` and passed to every step. The request ends by the deadline with `exceeded()`, even
 * when a step ignores the signal.
 */
export function Deadline(options: DeadlineOptions): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(DEADLINE_OPTIONS, options), UseInterceptors(RequestDeadlineInterceptor));
}

/** The request's deadline, made by `@Deadline` on the route. */
export const CurrentDeadline = createParamDecorator((_data: unknown, context: ExecutionContext): RequestDeadline => {
  const deadline = holderOf(context).get();
  if (!deadline) throw new Error('No deadline on the request: the route has no @Deadline');
  return deadline;
});

@Injectable()
export class RequestDeadlineInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: ConfigService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.getAllAndOverride<DeadlineOptions | undefined>(DEADLINE_OPTIONS, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!options || (context.getType() !== 'http' && context.getType() !== 'rpc')) return next.handle();
    const ms = Number(this.config.get(options.setting));
    if (!Number.isFinite(ms) || ms <= 0) {
      throw new Error(`@Deadline: ${options.setting} is not a number of milliseconds in the app's config`);
    }
    const deadline = new RequestDeadline({
      ms,
      // An HTTP client can go away; a message's sender cannot cancel it.
      cancel: context.getType() === 'http' ? abortOnClose(context.switchToHttp().getResponse<Response>()) : undefined,
      exceeded: () => options.exceeded(options.setting, ms),
    });
    holderOf(context).set(deadline);
    // The request's end (a stream handler returns once its stream ended) clears the deadline's timer.
    const handled = options.stream
      ? next.handle()
      : from(deadline.run(() => lastValueFrom(next.handle(), { defaultValue: undefined })));
    return handled.pipe(finalize(() => deadline.dispose()));
  }
}
