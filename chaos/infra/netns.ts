// A network namespace for one instance, and a REAL partition of it from Redis (issue 7): `ip netns`
// + a veth pair + nftables (tc netem is not in this kernel). The instance runs inside (the
// launcher's FLEET_INSTANCE_HOOK), listens on the namespace's end of the link, and nginx on the
// host reaches it there. Services on the host's 127.0.0.1 (the Redis proxy, the simulator) reach
// it through the host's end: a DNAT table sends what the namespace addresses there to 127.0.0.1
// (route_localnet on the host's end allows that). The partition drops the Redis port both ways at
// the two ends' ingress (netdev tables): a silent black hole, no reset, no refusal.
// Everything is named after this process's pid, undone by undo(), and by an exit hook if the
// suite dies first; leftovers of a suite that was SIGKILLed are swept at the next start.
import { execFileSync } from 'node:child_process';
import { isAlive } from './process-signals';

const PREFIX = 'bwc';
const STALE = /^bwc(\d+)$/;

export class NetnsToolMissingError extends Error {
  override readonly name = 'NetnsToolMissingError';
  readonly code = 'CHAOS_NETNS_TOOL_MISSING';
}

export class NetnsCommandError extends Error {
  override readonly name = 'NetnsCommandError';
  readonly code = 'CHAOS_NETNS_COMMAND';
}

export interface NetnsLink {
  name: string;
  /** The instance's address, inside the namespace. */
  address: string;
  /** The host's end of the veth pair. */
  hostAddress: string;
}

function run(command: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(command, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr).trim() : '';
    throw new NetnsCommandError(`${command} ${args.join(' ')} failed: ${stderr || (error instanceof Error ? error.message : String(error))}`);
  }
}

/** Throws with what to install when `ip` or `nft` is missing, or when we are not root. */
export function checkNetnsTools(): void {
  const has = (tool: string, versionFlag: string): boolean => {
    try {
      execFileSync(tool, [versionFlag], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!has('ip', '-V')) throw new NetnsToolMissingError('`ip` (iproute2) is missing: install the Debian package iproute2 (present on every Debian 12 system unless removed)');
  if (!has('nft', '--version')) throw new NetnsToolMissingError('`nft` is missing: install it through the project\'s setup, SETUP_EXTRAS=nftables bash scripts/setup.sh (the Debian package nftables)');
  if (process.getuid?.() !== 0) throw new NetnsToolMissingError('network namespaces and nftables need root: run the partition experiment as root');
}

/** Deletes the namespaces and host tables of suites that died without cleaning up. */
function sweepStale(): void {
  for (const line of run('ip', ['netns', 'list']).split('\n')) {
    const match = STALE.exec(line.split(' ')[0] ?? '');
    if (match === null || isAlive(Number(match[1]))) continue;
    removeAll(`${PREFIX}${match[1]}`);
  }
}

function removeAll(name: string): void {
  for (const args of [['delete', 'table', 'netdev', `${name}_part`], ['delete', 'table', 'ip', `${name}_nat`]]) {
    try {
      execFileSync('nft', args, { stdio: 'ignore' });
    } catch {
      // not there
    }
  }
  try {
    execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' }); // its veth pair goes with it
  } catch {
    // not there
  }
}

export class InstanceNetns {
  private undone = false;
  private readonly forgetExitHook: () => void;

  private constructor(readonly link: NetnsLink) {
    const onExit = (): void => removeAll(link.name);
    process.once('exit', onExit);
    this.forgetExitHook = () => process.removeListener('exit', onExit);
  }

  private get hostIf(): string {
    return `${this.link.name}h`;
  }

  private get nsIf(): string {
    return `${this.link.name}n`;
  }

  /** Namespace, veth pair, addresses, and the DNAT that gives the namespace the host's 127.0.0.1. */
  static create(): InstanceNetns {
    checkNetnsTools();
    sweepStale();
    const pid = process.pid;
    const name = `${PREFIX}${pid}`;
    // A /30 of 10.231.0.0/16 per suite process: two suites on one machine do not collide.
    const base = `10.231.${(pid >> 6) & 255}`;
    const low = (pid & 63) * 4;
    const ns = new InstanceNetns({ name, hostAddress: `${base}.${low + 1}`, address: `${base}.${low + 2}` });
    try {
      ns.build();
    } catch (error) {
      ns.undo();
      throw error;
    }
    return ns;
  }

  private build(): void {
    const { name, address, hostAddress } = this.link;
    removeAll(name);
    run('ip', ['netns', 'add', name]);
    run('ip', ['link', 'add', this.hostIf, 'type', 'veth', 'peer', 'name', this.nsIf]);
    run('ip', ['link', 'set', this.nsIf, 'netns', name]);
    run('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', this.hostIf]);
    run('ip', ['link', 'set', this.hostIf, 'up']);
    run('ip', ['netns', 'exec', name, 'ip', 'addr', 'add', `${address}/30`, 'dev', this.nsIf]);
    run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', this.nsIf, 'up']);
    run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
    run('sysctl', ['-qw', `net.ipv4.conf.${this.hostIf}.route_localnet=1`]);
    run('nft', ['-f', '-'], `table ip ${name}_nat {\n  chain prerouting {\n    type nat hook prerouting priority dstnat;\n    iifname "${this.hostIf}" ip daddr ${hostAddress} dnat to 127.0.0.1\n  }\n}\n`);
  }

  /** Drops TCP to and from `port` on the host (the Redis proxy) at both ends of the link. */
  partition(port: number): void {
    const { name, hostAddress } = this.link;
    run('nft', ['-f', '-'], `table netdev ${name}_part {\n  chain ingress {\n    type filter hook ingress device "${this.hostIf}" priority -500;\n    ip daddr ${hostAddress} tcp dport ${port} drop\n  }\n}\n`);
    run('ip', ['netns', 'exec', name, 'nft', '-f', '-'], `table netdev ${PREFIX}_part {\n  chain ingress {\n    type filter hook ingress device "${this.nsIf}" priority -500;\n    ip saddr ${hostAddress} tcp sport ${port} drop\n  }\n}\n`);
  }

  /** Removes the partition's tables (what is already dropped stays lost; TCP resends it). */
  heal(): void {
    const { name } = this.link;
    for (const [command, args] of [
      ['nft', ['delete', 'table', 'netdev', `${name}_part`]],
      ['ip', ['netns', 'exec', name, 'nft', 'delete', 'table', 'netdev', `${PREFIX}_part`]],
    ] as const) {
      try {
        execFileSync(command, args, { stdio: 'ignore' });
      } catch {
        // not partitioned
      }
    }
  }

  /** The partition, the DNAT table, the namespace and its veth pair. Safe to call twice. */
  undo(): void {
    if (this.undone) return;
    this.undone = true;
    removeAll(this.link.name);
    this.forgetExitHook();
  }

  /** What is left on the machine under this namespace's name (empty once undone). */
  static leftovers(name: string): string[] {
    const left: string[] = [];
    if (run('ip', ['netns', 'list']).split('\n').some((l) => l.split(' ')[0] === name)) left.push(`namespace ${name}`);
    if (run('ip', ['-o', 'link', 'show']).includes(`${name}h`)) left.push(`link ${name}h`);
    for (const table of run('nft', ['list', 'tables']).split('\n')) if (table.includes(name)) left.push(table.trim());
    return left;
  }
}
