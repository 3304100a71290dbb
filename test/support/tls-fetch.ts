import type { Server } from "node:https";
import { request } from "node:https";
import type { AddressInfo } from "node:net";

/** A GET over TLS to `server`, trusting only `ca` and checking the certificate against `servername`. */
export async function fetchOverTls(server: Server, ca: string, servername: string): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", ca, servername }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}
