#!/usr/bin/env node
// The keyhold command; the code is compiled from src/ by `npm install` (prepare) or `npm run build`.
import "../dist/src/cli/main.js";
