import { ValidateIf } from 'class-validator';

/**
 * A DTO field that may be left out but, when sent, is validated, `null` included. class-validator's
 * `IsOptional` skips validation for `null` too, so a `null` passed on to code that expects the type (a
 * `filters: null` reached Chroma and came back a 502). Use it where `null` means nothing.
 */
export function IsOptionalNotNull(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}
