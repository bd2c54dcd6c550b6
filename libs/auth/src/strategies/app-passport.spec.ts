import passport from 'passport';
import { ApiKeyStrategy } from './api-key.strategy';
import { ConduitJwtStrategy } from './conduit-jwt.strategy';
import { IdentityProviderJwtStrategy } from './identity-provider-jwt.strategy';

describe('the strategies', () => {
  it("stay out of passport's process-wide registry, where apps sharing a process would replace each other's", () => {
    const tokens = { accessTokenVerification: () => ({ secretOrKey: Buffer.alloc(32), algorithms: ['HS256'] }) };
    new ApiKeyStrategy({} as never);
    new ConduitJwtStrategy(tokens as never, {} as never);
    new IdentityProviderJwtStrategy({} as never, {} as never, {} as never, {} as never, {} as never);
    const registered = Object.keys((passport as unknown as { _strategies: Record<string, unknown> })._strategies);
    expect(registered).toEqual(['session']);
  });
});
