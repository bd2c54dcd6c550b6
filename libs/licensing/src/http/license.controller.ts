import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { Audited } from '@conduit/audit';
import { ApiErrors } from '@conduit/platform';
import { InstallLicenseDto, LicenseResponse } from '../dto/license.dto';
import { licenseFingerprint } from '../license-fingerprint';
import { LicenseService } from '../license.service';

@ApiTags('license')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/license')
export class LicenseController {
  constructor(private readonly licenses: LicenseService) {}

  @Get()
  @CheckPolicy('read', 'License')
  @ApiOperation({
    summary: 'The licence in force: plan, licensee, expiry, grace, quotas, features, this installation id',
    description: 'Platform and MSSP admins. The plan is enterprise (a licence), trial (30 days) or community.',
  })
  @ApiOkResponse({ type: LicenseResponse })
  @ApiErrors(401, 403)
  get(): Promise<LicenseResponse> {
    return this.licenses.get();
  }

  @Put()
  @CheckPolicy('update', 'License')
  @Audited('license.install', 'License', { changes: (body) => licenseFingerprint(body.license) })
  @ApiOperation({
    summary: 'Install a licence (platform admins); in force on every process within 5 seconds',
    description:
      'A refused licence is 400 with its code, and the licence in force stays: license_malformed (not a compact JWS, ' +
      'or claims of the wrong shape), license_signature_invalid, license_key_unknown (kid not in ' +
      'CONDUIT_LICENSE_PUBLIC_KEYS), license_expired, license_not_yet_valid (nbf), license_installation_mismatch ' +
      '(installation_id names another installation).',
  })
  @ApiOkResponse({ type: LicenseResponse })
  @ApiErrors(400, 401, 403)
  install(@Body() dto: InstallLicenseDto): Promise<LicenseResponse> {
    return this.licenses.install(dto.license);
  }
}
