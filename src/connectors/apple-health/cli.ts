import { stat } from 'node:fs/promises';
import type { Config } from '../../config.ts';
import { findUserByEmail } from '../../db/users.ts';
import { normalizeEmail } from '../../vault/accounts.ts';
import { KeyService } from '../../vault/keys.ts';
import { loadMasterKeyring } from '../../vault/master-key.ts';
import { createWearableServices } from '../wearables-module.ts';
import { importFhirResources } from '../fhir/import.ts';
import type { ImportProgress } from './importer.ts';
import { ProgressDisplay } from './progress-display.ts';

const USAGE = 'usage: context-vault import apple-health <export.zip|export.xml> --user <email>';

/** `context-vault import apple-health <file> --user <email>`: the same import as the upload route, in this process. */
export async function importAppleHealthCli(config: Config, args: string[]): Promise<number> {
  const { kind, file, email } = parse(args);
  if (kind !== 'apple-health' || !file || !email) {
    console.error(USAGE);
    return 2;
  }
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
  } catch {
    console.error(`cannot read ${file}`);
    return 2;
  }
  const { buildRuntime } = await import('../../main.ts');
  // No model pool (it would reap the serving gateway's containers); embeddings of the imported
  // items stay queued in the database for the serving gateway.
  const rt = await buildRuntime(config, { withoutModels: true });
  try {
    const user = await findUserByEmail(rt.deps.db, normalizeEmail(email));
    if (!user) {
      console.error(`no account for ${email} (create one with: context-vault user add <email>)`);
      return 2;
    }
    const services = createWearableServices(rt.deps, new KeyService(rt.deps.db, loadMasterKeyring(config).keyring));
    const display = new ProgressDisplay(process.stderr);
    const warnings: string[] = [];
    const summary = await services.appleHealth
      .import(file, user.id, {
        onProgress: (p: ImportProgress) => display.update(p),
        warn: (m) => warnings.push(m),
        // Clinical records in the export take the FHIR import path, as with an upload.
        onClinicalRecords: async (resources) => {
          await importFhirResources(rt.deps.items, user.id, resources, { source: 'apple-health', warn: (m) => warnings.push(m) });
        },
      })
      .finally(() => display.end());
    for (const w of warnings) console.error(`warning: ${w}`);
    console.log(
      `imported ${summary.records} records, ${summary.workouts} workouts, ${summary.activitySummaries} activity summaries from ${summary.entryName ?? file}: ` +
        `${summary.samplesAdded} new samples (${summary.samples - summary.samplesAdded} already stored or duplicated), ` +
        `${summary.itemsInserted} daily items added, ${summary.itemsUpdated} updated, in ${summary.seconds.toFixed(1)} s`,
    );
    return 0;
  } catch (e) {
    console.error(`import failed: ${(e as Error).message}\nnothing was written to the vault.`);
    return 1;
  } finally {
    await rt.close();
  }
}

function parse(args: string[]): { kind?: string; file?: string; email?: string } {
  const positional: string[] = [];
  let email: string | undefined;
  for (const a of args) {
    if (a.startsWith('--user=')) email = a.slice('--user='.length);
    else if (!a.startsWith('--')) positional.push(a);
  }
  // `--user x` arrives as a positional after the file (the CLI's parser is not strict).
  const [kind, file, maybeEmail] = positional;
  return { kind, file, email: email ?? maybeEmail };
}
