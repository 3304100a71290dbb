/** `GET /keyhold/me`: the signed-in principal, whether it administers the server, and the vaults it may use. */
export interface Me {
  id: string;
  type: string;
  displayName: string;
  userName: string | null;
  administrator: boolean;
  vaults: { name: string; sku: string; enableRbacAuthorization: boolean }[];
}
