// The SP's addresses for a connection, under the public base URL (PUBLIC_URL, else the address the request came to).

export interface SamlEndpoints {
  /** SP entity id: the metadata URL. */
  entityId: string;
  acs: string;
  slo: string;
  login: string;
  complete: string;
}

export function samlEndpoints(base: string, connectionId: string): SamlEndpoints {
  const root = `${base}/api/v1/auth/saml/${connectionId}`;
  return {
    entityId: `${root}/metadata`,
    acs: `${root}/acs`,
    slo: `${root}/slo`,
    login: `${root}/login`,
    complete: `${base}/api/v1/auth/saml/complete`,
  };
}
