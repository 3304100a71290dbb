// Preloaded (NODE_OPTIONS=--import) by `npm run test:latest-sdk`: the tests' imports of @azure/* resolve from
// the folder where the newest published SDK releases were installed (KEYHOLD_SDK_NODE_MODULES), not from the
// project's pinned node_modules. Everything else resolves as usual.
import { register } from "node:module";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.env.KEYHOLD_SDK_NODE_MODULES;
if (modules) {
  register("./sdk-redirect-hooks.mjs", import.meta.url, { data: { parentURL: pathToFileURL(`${dirname(modules)}/`).href } });
}
