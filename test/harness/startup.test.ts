// Picking a node's own error line out of what it printed when it failed to start.
import { describe, expect, it } from 'vitest';
import { describeStartupFailures, startupErrorLine } from '../../src/harness/startup.js';

const USAGE = ['', 'usage: node [options]', ...Array.from({ length: 30 }, (_, i) => `  --option-${i} N    what it does (default ${i})`)].join('\n');

const NODE_STACK = `file:///srv/node.mjs:13
    throw new Error('cannot open the state directory /var/state');
    ^

Error: cannot open the state directory /var/state
    at Interface.<anonymous> (file:///srv/node.mjs:13:11)
    at Interface.emit (node:events:524:28)

Node.js v20.20.2
`;

describe('the error line of a failed start', () => {
  it('is the error, not the usage text after it', () => {
    expect(startupErrorLine(`raftkv: --tick-ms (RAFTKV_TICK_MS) must be an integer from 1 to 1000; got "nope"\n${USAGE}\n`)).toBe(
      'raftkv: --tick-ms (RAFTKV_TICK_MS) must be an integer from 1 to 1000; got "nope"',
    );
  });

  it('is the message line of an uncaught exception, not the quoted source line', () => {
    expect(startupErrorLine(NODE_STACK)).toBe('Error: cannot open the state directory /var/state');
    expect(startupErrorLine('Traceback (most recent call last):\n  File "node.py", line 3\nValueError: bad port\n')).toBe('ValueError: bad port');
    expect(startupErrorLine('Exception in thread "main" java.lang.IllegalStateException: no id\n\tat Main.main(Main.java:5)\n')).toBe(
      'Exception in thread "main" java.lang.IllegalStateException: no id',
    );
  });

  it('skips chatter before the error, and falls back to the first line', () => {
    expect(startupErrorLine('node: starting up\nnode: reading config\nnode: fatal: port 0 is not allowed\n')).toBe('node: fatal: port 0 is not allowed');
    expect(startupErrorLine('\n\nsomething happened\nand then more\n')).toBe('something happened');
    expect(startupErrorLine('')).toBeUndefined();
    expect(startupErrorLine(`${'x'.repeat(1000)}\n`)).toMatch(/^x{300}… \(1000 chars\)$/);
  });
});

describe('failed starts, described', () => {
  it('names the node, its error line, how it ended and where its stderr is; the same failure once', () => {
    const failure = (node: string, stderr: string): Parameters<typeof describeStartupFailures>[0][number] => ({
      node,
      exit: { code: 2, signal: null },
      stderr,
      logPath: `/out/node-logs/${node}.log`,
    });
    const bad = `node: unknown option "--x"\n${USAGE}`;
    expect(describeStartupFailures([failure('n0', bad), failure('n1', bad), failure('n2', bad)])).toEqual([
      'node n0 failed to start: node: unknown option "--x" (it exited with code 2 before answering init; its stderr is in /out/node-logs/n0.log)',
      'nodes n1, n2 failed the same way (their stderr is each in the same directory)',
    ]);
    expect(
      describeStartupFailures([
        failure('n0', ''),
        { node: 'n1', exit: { code: null, signal: 'SIGSEGV' }, stderr: 'Segmentation fault', logPath: '/out/node-logs/n1.log' },
        { node: 'n2', exit: { spawnError: '/bin/node: spawn EACCES' }, stderr: '', logPath: '/out/node-logs/n2.log' },
      ]),
    ).toEqual([
      'node n0 failed to start: it wrote nothing on stderr (it exited with code 2 before answering init; its stderr is in /out/node-logs/n0.log)',
      'node n1 failed to start: Segmentation fault (it was killed by SIGSEGV before answering init; its stderr is in /out/node-logs/n1.log)',
      'node n2 failed to start: cannot run the node binary: /bin/node: spawn EACCES (no process was started; its stderr is in /out/node-logs/n2.log)',
    ]);
  });
});
