import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The temporary files of Apple Health imports, all in the data dir's private imports folder:
 * uploads (`<userId>.<uuid>.upload`, sealed, see sealed-upload.ts) and spill folders
 * (`cv-spill-<userId>-<pid>-XXXXXX`, sealed records, see sealed-spill.ts). Their names carry
 * their user (so deleting an account finds them all) and, for spills, the process that writes
 * them (so a restart tells a dead import's folder from a live one). None holds anything plain;
 * removing orphans is about disk space and about leaving nothing of a deleted account.
 */

const UPLOAD = /^([0-9a-f-]{36})\.[0-9a-f-]{36}\.upload$/i;
const SPILL = /^cv-spill-([0-9a-f-]{36})-(\d+)-/i;

export function uploadPath(dir: string, userId: string): string {
  return join(dir, `${userId}.${randomUUID()}.upload`);
}

/** Creates a private (0700) spill folder for one import of this user in this process. */
export function makeSpillDir(dir: string, userId: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return mkdtempSync(join(dir, `cv-spill-${userId}-${process.pid}-`));
}

const alive = (pid: number) => {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * At start: removes every upload no queued job will read (`keep` holds the paths of queued
 * jobs' uploads) and every spill folder whose process is gone or is this one (nothing of this
 * process runs yet; a restarted container is often pid 1 again). Also any older-style names
 * (`<uuid>.upload`, `cv-spill-XXXXXX`) left by earlier versions. Returns what it removed.
 */
export async function removeOrphanImportFiles(dir: string, keep: Set<string>): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    let orphan = false;
    if (name.endsWith('.upload')) orphan = !keep.has(path);
    else if (name.startsWith('cv-spill-')) {
      const m = SPILL.exec(name);
      orphan = !m || Number(m[2]) === process.pid || !alive(Number(m[2]));
    }
    if (!orphan) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** Every temporary import file of one user (account deletion), whatever its state. */
export async function removeUserImportFiles(dir: string, userId: string): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const owner = UPLOAD.exec(name)?.[1] ?? SPILL.exec(name)?.[1];
    if (owner?.toLowerCase() !== userId.toLowerCase()) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
