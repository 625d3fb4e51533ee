import { RequestMethod, type INestApplicationContext } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import type { ApiScope } from './principal';
import { PUBLIC_ROUTE, REQUIRED_SCOPE } from './route-access.decorators';

/** One HTTP route of an app and who may call it: `public`, a scope, or `undeclared` (a bug). */
export interface RouteAccess {
  readonly method: string;
  readonly path: string;
  readonly access: ApiScope | 'public' | 'undeclared';
}

/**
 * Every HTTP route of the app's controllers with its declared access, from Nest's own route metadata
 * (message handlers of the Redis transport have none and are left out). For a spec that fails on a route
 * with neither `@RequireScope()` nor `@Public()`.
 */
export function routeAccessTable(app: INestApplicationContext): RouteAccess[] {
  const reflector = new Reflector();
  const routes: RouteAccess[] = [];
  for (const moduleRef of app.get(ModulesContainer).values()) {
    for (const wrapper of moduleRef.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const prefixes = pathsOf(Reflect.getMetadata(PATH_METADATA, controller));
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function' || name === 'constructor') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const targets = [handler, controller];
        const access = reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)
          ? 'public'
          : (reflector.getAllAndOverride<ApiScope | undefined>(REQUIRED_SCOPE, targets) ?? 'undeclared');
        for (const prefix of prefixes) {
          for (const path of pathsOf(Reflect.getMetadata(PATH_METADATA, handler))) {
            routes.push({ method: RequestMethod[method], path: joinPath(prefix, path), access });
          }
        }
      }
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

function pathsOf(metadata: string | string[] | undefined): string[] {
  return Array.isArray(metadata) ? metadata : [metadata ?? '/'];
}

function joinPath(prefix: string, path: string): string {
  const joined = `/${[prefix, path]
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;
  return joined;
}
