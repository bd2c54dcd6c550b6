import { ConduitException } from '@conduit/platform';

export type SecretErrorCode = 'secret_unreadable';

/** A stored secret that no longer opens is an integrity failure on our side, never the caller's fault: hence 500. */
export class SecretException extends ConduitException<SecretErrorCode> {
  static unreadable(): SecretException {
    return new SecretException('secret_unreadable', 500, 'A stored secret could not be decrypted');
  }
}
