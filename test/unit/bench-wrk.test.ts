import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { runWrk } from "../../bench/wrk-load.js";

/**
 * The bench's wrk runner: it replays exactly the request it is given (method, headers, a body with characters that
 * would end a naive Lua string), and reports what wrk counted, refusals included, with wrk's own CPU.
 */
/** CI installs wrk and sets this, so that the test never skips there. */
const wrkRequired = process.env.KEYHOLD_REQUIRE_WRK === "1";
const wrkMissing = !wrkRequired && spawnSync("wrk", ["--version"]).error !== undefined;

describe("the bench's wrk runner", { skip: wrkMissing && "wrk is not installed" }, () => {
  const seen: { method: string; header: string | undefined; body: string }[] = [];
  let refused = 0;
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      seen.push({ method: request.method ?? "", header: request.headers["x-bench"] as string | undefined, body });
      const refuse = seen.length % 4 === 0;
      if (refuse) refused += 1;
      response.writeHead(refuse ? 503 : 200, { "content-type": "text/plain" }).end("ok");
    });
  });
  let url: string;
  before(async () => {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/path?q=1`;
  });
  after(() => server.close());

  it("sends the one request as given and counts the refusals among the answers", async () => {
    const body = 'a]]b]=]c"\n\\end';
    const result = await runWrk({
      url,
      method: "PUT",
      headers: { "x-bench": "it's ]] here", "content-type": "text/plain" },
      body,
      connections: 2,
      seconds: 1,
      warmupSeconds: 0,
    });
    assert.ok(seen.length > 10, `${seen.length} requests`);
    assert.ok(seen.every((s) => s.method === "PUT" && s.header === "it's ]] here" && s.body === body));
    assert.ok(Math.abs(result.requests - seen.length) <= 2, `wrk counted ${result.requests}, the server saw ${seen.length}`);
    assert.ok(Math.abs(result.non2xx - refused) <= 2, `wrk counted ${result.non2xx} refusals, the server made ${refused}`);
    assert.ok(result.generatorCpu > 0 && result.generatorCpu < 2, `wrk's CPU ${result.generatorCpu}`);
    assert.ok(result.p50Ms > 0 && result.p50Ms <= result.p99Ms);
  });
});
