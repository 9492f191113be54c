import { readdirSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { AppError } from "../../core/index.ts";

/** A regular file an import will read. */
export interface ImportFile {
  /** As the user named it, or as found under a directory they named. */
  path: string;
  /** Resolved path: the file's identity in the import ledger. */
  key: string;
  sizeBytes: number;
  mtimeMs: number;
  /** True when found by walking a directory or glob (not named one by one). */
  found: boolean;
}

const GLOB_CHARS = /[*?[]/;

/** A glob (`*`, `?`, `[...]`, `**` for any depth) as an anchored regular expression. */
function globRegExp(glob: string): RegExp {
  let source = "";
  for (let index = 0; index < glob.length; index++) {
    const char = glob.charAt(index);
    if (char === "*") {
      if (glob.charAt(index + 1) === "*") {
        index++;
        if (glob.charAt(index + 1) === "/") index++;
        source += "(?:.*/)?[^/]*";
        // `**` alone at the end also matches files at any depth.
        if (index === glob.length - 1) source += "(?:/.*)?";
      } else source += "[^/]*";
    } else if (char === "?") source += "[^/]";
    else if (char === "[") {
      const end = glob.indexOf("]", index + 1);
      if (end === -1) source += "\\[";
      else {
        source += `[${glob.slice(index + 1, end).replace(/^!/, "^")}]`;
        index = end;
      }
    } else source += char.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

function walk(directory: string, into: string[]): void {
  // Sorted so an import visits files in a stable order: S3 and Azure layouts sort by time.
  const entries = readdirSync(directory, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    // Hidden files and folders (editor swap files, .DS_Store, .git) are never flow logs.
    if (entry.name.startsWith(".")) continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) walk(full, into);
    else if (entry.isFile()) into.push(full);
  }
}

function describe(file: string, found: boolean): ImportFile {
  const stat = statSync(file);
  return {
    path: file,
    key: realpathSync(file),
    sizeBytes: stat.size,
    mtimeMs: stat.mtimeMs,
    found,
  };
}

/**
 * The files named by `args`: files as given, directories walked recursively (as the clouds lay
 * logs out: `AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/`, Azure's
 * `resourceId=…/y=…/m=…/d=…/h=…/m=00/macAddress=…/PT1H.json`), and globs a shell did not
 * expand (quoted), matched from their longest literal directory. Each file once, in order.
 * Throws ERR_IMPORT_READ naming the first argument that matches nothing readable.
 */
export function expandImportPaths(args: readonly string[]): ImportFile[] {
  const files: ImportFile[] = [];
  const seen = new Set<string>();
  const add = (file: ImportFile): void => {
    if (seen.has(file.key)) return;
    seen.add(file.key);
    files.push(file);
  };
  for (const arg of args) {
    try {
      if (GLOB_CHARS.test(arg)) {
        const normalized = arg.split(path.sep).join("/");
        const parts = normalized.split("/");
        const literal = parts.findIndex((part) => GLOB_CHARS.test(part));
        const base = parts.slice(0, literal).join("/") || (normalized.startsWith("/") ? "/" : ".");
        const pattern = globRegExp(path.posix.join(base, parts.slice(literal).join("/")));
        const found: string[] = [];
        walk(base, found);
        const matched = found.filter((file) =>
          pattern.test(path.posix.join(base, path.relative(base, file).split(path.sep).join("/"))),
        );
        if (matched.length === 0) throw new Error("no file matches");
        for (const file of matched) add(describe(file, true));
        continue;
      }
      const stat = statSync(arg);
      if (stat.isDirectory()) {
        const found: string[] = [];
        walk(arg, found);
        for (const file of found) add(describe(file, true));
      } else if (stat.isFile()) add(describe(arg, false));
      else throw new Error("not a regular file or directory");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new AppError(
        "ERR_IMPORT_READ",
        `cannot read ${arg} (${code ?? (error as Error).message}): check the path`,
        { cause: error },
      );
    }
  }
  return files;
}
