import { applyDecorators } from '@nestjs/common';
import { IsString, Matches } from 'class-validator';
import { CLIENT_ID, CLIENT_ID_MESSAGE } from '../messaging/document-events';

/** A DTO field holding a client's id: the services' one rule and one message for it. */
export function IsClientId(): PropertyDecorator {
  return applyDecorators(IsString(), Matches(CLIENT_ID, { message: CLIENT_ID_MESSAGE }));
}
