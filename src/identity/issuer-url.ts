/** The `iss` of every token and the `issuer` of the discovery documents, fixed per deployment. */
export const issuerUrl = (authorityUrl: string, tenantId: string): string => `${authorityUrl}/${tenantId}/v2.0`;
