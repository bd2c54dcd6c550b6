// API keys narrow their role with scopes such as "users:read" or "api_keys:write"; "*" keeps the whole role. The scope
// of each subject comes from the domain that registered it (access-registry.ts).
import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { KNOWN_SCOPES, scopeName } from './access-registry';
import type { Action, Subject } from './subjects';

export function scopeAllows(scopes: string[] | null, action: Action, subject: Subject): boolean {
  if (scopes === null || scopes.includes('*')) return true;
  const name = scopeName(subject);
  if (name === undefined) return false;
  if (scopes.includes(`${name}:write`)) return true;
  return action === 'read' && scopes.includes(`${name}:read`);
}

/** The static method Swagger calls when it builds the document (the name its CLI plugin uses for the same purpose). */
const OPENAPI_METADATA_FACTORY = '_OPENAPI_METADATA_FACTORY';

/**
 * A list of scopes in a body (@ApiProperty with these options besides): each must be a known scope, and the OpenAPI
 * document lists them. Both are read late, when a body is validated or the document built, so the scopes of domain
 * libs loaded after the DTO are included.
 */
export function KnownScopes(options: ApiPropertyOptions = {}): PropertyDecorator {
  return (target, key) => {
    ApiProperty(options)(target, key);
    IsIn(KNOWN_SCOPES, { each: true })(target, key);
    const dto = target.constructor as unknown as Record<string, (() => Record<string, object>) | undefined>;
    const previous = dto[OPENAPI_METADATA_FACTORY];
    dto[OPENAPI_METADATA_FACTORY] = () => ({
      ...previous?.(),
      [key]: { ...options, description: `Any of: ${KNOWN_SCOPES.join(', ')}` },
    });
  };
}
