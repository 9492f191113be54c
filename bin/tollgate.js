#!/usr/bin/env node
// The `tollgate` command. Runs the compiled build (dist/, made by `npm run build` or
// `npm start`); in a development checkout without a build it runs the TypeScript sources
// through tsx.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const built = path.join(root, "dist", "services", "main.js");
let entry;
if (existsSync(built)) {
  entry = pathToFileURL(built).href;
} else {
  const { register } = await import("tsx/esm/api");
  register();
  entry = pathToFileURL(path.join(root, "src", "services", "main.ts")).href;
}
const { main } = await import(entry);
process.exitCode = await main();
