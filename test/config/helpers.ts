/** Shared helpers for the config tests: temporary config trees and error capture. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { ConfigError } from '../../config/index.js';

/** Writes `files` (relative path → text) into a fresh temporary directory and returns it. */
export function tempTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Runs `fn`, expects it to throw an instance of `type`, and returns the error. */
export function caught<T>(fn: () => unknown, type: abstract new (...args: never[]) => T): T {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(type);
    return err as T;
  }
  throw new Error(`expected a ${type.name}, but nothing was thrown`);
}

/** Runs `fn`, expects a ConfigError, and returns it. */
export function configError(fn: () => unknown): ConfigError {
  return caught(fn, ConfigError);
}
