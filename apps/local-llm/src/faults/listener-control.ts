import type { Server } from 'node:http';

/** Stops and restarts the server's listening socket, for the refuse-connections fault. */
export interface ListenerControl {
  /** Stops accepting connections (clients get ECONNREFUSED) and closes idle keep-alive ones. */
  pause(): void;
  /** Listens again on the same host and port. */
  resume(): Promise<void>;
}

/** A ListenerControl over a listening server; `address` is where it listens, and will listen again. */
export function createListenerControl(server: Server, address: { host: string; port: number }): ListenerControl {
  return {
    pause() {
      // http.Server.close() stops listening at once and closes idle connections; busy ones end as they finish.
      server.close();
      server.closeIdleConnections();
    },
    resume() {
      return new Promise((resolve, reject) => {
        const failed = (error: Error) => reject(error);
        server.once('error', failed);
        server.listen(address.port, address.host, () => {
          server.off('error', failed);
          resolve();
        });
      });
    },
  };
}
