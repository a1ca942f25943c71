#!/usr/bin/env node
// Committed shim so pnpm can link the bin before the first build.
import { main } from "../dist/main.js";
process.exitCode = await main(process.argv);
