/** The claims of a token the CLI was given, read without checking its signature: only to show them and to know when it expires. */
export interface TokenClaims {
  oid?: string;
  exp?: number;
  preferred_username?: string;
}

export const claimsOf = (token: string): TokenClaims => {
  try {
    return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as TokenClaims;
  } catch {
    return {};
  }
};
