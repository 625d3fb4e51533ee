import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** Deeper than any body a service accepts; class-transformer overflows the stack long before 10,000 levels. */
export const MAX_BODY_DEPTH = 32;

/**
 * Refuses request bodies nested deeper than MAX_BODY_DEPTH with a 400 before validation walks them:
 * the ValidationPipe recurses and would turn a hostile body into a stack overflow (a 500).
 */
@Injectable()
export class JsonDepthPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' || value === null || typeof value !== 'object') return value;
    // Iterative on purpose: a recursive walk would overflow on the very bodies it is meant to stop.
    const pending: Array<[unknown, number]> = [[value, 1]];
    while (pending.length > 0) {
      const [node, depth] = pending.pop() as [unknown, number];
      if (depth > MAX_BODY_DEPTH) {
        throw new BadRequestException(`the JSON body nests deeper than ${MAX_BODY_DEPTH} levels; flatten it`);
      }
      for (const child of Object.values(node as object)) {
        if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
      }
    }
    return value;
  }
}
