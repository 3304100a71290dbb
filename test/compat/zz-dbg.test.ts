import { it } from "node:test";
import { startDevServer } from "../support/dev-server.js";
import { certificateClientFor } from "../support/sdk.js";
it("dbg", async () => {
  const server = await startDevServer();
  const c = certificateClientFor(server);
  console.log("DBG set", JSON.stringify(await c.setContacts([{ email: "a@b.c", name: "a" }])));
  console.log("DBG get", JSON.stringify(await c.getContacts()));
  console.log("DBG del", JSON.stringify(await c.deleteContacts()));
  await server.stop();
});
