/**
 * Bounding what a tool hands back to the model. Output is cut in the middle: the start of a log
 * says what ran, its end says how it finished, and the model needs both. A command's output is
 * collected as it streams, keeping only its first and last `max` characters, so a command that
 * prints gigabytes costs bounded memory and still shows its last lines.
 */

const marker = (n: number) => `\n…[${n} characters truncated]…\n`;

/**
 * `text` cut to at most `max` characters, keeping its head and tail. `alreadyDropped` counts
 * characters removed from the middle before (they are included in the marker, and force a cut).
 */
export function truncateMiddle(text: string, max: number, alreadyDropped = 0): string {
  if (text.length <= max && alreadyDropped === 0) return text;
  const total = text.length + alreadyDropped;
  const keep = Math.max(0, Math.min(text.length, max - marker(total).length));
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  return `${text.slice(0, head)}${marker(total - keep)}${tail > 0 ? text.slice(text.length - tail) : ''}`;
}

/** Lines of a stream, in arrival order, with only the first and last `max` characters kept. */
export class OutputWindow {
  private head = '';
  private tail: string[] = [];
  private tailChars = 0;
  private dropped = 0;

  constructor(private readonly max: number) {}

  push(line: string): void {
    let text = `${line}\n`;
    if (this.head.length < this.max) {
      const room = this.max - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
      if (!text) return;
    }
    this.tail.push(text);
    this.tailChars += text.length;
    while (this.tail.length > 1 && this.tailChars - this.tail[0]!.length >= this.max) {
      const gone = this.tail.shift()!;
      this.tailChars -= gone.length;
      this.dropped += gone.length;
    }
  }

  /** `header` and the output, at most `max` characters in all. */
  render(header: string): string {
    const body = `${this.head}${this.tail.join('')}`.trimEnd();
    return truncateMiddle(body ? `${header}\n${body}` : header, this.max, this.dropped);
  }
}
