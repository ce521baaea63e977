// Output written once per turn of the event loop rather than once per message: standard output to
// a pipe is written synchronously, each write a system call that wakes the reading process. Over
// the benchmark's 2,921 verdicts read through a pipe: 2 % less wall time and 12 % less CPU in the
// reader (README, Scan speed).

export interface TurnWriter {
  write(text: string): void;
  /** Writes what is pending now; call it before the process may exit. */
  flush(): void;
}

export function turnWriter(stream: NodeJS.WritableStream): TurnWriter {
  let parts: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (!parts.length) return;
    stream.write(parts.join(''));
    parts = [];
  };
  return {
    write(text) {
      parts.push(text);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
