import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { NUMBER, runLoad } from "../../bench/load.js";

/**
 * The bench's load generator as the certificate-create row uses it: with a numbered request every send, warm-up
 * included, carries a path the generator has not sent before, and another run's generator never repeats one; a
 * steady load measures a slow server at its own pace, without its warm-up.
 */
describe("bench load generator", () => {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url!);
    res.end("{}");
  });
  let url = "";

  before(async () => {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const load = (warmupSeconds: number) =>
    runLoad({
      url,
      headers: {},
      requests: [{ method: "POST", path: `/certificates/c-${NUMBER}/create?x=1`, body: "{}", numbered: true }],
      connections: 4,
      seconds: 1,
      warmupSeconds,
    });

  it("numbered: sends a new path each time, across connections, warm-up and runs", async () => {
    const first = await load(1);
    const second = await load(0);
    assert.ok(first.requests > 20 && second.requests > 20, `only ${first.requests} and ${second.requests} requests`);
    assert.ok(paths.length >= first.requests + second.requests, "the warm-up's requests reached the server too");
    for (const path of paths) assert.match(path, /^\/certificates\/c-[0-9a-f]{8}-\d+\/create\?x=1$/);
    assert.equal(new Set(paths).size, paths.length, "a path was sent twice");
    const prefixes = new Set(paths.map((path) => /c-([0-9a-f]{8})-/.exec(path)![1]));
    assert.equal(prefixes.size, 2, "each run's generator numbers under a prefix of its own");
  });

  it("a steady load counts only the answers after every connection has had one, at the server's pace", async () => {
    // A server that answers one request at a time, 50 ms each: 20 per second, whatever the connection count.
    const queue: (() => void)[] = [];
    let busy = false;
    const next = () => {
      const answer = queue.shift();
      busy = answer !== undefined;
      if (answer) setTimeout(() => (answer(), next()), 50);
    };
    let answered = 0;
    const slow = createServer((_req, res) => {
      queue.push(() => (answered++, res.end("{}")));
      if (!busy) next();
    });
    slow.listen(0, "127.0.0.1");
    await once(slow, "listening");
    try {
      const result = await runLoad({
        url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`,
        headers: {},
        requests: [{ method: "GET", path: "/" }],
        connections: 8,
        seconds: 2,
        warmupSeconds: 0.2,
        steady: true,
      });
      assert.ok(result.rps >= 16 && result.rps <= 22, `${result.rps} answers per second, not about 20`);
      assert.ok(answered >= result.requests + 8, "the warm-up's answers (8 connections, one each at least) were counted");
      assert.deepEqual(result.statusCodes, { 200: result.requests });
      assert.ok(result.p50Ms >= 300, `p50 ${result.p50Ms} ms: 8 connections wait about 400 ms in the queue`);
      assert.equal(result.errors + result.non2xx + result.warmupErrors + result.warmupNon2xx, 0);
    } finally {
      slow.close();
    }
  });

  it("a steady load measures answers that come in waves at the waves' rate", async () => {
    // Every 400 ms, all waiting requests are answered at once: 8 connections make 20 answers per second.
    const waiting: (() => void)[] = [];
    const waves = setInterval(() => waiting.splice(0).forEach((answer) => answer()), 400);
    const bursty = createServer((_req, res) => waiting.push(() => res.end("{}")));
    bursty.listen(0, "127.0.0.1");
    await once(bursty, "listening");
    try {
      const result = await runLoad({
        url: `http://127.0.0.1:${(bursty.address() as AddressInfo).port}`,
        headers: {},
        requests: [{ method: "GET", path: "/" }],
        connections: 8,
        seconds: 1,
        warmupSeconds: 0.1,
        steady: true,
      });
      // A count over the measured second would give 16 or 24, depending on where the waves fell.
      assert.ok(result.rps >= 18 && result.rps <= 21, `${result.rps} answers per second, not about 20`);
    } finally {
      clearInterval(waves);
      bursty.close();
    }
  });
});
