// Composition root of bin/raftkv-test.
process.stderr.write('raftkv-test: not built yet\n');
process.exit(2);
