import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { stopChild, track } from "./lifecycle.js";

/**
 * The baseline: a bare node:https server, in its own process, with the same TLS certificate as the Keyhold dev
 * server, answering every request with the same 200-byte JSON body. What the machine can do over HTTPS
 * keep-alive with nothing behind it.
 */
export const BASELINE_BODY = Buffer.from(JSON.stringify({ value: "x".repeat(200 - '{"value":""}'.length) }));

function serve(certFile: string, keyFile: string): void {
  const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), keepAliveTimeout: 75_000 }, (req, res) => {
    req.resume(); // drain a request body, if any
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": BASELINE_BODY.length });
      res.end(BASELINE_BODY);
    });
  });
  server.listen(0, "localhost", () =>
    process.stdout.write(`baseline ready at https://localhost:${(server.address() as AddressInfo).port}\n`),
  );
  process.once("SIGTERM", () => server.close(() => process.exit(0)).closeAllConnections());
}

export interface BaselineServer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Spawns this file as its own process and waits for its port. */
export async function startBaseline(certFile: string, keyFile: string): Promise<BaselineServer> {
  const child = track(spawn(process.execPath, [import.meta.filename, certFile, keyFile], { stdio: ["ignore", "pipe", "inherit"] }));
  let output = "";
  const port = await new Promise<number>((done, fail) => {
    child.once("exit", () => fail(new Error(`baseline server exited:\n${output}`)));
    child.stdout!.on("data", (c: Buffer) => {
      output += c.toString();
      const match = /ready at https:\/\/localhost:(\d+)/.exec(output);
      if (match) done(Number(match[1]));
    });
  });
  return { port, pid: child.pid!, stop: () => stopChild(child) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (BASELINE_BODY.length !== 200) throw new Error(`baseline body is ${BASELINE_BODY.length} bytes`);
  serve(process.argv[2]!, process.argv[3]!);
}
