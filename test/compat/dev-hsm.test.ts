import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash, createPublicKey, verify } from "node:crypto";
import { join } from "node:path";
import type { KeyVaultKey } from "@azure/keyvault-keys";
import { describe, it } from "node:test";
import { CLI, type DevServer, newDataDir, startDevServer } from "../support/dev-server.js";
import { bytes, keyClientFor } from "../support/keys-sdk.js";
import { softHsmSkipReason } from "../support/softhsm.js";

const keptPins = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, "dev-identities.json"), "utf8")) as { hsm: { pin: string; soPin: string } }).hsm;

/** `keyhold dev --hsm softhsm` in `dir` that must fail: its exit code and its output. */
function failedStart(dir: string, env: Record<string, string> = {}, extraArgs: string[] = []) {
  const run = spawnSync(process.execPath, [CLI, "dev", "--data-dir", dir, "--port", "0", "--hsm", "softhsm", ...extraArgs], {
    env: { ...process.env, HTTPS_PROXY: "", https_proxy: "", ...env },
    encoding: "utf8",
    timeout: 15_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

async function stopped(server: DevServer): Promise<void> {
  assert.equal(await server.stop(), 0, server.output());
}

describe("keyhold dev --hsm softhsm", { skip: softHsmSkipReason() }, () => {
  it("makes a SoftHSM2 token in DIR/softhsm, says so, and uses the same token (and PIN) at the next start, with workers too", async () => {
    const dir = newDataDir();
    let key: KeyVaultKey | undefined;
    const first = await startDevServer(dir, ["--hsm", "softhsm"]);
    try {
      await first.outputWith(
        `  HSM keys      -HSM keys in premium vaults live in the SoftHSM2 token keyhold-dev (${join(dir, "softhsm")}, made now)\n`,
      );
      await first.outputWith(/"msg":"HSM token keyhold-dev opened through \S+libsofthsm2\.so"/);
      key = await keyClientFor(first).client.createRsaKey("in-token", { hsm: true });
    } finally {
      await stopped(first);
    }
    assert.match(readFileSync(join(dir, "softhsm", "softhsm2.conf"), "utf8"), /^directories\.tokendir = \S+\/softhsm\/tokens$/m);
    const tokens = readdirSync(join(dir, "softhsm", "tokens"));
    assert.equal(tokens.length, 1, "one token directory");
    const pins = keptPins(dir);
    assert.match(pins.pin, /^[0-9a-f]{32}$/);
    assert.ok(!first.output().includes(pins.pin), "the PIN is never in the output");

    const second = await startDevServer(dir, ["--hsm", "softhsm", "--workers", "2"]);
    try {
      await second.outputWith(
        `  HSM keys      -HSM keys in premium vaults live in the SoftHSM2 token keyhold-dev (${join(dir, "softhsm")})\n`,
      );
      // The key made at the first start signs in the token at this one, in a worker's session.
      const digest = createHash("sha256").update("kept in the token").digest();
      const { result } = await keyClientFor(second).crypto(key.id!).sign("RS256", digest);
      const publicKey = createPublicKey({ key: { kty: "RSA", n: bytes(key.key!.n).toString("base64url"), e: "AQAB" }, format: "jwk" });
      assert.ok(verify("sha256", Buffer.from("kept in the token"), publicKey, Buffer.from(result)), "a signature of the kept key");
    } finally {
      await stopped(second);
    }
    assert.deepEqual(readdirSync(join(dir, "softhsm", "tokens")), tokens, "the same token");
    assert.deepEqual(keptPins(dir), pins, "the same PINs");

    const reset = await startDevServer(dir, ["--hsm", "softhsm", "--reset"]);
    try {
      await reset.outputWith(", made now)\n");
    } finally {
      await stopped(reset);
    }
    assert.notDeepEqual(keptPins(dir), pins, "--reset makes a new token with new PINs");
    assert.notDeepEqual(readdirSync(join(dir, "softhsm", "tokens")), tokens);

    const software = await startDevServer(dir);
    try {
      await software.outputWith(
        "  HSM keys      RSA-HSM, EC-HSM and oct-HSM are accepted in premium vaults (keyhold-dev is one) but kept in SOFTWARE",
      );
    } finally {
      await stopped(software);
    }
  });

  it("without SoftHSM2's library, or with a PIN the token refuses, stops with one clear line and a non-zero exit", async () => {
    const missing = failedStart(newDataDir(), { KEYHOLD_SOFTHSM_MODULE: "/nonexistent" });
    assert.equal(missing.status, 1, missing.output);
    assert.match(
      missing.output,
      /^ERROR: \(HsmUnavailable\) KEYHOLD_SOFTHSM_MODULE is \/nonexistent, which does not exist: install softhsm2 \(`apt-get install/m,
    );

    const dir = newDataDir();
    await stopped(await startDevServer(dir, ["--hsm", "softhsm"]));
    const credentials = JSON.parse(readFileSync(join(dir, "dev-identities.json"), "utf8")) as { hsm: { pin: string } };
    credentials.hsm.pin = "0123456789abcdef-wrong";
    writeFileSync(join(dir, "dev-identities.json"), JSON.stringify(credentials));
    const refused = failedStart(dir);
    assert.equal(refused.status, 1, refused.output);
    assert.match(refused.output, /^ERROR: \(HsmUnavailable\) the HSM token cannot be opened: wrong PIN for token "?keyhold-dev"?$/m);
    assert.doesNotMatch(refused.output, /0123456789abcdef-wrong/);
  });
});
