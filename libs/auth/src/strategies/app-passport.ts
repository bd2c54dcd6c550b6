// Every app authenticates through a Passport of its own, not passport's process-wide instance. Several apps can share a
// process (the tests start APIs side by side, each with its own database and keys), and one registry per process keeps
// under each strategy name only the strategy of the app constructed last: every app would answer with that one's.
// So @nestjs/passport's AuthGuard, which looks strategies up there, is not used; Authenticator runs the strategies on
// its app's Passport.

/**
 * What a strategy's getPassportInstance() returns: @nestjs/passport's PassportStrategy registers the strategy there as
 * it constructs it, before the strategy could reach its app's Passport. It registers nothing: whoever runs the strategy
 * (Authenticator here, the SSO lib's SamlAuthenticator, SCIM's ScimTokenGuard) registers it on its own Passport.
 */
export const REGISTERED_ON_OWN_PASSPORT = { use: (): void => undefined };
