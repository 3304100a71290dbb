/** A user's sign-in as a code, a device code or a refresh token carries it to the token endpoint. */
export interface SignedInUser {
  principalId: string;
  /** The password credential proved at sign-in: tokens stop working when it is replaced. */
  credentialId: string;
  clientId: string;
  /** The resource the access token is for. */
  audience: string;
  /** The browser session it was obtained in, whose end revokes it; null for device code sign-ins. */
  sessionId: string | null;
  /** The authorization request's nonce, for the id_token; null when none was sent. */
  nonce: string | null;
}
