import { SamlStatusError } from '@node-saml/node-saml';
import { describe, expect, it } from 'vitest';
import { samlRefusal } from './saml-client';

// node-saml's messages are its only error contract: each one it throws on the ACS path, mapped to a stable code.
describe('samlRefusal', () => {
  const code = (message: string) => samlRefusal(new Error(message)).code;

  it('maps request-matching errors to saml_unknown_request', () => {
    expect(code('InResponseTo is not valid')).toBe('saml_unknown_request');
    expect(code('InResponseTo is missing from response')).toBe('saml_unknown_request');
    expect(code('SubjectInResponseTo is not valid')).toBe('saml_unknown_request');
    expect(code('InResponseTo does not match subjectInResponseTo')).toBe('saml_unknown_request');
  });

  it('maps signature errors to saml_signature_invalid', () => {
    for (const m of [
      'Invalid signature',
      'Invalid document signature',
      'Invalid signature: multiple assertions',
      'Invalid signature from encrypted assertion',
      'Cannot obtain assertion from signed data',
      'Invalid query signature',
    ]) {
      expect(code(m), m).toBe('saml_signature_invalid');
    }
  });

  it('maps validity, audience and the rest', () => {
    expect(code('SAML assertion not yet valid')).toBe('saml_expired');
    expect(code('SAML assertion expired: clocks skewed too much')).toBe('saml_expired');
    expect(code('No valid subject confirmation found among those available in the SAML assertion')).toBe(
      'saml_expired',
    );
    expect(code('SAML assertion audience mismatch. Expected: a Received: b')).toBe('saml_audience_mismatch');
    expect(code('SAML assertion has no AudienceRestriction')).toBe('saml_audience_mismatch');
    expect(code('Unknown SAML issuer. Expected: a Received: b')).toBe('saml_response_invalid');
    expect(code('Missing SAML assertion')).toBe('saml_response_invalid');
    expect(code('non-whitespace before first tag')).toBe('saml_response_invalid');
    expect(samlRefusal(new SamlStatusError('SAML provider returned Responder error: x', '<Status/>')).code).toBe(
      'saml_response_invalid',
    );
  });

  it('never carries node-saml’s message (it can quote the assertion)', () => {
    expect(
      samlRefusal(new Error('SAML assertion audience mismatch. Expected: a Received: secret')).message,
    ).not.toContain('secret');
  });
});
