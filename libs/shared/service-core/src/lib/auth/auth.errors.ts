import type { ApiScope } from './principal';

/** Why a request was refused: 401 for who is calling, 403 for what they may do. */
export type AuthErrorCode = 'api_key_missing' | 'api_key_invalid' | 'scope_missing';

const STATUS: Record<AuthErrorCode, { statusCode: 401 | 403; error: string }> = {
  api_key_missing: { statusCode: 401, error: 'Unauthorized' },
  api_key_invalid: { statusCode: 401, error: 'Unauthorized' },
  scope_missing: { statusCode: 403, error: 'Forbidden' },
};

/** A refused request; its message says what to change and never holds the presented key. */
export class AuthError extends Error {
  override readonly name = 'AuthError';

  constructor(
    readonly code: AuthErrorCode,
    message: string,
    readonly requiredScope?: ApiScope,
  ) {
    super(message);
  }

  get statusCode(): 401 | 403 {
    return STATUS[this.code].statusCode;
  }

  /** The typed body, as the services' other errors: `{statusCode, error, code, message}`. */
  toBody(): { statusCode: number; error: string; code: AuthErrorCode; message: string; requiredScope?: ApiScope } {
    return {
      ...STATUS[this.code],
      code: this.code,
      message: this.message,
      ...(this.requiredScope ? { requiredScope: this.requiredScope } : {}),
    };
  }

  static missing(): AuthError {
    return new AuthError(
      'api_key_missing',
      'Send an API key as `Authorization: Bearer <key>` (see the README: Security).',
    );
  }

  static invalid(): AuthError {
    return new AuthError('api_key_invalid', 'The API key is unknown or revoked; ask an administrator for a valid key.');
  }

  static scope(scope: ApiScope, also: readonly ApiScope[] = []): AuthError {
    const named = [scope, ...also].map((name) => `\`${name}\``).join(' or ');
    return new AuthError(
      'scope_missing',
      `This route needs an API key with the ${named} scope; the key sent lacks it.`,
      scope,
    );
  }
}
