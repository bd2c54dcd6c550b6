import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';
import type { InboundSourceEntity } from './inbound-source.entity';

/** Which tenant owns a source, by its id and key: the core database's inbound_source_directory (control plane). */
@Entity('inbound_source_directory')
export class SourceDirectoryEntity {
  @PrimaryColumn('uuid', { name: 'source_id' }) source_id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('text', { name: 'source_key' }) source_key: string;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  /** The source row in the core database when it is there (a shared tenant's), joined by the lookup. */
  source?: InboundSourceEntity | null;
}
