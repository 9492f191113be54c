import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository (or installed package) root: src/services/ and dist/services/ are two deep. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const version: string = (
  JSON.parse(readFileSync(path.join(packageRoot, "package.json"), "utf8")) as { version: string }
).version;

/** The built dashboard served at `/`. */
export const webDistDir = path.join(packageRoot, "web", "dist");
