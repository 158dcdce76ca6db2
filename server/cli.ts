// Admin commands: `npm run -s parley -- <command> [args]`. Each reads the same
// configuration as the server (environment, *_FILE secrets).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { inspectFiles } from './channels/email/inspect';
import { ConfigError, loadConfig, type Config } from './config';
import { openStore } from './store/open';
import { sqliteExporter } from './store/sqlite/export';
import { transfer } from './store/transfer';
import { openMongoImporter } from './store/mongo/import';
import { hashPassword, MIN_PASSWORD_LENGTH } from './security/passwords';

const USAGE = `Usage: npm run -s parley -- <command>

Commands:
  migrate-to-mongo            copy DATA_DIR/parley.db into MONGODB_URI (stop Parley first;
                              safe to run again: what is already there is skipped)
  reset-password EMAIL        set a new password for an agent, read from PARLEY_NEW_PASSWORD
                              or standard input; signs that agent out everywhere
  mail inspect [--body] [--delimiter] FILE...
                              what the inbound pipeline makes of raw emails (.eml): one JSON
                              line per file (kind, reason, from, subject, the new text,
                              attachments, threading clues by shape: signatures are not
                              checked). --body: the files are plain-text bodies, only the new
                              text is shown. --delimiter: cut at our delimiter line. Exit
                              code 1 when a file could not be read or parsed.
`;

async function migrateToMongo(config: Config): Promise<number> {
  if (!config.MONGODB_URI) {
    console.error('MONGODB_URI is not set: say where the data should go, e.g. MONGODB_URI=mongodb://db:27017/parley');
    return 2;
  }
  const file = join(resolve(config.DATA_DIR), 'parley.db');
  if (!existsSync(file)) {
    console.error(`${file} does not exist: set DATA_DIR to the directory of the installation to migrate.`);
    return 2;
  }
  const source = new Database(file, { readonly: true, fileMustExist: true });
  const target = await openMongoImporter(config.MONGODB_URI);
  try {
    console.log(`Copying ${file} to MongoDB...`);
    const reports = await transfer(sqliteExporter(source), target, (r) => {
      console.log(`  ${r.collection.padEnd(14)} ${String(r.source).padStart(8)} in SQLite, ${String(r.imported).padStart(8)} imported now, ${String(r.target).padStart(8)} in MongoDB`);
    });
    const short = reports.filter((r) => r.target < r.source);
    if (short.length) {
      console.error(`Incomplete: ${short.map((r) => r.collection).join(', ')} have fewer records in MongoDB than in SQLite. Run the command again.`);
      return 1;
    }
    console.log('Done. Start Parley with MONGODB_URI set; copy DATA_DIR/secret.key to SECRET_KEY so visitors stay signed in, and DATA_DIR/files with the attachments if the nodes do not share DATA_DIR.');
    return 0;
  } finally {
    source.close();
    await target.close();
  }
}

async function readPassword(): Promise<string> {
  if (process.env.PARLEY_NEW_PASSWORD) return process.env.PARLEY_NEW_PASSWORD;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function resetPassword(config: Config, email: string | undefined): Promise<number> {
  if (!email) {
    console.error('Name the agent: reset-password EMAIL');
    return 2;
  }
  const password = await readPassword();
  if (password.length < MIN_PASSWORD_LENGTH) {
    console.error(`The new password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
    return 2;
  }
  const store = await openStore(config);
  try {
    const agent = await store.getAgentByEmail(email.trim().toLowerCase());
    if (!agent) {
      console.error(`No agent has the email ${email}.`);
      return 1;
    }
    await store.updateAgent(agent.id, { passwordHash: await hashPassword(password) });
    await store.deleteSessionsOfAgent(agent.id);
    console.log(`Password of ${agent.email} changed; their sessions were signed out.`);
    return 0;
  } finally {
    await store.close();
  }
}

/** Writes one line and waits until it is handed to the OS (process.exit must not cut it off). */
function writeLine(value: unknown): Promise<void> {
  return new Promise((ok, fail) => process.stdout.write(`${JSON.stringify(value)}\n`, (err) => (err ? fail(err) : ok())));
}

async function mail(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'inspect') {
    console.error(sub ? `Unknown command "mail ${sub}".\n\n${USAGE}` : USAGE);
    return 2;
  }
  let parsed: ReturnType<typeof parseInspectArgs>;
  try {
    parsed = parseInspectArgs(rest);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (!positionals.length) {
    console.error('Name the files: mail inspect [--body] [--delimiter] FILE...');
    return 2;
  }
  const failed = await inspectFiles(positionals, { body: values.body, delimiter: values.delimiter }, writeLine);
  return failed ? 1 : 0;
}

function parseInspectArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: { body: { type: 'boolean', default: false }, delimiter: { type: 'boolean', default: false } },
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  // Needs no configuration: it reads files only.
  if (command === 'mail') return mail(args);
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 78;
    }
    throw err;
  }
  switch (command) {
    case 'migrate-to-mongo':
      return migrateToMongo(config);
    case 'reset-password':
      return resetPassword(config, args[0]);
    default:
      console.error(command ? `Unknown command "${command}".\n\n${USAGE}` : USAGE);
      return command ? 2 : 0;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
