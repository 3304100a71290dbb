import { Agent, request } from "node:https";
import type { KeyholdServer } from "./server.js";

/** A minimal HTTPS client for the bench's setup and sequential latency probes (not the load generator). */
export const API_VERSION = "2025-07-01";

export interface Reply {
  status: number;
  body: string;
  ms: number;
}

export class Client {
  readonly #agent: Agent;

  constructor(
    private readonly server: KeyholdServer,
    private token: string | null = null,
  ) {
    // The dev CA is trusted explicitly; the connection is kept alive as a real client would.
    this.#agent = new Agent({ keepAlive: true, maxSockets: 1, ca: server.ca });
  }

  get bearer(): string {
    if (this.token === null) throw new Error("no token yet: call authenticate() first");
    return this.token;
  }

  /** POST /adfs/oauth2/token (client credentials: the dev service principal from dev.env, or the one given). */
  async authenticate(credentials: Record<string, string> = this.server.env): Promise<string> {
    const reply = await this.send("POST", "/adfs/oauth2/token", tokenForm(credentials), {
      "content-type": "application/x-www-form-urlencoded",
    });
    if (reply.status !== 200) throw new Error(`token endpoint: ${reply.status} ${reply.body}`);
    this.token = (JSON.parse(reply.body) as { access_token: string }).access_token;
    return this.token;
  }

  /** A vault API call on the default vault; throws unless the answer is 2xx. */
  async vault<T = unknown>(method: string, path: string, body?: unknown): Promise<{ json: T; ms: number }> {
    const sep = path.includes("?") ? "&" : "?";
    const url = path.includes("api-version=") ? path : `${path}${sep}api-version=${API_VERSION}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.bearer}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const reply = await this.send(method, url, body === undefined ? undefined : JSON.stringify(body), headers);
    if (reply.status < 200 || reply.status > 299) throw new Error(`${method} ${path}: ${reply.status} ${reply.body}`);
    return { json: (reply.body ? JSON.parse(reply.body) : null) as T, ms: reply.ms };
  }

  /** A call to Keyhold's admin API (`/keyhold/…`); throws unless the answer is 2xx. */
  async admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.bearer}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const reply = await this.send(method, path, body === undefined ? undefined : JSON.stringify(body), headers);
    if (reply.status < 200 || reply.status > 299) throw new Error(`${method} ${path}: ${reply.status} ${reply.body}`);
    return (reply.body ? JSON.parse(reply.body) : null) as T;
  }

  send(method: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<Reply> {
    const started = process.hrtime.bigint();
    return new Promise((done, fail) => {
      const req = request({ host: "localhost", port: this.server.port, path, method, headers, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          done({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
        res.on("error", fail);
      });
      req.on("error", fail);
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

export function tokenForm(env: Record<string, string>): string {
  return new URLSearchParams({
    grant_type: "client_credentials",
    client_id: env.AZURE_CLIENT_ID!,
    client_secret: env.AZURE_CLIENT_SECRET!,
    scope: "https://vault.azure.net/.default",
  }).toString();
}
