#!/bin/sh
':' //; export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"; case " $NODE_OPTIONS " in *[-_]semi[-_]space[-_]size*) exec node "$0" "$@" ;; *) exec node --max-semi-space-size=4 "$0" "$@" ;; esac
// The `baton` command: the compiled CLI (dist/, written by `npm run build`), run in this process so
// SIGINT/SIGTERM/SIGHUP reach the CLI itself and its exit code is this process's.
//
// Lines 1–2 are a POSIX sh launcher as well as JavaScript (to node, line 2 is a string and a
// comment). Run as a command, sh replaces itself with node (same pid, no wrapper process) and adds
// the one heap flag that must be given before the main isolate exists: a young-generation
// semi-space of 4 MiB, where V8 would grow it to 16 MiB — 2 × 16 MiB of RSS held from start-up on
// (runtime/heap.ts has the figures and applies the flags that can be set later, for the workflow
// thread too). It also caps glibc's malloc at two arenas: each thread that allocates (the SDK's
// Rust runtime, V8's and libuv's helpers) otherwise gets an arena of its own and keeps what it
// freed; idle RSS 142–153 → 135 MiB, N=200 peak 210–221 → 192–194 MiB, same time and CPU. A
// semi-space in NODE_OPTIONS and a MALLOC_ARENA_MAX in the environment win; `node bin/baton.js`
// skips the launcher.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('baton: dist/cli/main.js is missing; this checkout has not been built. Run `npm run build` (or `npm install`) in it.\n');
  process.exit(1);
}
await import(main.href);
