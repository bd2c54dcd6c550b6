import { Column, Entity, PrimaryColumn } from 'typeorm';

export type UserStatus = 'active' | 'disabled';

@Entity('users')
export class UserEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text') email: string;
  @Column('text', { name: 'password_hash', nullable: true }) password_hash: string | null;
  @Column('text', { name: 'display_name', nullable: true }) display_name: string | null;
  @Column('text') status: UserStatus;
  @Column('timestamptz', { name: 'last_login_at', nullable: true }) last_login_at: Date | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
}
