// @RequiresFeature('mssp'): the route needs a feature of the licence. Its guard runs on the routes that carry the
// decorator only (no global guard: the request plane stays as cheap as it is), after authentication and the route's
// policy, and reads the route's feature once per handler.
import { CanActivate, ExecutionContext, Injectable, SetMetadata, UseGuards, applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExtension, ApiForbiddenResponse } from '@nestjs/swagger';
import { AccessService } from '@conduit/access';
import { ErrorResponseDto } from '@conduit/platform';
import { LicenseFeatures } from './license-features';
import type { Feature } from './license-terms';

const REQUIRED_FEATURE = 'conduit:license-feature';
/** The OpenAPI extension naming the feature an operation needs. */
export const FEATURE_OPERATION_EXTENSION = 'x-conduit-license-feature';

@Injectable()
export class RequiredFeatureGuard implements CanActivate {
  private readonly features = new WeakMap<object, Feature>();

  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessService,
    private readonly licence: LicenseFeatures,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const handler = context.getHandler();
    let feature = this.features.get(handler);
    if (!feature) {
      feature = this.reflector.get<Feature>(REQUIRED_FEATURE, handler);
      this.features.set(handler, feature);
    }
    await this.licence.assertFeature(feature, this.access.tenant().id);
    return true;
  }
}

/**
 * The route needs this feature of the licence in force, and of the acting tenant's allocations: without it, 403
 * license_feature_unavailable naming the feature. The OpenAPI operation names it (x-conduit-license-feature) and its
 * 403 says so (beside the policy's own description).
 */
export const RequiresFeature = (feature: Feature) =>
  applyDecorators(
    SetMetadata(REQUIRED_FEATURE, feature),
    UseGuards(RequiredFeatureGuard),
    ApiExtension(FEATURE_OPERATION_EXTENSION, feature),
    ApiForbiddenResponse({
      description: `license_feature_unavailable: the licence in force (or your tenant's allocation) does not include ${feature}`,
      type: ErrorResponseDto,
    }),
  );
