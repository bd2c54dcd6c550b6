import { classifyNetworkError } from './network-error-class';

const withCode = (code: string, message = 'boom'): Error => Object.assign(new Error(message), { code });

describe('classifyNetworkError', () => {
  it.each([
    ['ETIMEDOUT', 'timeout'],
    ['ESOCKETTIMEDOUT', 'timeout'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['ECONNREFUSED', 'connection_refused'],
    ['ECONNRESET', 'connection_reset'],
    ['EPIPE', 'connection_reset'],
    ['CERT_HAS_EXPIRED', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
    ['EHOSTUNREACH', 'network'],
  ])('%s → %s', (code, expected) => {
    expect(classifyNetworkError(withCode(code))).toBe(expected);
  });

  it('treats EPROTO from OpenSSL as TLS and anything without a code as network', () => {
    expect(classifyNetworkError(withCode('EPROTO', 'error:0A00010B:SSL routines::wrong version number'))).toBe('tls');
    expect(classifyNetworkError(new Error('no code'))).toBe('network');
    expect(classifyNetworkError('not an error')).toBe('network');
  });
});
