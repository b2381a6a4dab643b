import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/hub';

const run = promisify(execFile);

/**
 * A private PostgreSQL cluster for the fault suite: initdb on a temporary folder and a free port,
 * so stopping it for a fault never touches the machine's shared server on 5432. initdb and the
 * server refuse to run as root; as root (CI) they run as the `postgres` user through runuser.
 */
export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
    private readonly asUser: string | undefined,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/ketenhub`;
  }

  static async create(): Promise<PrivatePostgres> {
    const bin = await newestBin();
    const dir = await mkdtemp(join(tmpdir(), 'kh-faults-pg-'));
    const asUser = process.getuid?.() === 0 ? 'postgres' : undefined;
    if (asUser) {
      const { stdout } = await run('id', ['-u', asUser]);
      const { stdout: gid } = await run('id', ['-g', asUser]);
      await chown(dir, Number(stdout.trim()), Number(gid.trim()));
      await chmod(dir, 0o700);
    }
    const pg = new PrivatePostgres(dir, await freePort(), bin, asUser);
    await pg.exec('initdb', ['-D', pg.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    return pg;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  private exec(tool: string, args: string[]) {
    const path = join(this.bin, tool);
    const [cmd, argv] = this.asUser ? ['runuser', ['-u', this.asUser, '--', path, ...args]] : [path, args];
    return run(cmd, argv, { timeout: 120_000, maxBuffer: 8 * 1024 * 1024 });
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      '-h 127.0.0.1',
      `-k ${this.dir}`,
      // Durable like production (a stop -m immediate is a crash), but cheap on a shared disk.
      '-c shared_buffers=64MB',
      '-c max_connections=200',
      '-c fsync=on',
      '-c synchronous_commit=on',
    ].join(' ');
    await this.exec('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      options,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  }

  /** Stops the server; `immediate` is a crash (no checkpoint; recovery replays the WAL at start). */
  async stop(mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  async running(): Promise<boolean> {
    try {
      await this.exec('pg_ctl', ['-D', this.dataDir, 'status']);
      return true;
    } catch {
      return false;
    }
  }

  /** Stops the server if it runs and removes the folder. */
  async destroy(): Promise<void> {
    if (await this.running()) await this.stop('immediate').catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function newestBin(): Promise<string> {
  const base = '/usr/lib/postgresql';
  const versions = (await readdir(base)).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  const version = versions[0];
  if (!version) throw new Error(`no PostgreSQL under ${base}`);
  return join(base, version, 'bin');
}
