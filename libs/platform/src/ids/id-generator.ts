import { Injectable } from '@nestjs/common';
import { validate as uuidValidate } from 'uuid';
import { uuidv7 } from './uuid-v7';

/** Time-ordered ids (UUIDv7) keep primary-key indexes append-mostly; injectable so tests can pin them. */
@Injectable()
export class IdGenerator {
  next(): string {
    return uuidv7();
  }
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && uuidValidate(value);
}
