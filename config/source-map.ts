/**
 * Maps a key path back to a line and column of the YAML source, so every diagnostic points at the
 * offending node (for a missing key: the key of the map that should hold it).
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/** A 1-based line and column in a file. */
export interface Position {
  line: number;
  column: number;
}

const BLOCK = new Set(['BLOCK_LITERAL', 'BLOCK_FOLDED']);

/** Where a path points to in one YAML document. */
export interface SourceMap {
  /** The file the document came from. */
  file: string;
  /**
   * Position of the value at `path` (`key: true`: of its key), else of the nearest existing parent.
   * `content: true` gives the first line of a block scalar's text (the line after `|` or `>`).
   */
  locate(path: readonly (string | number)[], options?: { key?: boolean; content?: boolean }): Position;
}

/**
 * A source map over a parsed document. `firstLine` is the file line the YAML text starts on (2 for
 * WORKFLOW.md front matter), so positions are file positions.
 */
export function createSourceMap(file: string, doc: Document | null, lineCounter: LineCounter, firstLine = 1): SourceMap {
  const at = (offset: number): Position => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line + firstLine - 1, column: pos.col };
  };
  const start: Position = { line: firstLine, column: 1 };
  return {
    file,
    locate(path, options = {}) {
      let node: Node | null | undefined = doc?.contents as Node | null | undefined;
      let here: Position = node?.range ? at(node.range[0]) : start;
      for (let i = 0; i < path.length; i++) {
        const part = path[i]!;
        const last = i === path.length - 1;
        if (isMap(node)) {
          const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(part));
          if (!pair) return here;
          const keyPos = isScalar(pair.key) && pair.key.range ? at(pair.key.range[0]) : here;
          const value = pair.value as Node | null;
          if (last && options.key) return keyPos;
          const empty = !value || (isScalar(value) && value.value === null);
          // A map or list value starts on the line after its key; the key line reads better.
          here = empty || !value.range || isMap(value) || isSeq(value) ? keyPos : at(value.range[0]);
          if (last && options.content && isScalar(value) && BLOCK.has(String(value.type))) here = { line: here.line + 1, column: 1 };
          node = value;
        } else if (isSeq(node) && typeof part === 'number') {
          const item = node.items[part] as Node | undefined;
          if (!item) return here;
          if (item.range) here = at(item.range[0]);
          node = item;
        } else {
          return here;
        }
      }
      return here;
    },
  };
}
