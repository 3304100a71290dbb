/**
 * A KeyOperationResult's JSON text (kid, then the base64url fields present), written out rather than through
 * JSON.stringify: base64url text needs no escaping, and scanning the 5.5 KB of a 4 KB encrypt's value for characters
 * to escape costs twice the AES-GCM that made it (docs/crypto-performance.md). The same text JSON.stringify makes.
 */
export function keyOperationResultJson(kid: string, fields: Readonly<Record<string, Buffer | undefined>>): string {
  let json = `{"kid":${JSON.stringify(kid)}`;
  for (const [name, bytes] of Object.entries(fields)) {
    if (bytes !== undefined) json += `,${JSON.stringify(name)}:"${bytes.toString("base64url")}"`;
  }
  return `${json}}`;
}
