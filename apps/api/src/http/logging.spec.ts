import { loggedUrl } from './logging';

describe('loggedUrl', () => {
  it.each([
    ['/api/v1/webhook/hmac/KEY123', '/api/v1/webhook/[REDACTED]'],
    ['/API/v1/webhook/hmac/KEY123', '/API/v1/webhook/[REDACTED]'],
    ['//api//v1/webhook/stripe/KEY123?x=1', '//api//v1/webhook/[REDACTED]'],
    ['/api/v1/webhook%2Fhmac%2FKEY123', '/api/v1/webhook/[REDACTED]'],
    ['/api/webhooks/receive/KEY123', '/api/webhooks/receive/[REDACTED]'],
  ])('masks the key of receive URL %s', (url, logged) => {
    expect(loggedUrl(url)).toBe(logged);
    expect(loggedUrl(url)).not.toContain('KEY123');
  });

  it.each([
    ['/updateUserSessionExpiretime/eyJTOKEN123/3600/', '/updateUserSessionExpiretime/[REDACTED]'],
    ['//UPDATEUSERSESSIONEXPIRETIME/eyJTOKEN123/3600', '//UPDATEUSERSESSIONEXPIRETIME/[REDACTED]'],
    ['/updateUserSessionExpiretime%2FeyJTOKEN123%2F3600/', '/updateUserSessionExpiretime/[REDACTED]'],
    ['/updateUserSessionExpiretime/eyJTOKEN123/3600/?x=1', '/updateUserSessionExpiretime/[REDACTED]'],
  ])('masks the access token of session-expiry URL %s', (url, logged) => {
    expect(loggedUrl(url)).toBe(logged);
    expect(loggedUrl(url)).not.toContain('eyJTOKEN123');
  });

  it('keeps other URLs, masking only query values of secret-looking names', () => {
    expect(loggedUrl('/api/v1/events?limit=5&event_name=a.b')).toBe('/api/v1/events?limit=5&event_name=a.b');
    expect(loggedUrl('/api/v1/x?token=abc&api_key=def&a=1')).toBe('/api/v1/x?token=[REDACTED]&api_key=[REDACTED]&a=1');
    expect(loggedUrl('/api/v1/webhooks-other/KEY')).toBe('/api/v1/webhooks-other/KEY');
    expect(loggedUrl('/api/webhooks')).toBe('/api/webhooks');
  });
});
