// The part of `samlp` (a dev dependency without published types) that the test IdP uses.
declare module 'samlp' {
  import type { IncomingHttpHeaders } from 'node:http';

  interface SamlpClaimsMapper {
    getClaims(options?: unknown): Record<string, string | string[] | undefined>;
    getNameIdentifier(options?: unknown): { nameIdentifier: string; nameIdentifierFormat?: string };
  }

  interface SamlpProfileMapper {
    (user: any): SamlpClaimsMapper;
    prototype: { metadata: Array<{ id: string; optional: boolean; displayName: string; description: string }> };
  }

  interface SamlpResponseOptions {
    issuer: string;
    cert: string | Buffer;
    key: string | Buffer;
    audience: string;
    recipient?: string;
    destination?: string;
    inResponseTo?: string;
    profileMapper?: SamlpProfileMapper;
    signatureAlgorithm?: 'rsa-sha256' | 'rsa-sha1';
    digestAlgorithm?: 'sha256' | 'sha1';
    signResponse?: boolean;
    signAssertion?: boolean;
    lifetimeInSeconds?: number;
    sessionIndex?: string;
    nameIdentifierFormat?: string;
  }

  interface SamlpParsedRequest {
    issuer?: string;
    subject?: string;
    assertionConsumerServiceURL?: string;
    destination?: string;
    forceAuthn?: string;
    id?: string;
  }

  interface SamlpRequestLike {
    query: Record<string, string | undefined>;
    body?: Record<string, string | undefined>;
  }

  interface SamlpMetadataOptions {
    issuer: string;
    cert: string | Buffer;
    profileMapper?: SamlpProfileMapper;
    redirectEndpointPath?: string;
    postEndpointPath?: string;
    logoutEndpointPaths?: { redirect?: string; post?: string };
  }

  interface SamlpMetadataRequest {
    originalUrl: string;
    protocol: string;
    headers: IncomingHttpHeaders;
  }

  interface SamlpMetadataResponse {
    set(name: string, value: string): void;
    send(body: string): void;
  }

  function getSamlResponse(
    options: SamlpResponseOptions,
    user: unknown,
    callback: (err: Error | null, samlResponse?: string) => void,
  ): void;
  function parseRequest(req: SamlpRequestLike, callback: (err: Error | null, data?: SamlpParsedRequest) => void): void;
  function metadata(options: SamlpMetadataOptions): (req: SamlpMetadataRequest, res: SamlpMetadataResponse) => void;
}
