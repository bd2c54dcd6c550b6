import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { FEATURES } from '../license-terms';
import type { Feature, LicenseStanding, PlanName } from '../license-terms';
import { MAX_LICENSE_LENGTH } from '../license-verifier';

const STANDINGS: LicenseStanding[] = ['none', 'active', 'grace', 'lapsed', 'clock_rollback'];
const PLAN_NAMES: PlanName[] = ['trial', 'enterprise', 'community'];
const EXAMPLE_LICENSE =
  'eyJhbGciOiJFZERTQSIsImtpZCI6ImNvbmR1aXQtdmVuZG9yLTIwMjYiLCJ0eXAiOiJKV1QifQ.eyJqdGkiOiJsaWMtMjAyNi0wMDQyIiwic3ViIjoiQWNtZSBTZWN1cml0eSBMdGQifQ.c2lnbmF0dXJl';

export class InstallLicenseDto {
  @ApiProperty({
    example: EXAMPLE_LICENSE,
    description: 'The licence as the vendor sent it: a compact JWS (EdDSA, Ed25519)',
    maxLength: MAX_LICENSE_LENGTH,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_LICENSE_LENGTH)
  license: string;
}

export class QuotaResponse {
  @ApiProperty({ nullable: true, type: Number, example: 50, description: 'null: unlimited' }) limit: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 12,
    description: 'Installation-wide count of what the quota limits; null where it is not counted',
  })
  used: number | null;
}

export class LicenseQuotasResponse {
  @ApiProperty({ type: QuotaResponse }) tenants: QuotaResponse;
  @ApiProperty({ type: QuotaResponse }) users: QuotaResponse;
  @ApiProperty({ type: QuotaResponse }) integrations: QuotaResponse;
  @ApiProperty({ type: QuotaResponse }) instances: QuotaResponse;
  @ApiProperty({ type: QuotaResponse, description: 'Reported, never enforced: no event is refused' })
  events_per_month: QuotaResponse;
}

export class LicenseResponse {
  @ApiProperty({ enum: PLAN_NAMES, example: 'enterprise', description: 'The plan in force now' }) plan: PlanName;
  @ApiProperty({
    enum: STANDINGS,
    example: 'active',
    description:
      'none: no enterprise licence (trial, then community); active; grace: past expiry within grace_days, still ' +
      'enterprise; lapsed: past the grace period, community; clock_rollback: the clock is more than a day behind the ' +
      'latest time seen, community until it is corrected',
  })
  standing: LicenseStanding;
  @ApiProperty({ format: 'uuid', description: "This installation's id (a licence naming it installs only here)" })
  installation_id: string;
  @ApiProperty({ nullable: true, type: String, example: 'lic-2026-0042', description: 'The licence id (jti)' })
  license_id: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Acme Security Ltd', description: 'The licensee (sub)' })
  licensee: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'conduit-vendor-2026',
    description: 'The key it is signed with',
  })
  key_id: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) issued_at: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: "The licence's exp, or the trial's end (also once past)",
  })
  expires_at: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 212, description: 'Whole days to expires_at; 0 once past' })
  days_left: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 14 }) grace_days: number | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'exp + grace_days' })
  grace_ends_at: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 14, description: 'Whole days to grace_ends_at; 0 once past' })
  grace_days_left: number | null;
  @ApiProperty({ example: false, description: 'Past expiry, within the grace period' }) in_grace: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The installation the licence is bound to',
  })
  license_installation_id: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) installed_at: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'admin@conduit.local', description: 'A user, or "cli"' })
  installed_by: string | null;
  @ApiProperty({
    format: 'date-time',
    description: 'The latest time this installation has seen; a clock more than a day behind it is a clock rollback',
  })
  latest_seen_at: string;
  @ApiProperty({ example: false }) clock_rollback: boolean;
  @ApiProperty({ type: LicenseQuotasResponse, description: 'Each quota in force, with its use' })
  quotas: LicenseQuotasResponse;
  @ApiProperty({ enum: FEATURES, isArray: true, example: ['mssp', 'saml', 'export_import'] }) features: Feature[];
  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'What an administrator should know: a trial or licence ending soon, grace, a lapse, a clock rollback',
  })
  notice: string | null;
}
