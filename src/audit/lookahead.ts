// A small peekable wrapper over an async iterator: verify needs to look a few records ahead to tell
// an insertion from a reordering from a deletion.
export class Lookahead<T> {
  private readonly buffer: T[] = [];
  private done = false;

  constructor(private readonly source: AsyncIterator<T>) {}

  async next(): Promise<T | undefined> {
    if (this.buffer.length > 0) return this.buffer.shift();
    return this.pull();
  }

  /** The item `index` places ahead of the next one (0 = what next() would return). */
  async peek(index = 0): Promise<T | undefined> {
    while (this.buffer.length <= index && !this.done) {
      const item = await this.pull();
      if (item === undefined) break;
      this.buffer.push(item);
    }
    return this.buffer[index];
  }

  private async pull(): Promise<T | undefined> {
    if (this.done) return undefined;
    const result = await this.source.next();
    if (result.done) {
      this.done = true;
      return undefined;
    }
    return result.value;
  }
}
