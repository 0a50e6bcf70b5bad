// Several real bin/raftkv processes wired together by the test itself: every line a node writes
// to another node is passed on as written (and measured), and lines to clients resolve the
// requests waiting for them. Every wait has a timeout; stopAll() stops the processes.

import { NodeProcess, RAFTKV_BIN, withTimeout, type Envelope } from './node_process.js';

export interface RoutedClusterOptions {
  readonly nodeIds: readonly string[];
  /** Extra arguments for node i. */
  readonly args?: (index: number) => readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** `{"src":"..","dest":".."` at the start of every line a node writes. */
const ROUTE = /^\{"src":"((?:[^"\\]|\\.)*)","dest":"((?:[^"\\]|\\.)*)"/;

export class RoutedCluster {
  readonly nodes = new Map<string, NodeProcess>();
  /** The longest line (in bytes, newline excluded) each node wrote, to anyone. */
  readonly longestLine = new Map<string, number>();
  readonly linesWritten = new Map<string, number>();
  private readonly waiting = new Map<string, (body: Record<string, unknown>) => void>();
  private nextMsgId = 1;

  constructor(options: RoutedClusterOptions) {
    options.nodeIds.forEach((id, index) => {
      const node = new NodeProcess(RAFTKV_BIN, options.args?.(index) ?? [], {
        cwd: '/tmp',
        env: options.env ?? { ...process.env, RAFTKV_DATA_DIR: undefined },
        onLine: (line) => this.route(id, line),
      });
      this.nodes.set(id, node);
      this.longestLine.set(id, 0);
      this.linesWritten.set(id, 0);
    });
  }

  node(id: string): NodeProcess {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  stderr(id: string): string {
    return this.node(id).stderr.join('');
  }

  /** Sends init to every node and waits for every init_ok. */
  async init(timeoutMs = 10_000): Promise<void> {
    const ids = [...this.nodes.keys()];
    const replies = await Promise.all(ids.map((id) => this.request(id, 'c0', { type: 'init', node_id: id, node_ids: ids }, timeoutMs)));
    for (const [i, reply] of replies.entries()) if (reply?.['type'] !== 'init_ok') throw new Error(`init of ${ids[i]} failed: ${JSON.stringify(reply)}`);
  }

  /** Sends a request from `client` to node `id`; resolves with the reply's body, or undefined after timeoutMs. */
  request(id: string, client: string, body: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown> | undefined> {
    const msgId = this.nextMsgId++;
    const key = `${client} ${msgId}`;
    const reply = new Promise<Record<string, unknown>>((resolve) => this.waiting.set(key, resolve));
    this.node(id).send(`{"src":${JSON.stringify(client)},"dest":${JSON.stringify(id)},"body":${JSON.stringify({ ...body, msg_id: msgId })}}`);
    return withTimeout(reply, timeoutMs, `${body['type']} to ${id}`).catch(() => {
      this.waiting.delete(key);
      return undefined;
    });
  }

  /** Waits until `predicate` holds (checked every 20 ms); fails after timeoutMs. */
  static async until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    await withTimeout(
      (async () => {
        while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 20));
      })(),
      timeoutMs,
      what,
    );
  }

  private route(from: string, line: string): void {
    const bytes = Buffer.byteLength(line);
    this.longestLine.set(from, Math.max(this.longestLine.get(from) ?? 0, bytes));
    this.linesWritten.set(from, (this.linesWritten.get(from) ?? 0) + 1);
    const match = ROUTE.exec(line);
    if (match === null) throw new Error(`${from} wrote a line that is not an envelope: ${line.slice(0, 200)}`);
    const dest = JSON.parse(`"${match[2]}"`) as string;
    const peer = this.nodes.get(dest);
    if (peer !== undefined) {
      if (peer.alive) peer.send(line);
      return;
    }
    const { body } = JSON.parse(line) as Envelope;
    const key = `${dest} ${String(body['in_reply_to'])}`;
    const resolve = this.waiting.get(key);
    if (resolve === undefined) return; // an answer that came after its request timed out
    this.waiting.delete(key);
    resolve(body);
  }
}
