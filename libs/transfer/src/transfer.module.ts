import { Module } from '@nestjs/common';
// Registers the Transfer subject, its API-key scope and each role's rules with @conduit/access.
import './transfer.access';

/**
 * Export and import of a tenant's configuration (issue 20). No tables of its own: it reads and writes through the
 * other domains' services, so everything imported passes their validation.
 */
@Module({
  imports: [],
  providers: [],
  exports: [],
})
export class TransferModule {}
