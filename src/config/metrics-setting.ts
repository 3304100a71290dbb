import { z } from "zod";

/** Where the plain-HTTP metrics listener listens. */
export interface MetricsListen {
  host: string;
  port: number;
}

/** `HOST:PORT`, the host a name, an IPv4 address or an IPv6 address in brackets (`[::1]:9464`). */
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** `metrics`: the separate listener for a scraper; `/metrics` on the main listener needs no setting. */
export const metricsSettingSchema = z
  .strictObject({
    listen: z
      .string()
      .regex(HOST_PORT, { abort: true })
      .refine((value) => Number(value.slice(value.lastIndexOf(":") + 1)) <= 65535, { message: "the port must be 65535 or less" })
      .nullable()
      .default(null)
      .meta({
        expected: "`HOST:PORT` or null",
        description:
          "Plain-HTTP listener serving `/metrics` without a token, for a scraper on a private network (docs/operations.md); null: none",
      }),
  })
  .prefault({});

/** The listener's address from `HOST:PORT`, brackets taken off an IPv6 host; null for none. */
export function metricsListenOf(listen: string | null): MetricsListen | null {
  if (listen === null) return null;
  const colon = listen.lastIndexOf(":");
  return { host: listen.slice(0, colon).replace(/^\[(.*)\]$/, "$1"), port: Number(listen.slice(colon + 1)) };
}
