import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** True in CI, where `.ci/run` installs every peer and a missing one is a failure. */
export const inCi = process.env["CI"] === "true";

/**
 * The shared corpus of real captures (`../shared/corpus` beside the checkout), referenced in
 * place and never copied. Undefined when absent (a user's clone); CI always has it.
 */
export function corpusDir(): string | undefined {
  const candidates = [
    process.env["TOLLGATE_CORPUS_DIR"],
    path.resolve(repoRoot, "../shared/corpus"),
  ].filter((candidate): candidate is string => candidate !== undefined);
  return candidates.find((candidate) => existsSync(path.join(candidate, "MANIFEST.md")));
}

/** Absolute path of an executable on PATH, or undefined. */
export function which(command: string): string | undefined {
  try {
    const out = execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim();
    return out === "" ? undefined : out;
  } catch {
    return undefined;
  }
}

/**
 * Decides whether a test that needs a peer (a program, the corpus, root) can run. Locally a
 * missing peer skips with a message; in CI (`CI=true`) it is an error, because `.ci/run`
 * installs every peer and a silent skip would hide a broken install step.
 */
export function peerAvailable(what: string, available: boolean): boolean {
  if (available) return true;
  if (inCi) {
    throw new Error(`${what} is required in CI (CI=true) but is missing: .ci/run must install it`);
  }
  console.warn(`skipping: ${what} is not available here (install it to run this test)`);
  return false;
}

export const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
