// Preloaded (--import) by test/unit/start-up-modules.test.ts: every module the process resolves is appended, as a
// URL a line, to the file named by KEYHOLD_RECORD_MODULES, so a test can say which modules a start loads.
import { register } from "node:module";

register("./record-modules-hooks.mjs", import.meta.url, { data: { file: process.env.KEYHOLD_RECORD_MODULES } });
