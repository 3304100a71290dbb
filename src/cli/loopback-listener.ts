import { createHash, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { CliError } from "./cli-error.js";

/** A form post carries a code, a state and perhaps client_info: anything much larger is not the authority's answer. */
const MAX_BODY_BYTES = 16 * 1024;

export interface LoopbackListener {
  /** `http://localhost:<port>`: the redirect URI to give the authority (no path: the authority requires none). */
  redirectUri: string;
  /** The authorization code; rejected with the authority's error, or when the time is up. */
  code: Promise<string>;
  /** Stops listening and drops any open connection. */
  close(): Promise<void>;
}

const sameState = (given: string, expected: string): boolean => {
  // Digests have one length, so the comparison takes the same time whatever was posted.
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
};

const answer = (response: ServerResponse, status: number, text: string): void => {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", connection: "close" });
  response.end(`${text}\n`);
};

const readBody = (request: IncomingMessage): Promise<string | null> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on("end", () => resolve(size <= MAX_BODY_BYTES ? Buffer.concat(chunks).toString("utf8") : null));
    request.on("error", () => resolve(null));
  });

/** Each field once: a repeated one would leave which of them counts to chance. */
const singleFields = (body: string): Record<string, string> | null => {
  const params = new URLSearchParams(body);
  const fields: Record<string, string> = {};
  for (const [name, value] of params) {
    if (name in fields) return null;
    fields[name] = value;
  }
  return fields;
};

/**
 * The CLI's end of the browser sign-in (RFC 8252 §7.3): an HTTP listener on 127.0.0.1 that takes the authority's
 * answer as a form post (response_mode=form_post) to `/`, with the state this sign-in sent. Anything else — another
 * path or method, an answer in the query, a wrong state — is refused and the wait goes on: any web page the browser
 * shows could send requests here, but none knows the state.
 */
export async function listenForAuthorizationCode(expectedState: string, timeoutMs: number): Promise<LoopbackListener> {
  let settle: { resolve: (code: string) => void; reject: (error: Error) => void };
  const code = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  let settled = false;
  const finish = (outcome: () => void) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    outcome();
  };

  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? "/", "http://localhost");
      if (url.pathname !== "/") return answer(response, 404, "Not found.");
      if (request.method === "GET" && url.search !== "")
        return answer(response, 400, "Sign-in answers come as a form post, not in the address; the sign-in goes on.");
      if (request.method !== "POST") return answer(response, 405, "Method not allowed.");
      const body = await readBody(request);
      const fields = body === null ? null : singleFields(body);
      if (!fields || fields.state === undefined || !sameState(fields.state, expectedState))
        return answer(response, 400, "This answer is not for the sign-in this program started.");
      if (settled) return answer(response, 409, "This sign-in has already finished.");
      if (fields.error !== undefined) {
        answer(response, 200, "Signing in to Keyhold failed; the terminal says why. You may close this window.");
        const description = fields.error_description ?? "the authority refused the sign-in";
        return finish(() => settle.reject(new CliError(fields.error!, description, 400)));
      }
      if (!fields.code) return answer(response, 400, "The answer holds no authorization code.");
      answer(response, 200, "Signed in to Keyhold; you may close this window.");
      const received = fields.code;
      return finish(() => settle.resolve(received));
    })();
  });
  const timer = setTimeout(() => {
    const minutes = Math.round((timeoutMs / 60_000) * 10) / 10;
    finish(() => settle.reject(new CliError("SignInTimedOut", `no sign-in came back from the browser within ${minutes} min`)));
  }, timeoutMs);
  // The caller handles the outcome once it has opened the browser; until then a rejection must not count as unhandled.
  code.catch(() => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://localhost:${port}`,
    code,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
