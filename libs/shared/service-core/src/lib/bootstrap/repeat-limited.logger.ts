import { ConsoleLogger, ConsoleLoggerOptions } from '@nestjs/common';

/**
 * Nest's console logger, printing a line that repeats (same level, context and message) at most once
 * per window. While Redis is down, Nest's Redis transport logs an error with its stack trace and
 * "Reconnecting to Redis..." for each of its connections every second: over a thousand lines in 15 s
 * across three services, which bury everything else. Lines that differ (ids, timings) all print.
 */
export class RepeatLimitedConsoleLogger extends ConsoleLogger {
  private readonly lastPrinted = new Map<string, number>();

  constructor(
    options: ConsoleLoggerOptions,
    private readonly windowMs = 10_000,
  ) {
    super(options);
  }

  override log(message: unknown, ...rest: unknown[]): void {
    if (!this.repeated('log', message, rest)) super.log(message, ...rest);
  }

  override warn(message: unknown, ...rest: unknown[]): void {
    if (!this.repeated('warn', message, rest)) super.warn(message, ...rest);
  }

  override error(message: unknown, ...rest: unknown[]): void {
    if (!this.repeated('error', message, rest)) super.error(message, ...rest);
  }

  private repeated(level: string, message: unknown, rest: unknown[]): boolean {
    // A Logger with a context passes it last.
    const context = typeof rest[rest.length - 1] === 'string' ? rest[rest.length - 1] : '';
    const text = message instanceof Error ? `${message.name}: ${message.message}` : String(message);
    const key = `${level}\u0000${context}\u0000${text}`;
    const now = Date.now();
    const last = this.lastPrinted.get(key);
    if (last !== undefined && now - last < this.windowMs) return true;
    // Bounded: distinct lines are the norm, and only recent ones can repeat within the window.
    if (this.lastPrinted.size >= 1_000) this.lastPrinted.clear();
    this.lastPrinted.set(key, now);
    return false;
  }
}
