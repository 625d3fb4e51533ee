import { ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

/**
 * The shape of a field name: what a client means to send as a key. A name of this shape is repeated in
 * "property X should not exist", the message that tells the client what to remove: at worst it carries
 * one word typed as a key by mistake, and only back to the caller who sent it (the logs' allowlist drops
 * it there). Anything else (spaces, punctuation, longer than any field of ours) reads like text pasted
 * as a key, a note or a name, and is described by its length instead.
 */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
/** class-validator's constraint for a property the DTO does not declare (forbidNonWhitelisted). */
const WHITELIST = 'whitelistValidation';

/** class-validator's "property X should not exist", with X repeated only when it is shaped like a field name. */
export function unknownPropertyMessage(property: string): string {
  return FIELD_NAME.test(property)
    ? `property ${property} should not exist`
    : `property (a name of ${property.length} characters that is not a field name; not repeated) should not exist`;
}

/** `errors` (and their children) with each unknown property's message bounded as above; changed in place. */
export function boundUnknownProperties(errors: ValidationError[]): ValidationError[] {
  for (const error of errors) {
    if (error.constraints?.[WHITELIST] !== undefined) {
      error.constraints[WHITELIST] = unknownPropertyMessage(error.property);
    }
    if (error.children?.length) boundUnknownProperties(error.children);
  }
  return errors;
}

/** Nest's ValidationPipe whose 400s repeat an unknown property's name only when shaped like a field name. */
export class BoundedValidationPipe extends ValidationPipe {
  protected override flattenValidationErrors(validationErrors: ValidationError[]): string[] {
    return super.flattenValidationErrors(boundUnknownProperties(validationErrors));
  }
}
