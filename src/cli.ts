import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.ts';

/** `context-vault <command>`: serve, migrate, user add, keys rotate (+ commands added by subsystems). */

type Command = (config: Config, args: string[]) => Promise<number>;

const commands: Record<string, { help: string; run: Command }> = {
  serve: {
    help: 'serve                      start the gateway',
    async run(config) {
      const { serveGateway } = await import('./main.ts');
      const { url, runtime } = await serveGateway(config);
      runtime.deps.log.info({ url, database: runtime.database.kind }, 'context-vault is listening');
      process.stdout.write(`\ncontext-vault is running at ${url}\n\n`);
      return -1; // keep running
    },
  },
  migrate: {
    help: 'migrate                    bring the database schema up to date',
    async run(config) {
      const { connectDatabase } = await import('./db/connect.ts');
      const { migrateToLatest } = await import('./db/migrate.ts');
      const h = await connectDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.VAULT_DATA_DIR });
      try {
        const r = await migrateToLatest(h.db);
        console.log(`applied ${r.applied.length} migration(s); vector extension: ${r.vector ? 'present' : 'absent (lexical only)'}`);
      } finally {
        await h.close();
      }
      return 0;
    },
  },
  user: {
    help: 'user add <email>           create an account (password from CV_PASSWORD or stdin)',
    async run(config, args) {
      if (args[0] !== 'add' || !args[1]) {
        console.error('usage: context-vault user add <email>');
        return 2;
      }
      const password = process.env.CV_PASSWORD ?? (await readStdin()).trim();
      if (password.length < 10) {
        console.error('password must be at least 10 characters (set CV_PASSWORD or pipe it on stdin)');
        return 2;
      }
      const { buildRuntime } = await import('./main.ts');
      // No model pool: one would reap the serving gateway's containers (see RuntimeOptions).
      const rt = await buildRuntime(config, { withoutModels: true });
      try {
        const { user } = await rt.deps.accounts.signup(args[1], password);
        console.log(`created user ${user.id} <${user.email}>`);
      } finally {
        await rt.close();
      }
      return 0;
    },
  },
  keys: {
    help: 'keys rotate                re-wrap every data key with the current master key',
    async run(config, args) {
      if (args[0] !== 'rotate') {
        console.error('usage: context-vault keys rotate');
        return 2;
      }
      const { rotateKeys } = await import('./vault/rotate.ts');
      const r = await rotateKeys(config);
      (r.unreadable ? console.error : console.log)(r.message);
      return r.unreadable ? 1 : 0;
    },
  },
  import: {
    help: 'import apple-health <file> --user <email>   import an Apple Health export (zip or xml)',
    async run(config, args) {
      const { importAppleHealthCli } = await import('./connectors/apple-health/cli.ts');
      return importAppleHealthCli(config, args);
    },
  },
  models: {
    help: 'models pull                fetch CHAT_MODEL/EMBED_MODEL for the docker backend (the one step with network)',
    async run(config, args) {
      if (args[0] !== 'pull') {
        console.error('usage: context-vault models pull');
        return 2;
      }
      const { pullModels, ModelsPullError } = await import('./pool/models-pull.ts');
      try {
        const r = await pullModels(config, { onProgress: (line) => process.stdout.write(`${line}\n`) });
        console.log(`models ready in volume ${r.volume}: ${r.models.join(', ')}`);
        return 0;
      } catch (e) {
        if (!(e instanceof ModelsPullError)) throw e;
        console.error(`models pull failed: ${e.message}`);
        return 1;
      }
    },
  },
};

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function runCli(argv: string[]): Promise<void> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const [name = 'serve', ...rest] = positionals;
  if (name === 'help' || name === '--help' || !commands[name]) {
    console.log(`usage: context-vault <command>\n\n${Object.values(commands).map((c) => `  ${c.help}`).join('\n')}`);
    process.exitCode = commands[name] || name === 'help' || name === '--help' ? 0 : 2;
    return;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(78);
    }
    throw e;
  }
  try {
    const code = await commands[name].run(config, rest.concat(argv.filter((a) => a.startsWith('--'))));
    if (code >= 0) process.exit(code);
  } catch (e) {
    console.error(`context-vault ${name} failed: ${(e as Error).message}`);
    process.exit((e as { name?: string; exitCode?: number }).name === 'ListenError' ? (e as { exitCode: number }).exitCode : 1);
  }
}

await runCli(process.argv.slice(2));
