/** One JSON object a line (or plain text), like the services' logs; never request bodies. */
export interface Logger {
  log(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(format: 'json' | 'text', context = 'local-llm'): Logger {
  const write = (level: 'log' | 'error', message: string, fields: Record<string, unknown> = {}) => {
    const line =
      format === 'json'
        ? JSON.stringify({
            level,
            pid: process.pid,
            timestamp: Date.now(),
            message,
            context,
            ...fields,
          })
        : `[${context}] ${level.toUpperCase()} ${message} ${Object.entries(fields)
            .map(([key, value]) => `${key}=${String(value)}`)
            .join(' ')}`;
    (level === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
  };
  return {
    log: (message, fields) => write('log', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}
