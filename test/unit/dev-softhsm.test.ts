import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pkcs11js from "pkcs11js";
import { readDevCredentials, updateDevCredentials } from "../../src/dev/dev-credentials-file.js";
import { DEV_TOKEN_LABEL, findSoftHsmModule, prepareDevSoftHsm } from "../../src/dev/dev-softhsm.js";
import { softHsmSkipReason } from "../support/softhsm.js";

const root = mkdtempSync(join(tmpdir(), "keyhold-softhsm-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** Whether the user PIN opens a login on the token labelled `label` in the SoftHSM2 config SOFTHSM2_CONF names. */
function userPinOpens(module: string, label: string, pin: string): boolean {
  const library = new pkcs11js.PKCS11();
  library.load(module);
  library.C_Initialize();
  try {
    const slot = library.C_GetSlotList(true).find((s) => library.C_GetTokenInfo(s).label.trim() === label);
    assert.ok(slot, `a token labelled ${label}`);
    const session = library.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      library.C_Login(session, pkcs11js.CKU_USER, pin);
      library.C_Logout(session);
      return true;
    } catch {
      return false;
    } finally {
      library.C_CloseSession(session);
    }
  } finally {
    library.C_Finalize();
    library.close();
  }
}

describe("finding SoftHSM2's library", () => {
  it("takes the one KEYHOLD_SOFTHSM_MODULE names, and says what to install when it does not exist", () => {
    const module = join(root, "libsofthsm2.so");
    writeFileSync(module, "");
    assert.equal(findSoftHsmModule({ KEYHOLD_SOFTHSM_MODULE: module }), module);
    assert.throws(() => findSoftHsmModule({ KEYHOLD_SOFTHSM_MODULE: "/nonexistent/libsofthsm2.so" }), {
      name: "SoftHsmSetupError",
      message:
        "KEYHOLD_SOFTHSM_MODULE is /nonexistent/libsofthsm2.so, which does not exist: install softhsm2 (`apt-get install softhsm2`, " +
        "or `brew install softhsm`), or set KEYHOLD_SOFTHSM_MODULE to its libsofthsm2.so",
    });
  });
});

describe("the dev credentials file", () => {
  it("keeps the parts an update does not name, readable by its owner only", () => {
    const dir = mkdtempSync(join(root, "credentials-"));
    assert.deepEqual(readDevCredentials(dir), {});
    updateDevCredentials(dir, { hsm: { pin: "1", soPin: "2" } });
    updateDevCredentials(dir, { clientId: "c" });
    assert.deepEqual(readDevCredentials(dir), { hsm: { pin: "1", soPin: "2" }, clientId: "c" });
    assert.equal(statSync(join(dir, "dev-identities.json")).mode & 0o777, 0o600);
  });
});

describe("dev mode's SoftHSM2 token", { skip: softHsmSkipReason() }, () => {
  const dataDir = mkdtempSync(join(root, "data-"));
  const notices: string[] = [];
  const prepare = () => prepareDevSoftHsm(dataDir, (line) => notices.push(line));

  it("is made in DIR/softhsm at the first start, with its own SoftHSM2 config and random PINs kept with the credentials", async () => {
    const made = await prepare();
    const conf = join(dataDir, "softhsm", "softhsm2.conf");
    assert.equal(made.made, true);
    assert.equal(made.dir, join(dataDir, "softhsm"));
    assert.equal(process.env.SOFTHSM2_CONF, conf);
    assert.equal(
      readFileSync(conf, "utf8"),
      `directories.tokendir = ${join(dataDir, "softhsm", "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`,
    );
    const kept = readDevCredentials(dataDir).hsm as { pin: string; soPin: string };
    assert.match(kept.pin, /^[0-9a-f]{32}$/);
    assert.match(kept.soPin, /^[0-9a-f]{32}$/);
    assert.notEqual(kept.pin, kept.soPin);
    assert.deepEqual(made.settings, { module: findSoftHsmModule(), tokenLabel: DEV_TOKEN_LABEL, pin: kept.pin });
    assert.equal(userPinOpens(made.settings.module, DEV_TOKEN_LABEL, kept.pin), true);
    assert.equal(userPinOpens(made.settings.module, DEV_TOKEN_LABEL, "not-the-pin"), false);
  });

  it("is used again by the next start, with the same PIN", async () => {
    const before = readDevCredentials(dataDir).hsm;
    const again = await prepare();
    assert.equal(again.made, false);
    assert.deepEqual(readDevCredentials(dataDir).hsm, before);
    assert.equal(again.settings.pin, (before as { pin: string }).pin);
    assert.deepEqual(notices, []);
  });

  it("is made anew, saying so, when its PIN is no longer kept", async () => {
    const old = (readDevCredentials(dataDir).hsm as { pin: string }).pin;
    writeFileSync(join(dataDir, "dev-identities.json"), "{}\n");
    const remade = await prepare();
    assert.equal(remade.made, true);
    assert.notEqual(remade.settings.pin, old);
    assert.match(notices.join("\n"), /PIN of the SoftHSM2 token in \S+ is no longer in dev-identities\.json: made a new token/);
    assert.equal(userPinOpens(remade.settings.module, DEV_TOKEN_LABEL, remade.settings.pin), true);
  });
});
