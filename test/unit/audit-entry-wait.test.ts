import assert from "node:assert/strict";
import { test } from "node:test";
import { OPERATIONS } from "../../src/authz/operations.js";
import { requestEntryWait } from "../../src/server/audit/audit-hooks.js";
import { TOKEN_OPERATION } from "../../src/server/routes/identity.js";

test("a request that may change what is stored waits for its audit entry's flush; one that only reads or uses it, for the write", () => {
  assert.equal(requestEntryWait("GET", "secrets/get"), "written");
  assert.equal(requestEntryWait("POST", "keys/sign"), "written");
  assert.equal(requestEntryWait("POST", "keys/unwrapKey"), "written");
  assert.equal(requestEntryWait("POST", "secrets/backup"), "written");
  assert.equal(requestEntryWait("POST", TOKEN_OPERATION), "written");
  assert.equal(requestEntryWait("GET", "Keyhold/vaults/read"), "written");

  assert.equal(requestEntryWait("PUT", "secrets/set"), "durable");
  assert.equal(requestEntryWait("POST", "keys/create"), "durable");
  assert.equal(requestEntryWait("POST", "keys/rotate"), "durable");
  assert.equal(requestEntryWait("POST", "secrets/restore"), "durable");
  assert.equal(requestEntryWait("DELETE", "certificates/deleteContacts"), "durable");
  assert.equal(requestEntryWait("PUT", "Keyhold/vaults/write"), "durable");
});

test("only reads and key use are marked as changing nothing: every other operation changes state by default", () => {
  const unchanging = Object.entries(OPERATIONS)
    .filter(([, rule]) => !rule.changesState)
    .map(([name]) => name);
  const readOrUse = /\/(get|list|backup|encrypt|decrypt|wrapKey|unwrapKey|sign|verify|release|random)/;
  for (const name of unchanging) assert.match(name, readOrUse, `${name} is marked as changing nothing`);
  assert.ok(!unchanging.includes("secrets/set") && !unchanging.includes("keys/rotate") && !unchanging.includes("certificates/merge"));
});
