/** Aad binding a sealed source secret to its source. */
export const sourceSecretAad = (sourceId: string) => `inbound-source:${sourceId}:secret`;
