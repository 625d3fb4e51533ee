import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { LOCAL_PRINCIPAL, RequestWithPrincipal } from './principal';

/**
 * The one guard on every HTTP route (ServiceCoreModule registers it as APP_GUARD): it puts the caller's
 * {@link Principal} on the request before any controller runs. Until API keys are checked (#17) every
 * request is {@link LOCAL_PRINCIPAL}, as with `AUTH_MODE=off`. Redis transport handlers (service-to-service messages) are internal and not
 * guarded: only the services reach that Redis.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<RequestWithPrincipal>();
    request.principal = LOCAL_PRINCIPAL;
    return true;
  }
}
