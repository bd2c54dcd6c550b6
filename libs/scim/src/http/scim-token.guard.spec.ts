import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import passport from 'passport';
import { SCIM_ERROR_SCHEMA } from '../scim-error';
import { ScimTokensService } from '../scim-tokens.service';
import { mapScimError } from './scim-exception.filter';
import { ScimTokenGuard } from './scim-token.guard';
import { SCIM_TOKEN_STRATEGY, ScimTokenStrategy, presentedScimToken } from './scim-token.strategy';

/** The real guard, strategy and service; a token they refuse never reaches the database (the lookup says if it did). */
function guard(): ScimTokenGuard {
  const lookup = {
    byPrefix: () => {
      throw new Error('the token was looked up');
    },
  };
  const tokens = new ScimTokensService(
    {} as never,
    {} as never,
    lookup as never,
    {} as never,
    {} as never,
    {} as never,
    {} as never,
  );
  return new ScimTokenGuard(new ScimTokenStrategy(tokens), tokens);
}

/** What the SCIM exception filter answers a request with the given Authorization header(s). */
async function answerTo(authorization?: string | string[]) {
  const request = { headers: authorization === undefined ? {} : { authorization }, ip: '127.0.0.1', id: 'req-1' };
  try {
    await guard().canActivate(new ExecutionContextHost([request, {}]));
  } catch (refusal) {
    const { status, body } = mapScimError(refusal);
    return { status, body };
  }
  throw new Error('the guard let the request through');
}

const scim401 = (detail: string) => ({ status: 401, body: { schemas: [SCIM_ERROR_SCHEMA], status: '401', detail } });

describe('ScimTokenGuard', () => {
  it("runs the 'scim-token' passport strategy on a Passport of its own, not passport's process-wide one", () => {
    const own = (guard() as unknown as { passport: { _strategy(name: string): unknown } }).passport;
    expect(own._strategy(SCIM_TOKEN_STRATEGY)).toBeInstanceOf(ScimTokenStrategy);
    expect(
      (passport as unknown as { _strategy(name: string): unknown })._strategy(SCIM_TOKEN_STRATEGY),
    ).toBeUndefined();
  });

  it('refuses a request without a bearer token with a SCIM 401', async () => {
    const required = scim401('A SCIM bearer token is required (Authorization: Bearer cscim_...)');
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer two tokens', 'cscim_x'])
      expect(await answerTo(header)).toEqual(required);
  });

  it('refuses a garbled token with a SCIM 401, without looking it up', async () => {
    const invalid = scim401('The SCIM token is not valid');
    const garbled = [
      'garbage',
      'cscim_0123456789ab', // too short
      'cscim_0123456789AB' + 'a'.repeat(43), // the prefix is lower-case hex
      'cscim_0123456789ab' + 'a'.repeat(42) + '!',
      'csck_0123456789ab' + 'a'.repeat(43), // an API key's shape
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', // a JWT
    ];
    for (const token of garbled) expect(await answerTo(`Bearer ${token}`)).toEqual(invalid);
    expect(await answerTo(['Bearer garbage', 'Bearer other'])).toEqual(invalid);
  });
});

describe('presentedScimToken', () => {
  it('reads the token of "Bearer <token>" (any case, surrounding spaces), else null', () => {
    expect(presentedScimToken('Bearer cscim_abc')).toBe('cscim_abc');
    expect(presentedScimToken('bearer   cscim_abc  ')).toBe('cscim_abc');
    expect(presentedScimToken('BEARER\tcscim_abc')).toBe('cscim_abc');
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Token cscim_abc', 'Bearer a b', ' Bearer cscim_abc'])
      expect(presentedScimToken(header)).toBeNull();
  });
});
