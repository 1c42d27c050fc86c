// A rotating log file with no personal data: lines are scrubbed of phone numbers, ID-card
// numbers and bearer tokens before they are written; files rotate at a size, keeping a few.
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Removes what must never reach a log: phone and ID-card numbers, tokens. */
export function scrub(line: string, secrets: readonly string[] = []): string {
  let out = line
    .replace(/Bearer\s+\S+/gi, 'Bearer ***')
    .replace(/\b\d{17}[\dXx]\b/g, '[id]')
    .replace(/(?<!\d)1[3-9]\d{9}(?!\d)/g, (m) => `${m.slice(0, 3)}****${m.slice(-4)}`);
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out;
}

export type Logger = (message: string) => void;

export function rotatingLog(file: string, opts: { maxBytes?: number; keep?: number; secrets?: readonly string[]; echo?: boolean } = {}): Logger {
  const maxBytes = opts.maxBytes ?? 5 * 1024 * 1024;
  const keep = opts.keep ?? 5;
  mkdirSync(dirname(file), { recursive: true });
  return (message) => {
    const line = `${new Date().toISOString()} ${scrub(message, opts.secrets)}\n`;
    if (opts.echo) process.stdout.write(line);
    try {
      if (existsSync(file) && statSync(file).size + line.length > maxBytes) {
        rmSync(`${file}.${keep}`, { force: true });
        for (let i = keep - 1; i >= 1; i--) if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
        renameSync(file, `${file}.1`);
      }
      appendFileSync(file, line);
    } catch {
      // A full or read-only disk must not stop the wall; the line is lost, the wall is not.
    }
  };
}
