import { join } from "node:path";
import { PROJECT_ROOT } from "./dev-server.js";

/**
 * The environment a spawned program needs to load the SDK under test: the project's pinned packages, or under
 * `npm run test:latest-sdk` the newest releases (CommonJS programs find them through NODE_PATH, ES modules
 * through the preloaded resolve hook in NODE_OPTIONS).
 */
export function sdkProgramEnv(): Record<string, string> {
  const latest = process.env.KEYHOLD_SDK_NODE_MODULES;
  if (!latest) return { NODE_PATH: join(PROJECT_ROOT, "node_modules") };
  return { NODE_PATH: latest, NODE_OPTIONS: process.env.NODE_OPTIONS ?? "" };
}
