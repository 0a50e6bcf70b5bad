// The README's examples are run, so they stay true: the quick start names scripts that exist, and
// the "talk to it by hand" messages get the replies the README describes.
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NodeProcess, RAFTKV_BIN, REPO_ROOT, requireBuilt, stopAll } from '../support/node_process.js';

const README = readFileSync(`${REPO_ROOT}README.md`, 'utf8');

/** The first fenced sh block after a heading. */
function shBlockAfter(heading: string): string[] {
  const start = README.indexOf(heading);
  expect(start, `README has "${heading}"`).toBeGreaterThan(-1);
  const block = /```sh\n([\s\S]*?)```/.exec(README.slice(start));
  expect(block, `an sh block after "${heading}"`).not.toBeNull();
  return (block?.[1] ?? '').split('\n').filter((line) => line.trim() !== '');
}

beforeAll(() => requireBuilt('dist/raftkv.mjs'));
afterEach(stopAll);

describe('README', () => {
  it('quick start: exactly two commands, each an npm script that exists', () => {
    const scripts = (JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;
    const lines = shBlockAfter('## Quick start');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const match = /^npm ci && npm (?:run )?([\w:-]+)\s/.exec(line);
      expect(match, line).not.toBeNull();
      expect(scripts[match?.[1] ?? ''], line).toBeDefined();
    }
  });

  it('talk to it by hand: the messages get the replies it describes', async () => {
    const lines = shBlockAfter('### Talk to it by hand');
    const messages = lines.filter((line) => line.startsWith('{'));
    expect(messages).toHaveLength(4);
    const node = new NodeProcess(RAFTKV_BIN, ['--log-level', 'warn']);
    for (const message of messages) node.send(message);
    const replies = new Map<number, Record<string, unknown>>();
    while (replies.size < messages.length) {
      const { body } = await node.next(5_000);
      replies.set(body['in_reply_to'] as number, body);
    }
    expect(replies.get(1)).toMatchObject({ type: 'init_ok' });
    expect(replies.get(2)).toMatchObject({ type: 'write_ok' });
    expect(replies.get(3)).toMatchObject({ type: 'read_ok', value: 42 });
    expect(replies.get(4)).toMatchObject({ type: 'error', code: 22 });
  });
});
