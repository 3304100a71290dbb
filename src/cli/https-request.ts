import { request } from "node:https";
import { CliError } from "./cli-error.js";
import { networkFailure } from "./network-failure.js";

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Connection {
  /** The CAs to trust instead of Node's defaults (see tls-trust.ts). */
  ca: string[] | undefined;
  /** How long the connection may stay silent before the request fails as a timeout. */
  timeoutMs: number;
}

/** No request of the CLI waits for more than this without a byte from the server. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** One HTTPS request; a network failure becomes the CLI error that says what went wrong (network-failure.ts). */
export function send(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  connection: Connection,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const contentLength = body !== undefined && { "content-length": String(Buffer.byteLength(body)) };
    const options = { method, headers: { ...headers, ...contentLength }, ...(connection.ca && { ca: connection.ca }) };
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.setTimeout(connection.timeoutMs, () => {
      const seconds = connection.timeoutMs / 1000;
      req.destroy(Object.assign(new Error(`no answer in ${seconds} s`), { code: "ETIMEDOUT" }));
    });
    req.on("error", (error) => reject(networkFailure(error, url)));
    req.end(body);
  });
}

/** A response body as JSON; anything else means the URL is not a Keyhold server (a proxy's HTML page, say). */
export function parseBody(res: HttpResult, url: string): unknown {
  if (!res.body) return null;
  try {
    return JSON.parse(res.body) as unknown;
  } catch {
    throw new CliError("BadResponse", `${new URL(url).origin} answered ${res.status} with a body that is not JSON`, res.status);
  }
}
