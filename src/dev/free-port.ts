import { createServer } from "node:net";

interface HeldPort {
  port: number;
  release(): Promise<void>;
}

/** A TCP port free on loopback right now (for `--port 0`: the issuer URL must be known before listening). */
export async function freePort(): Promise<number> {
  const held = await holdFreePort();
  await held.release();
  return held.port;
}

/** Two free ports, never the same one: the first is held while the second is picked. */
export async function freePortPair(): Promise<[number, number]> {
  const first = await holdFreePort();
  try {
    return [first.port, await freePort()];
  } finally {
    await first.release();
  }
}

function holdFreePort(): Promise<HeldPort> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () =>
      done({
        port: (probe.address() as { port: number }).port,
        release: () => new Promise((closed) => probe.close(() => closed())),
      }),
    );
  });
}
