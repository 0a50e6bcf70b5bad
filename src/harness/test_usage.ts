// The text of `raftkv-test test --help`: every flag with its default, what a seed repeats, the
// nemeses, the recovery check, swarm runs and the exit statuses. Only text; options.ts parses.

export const TEST_USAGE = `usage: raftkv-test test -w WORKLOAD --bin FILE [options] [-- node arguments]

Runs a Maelstrom node binary as a cluster under a simulated network, drives it with Maelstrom's
clients for the workload, injects faults, records the history and checks it: lin-kv for
linearizability, txn-list-append and txn-rw-register for the --consistency-models (Elle-style).
Options (names and defaults as Maelstrom's):
  -w, --workload NAME        lin-kv (default), txn-list-append or txn-rw-register
  --bin FILE                 the node binary (required); a .js/.mjs file that is not executable
                             is run with this Node.js. Extra arguments are passed to it.
  --node-count N             nodes n0 .. n(N-1) (default 5)
  --time-limit S             seconds of client operations (default 60)
  --rate R                   total operations per second across clients (default 5; 0: none)
  --concurrency C            client threads, a number or Nn = N × node-count (default 1n;
                             lin-kv needs a multiple of 2n; thread t talks to node t mod N)
  --latency MS               mean node-to-node latency in ms (default 0)
  --latency-dist D           constant | uniform | exponential (default constant)
  --nemesis LIST             comma-separated faults (default none): Maelstrom's partition, kill,
                             pause (kill and pause take one node, a minority third, a
                             minority, a majority, all or a random subset, as Maelstrom's
                             do), and the targeted ones below; "targeted" names all of
                             those, "all" every kind
  --nemesis-interval S       mean seconds between nemesis steps (default 10)
  --availability X           total, or the fraction of ops that must succeed (default: not checked)
  --seed N                   seed of every random choice (default random; always printed).
                             The same seed repeats: each client thread's operations and
                             values, in order; the nemesis schedule (when each step is due,
                             kinds, target nodes, partition shapes); each node's RAFTKV_SEED
                             (one per node and restart). It cannot repeat what timing decides:
                             process scheduling, message delivery order (so which message
                             gets which latency draw), which thread runs next and when, which
                             operations time out, and so the process numbers and at which
                             operation a group moves to its next key. In the txn workloads
                             a seed repeats each thread's txn shapes (length, reads and
                             writes, key slots), not the keys and values: those are shared
                             by all threads (unique per key) and follow the timing
  --out DIR                  results directory (default store/<workload>/<time>); store/latest links
                             to it by default and when DIR lies inside the store
  --data-dir-root DIR        parent of the run's node data directory (default <out>/data);
                             nodes get it as RAFTKV_DATA_DIR, so a restarted node finds its files
  --log-stderr               copy node stderr to this console (always in <out>/node-logs/)
  --check-time-limit S       wall-clock budget of the check (default none)
  --test-count N             run the test N times (seeds seed, seed+1, ...), stop at the first run
                             that is not valid, print the command that replays it; a last
                             line tallies the verdicts
  --swarm                    (not Maelstrom's) each run draws from its seed a mix of 1-4 nemesis
                             kinds (from --nemesis if given, else every kind), a nemesis
                             interval (0.3-4 s), a rate (20-400/s) and a latency (none, or
                             1-30 ms with a drawn distribution); a flag given keeps its value.
                             Each run's draw and seed are printed
  --recovery-timeout S       (not Maelstrom's) after healing, every node must serve each
                             operation type within S seconds (default 10; 0: no check), else
                             the run is "valid but did not recover" (exit status 3)
  --bursts                   (not Maelstrom's) whenever the node-to-node traffic shows a node
                             other than the last one sending to every peer (an election, a
                             new leader, a deposed one still sending), fresh clients read and
                             write the keys in use at every node, back to back, for 0.5 s:
                             stale reads around a change of leader last milliseconds, and
                             this is when they happen
  --progress-interval S      seconds between progress lines on stderr (default 5; 0: none)
  --client-sessions          (not Maelstrom's) clients open a raftkv session and retry
                             indeterminate writes and cas with the same sequence number
  --read-fraction F          (not Maelstrom's) every client reads with probability F, else
                             writes or cas-es 1:2; default: Maelstrom's fixed half readers
  -h, --help                 print this help
Transactions (txn-list-append, txn-rw-register only; Elle's generator as Maelstrom runs it):
  --consistency-models LIST  models to check, comma-separated, each with its own verdict:
                             strict-serializable (default), serializable, snapshot-isolation,
                             repeatable-read, read-committed, read-uncommitted (lin-kv takes
                             only linearizable)
  --key-count N              active keys at any time (default 10)
  --max-txn-length N         micro-ops per txn: 1 to N, each a read or a write with equal
                             odds (default 4)
  --max-writes-per-key N     writes per key (values 1, 2, 3, ... unique per key); the next
                             write retires the key and a fresh one takes its place (default 16)
  --key-dist D               exponential (default, Maelstrom's: each active key twice as
                             likely as the one before, so one takes about half of all
                             micro-ops) or uniform (not Maelstrom's)
  --final-reads              (default; not Maelstrom's, as Jepsen's tests do) after healing
                             and the last txns, read every key ever written, up to
                             --max-txn-length keys per txn, retried (bounded) until each read
                             commits; recorded and checked like any txn
  --no-final-reads           end with the time limit, as Maelstrom
  Client timeout 5 s. A txn is never sent twice: a timeout or an indefinite error is info, a
  definite error (30 txn-conflict, 14 abort, 11, 10, ...) fail, and a txn_ok whose micro-ops
  differ from the request (other length, f, keys or written values, a read of the wrong
  type) is a malformed response, recorded info. --client-sessions and --read-fraction are
  lin-kv's only.
Targeted faults (not Maelstrom's). The likely leader is the node that sent the most
node-to-node messages in the last second (no message body is read; nodes the nemesis killed
or paused are passed over); the step's history entry says whom it chose and on what counts.
  partition-leader           cut the likely leader off from the rest; heal at the next step
  partition-new-leader       cut the likely leader off, then each time the traffic shows a new
                             one, cut that one off at once (the previous rejoins); heal next step
  partition-election         cut the likely leader off, then re-partition 1-3 times while the
                             election runs (at 0.2-1 times the failover time seen so far):
                             cut off the busiest node since the last change, or a Maelstrom shape
  kill-leader, pause-leader  kill (restart at the next step) or pause the likely leader
  delay-spike                add 50-2000 ms to every message sent on one link, on each link
                             out of the likely leader, or on each link of one node, until the
                             next step: what is sent then arrives after what is sent later
  duplicate                  until the next step, send each node-to-node message twice with a
                             probability of 0.05-0.5, the copy (same id) up to 10-1000 ms late
  The schedule (when, which kind) follows from the seed alone; whom a targeted step picks
  follows from the seed and the traffic.
Recovery: once every fault is healed, one probe per node and operation type (lin-kv: read,
write, cas on the keys worked on last; txn: a read and an append) is sent again until served
(ok, or error 20/22 for read and cas) or the bound runs out. Probes go into the history and
are checked, but are left out of every statistic.
Exit status: 0 valid, 1 invalid, 2 unknown or harness error, 3 valid (or undecided) but some
node did not serve again after healing, 254 bad arguments.
`;
