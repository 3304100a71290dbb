import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { colourWanted, formatLogRecord, prettyLogStream } from "../../src/server/pretty-log-stream.js";

const ESC = "\x1b[";
const request = (statusCode: number) => ({
  level: statusCode >= 500 ? 50 : 30,
  time: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
  pid: 1,
  hostname: "h",
  method: "GET",
  route: "/secrets/:name",
  statusCode,
  durationMs: 3.14,
  vault: "app-vault",
  operation: "secrets/get",
  objectName: "db password",
  reqId: "r-1",
  msg: "request completed",
});

describe("the readable log format", () => {
  it("writes a request as method, route, status and duration, then its details as key=value, and no JSON", () => {
    const line = formatLogRecord(request(200), false);
    assert.match(line, /^\d\d:\d\d:\d\d\.006 INFO {2}GET \/secrets\/:name 200 3\.1 ms vault=app-vault operation=secrets\/get /);
    assert.match(line, /objectName="db password" reqId=r-1$/, "a value with a space is quoted");
    assert.ok(!line.includes("{") && !line.includes("hostname") && !line.includes("pid="), line);
    assert.ok(!line.includes(ESC), "no colour unless asked");
  });

  it("colours the level and the status by class when asked", () => {
    const green = "\x1b[32m";
    const yellow = "\x1b[33m";
    const red = "\x1b[31m";
    const cyan = "\x1b[36m";
    assert.ok(formatLogRecord(request(200), true).includes(`${green}200${ESC}0m`));
    assert.ok(formatLogRecord(request(304), true).includes(`${cyan}304${ESC}0m`));
    assert.ok(formatLogRecord(request(404), true).includes(`${yellow}404${ESC}0m`));
    const failed = formatLogRecord(request(500), true);
    assert.ok(failed.includes(`${red}500${ESC}0m`) && failed.includes(`${red}ERROR${ESC}0m`), failed);
  });

  it("writes other lines as their message and fields, with an error's stack indented below", () => {
    const line = formatLogRecord(
      { level: 50, time: 0, msg: "request failed", reqId: "r-2", err: { type: "Error", stack: "Error: x\n    at y" } },
      false,
    );
    assert.deepEqual(line.split("\n").slice(0, 1)[0]!.replace(/^\S+ /, ""), "ERROR request failed reqId=r-2");
    assert.deepEqual(line.split("\n").slice(1), ["    Error: x", "        at y"]);
  });

  it("passes a line that is not JSON through as it is", () => {
    let out = "";
    const stream = prettyLogStream({ write: (text: string) => (out += text) }, false);
    stream.write("plain text\n");
    stream.write(`${JSON.stringify({ level: 40, time: 0, msg: "careful" })}\n`);
    assert.match(out, /^plain text\n\S+ WARN {2}careful\n$/);
  });

  it("colours a terminal only, and never when NO_COLOR is set", () => {
    assert.equal(colourWanted({ isTTY: true }, {}), true);
    assert.equal(colourWanted({ isTTY: true }, { NO_COLOR: "1" }), false);
    assert.equal(colourWanted({ isTTY: false }, {}), false);
    assert.equal(colourWanted({}, {}), false);
  });
});
