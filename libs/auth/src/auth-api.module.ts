import { Module } from '@nestjs/common';
import { AuthModule } from './auth.module';
import { ApiKeysController } from './http/api-keys.controller';
import { AuthController } from './http/auth.controller';
import { LegacySessionExpiryController, SessionsController, UserSessionsController } from './http/sessions.controller';

/**
 * Authentication's routes (login, refresh, logout, me, API keys, sessions and session settings), for apps/api; it
 * passes AuthModule on to the app, whose guard authenticates every request with it.
 */
@Module({
  imports: [AuthModule],
  controllers: [
    AuthController,
    ApiKeysController,
    SessionsController,
    UserSessionsController,
    LegacySessionExpiryController,
  ],
  exports: [AuthModule],
})
export class AuthApiModule {}
