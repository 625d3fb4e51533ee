import { Controller, Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';

/** The reply to `<serviceName>.ping` over the Redis transport. */
export interface PingReply {
  service: string;
  pid: number;
  uptimeSeconds: number;
}

/** The message pattern a service answers to prove its Redis transport works. */
export const pingPattern = (serviceName: string) => `${serviceName}.ping`;

/** Builds a controller that answers `<serviceName>.ping`: the pattern is per service, so only it replies. */
export function createPingController(serviceName: string): Type<unknown> {
  @Controller()
  class PingController {
    @MessagePattern(pingPattern(serviceName))
    ping(): PingReply {
      return { service: serviceName, pid: process.pid, uptimeSeconds: process.uptime() };
    }
  }
  return PingController;
}
