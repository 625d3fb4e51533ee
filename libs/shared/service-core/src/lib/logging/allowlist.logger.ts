import type { ConsoleLoggerOptions, LogLevel } from '@nestjs/common';
import { RepeatLimitedConsoleLogger } from '../bootstrap/repeat-limited.logger';
import { allowedLogValue, allowedStack } from './log-fields';
import { currentRequestLogIds } from './request-log-context';

/**
 * The one logger of every service: Nest's console logger (JSON lines, or text for local runs), with every
 * message, error and stack passed through the field allowlist of `log-fields.ts` before it is printed,
 * and the request id and key id of the request being handled added to each line. Installed by
 * `configureService`, so Nest's own lines (the exceptions handler's included) go through it too.
 */
export class AllowlistLogger extends RepeatLimitedConsoleLogger {
  constructor(
    private readonly serviceName: string,
    options: ConsoleLoggerOptions,
    windowMs?: number,
  ) {
    super(options, windowMs);
  }

  protected override printMessages(
    messages: unknown[],
    context = '',
    logLevel: LogLevel = 'log',
    writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
  ): void {
    const ids = this.options.json ? undefined : currentRequestLogIds();
    const suffix = ids ? ` requestId=${ids.requestId}${ids.keyId ? ` keyId=${ids.keyId}` : ''}` : '';
    super.printMessages(
      messages.map((message) => `${allowedLogValue(message, context)}${suffix}`),
      context,
      logLevel,
      writeStreamType,
      allowedStack(errorStack),
    );
  }

  protected override printStackTrace(stack: string): void {
    super.printStackTrace(allowedStack(stack) ?? '');
  }

  protected override getJsonLogObject(
    message: unknown,
    options: { context: string; logLevel: LogLevel; writeStreamType?: 'stdout' | 'stderr'; errorStack?: unknown },
  ) {
    const ids = currentRequestLogIds();
    return {
      ...super.getJsonLogObject(message, options),
      service: this.serviceName,
      ...(ids ? { requestId: ids.requestId, ...(ids.keyId ? { keyId: ids.keyId } : {}) } : {}),
    };
  }
}
