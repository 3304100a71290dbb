import { randomFillSync } from "node:crypto";

/**
 * Fresh 96-bit AES-GCM IVs from the CSPRNG, drawn in batches: a node:crypto random draw costs about 5 µs whatever its
 * size (more than the AES-GCM of 4 KB), so one draw fills BATCH IVs. Each IV is handed out once; a batch is never
 * refilled in place, since the IVs already handed out are views of it.
 */
const IV_BYTES = 12;
const BATCH = 256;

let batch = Buffer.alloc(0);
let next = 0;

export function freshGcmIv(): Buffer {
  if (next === batch.length) {
    batch = randomFillSync(Buffer.allocUnsafeSlow(IV_BYTES * BATCH));
    next = 0;
  }
  const iv = batch.subarray(next, next + IV_BYTES);
  next += IV_BYTES;
  return iv;
}
