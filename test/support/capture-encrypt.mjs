// Preloaded (node --import) into the keys article's program, which prints nothing: it records what
// CryptographyClient.encrypt returned so the test can decrypt it. The program itself stays unmodified.
import { writeFileSync } from "node:fs";
import { CryptographyClient } from "@azure/keyvault-keys";

const encrypt = CryptographyClient.prototype.encrypt;
CryptographyClient.prototype.encrypt = async function (...args) {
  const result = await encrypt.apply(this, args);
  writeFileSync(
    process.env.KEYHOLD_CAPTURE_FILE,
    JSON.stringify({ keyID: result.keyID, algorithm: result.algorithm, result: Buffer.from(result.result).toString("base64") }),
  );
  return result;
};
